"""Login throttling that slows attackers down without locking organisers out.

django-axes records failures per (address, account). An address is locked
out on one account after LOGIN_FAILURE_LIMIT failures, and on every account
after LOGIN_ADDRESS_FAILURE_LIMIT; the failures of one account from many
addresses (which anyone can cause) only make its logins wait a few seconds.
"""

import hashlib
import hmac
import time

from axes.attempts import get_cool_off_threshold
from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Q, Sum
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import Invitation


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


def _recent_failures(request: HttpRequest):
    return AccessAttempt.objects.filter(attempt_time__gte=get_cool_off_threshold(request))


class PrivateAxesHandler(AxesDatabaseHandler):
    """django-axes' database handler, without the browser's user agent and Accept header
    (they identify a person's device and are not needed to count failures), and with
    two limits: the address on one account, the address on all accounts."""

    def get_failures(self, request: HttpRequest, credentials: dict | None = None) -> int:
        """The failures weighed against AXES_FAILURE_LIMIT: the address's on this account,
        or the limit itself once the address passed its own limit on all accounts.

        Failures on the account from other addresses never count here: they
        only slow logins down (ThrottledAxesBackend).
        """
        username = login_username_digest(request, credentials)
        counts = (
            _recent_failures(request)
            .filter(ip_address=request.axes_ip_address)
            .aggregate(
                address=Sum("failures_since_start"),
                pair=Sum("failures_since_start", filter=Q(username=username)),
            )
        )
        if (counts["address"] or 0) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
            return max(counts["pair"] or 0, settings.AXES_FAILURE_LIMIT)
        return counts["pair"] or 0

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        if request is not None:
            request.axes_user_agent = ""
            request.axes_http_accept = ""
        return super().user_login_failed(sender, credentials, request, **kwargs)

    def user_logged_in(self, sender, request, user, **kwargs):
        request.axes_user_agent = ""
        request.axes_http_accept = ""
        return super().user_logged_in(sender, request, user, **kwargs)


def account_delay(request: HttpRequest, username: str | None) -> float:
    """Seconds a login to this account waits: none until the account has had
    LOGIN_ACCOUNT_SLOWDOWN_AFTER failures (from any address), then 1, 2, 4...
    up to LOGIN_ACCOUNT_SLOWDOWN_MAX."""
    digest = login_username_digest(request, {"username": username})
    if digest is None:
        return 0
    failures = _recent_failures(request).filter(username=digest).aggregate(total=Sum("failures_since_start"))["total"]
    excess = (failures or 0) - settings.LOGIN_ACCOUNT_SLOWDOWN_AFTER
    return 0 if excess < 0 else min(float(2**excess), settings.LOGIN_ACCOUNT_SLOWDOWN_MAX)


class ThrottledAxesBackend(AxesStandaloneBackend):
    """Refuses a locked-out address (django-axes), then makes every password tried on an
    account under attack wait: the right one too, so that the wait tells nothing, and
    the real organiser still gets in."""

    def authenticate(self, request: HttpRequest, username: str | None = None, password: str | None = None, **kwargs):
        super().authenticate(request, username, password, **kwargs)
        if request is not None and getattr(settings, "AXES_ENABLED", True):
            delay = account_delay(request, username)
            if delay:
                time.sleep(delay)


def forgive_failures(request: HttpRequest, user) -> int:
    """Both steps of a login passed: this address's failures on this account are forgiven.

    Failures on the account from other addresses stay until they expire:
    they are someone else's.
    """
    digest = login_username_digest(request, {"username": user.get_username()})
    count, _deleted = AccessAttempt.objects.filter(ip_address=client_ip(request), username=digest).delete()
    return count


def purge_expired_login_records() -> int:
    """Delete the failed-login records whose cool-off is over; returns how many.
    Expired invitations go with them."""
    Invitation.objects.expired().delete()
    count, _deleted = AccessAttempt.objects.filter(attempt_time__lte=timezone.now() - get_cool_off()).delete()
    return count
