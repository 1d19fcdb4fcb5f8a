"""Addresses of the site the collective left (WordPress…) that keep answering.

Links to the old site live on in social networks, e-mails and other sites.
Each imported item remembers its old paths (`OldAddress`); a request for one
gets a permanent redirect to the new page. The lookup only runs when a page
is not found, or when the request carries one of WordPress's own query
parameters (`/?p=123` would otherwise land on the home page): pages that
exist cost no query.
"""

from collections.abc import Callable
from urllib.parse import parse_qsl, unquote, urlsplit

from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect

# Query parameters that address content on a WordPress site.
WORDPRESS_QUERY_KEYS = ("p", "page_id", "cat", "tag", "feed", "attachment_id", "author")


def normalise_path(address: str) -> str:
    """The form an old address is stored and looked up in.

    `https://old.example.org/2023/05/contr%C3%B4le/` and `/2023/05/contrôle`
    give the same key; only WordPress's query parameters are kept, sorted.
    """
    parts = urlsplit(address.strip())
    path = unquote(parts.path or "/")
    if not path.startswith("/"):
        path = "/" + path
    if path != "/":
        path = path.rstrip("/")
    query = sorted((key, value) for key, value in parse_qsl(parts.query) if key in WORDPRESS_QUERY_KEYS)
    return path + ("?" + "&".join(f"{key}={value}" for key, value in query) if query else "")


class OldAddressMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if any(key in request.GET for key in WORDPRESS_QUERY_KEYS) and (redirect := self.redirect_for(request)):
            return redirect
        response = self.get_response(request)
        if response.status_code == 404:
            return self.redirect_for(request) or response
        return response

    def redirect_for(self, request: HttpRequest) -> HttpResponse | None:
        from publishing.models import OldAddress

        path = normalise_path(request.get_full_path())
        address = OldAddress.objects.filter(path=path).first()
        target = address.target_url() if address else ""
        return HttpResponsePermanentRedirect(target) if target else None
