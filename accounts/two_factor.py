"""A second factor for every staff account: passkeys, authenticator apps, recovery codes.

After the password, staff prove themselves a second time (django-otp marks
the session verified). A staff account without any factor cannot log in
with its password: its first factor is enrolled by a session that came
through an invitation (accounts.invitations), and nothing else of the admin
opens until then. django-axes counts failures of both steps together, per
address and account, and forgets them only after both steps succeed.
"""

import base64
from urllib.parse import quote, urlsplit

import segno
from axes.handlers.proxy import AxesProxyHandler
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.admin import site as admin_site
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import logout
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user, match_token
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.exceptions import NotVerified, OTPWebAuthnApiError
from django_otp_webauthn.helpers import WebAuthnHelper
from django_otp_webauthn.models import WebAuthnCredential
from django_otp_webauthn.views import (
    BeginCredentialRegistrationView,
    CompleteCredentialAuthenticationView,
    CompleteCredentialRegistrationView,
)

from accounts.invitations import INVITED_SESSION_KEY, is_invited
from accounts.security import forgive_failures
from publishing.models import SiteSettings

RECOVERY_CODE_COUNT = 10
RECOVERY_DEVICE_NAME = "recovery codes"
APP_DEVICE_NAME = "authenticator app"
# Codes just made, shown once on the next page and then forgotten.
NEW_CODES_SESSION_KEY = "second_factor_new_codes"


def has_second_factor(user) -> bool:
    """An enrolled factor that can still be used (recovery codes all spent do not count)."""
    return any(not isinstance(device, StaticDevice) or device.token_set.exists() for device in devices_for_user(user))


def _is_exempt(path: str) -> bool:
    """Pages an unverified staff member may open: logging in and out, and the second step itself."""
    admin_prefix = f"/{settings.ADMIN_URL}"
    open_paths = (
        f"{admin_prefix}second-factor/",
        reverse("admin:login"),
        reverse("admin:logout"),
    )
    return not path.startswith(admin_prefix) or path.startswith(open_paths)


class StaffSecondFactorMiddleware:
    """Staff whose session has not passed the second step are sent to it (or to enrolment)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and user.is_staff and not user.is_verified() and not _is_exempt(request.path):
            if has_second_factor(user):
                return redirect(f"{reverse('second_factor_verify')}?next={quote(request.get_full_path())}")
            if is_invited(request):
                return redirect(f"{reverse('second_factor_setup')}?next={quote(request.get_full_path())}")
            return redirect("second_factor_missing")
        return self.get_response(request)


NO_FACTOR_MESSAGE = _(
    "This account has no second factor yet, and a password alone does not open the admin. "
    "Ask an administrator for an invitation link."
)


class StaffLoginForm(AdminAuthenticationForm):
    """The admin's login form: a staff account with no second factor is refused, even with
    the right password; its first factor comes with an invitation."""

    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        if not has_second_factor(user):
            raise forms.ValidationError(NO_FACTOR_MESSAGE, code="no_second_factor")


def missing(request: HttpRequest) -> HttpResponse:
    """Where a session without any factor, nor an invitation, ends: logged out, and told what to do."""
    user = request.user
    if user.is_authenticated and not user.is_verified() and not has_second_factor(user) and not is_invited(request):
        logout(request)
    return render(
        request,
        "admin/second_factor/missing.html",
        {**admin_site.each_context(request), "title": _("Ask for an invitation"), "message": NO_FACTOR_MESSAGE},
    )


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure())
    return target if allowed else reverse("admin:index")


def _credentials(request: HttpRequest) -> dict:
    return {"username": request.user.get_username()}


def second_step_failed(request: HttpRequest) -> None:
    """A wrong code or passkey counts as a failed login for django-axes."""
    user_login_failed.send(sender=__name__, credentials=_credentials(request), request=request)


def second_step_passed(request: HttpRequest, device) -> None:
    otp_login(request, device)
    # Both steps passed: the failures of this address on this account are
    # forgiven (see AXES_RESET_ON_SUCCESS in settings: a password alone
    # forgives nothing).
    forgive_failures(request, request.user)


def _locked_out(request: HttpRequest) -> bool:
    if AxesProxyHandler.is_locked(request, _credentials(request)):
        request.axes_locked_out = True  # AxesMiddleware answers with the lockout page
        return True
    return False


def _admin_context(request: HttpRequest, title: str, **context) -> dict:
    return {**admin_site.each_context(request), "title": title, "next": _next_url(request), **context}


def _staff_only(view):
    def guarded(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not (request.user.is_authenticated and request.user.is_active and request.user.is_staff):
            return redirect(f"{reverse('admin:login')}?next={quote(request.get_full_path())}")
        return view(request, *args, **kwargs)

    return guarded


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True, "dir": "ltr"}
        ),
        help_text=_("The 6 digits your authenticator app shows, or one of your recovery codes."),
    )

    def clean_code(self) -> str:
        return "".join(self.cleaned_data["code"].split()).lower()


class AppCodeForm(CodeForm):
    """The first code of an authenticator app being set up."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].help_text = _("The 6 digits the app shows now.")
        self.fields["code"].widget.attrs.pop("autofocus")


