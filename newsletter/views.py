"""The newsletter's public pages: subscribe, confirm, preferences, unsubscribe.

None of them sets a cookie, so none can use Django's CSRF cookie: the
subscription form is exempt (a forged one can only make us send one
confirmation mail, within the limits of newsletter/subscriptions.py, and
browsers' cross-site POSTs are refused), and the other forms carry their
own capability, the signed link itself. RFC 8058 wants a POST from a mail
provider's server, without cookie or token, to unsubscribe at once.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from .forms import PreferencesForm, SubscribeForm
from .models import Subscriber
from .subscriptions import Answer, LinkExpired, LinkInvalid, PendingSubscription, client_network, request_subscription


def notice(request: HttpRequest, title: str, message: str, status: int = 200, **context) -> HttpResponse:
    return render(request, "newsletter/notice.html", {"title": title, "message": message, **context}, status=status)


def is_cross_site(request: HttpRequest) -> bool:
    return request.headers.get("Sec-Fetch-Site") == "cross-site"


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def subscribe(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return render(
            request,
            "newsletter/subscribe.html",
            {"form": SubscribeForm(initial={"languages": [request.LANGUAGE_CODE]})},
        )
    if is_cross_site(request):
        return notice(request, _("Not sent"), _("Subscribe from the form on this site."), 403)
    form = SubscribeForm(request.POST)
    if not form.is_valid():
        return render(request, "newsletter/subscribe.html", {"form": form}, status=400)
    pending = PendingSubscription(
        form.cleaned_data["email"], form.cleaned_data["languages"], [t.pk for t in form.cleaned_data["themes"]]
    )
    answer = request_subscription(pending, client_network(request), request.LANGUAGE_CODE)
    if answer is Answer.TOO_MANY:
        response = notice(
            request,
            _("Too many attempts"),
            _("Too many subscriptions from your connection: try again in an hour."),
            429,
        )
        response["Retry-After"] = "3600"
        return response
    if answer is Answer.RELAY_DOWN:
        return notice(
            request,
            _("Not sent"),
            _("We could not send the confirmation mail just now: please try again in a few minutes."),
            503,
        )
    return notice(
        request,
        _("Check your mailbox"),
        _(
            "If this address can receive our newsletter, a mail is on its way to it. "
            "Open the link it contains to confirm: nothing is recorded until then."
        ),
    )


def bad_link(request: HttpRequest, expired: bool) -> HttpResponse:
    message = (
        _("This confirmation link has expired. Subscribe again: a new link will be sent to you.")
        if expired
        else _(
            "This confirmation link is not valid (incomplete or altered). "
            "Copy the whole link from the mail, or subscribe again."
        )
    )
    return notice(request, _("Link not valid"), message, 400, subscribe_link=True)


@never_cache
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """A GET shows a button (mail scanners follow links; only a person presses it)."""
    try:
        pending = PendingSubscription.from_token(token)
    except (LinkExpired, LinkInvalid) as error:
        return bad_link(request, isinstance(error, LinkExpired))
    if request.method != "POST":
        return render(request, "newsletter/confirm.html", {"email": pending.email})
    subscriber = pending.confirm()
    return notice(
        request,
        _("Subscription confirmed"),
        _("%(email)s will receive our next letters.") % {"email": subscriber.email},
        preferences_token=subscriber.token(),
    )


def link_gone(request: HttpRequest) -> HttpResponse:
    return notice(
        request,
        _("Not subscribed"),
        _(
            "This link belongs to no subscription: the address has been unsubscribed already, "
            "or the link is incomplete."
        ),
        404,
        subscribe_link=True,
    )


@never_cache
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET: one button. POST (the button, or a mail provider's one-click): deleted."""
    subscriber = Subscriber.objects.by_token(token)
    if request.method == "POST":
        if subscriber is not None:
            subscriber.delete()
        return notice(request, _("Unsubscribed"), _("Your address has been deleted: you will receive no more letters."))
    if subscriber is None:
        return link_gone(request)
    return render(request, "newsletter/unsubscribe.html", {"subscriber": subscriber})


@never_cache
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def preferences(request: HttpRequest, token: str) -> HttpResponse:
    subscriber = Subscriber.objects.by_token(token)
    if subscriber is None:
        return link_gone(request)
    initial = {"languages": subscriber.languages, "themes": subscriber.themes.all()}
    form = PreferencesForm(request.POST if request.method == "POST" else None, initial=initial)
    saved = False
    if form.is_valid():
        subscriber.languages = form.cleaned_data["languages"]
        subscriber.save(update_fields=["languages"])
        subscriber.themes.set(form.cleaned_data["themes"])
        saved = True
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(
        request, "newsletter/preferences.html", {"form": form, "subscriber": subscriber, "saved": saved}, status=status
    )
