"""Headers every response carries, and clean answers to odd requests.

The security headers (CSP, Permissions-Policy) and one file per PDF for
every visitor (no `Vary: Accept-Language`) are set here.

Scanners and attackers send what no browser does: NUL bytes in parameters
(PostgreSQL refuses them in any text, which used to end in a 500 and a
traceback per hit), POST or DELETE to pages, OPTIONS. Each gets a short,
deliberate answer here, and a PDF that cannot be rendered gets a page that
says so rather than an error.
"""

import base64
import hashlib
from collections.abc import Callable
from functools import lru_cache

from csp.constants import UNSAFE_INLINE
from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.http import HttpRequest, HttpResponse, QueryDict
from django.template import loader
from django.urls import ResolverMatch
from django.utils import translation
from django.utils.cache import patch_cache_control
from django_prose_editor.widgets import importmap as prose_editor_importmap

from publishing.pdf import RenderFailed
from publishing.typography import FRENCH_SPACED_LANGUAGES, french_spacing_of_html

from .caching import PUBLIC_CACHE_CONTROL, without_tracking

# The public site: read-only pages, feeds and files. The admin (and any
# other form a later feature adds under its own name) is left alone.
PUBLIC_NAMESPACES = {"website", "tracts", "articles"}
PUBLIC_URL_NAMES = {"pdf_file", "first_page_picture", "sitemap", "robots_txt"}
SAFE_METHODS = ("GET", "HEAD")
ALLOWED_METHODS = "GET, HEAD, OPTIONS"


def has_invalid_characters(request: HttpRequest) -> bool:
    """True when the path, a query parameter, a cookie or a header holds a NUL
    byte (never in a real request; PostgreSQL refuses it in any text)."""
    if "\x00" in request.path:
        return True
    if any("\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()):
        return True
    if any("\x00" in key or "\x00" in value for key, value in request.COOKIES.items()):
        return True
    return any(
        "\x00" in value for key, value in request.META.items() if key.startswith("HTTP_") and isinstance(value, str)
    )


def is_public_view(match: ResolverMatch | None) -> bool:
    if match is None:
        return False
    return bool(PUBLIC_NAMESPACES.intersection(match.namespaces)) or match.url_name in PUBLIC_URL_NAMES


def site_page(request: HttpRequest, template: str, status: int, context: dict | None = None) -> HttpResponse:
    """A page in the site's layout with this status (no database query beyond the layout's)."""
    html = loader.get_template(template).render(context or {}, request)
    return HttpResponse(html, status=status)


def remove_from_vary(response: HttpResponse, name: str) -> None:
    """Drop one header name (lower case) from the response's `Vary`."""
    vary = [field.strip() for field in response.get("Vary", "").split(",") if field.strip()]
    kept = [field for field in vary if field.lower() != name]
    if kept:
        response["Vary"] = ", ".join(kept)
    else:
        del response["Vary"]


class NulBytesMiddleware:
    """Place first, before anything reads the database with what the request
    carries (old addresses, the session): a NUL byte anywhere is a 400 page, in
    the language of the address, else the browser's."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if has_invalid_characters(request):
            language = translation.get_language_from_path(request.path_info) or translation.get_language_from_request(
                request
            )
            with translation.override(language):
                return site_page(request, "400.html", 400)
        return self.get_response(request)


class OddRequestsMiddleware:
    """Place after LocaleMiddleware (pages in the visitor's language) and before
    CsrfViewMiddleware (a POST to a page is a 405, not a CSRF failure)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> HttpResponse | None:
        if not is_public_view(request.resolver_match) or request.method in SAFE_METHODS:
            return None
        # OPTIONS: the methods, nothing else (not the whole page or PDF).
        is_options = request.method == "OPTIONS"
        response = HttpResponse(status=200) if is_options else site_page(request, "405.html", 405)
        response["Allow"] = ALLOWED_METHODS
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, RenderFailed):
            # A tract's or article's PDF address sits right under its page's.
            page_url = request.path.rsplit("/", 1)[0] + "/" if is_public_view(request.resolver_match) else ""
            response = site_page(request, "pdf_failed.html", 503, {"page_url": page_url})
            # A time-out is the machine's load, tried again by the worker soon.
            response["Retry-After"] = "120" if exception.reason == RenderFailed.TIME else "3600"
            response["Cache-Control"] = "no-store"
            return response
        return None


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
            remove_from_vary(response, "accept-language")
        return response


class FrenchSpacingMiddleware:
    """Place right after LocaleMiddleware: a public page in French gets the
    no-break spaces of French typography where its texts have plain ones
    (publishing.typography), so that a phone never leaves « alone at the end
    of a line (Chromium breaks after the plain space of "« "). Applied to the
    page as sent, text only, never in a form field: what organisers typed is
    stored as they typed it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            getattr(request, "LANGUAGE_CODE", None) in FRENCH_SPACED_LANGUAGES
            and not response.streaming
            and response.get("Content-Type", "").startswith("text/html")
            and is_public_view(request.resolver_match)
        ):
            page = response.content.decode(response.charset)
            response.content = french_spacing_of_html(page).encode(response.charset)
            if response.has_header("Content-Length"):
                response["Content-Length"] = str(len(response.content))
        return response


class SharedCacheMiddleware:
    """Place right after NulBytesMiddleware, before anything reads the query.

    On the way in, tracking parameters (website/caching.py) are dropped, so
    that no view, redirect or log sees them. On the way out, a public page
    says what a shared cache may do with it (PUBLIC_CACHE_CONTROL), with no
    `Vary: Cookie`: visitors get no cookie. Never for staff (their session
    cookie: `private`), an answer that sets a cookie, or one that already
    says how it may be kept (PDFs, failed renders)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = request.META.get("QUERY_STRING", "")
        cleaned = without_tracking(query)
        if cleaned != query:
            request.META["QUERY_STRING"] = cleaned
            request.GET = QueryDict(cleaned)
        response = self.get_response(request)
        if (
            request.method not in SAFE_METHODS
            or not is_public_view(request.resolver_match)
            or response.has_header("Cache-Control")
            or response.cookies
        ):
            return response
        if settings.SESSION_COOKIE_NAME in request.COOKIES:
            patch_cache_control(response, private=True)
            return response
        response["Cache-Control"] = PUBLIC_CACHE_CONTROL
        remove_from_vary(response, "cookie")
        return response
