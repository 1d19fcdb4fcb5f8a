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
