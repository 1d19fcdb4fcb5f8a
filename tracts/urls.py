from django.urls import path

from . import views

app_name = "tracts"

urlpatterns = [
    path("", views.archive, name="archive"),
    path("<slug:slug>/", views.detail, name="detail"),
    path("<slug:slug>/archive.pdf", views.archived_pdf, name="archived_pdf"),
    path("<slug:slug>/archive.webp", views.archived_preview, name="archived_preview"),
    path("<slug:slug>/<slug:print_format>.pdf", views.pdf, name="pdf"),
]
