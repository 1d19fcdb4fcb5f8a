"""Subscribing with nothing stored before the subscriber confirms.

The request (address, languages, themes) travels signed in the confirmation
link; the database learns the address only when that link is used. What is
kept meanwhile is counters under keyed hashes, forgotten within a day: one
confirmation mail per address per day, a few attempts per visitor's network
per hour. The visitor is told the same whether the address is new or
already subscribed (the mail says which, to the mailbox's owner only).
"""

import ipaddress
import smtplib
from dataclasses import dataclass, field
from enum import Enum

from django.conf import settings
from django.core import signing
from django.core.mail import get_connection
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.module_loading import import_string

from publishing.languages import language_codes, reverse_in
from publishing.models import Theme

from .mail import notice_message, site_url, subscriber_links
from .models import Subscriber, Throttle, keyed_hash, normalised_address

CONFIRM_SALT = "newsletter.confirm"
DAY = 24 * 60 * 60
HOUR = 60 * 60
REQUEST_MAIL_TIMEOUT = 10


class Answer(Enum):
    MAIL_SENT = "sent"  # or not sent because one already went today: the visitor cannot tell
    TOO_MANY = "too_many"
    RELAY_DOWN = "relay_down"


class LinkExpired(Exception):
    pass


class LinkInvalid(Exception):
    pass


@dataclass(frozen=True)
class PendingSubscription:
    email: str
    languages: list[str]
    theme_ids: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        object.__setattr__(self, "email", normalised_address(self.email))

    def token(self) -> str:
        return signing.dumps(
            {"e": self.email, "l": self.languages, "t": self.theme_ids}, salt=CONFIRM_SALT, compress=True
        )

    @classmethod
    def from_token(cls, token: str) -> "PendingSubscription":
        """The request a confirmation link carries; LinkExpired or LinkInvalid otherwise."""
        try:
            data = signing.loads(token, salt=CONFIRM_SALT, max_age=settings.NEWSLETTER_CONFIRMATION_HOURS * HOUR)
        except signing.SignatureExpired as error:
            raise LinkExpired from error
        except signing.BadSignature as error:
            raise LinkInvalid from error
        try:
            languages = [code for code in data["l"] if code in language_codes()]
            return cls(str(data["e"]), languages, [int(pk) for pk in data["t"]])
        except (KeyError, TypeError, ValueError) as error:
            raise LinkInvalid from error

    def confirm_url(self, language: str) -> str:
        return site_url(reverse_in(language, "newsletter:confirm", token=self.token()))

    @transaction.atomic
    def confirm(self) -> Subscriber:
        """Store the subscriber (or their new choices, for a second confirmation)."""
        subscriber, _created = Subscriber.objects.update_or_create(
            email=self.email, defaults={"languages": self.languages, "confirmed_at": timezone.now()}
        )
        subscriber.themes.set(Theme.objects.filter(pk__in=self.theme_ids))
        return subscriber


def client_network(request: HttpRequest) -> str:
    """The visitor's network as the per-client limit counts it (an IPv6 /64,
    which one person usually holds whole; an IPv4 address)."""
    address = import_string(settings.AXES_CLIENT_IP_CALLABLE)(request)
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def request_subscription(pending: PendingSubscription, network: str, language: str) -> Answer:
    """Send the confirmation mail (or the "already subscribed" one) if the limits allow."""
    if not Throttle.objects.allow(keyed_hash("client", network), settings.NEWSLETTER_ATTEMPTS_PER_HOUR, HOUR):
        return Answer.TOO_MANY
    return send_confirmation(pending, language)


def send_confirmation(pending: PendingSubscription, language: str) -> Answer:
    """The confirmation mail, or for an address already subscribed a mail
    saying so, at most once a day per address."""
    address_key = keyed_hash("address", pending.email)
    if not Throttle.objects.allow(address_key, 1, DAY):
        return Answer.MAIL_SENT
    subscriber = Subscriber.objects.filter(email=pending.email).first()
    if subscriber is None:
        context = {"confirm_url": pending.confirm_url(language), "hours": settings.NEWSLETTER_CONFIRMATION_HOURS}
        message = notice_message(pending.email, language, "confirm", context)
    else:
        unsubscribe, preferences = subscriber_links(subscriber.token(), language)
        context = {"unsubscribe_url": unsubscribe, "preferences_url": preferences}
        message = notice_message(pending.email, language, "already_subscribed", context)
    # Sent within the visitor's request: well within gunicorn's 30 s, whatever EMAIL_TIMEOUT says.
    message.connection = get_connection(
        timeout=min(settings.EMAIL_TIMEOUT or REQUEST_MAIL_TIMEOUT, REQUEST_MAIL_TIMEOUT)
    )
    try:
        message.send()
    except (smtplib.SMTPException, OSError):
        # Not sent: the address may try again as soon as the relay is back.
        Throttle.objects.forget(address_key)
        return Answer.RELAY_DOWN
    return Answer.MAIL_SENT
