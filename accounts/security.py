import hashlib
import hmac

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone


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