@_staff_only
def verify(request: HttpRequest) -> HttpResponse:
    """The second step of a login: a code from the app, a recovery code, or a passkey."""
    user = request.user
    if user.is_verified():
        return redirect(_next_url(request))
    if not has_second_factor(user):
        return redirect(f"{reverse('second_factor_setup')}?next={quote(_next_url(request))}")
    form = CodeForm(request.POST or None)
    if request.method == "POST":
        if _locked_out(request):
            return HttpResponse(status=429)
        if form.is_valid():
            device = match_token(user, form.cleaned_data["code"])
            if device is not None:
                second_step_passed(request, device)
                if isinstance(device, StaticDevice):
                    left = device.token_set.count()
                    messages.warning(
                        request,
                        _("You used a recovery code; %(count)d left. Make new ones on “Account security”.")
                        % {"count": left},
                    )
                return redirect(_next_url(request))
            second_step_failed(request)
            if getattr(request, "axes_locked_out", False):
                return HttpResponse(status=429)
            form.add_error("code", _("This code is not valid, or it was already used. Try again."))
    has_passkey = WebAuthnCredential.objects.filter(user=user, confirmed=True).exists()
    return render(
        request,
        "admin/second_factor/verify.html",
        _admin_context(request, _("Second step of the login"), form=form, has_passkey=has_passkey),
    )


