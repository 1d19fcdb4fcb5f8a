import base64
import hashlib
from functools import lru_cache

from csp.constants import UNSAFE_INLINE
from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.http import HttpRequest
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
