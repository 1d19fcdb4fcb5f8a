from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.sitemaps import views as sitemaps
from django.urls import include, path
from django.views.generic import RedirectView
from django.views.i18n import JavaScriptCatalog
from django_otp_webauthn import views as passkey_views

from accounts import invitations, two_factor
from events import views as event_views
from publishing import editor, views
from website import views as website_views
from website.sitemap import SITEMAPS

admin.site.site_header = "collectif"
admin.site.site_title = "collectif"

# Passkeys (django-otp-webauthn's API, under the names its scripts expect);
# a passkey completes a login only as its second step.
passkey_urls = [
    path(
        "registration/begin/",
        two_factor.BeginPasskeyRegistrationView.as_view(),
        name="credential-registration-begin",
    ),
    path(
        "registration/complete/",
        two_factor.CompletePasskeyRegistrationView.as_view(),
        name="credential-registration-complete",
    ),
    path(
        "authentication/begin/",
        passkey_views.BeginCredentialAuthenticationView.as_view(),
        name="credential-authentication-begin",
    ),
    path(
        "authentication/complete/",
        two_factor.PasskeySecondStepView.as_view(),
        name="credential-authentication-complete",
    ),
    path("jsi18n/", JavaScriptCatalog.as_view(packages=["django_otp_webauthn"]), name="js-i18n-catalog"),
]
second_factor_urls = [
    path("", two_factor.setup, name="second_factor_setup"),
    path("verify/", two_factor.verify, name="second_factor_verify"),
    path("recovery-codes/", two_factor.recovery_codes, name="second_factor_recovery_codes"),
    path("missing/", two_factor.missing, name="second_factor_missing"),
    path("invitation/", invitations.invitation, name="invitation"),
    path("invitation/<str:token>/", invitations.accept, name="invitation_accept"),
    path("passkeys/", include((passkey_urls, "otp_webauthn"))),
]

urlpatterns = [
    path(f"{settings.ADMIN_URL}second-factor/", include(second_factor_urls)),
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
