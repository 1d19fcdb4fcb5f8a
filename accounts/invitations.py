"""Invitations: how an organiser without a second factor gets into the admin.

An administrator makes a single-use link (the user's change page, or
`manage.py reset_second_factor`); with it the invited person sets a password,
and the session may then enrol a factor on "Account security". A password
alone never leads there: whoever guesses or intercepts it cannot enrol a
factor of their own.
"""

from django.conf import settings
from django.contrib.admin import site as admin_site
from django.contrib.auth import login
from django.contrib.auth.forms import SetPasswordForm
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from accounts.models import Invitation, token_hash

# The invitation being used, by the hash of its token: the token itself
# leaves the address bar at once (it would travel in Referer headers).
INVITATION_SESSION_KEY = "invitation"
# The account that came in through an invitation and may enrol its first factor.
INVITED_SESSION_KEY = "second_factor_invited"


def invitation_url(token: str, request: HttpRequest | None = None) -> str:
    path = reverse("invitation_accept", args=[token])
    return request.build_absolute_uri(path) if request is not None else f"{settings.SITE_URL}{path}"


def is_invited(request: HttpRequest) -> bool:
    """This session set its password through an invitation, for the account now logged in."""
    return request.user.is_authenticated and request.session.get(INVITED_SESSION_KEY) == request.user.pk


def _page(request: HttpRequest, invitation: Invitation | None, form=None) -> HttpResponse:
    context = {
        **admin_site.each_context(request),
        "title": _("Your invitation") if invitation else _("This invitation link does not work"),
        "invitation": invitation,
        "form": form,
    }
    return render(request, "admin/second_factor/invitation.html", context, status=200 if invitation else 404)


@never_cache
def accept(request: HttpRequest, token: str) -> HttpResponse:
    """The link as sent: remember which invitation, then show its page at an address without the token."""
    if not Invitation.objects.for_token(token).exists():
        return _page(request, None)
    request.session[INVITATION_SESSION_KEY] = token_hash(token)
    return redirect("invitation")


@never_cache
def invitation(request: HttpRequest) -> HttpResponse:
    """Set a password, then go on to enrol a second factor; the invitation dies on use."""
    digest = request.session.get(INVITATION_SESSION_KEY)
    found = Invitation.objects.usable().filter(token_hash=digest).select_related("user").first() if digest else None
    if found is None:
        return _page(request, None)
    form = SetPasswordForm(found.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            used, _deleted = Invitation.objects.usable().filter(pk=found.pk).delete()
            if not used:  # used meanwhile in another tab
                return _page(request, None)
            user = form.save()
        request.session.pop(INVITATION_SESSION_KEY, None)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        request.session[INVITED_SESSION_KEY] = user.pk
        return redirect(f"{reverse('second_factor_setup')}?next={reverse('admin:index')}")
    return _page(request, found, form)
