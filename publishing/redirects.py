"""Addresses of the site the collective left (WordPress…) that keep answering.

Links to the old site live on in social networks, e-mails and other sites.
Each imported item remembers its old paths (`OldAddress`); a request for one
gets a permanent redirect to the new page. The lookup only runs when a page
is not found, or when the request carries one of WordPress's own query
parameters (`/?p=123` would otherwise land on the home page): pages that
exist cost no query.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect

from publishing.models import OldAddress
from publishing.old_addresses import WORDPRESS_QUERY_KEYS, normalise_path


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
        path = normalise_path(request.get_full_path())
        address = OldAddress.objects.filter(path=path).first()
        target = address.target_url() if address else ""
        return HttpResponsePermanentRedirect(target) if target else None
