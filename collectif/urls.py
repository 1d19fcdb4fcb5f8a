from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path
from django.views.generic import RedirectView

from collectif import editor, views
from website import views as website_views
from website.sitemap import SITEMAPS

admin.site.site_header = "collectif"
admin.site.site_title = "collectif"

urlpatterns = [
    # Before the admin's own addresses, whose catch-all would answer first.
    path(f"{settings.ADMIN_URL}editor/", editor.urls()),
    path(settings.ADMIN_URL, admin.site.urls),
    path("pdf/<str:etag>/<slug:stem>.pdf", views.pdf_file, name="pdf_file"),
    path("robots.txt", website_views.robots_txt),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    # Browsers ask for /favicon.ico whatever the page says.
    path("favicon.ico", RedirectView.as_view(url=f"{settings.STATIC_URL}favicon.svg", permanent=True)),
]

urlpatterns += i18n_patterns(
    path("", include("website.urls")),
    path("tracts/", include("tracts.urls")),
    path("articles/", include("articles.urls")),
    prefix_default_language=True,
)

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler404 = "collectif.views.page_not_found"
handler500 = "collectif.views.server_error"