def new_recovery_codes(user) -> list[str]:
    """Replace the user's recovery codes with new ones (each works once)."""
    device, _created = StaticDevice.objects.get_or_create(user=user, name=RECOVERY_DEVICE_NAME)
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _index in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def _app_device(user) -> TOTPDevice:
    """The authenticator app being set up: one unconfirmed device, kept until confirmed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)


def _qr_code_svg(device: TOTPDevice) -> str:
    return segno.make(device.config_url, error="m").svg_inline(scale=4, dark="#000", light="#fff")


def _spaced(secret: str) -> str:
    return " ".join(secret[index : index + 4] for index in range(0, len(secret), 4))


@_staff_only
def setup(request: HttpRequest) -> HttpResponse:
    """Account security: enrol an authenticator app or a passkey, and make recovery codes."""
    user = request.user
    if has_second_factor(user):
        request.session.pop(INVITED_SESSION_KEY, None)  # the invitation served its purpose
        if not user.is_verified():
            # Adding a factor needs the ones already there: no way around them.
            return redirect(f"{reverse('second_factor_verify')}?next={quote(request.get_full_path())}")
    elif not is_invited(request):
        return redirect("second_factor_missing")
    app = _app_device(user)
    form = AppCodeForm(request.POST if request.POST.get("action") == "app" else None)
    if request.method == "POST":
        if request.POST.get("action") == "codes" and user.is_verified():
            request.session[NEW_CODES_SESSION_KEY] = new_recovery_codes(user)
            return redirect("second_factor_recovery_codes")
        if request.POST.get("action") == "app" and form.is_valid():
            if _locked_out(request):
                return HttpResponse(status=429)
            if app.verify_token(form.cleaned_data["code"]):
                app.confirmed = True
                app.save(update_fields=["confirmed"])
                second_step_passed(request, app)
                if not StaticToken.objects.filter(device__user=user).exists():
                    request.session[NEW_CODES_SESSION_KEY] = new_recovery_codes(user)
                    return redirect(f"{reverse('second_factor_recovery_codes')}?next={quote(_next_url(request))}")
                messages.success(request, _("Your authenticator app is set up."))
                return redirect("second_factor_setup")
            second_step_failed(request)
            if getattr(request, "axes_locked_out", False):
                return HttpResponse(status=429)
            form.add_error("code", _("This code does not match: check the time of your phone and try again."))
    context = _admin_context(
        request,
        _("Account security"),
        form=form,
        apps=TOTPDevice.objects.filter(user=user, confirmed=True),
        passkeys=WebAuthnCredential.objects.filter(user=user, confirmed=True),
        recovery_codes_left=StaticToken.objects.filter(device__user=user).count(),
        qr_code=_qr_code_svg(app),
        secret=_spaced(totp_secret(app)),
        enrolled=has_second_factor(user),
    )
    return render(request, "admin/second_factor/setup.html", context)


def totp_secret(device: TOTPDevice) -> str:
    """The key as authenticator apps take it when typed in (base 32)."""
    return base64.b32encode(device.bin_key).decode().rstrip("=")


@_staff_only
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """The new recovery codes, shown once."""
    codes = request.session.pop(NEW_CODES_SESSION_KEY, None)
    if not codes:
        return redirect("second_factor_setup")
    return render(
        request,
        "admin/second_factor/recovery_codes.html",
        _admin_context(request, _("Your recovery codes"), codes=codes),
    )


class PasskeySecondStepView(CompleteCredentialAuthenticationView):
    """A passkey as second step: counted by django-axes like a code, then back to the admin."""

    def post(self, *args, **kwargs):
        request = self.request
        if request.user.is_authenticated and _locked_out(request):
            return JsonResponse({"detail": str(_("Too many failed logins"))}, status=429)
        try:
            response = super().post(*args, **kwargs)
        except OTPWebAuthnApiError:
            if request.user.is_authenticated:
                second_step_failed(request)
            raise
        forgive_failures(request, request.user)
        return response

    def get_success_url(self) -> str:
        return self.get_redirect_url() or reverse("admin:index")


class InvitedRegistration:
    """Passkeys are added by a session that passed the second step, or, for a first
    factor, by one that came through an invitation (the library lets any logged-in
    account without a factor add one)."""

    def check_can_register(self) -> None:
        super().check_can_register()
        if not self.request.user.is_verified() and not is_invited(self.request):
            raise NotVerified(detail=self.messages["user_not_verified"])


class BeginPasskeyRegistrationView(InvitedRegistration, BeginCredentialRegistrationView):
    pass


class CompletePasskeyRegistrationView(InvitedRegistration, CompleteCredentialRegistrationView):
    pass


class SiteWebAuthnHelper(WebAuthnHelper):
    """Passkeys named after the collective; on a laptop, any port of the passkeys' host works."""

    def get_relying_party_name(self) -> str:
        return SiteSettings.load().site_name

    def get_allowed_origins(self) -> list[str]:
        origins = list(super().get_allowed_origins())
        origin = f"{self.request.scheme}://{self.request.get_host()}"
        if settings.DEBUG and urlsplit(origin).hostname == self.get_relying_party_domain():
            origins.append(origin)
        return origins
