"""The second factor's addresses, under the admin's: setting one up, the
step after the password, recovery codes, invitations, and passkeys
(django-otp-webauthn's API, under the names its scripts expect; a passkey
completes a login only as its second step)."""

from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from django_otp_webauthn import views as passkey_views

from accounts import invitations, two_factor

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

urlpatterns = [
    path("", two_factor.setup, name="second_factor_setup"),
    path("verify/", two_factor.verify, name="second_factor_verify"),
    path("recovery-codes/", two_factor.recovery_codes, name="second_factor_recovery_codes"),
    path("missing/", two_factor.missing, name="second_factor_missing"),
    path("invitation/", invitations.invitation, name="invitation"),
    path("invitation/<str:token>/", invitations.accept, name="invitation_accept"),
    path("passkeys/", include((passkey_urls, "otp_webauthn"))),
]
