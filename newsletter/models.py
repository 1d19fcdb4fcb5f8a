"""The newsletter: who receives it, what is sent, and what was delivered to whom.

A subscriber row holds the address, the chosen languages and themes and the
confirmation date, nothing else (no IP address, no user agent, no open or
click record). A pending subscription is never stored: it travels in the
signed link of the confirmation mail (newsletter/subscriptions.py).
"""

import datetime

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _

from publishing.html import RichTextField
from publishing.languages import in_language_order, language_choices, language_codes
from publishing.models import Theme
from publishing.numbers import whole_number

TOKEN_SALT = "newsletter.subscriber"  # noqa: S105 (a salt, not a secret)


def keyed_hash(purpose: str, value: str) -> str:
    """A digest of `value` keyed with SECRET_KEY: the same value gives the
    same digest, and the table alone never tells what the value was."""
    return salted_hmac(f"newsletter.{purpose}", value, algorithm="sha256").hexdigest()


def normalised_address(address: str) -> str:
    """One spelling per mailbox, for uniqueness and the per-address limit."""
    return address.strip().lower()


class SubscriberQuerySet(models.QuerySet["Subscriber"]):
    def by_token(self, token: str) -> "Subscriber | None":
        """The subscriber a preferences or unsubscribe link names (None if the
        link is forged, or the address left since)."""
        digits, _dot, signature = (token or "").partition(".")
        pk = whole_number(digits)
        if pk is None or not signature:
            return None
        subscriber = self.filter(pk=pk).first()
        if subscriber is None or not constant_time_compare(subscriber.signature(), signature):
            return None
        return subscriber

    def for_letter(self, letter: "Letter") -> "SubscriberQuerySet":
        """Who receives `letter`: everybody, or for a letter on some themes,
        those who chose one of them or chose none (everything)."""
        theme_ids = list(letter.themes.values_list("pk", flat=True))
        if not theme_ids:
            return self.all()
        return self.annotate(theme_count=Count("themes")).filter(Q(theme_count=0) | Q(themes__in=theme_ids)).distinct()


class Subscriber(models.Model):
    email = models.EmailField(_("email address"), max_length=254, unique=True)
    languages = models.JSONField(_("languages"), default=list)
    themes = models.ManyToManyField(Theme, blank=True, related_name="+", verbose_name=_("themes"))
    confirmed_at = models.DateTimeField(_("confirmed at"), default=timezone.now)

    objects = SubscriberQuerySet.as_manager()

    class Meta:
        ordering = ["email"]
        verbose_name = _("subscriber")
        verbose_name_plural = _("subscribers")

    def __str__(self) -> str:
        return self.email

    def save(self, *args, **kwargs) -> None:
        self.email = normalised_address(self.email)
        self.languages = [code for code in language_codes() if code in (self.languages or [])]
        super().save(*args, **kwargs)

    def signature(self) -> str:
        # Bound to the address: a row whose number is reused after a deletion
        # is not reachable with the old row's links.
        return salted_hmac(TOKEN_SALT, f"{self.pk}:{self.email}", algorithm="sha256").hexdigest()[:32]

    def token(self) -> str:
        """What the unsubscribe and preferences links carry (nothing is stored for it)."""
        return f"{self.pk}.{self.signature()}"

    @property
    def language(self) -> str:
        """The language pages about the subscription are shown in."""
        return (self.languages or [settings.LANGUAGE_CODE])[0]

    def language_display(self) -> str:
        names = dict(language_choices())
        return ", ".join(str(names.get(code, code)) for code in self.languages)

    language_display.short_description = _("languages")  # type: ignore[attr-defined]  # the admin's column


