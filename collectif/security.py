import base64
import hashlib
import hmac
from functools import lru_cache

from axes.handlers.database import AxesDatabaseHandler
from csp.constants import UNSAFE_INLINE
from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django_prose_editor.widgets import importmap as prose_editor_importmap


def client_ip(request: HttpRequest) -> str:
    """The visitor's address, trusting X-Forwarded-For only as far as our own proxies.

    Each proxy appends the address it received the request from, so the entry
    TRUSTED_PROXY_COUNT places from the right is the one our first proxy saw;
    anything left of it could have been written by the client.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [part.strip() for part in request.headers.get("x-forwarded-for", "").split(",") if part.strip()]
    return forwarded[-count] if len(forwarded) >= count else remote


@lru_cache(maxsize=1)
def admin_script_hashes() -> tuple[str, ...]:
    """CSP hashes of the admin's only inline script: the rich-text editor's import map."""
    rendered = str(prose_editor_importmap.render())
    content = rendered.split(">", 1)[1].rsplit("</script>", 1)[0]
    digest = base64.b64encode(hashlib.sha256(content.encode()).digest()).decode()
    return (f"'sha256-{digest}'",)


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """The strict policy of settings everywhere; in the admin, also the inline
    styles Django's admin sets and the editor's import map (by its hash)."""

    def get_policy_parts(self, request: HttpRequest, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if request.path_info.startswith(f"/{settings.ADMIN_URL}"):
            parts.update = (parts.update or {}) | {
                "script-src": list(admin_script_hashes()),
                "style-src": [UNSAFE_INLINE],
            }
        return parts


class PermissionsPolicyMiddleware:
    """Switch off the browser features the site never uses (camera, location…),
    so that injected content could not ask for them either."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


class LanguageNeutralMiddleware:
    """Stored PDFs are one file for every visitor: no `Vary: Accept-Language`
    and no `Content-Language` taken from the visitor's browser, so that a cache
    keeps one copy. Listed before LocaleMiddleware, it sees the response after it."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        response = self.get_response(request)
        if getattr(response, "language_neutral", False):
            del response["Content-Language"]
            vary = [field.strip() for field in response.get("Vary", "").split(",") if field.strip()]
            kept = [field for field in vary if field.lower() != "accept-language"]
            if kept:
                response["Vary"] = ", ".join(kept)
            else:
                del response["Vary"]
        return response


def login_username_digest(request: HttpRequest, credentials: dict | None = None) -> str | None:
    """What django-axes records of the user name tried: a keyed hash, never the name.

    The same name always gives the same digest, so failures still count per
    account; a leaked table does not list who has an account, nor the
    passwords people typed into the user name field by mistake.
    """
    username = (credentials or {}).get("username")
    if username is None and request is not None:
        username = request.POST.get("username")
    if not username:
        return None
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, username.strip().casefold().encode(), hashlib.sha256).hexdigest()[:32]


class PrivateAxesHandler(AxesDatabaseHandler):
    """django-axes' database handler, without the browser's user agent and Accept header:
    they identify a person's device and are not needed to count failures."""

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        if request is not None:
            request.axes_user_agent = ""
            request.axes_http_accept = ""
        return super().user_login_failed(sender, credentials, request, **kwargs)

    def user_logged_in(self, sender, request, user, **kwargs):
        request.axes_user_agent = ""
        request.axes_http_accept = ""
        return super().user_logged_in(sender, request, user, **kwargs)


def purge_expired_login_records() -> int:
    """Delete the failed-login records whose cool-off is over; returns how many."""
    from axes.helpers import get_cool_off
    from axes.models import AccessAttempt

    count, _deleted = AccessAttempt.objects.filter(attempt_time__lte=timezone.now() - get_cool_off()).delete()
    return count
