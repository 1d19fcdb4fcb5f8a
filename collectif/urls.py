from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.sitemaps import views as sitemaps
from django.urls import include, path
from django.views.generic import RedirectView

from events import views as event_views
from publishing import editor, views
from website import views as website_views
from website.sitemap import SITEMAPS

admin.site.site_header = "collectif"
admin.site.site_title = "collectif"

urlpatterns = [
    path(f"{settings.ADMIN_URL}second-factor/", include("accounts.urls")),
    # Before the admin's own addresses, whose catch-all would answer first.
    path(f"{settings.ADMIN_URL}editor/", editor.urls()),
    path(settings.ADMIN_URL, admin.site.urls),
    path("pdf/<str:fingerprint>/<slug:stem>.pdf", views.pdf_file, name="pdf_file"),
    path("pdf/<str:fingerprint>/<slug:stem>.webp", views.first_page_picture, name="first_page_picture"),
    path("robots.txt", website_views.robots_txt, name="robots_txt"),
    # An index of sections, each in pages of PublicationSitemap.limit addresses.
    path("sitemap.xml", sitemaps.index, {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap_section"}, name="sitemap"),
    path("sitemap-<slug:section>.xml", sitemaps.sitemap, {"sitemaps": SITEMAPS}, name="sitemap_section"),
    # Browsers ask for /favicon.ico whatever the page says.
    path("favicon.ico", RedirectView.as_view(url=f"{settings.STATIC_URL}favicon.svg", permanent=True)),
]

urlpatterns += i18n_patterns(
    path("", include("website.urls")),
    path("tracts/", include("tracts.urls")),
    path("articles/", include("articles.urls")),
    path("newsletter/", include("newsletter.urls")),
    path("agenda/", include("events.urls")),
    # The agenda to subscribe to (per theme with ?theme=), in each language.
    path("agenda.ics", event_views.agenda_ics, name="agenda_ics"),
    prefix_default_language=True,
)

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler404 = "website.views.page_not_found"
handler500 = "website.views.server_error"