class Letter(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")

    original_language = models.CharField(
        _("original language"),
        max_length=10,
        choices=language_choices(),
        default=settings.LANGUAGE_CODE,
        help_text=_("Subscribers whose languages the letter is not written in receive this version."),
    )
    themes = models.ManyToManyField(
        Theme,
        blank=True,
        related_name="+",
        verbose_name=_("themes"),
        help_text=_("Empty: every subscriber. Otherwise those who chose one of these themes, or chose none."),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("sending started at"), null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(_("sending finished at"), null=True, blank=True, editable=False)
    # The sending run that holds this letter, until when (see newsletter/sending.py).
    lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    relay_problem = models.CharField(_("relay problem"), max_length=300, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("letter")
        verbose_name_plural = _("letters")

    def __str__(self) -> str:
        version = self.original_version()
        return version.subject if version else str(_("Letter %(number)s") % {"number": self.pk})

    def all_versions(self) -> list["LetterVersion"]:
        return in_language_order(self.versions.all())

    def original_version(self) -> "LetterVersion | None":
        versions = self.all_versions()
        return next((v for v in versions if v.language == self.original_language), versions[0] if versions else None)

    def version_for(self, languages: list[str]) -> "tuple[LetterVersion | None, bool]":
        """The version for a reader of `languages` (in their order of
        preference), and whether it is a fallback to the original."""
        versions = {version.language: version for version in self.all_versions()}
        for code in languages:
            if code in versions:
                return versions[code], False
        return self.original_version(), True

    def progress(self) -> dict[str, int]:
        """How many deliveries are sent, waiting (or in flight) and failed."""
        counts = dict(self.deliveries.values_list("status").annotate(n=Count("pk")).order_by())
        waiting = sum(counts.get(status, 0) for status in Delivery.PENDING)
        return {
            "sent": counts.get(Delivery.Status.SENT, 0),
            "waiting": waiting,
            "failed": counts.get(Delivery.Status.FAILED, 0),
        }

    @transaction.atomic
    def start_sending(self) -> int:
        """Record a delivery for every subscriber who receives the letter, and
        mark it as sending; returns how many (0 if it was not a draft)."""
        if not Letter.objects.filter(pk=self.pk, status=Letter.Status.DRAFT).update(
            status=Letter.Status.SENDING, started_at=timezone.now()
        ):
            return 0
        self.refresh_from_db()
        rows = []
        for pk, languages in Subscriber.objects.for_letter(self).values_list("pk", "languages").iterator(2000):
            version, _fallback = self.version_for(languages or [])
            if version is None:  # a letter without any text: the admin never lets it be sent
                continue
            rows.append(Delivery(letter=self, subscriber_id=pk, language=version.language))
        Delivery.objects.bulk_create(rows, batch_size=1000)
        return len(rows)


class LetterVersion(models.Model):
    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="versions")
    language = models.CharField(_("language"), max_length=10, choices=language_choices())
    subject = models.CharField(_("subject"), max_length=200)
    body = RichTextField(_("text"))

    class Meta:
        verbose_name = _("language version")
        verbose_name_plural = _("language versions")
        constraints = [models.UniqueConstraint(fields=["letter", "language"], name="one_letter_version_per_language")]

    def __str__(self) -> str:
        return f"{self.subject} ({self.language})"


class Delivery(models.Model):
    """One letter to one subscriber, recorded once before anything is sent:
    the worker sends what is waiting, so a stopped worker resumes where it was."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        SENDING = "sending", _("Being sent")
        DEFERRED = "deferred", _("Refused for now, tried again")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Refused")

    PENDING = (Status.WAITING, Status.SENDING, Status.DEFERRED)

    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="deliveries")
    # Kept without its address when the subscriber leaves: the letter's counts stay true.
    subscriber = models.ForeignKey(Subscriber, on_delete=models.SET_NULL, null=True, related_name="deliveries")
    language = models.CharField(max_length=10)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [models.UniqueConstraint(fields=["letter", "subscriber"], name="one_delivery_per_subscriber")]
        indexes = [models.Index(fields=["letter", "status"], name="delivery_letter_status")]

    def __str__(self) -> str:
        return f"{self.letter_id} → {self.subscriber_id}: {self.status}"


class ThrottleQuerySet(models.QuerySet):
    def allow(self, key: str, limit: int, seconds: int) -> bool:
        """Count one attempt under `key` (a keyed hash, never an address);
        False once `limit` attempts were counted in the last `seconds`."""
        now = timezone.now()
        self.filter(expires_at__lte=now).delete()
        try:
            with transaction.atomic():
                self.create(key=key, expires_at=now + datetime.timedelta(seconds=seconds))
            return True
        except IntegrityError:  # counted already (perhaps by a request at the same moment)
            pass
        # One statement: two requests at once cannot both pass the limit.
        return bool(self.filter(key=key, count__lt=limit).update(count=models.F("count") + 1))

    def forget(self, key: str) -> None:
        self.filter(key=key).delete()


class Throttle(models.Model):
    """Attempts counted per keyed hash (of an address, of a visitor's
    network) and forgotten when they expire."""

    key = models.CharField(max_length=64, unique=True)
    count = models.PositiveIntegerField(default=1)
    expires_at = models.DateTimeField(db_index=True)

    objects = ThrottleQuerySet.as_manager()

    def __str__(self) -> str:
        return self.key[:12]
