from django.urls import path

from . import feeds, views

app_name = "events"

urlpatterns = [
    path("", views.index, name="index"),
    path("past/", views.past, name="past"),
    path("past/<int:year>/", views.past, name="past_year"),
    path("feed.rss", feeds.EventFeed(), name="feed"),
    path("feed.atom", feeds.EventAtomFeed(), name="atom"),
    path("<slug:slug>/", views.detail, name="detail"),
    path("<slug:slug>/event.ics", views.event_ics, name="ics"),
    path("<slug:slug>/<slug:format_name>.pdf", views.poster, name="poster"),
]
