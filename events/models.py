"""The agenda: events (once, over whole days, or recurring), in every language.

An event is a publication like a tract (status, scheduled publishing,
versions per language, themes, revisions). Its occurrences are computed
from its recurrence rule and its changes on each save and stored
(`EventOccurrence`): lists read them in time order from an index, with a
constant number of queries whatever the number of events and rules.
"""

import contextlib
import datetime
import uuid
from typing import TYPE_CHECKING, ClassVar

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from articles.models import Article
from publishing.html import RichTextField
from publishing.html_text import plain_text
from publishing.languages import reverse_here, reverse_in
from publishing.publications import PrintedVersion, Publication, PublicationQuerySet, stale_pdf_token
from tracts.models import Tract

from . import recurrence as rules

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise


class EventStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("As planned")
    CANCELLED = "cancelled", _("Cancelled")
    POSTPONED = "postponed", _("Postponed")
    MOVED = "moved", _("Moved")
    FULL = "full", _("Full")


# What each status is in schema.org (eventStatus) and in a calendar file (STATUS).
SCHEMA_STATUS: dict[str, str] = {
    EventStatus.SCHEDULED: "https://schema.org/EventScheduled",
    EventStatus.CANCELLED: "https://schema.org/EventCancelled",
    EventStatus.POSTPONED: "https://schema.org/EventPostponed",
    EventStatus.MOVED: "https://schema.org/EventRescheduled",
    EventStatus.FULL: "https://schema.org/EventScheduled",
}
ICALENDAR_STATUS = {
    EventStatus.SCHEDULED: "CONFIRMED",
    EventStatus.CANCELLED: "CANCELLED",
    EventStatus.POSTPONED: "TENTATIVE",
    EventStatus.MOVED: "CONFIRMED",
    EventStatus.FULL: "CONFIRMED",
}
# What a banner says of each status.
STATUS_BANNERS: "dict[str, _StrPromise]" = {
    EventStatus.CANCELLED: _("Cancelled"),
    EventStatus.POSTPONED: _("Postponed: new date to come"),
    EventStatus.MOVED: _("Moved"),
    EventStatus.FULL: _("Full"),
}


# The longest an event (or one occurrence) lasts: lists find what is under
# way by reading occurrences started at most this long ago, from an index,
# not every past one. Longer: make it recurring.
MAX_DURATION = datetime.timedelta(days=31)


def new_uid() -> str:
    """A calendar UID that never changes, whatever is edited."""
    return f"{uuid.uuid4()}@collectif"


def in_zone(value: datetime.datetime, zone_name: str) -> datetime.datetime:
    """The same wall-clock time as `value` shows in the current time zone
    (the admin's inputs), in the zone `zone_name`."""
    naive = timezone.make_naive(value) if timezone.is_aware(value) else value
    return naive.replace(tzinfo=rules.zone(zone_name))


class EventQuerySet(PublicationQuerySet["Event"]):
    def for_page(self) -> "EventQuerySet":
        """An event with everything its page shows, in a fixed number of queries."""
        return (
            super()
            .for_page()
            .prefetch_related(models.Prefetch("related_tracts", queryset=Tract.objects.published().with_versions()))
            .prefetch_related(models.Prefetch("related_articles", queryset=Article.objects.published().with_versions()))
            .prefetch_related(models.Prefetch("occurrences", queryset=EventOccurrence.objects.order_by("starts_at")))
        )

    def upcoming(self) -> "EventQuerySet":
        """Events with an occurrence still to come (or under way)."""
        return self.filter(last_ends_at__gte=timezone.now())


EventManager = models.Manager.from_queryset(EventQuerySet)


class Event(Publication):
    starts_at = models.DateTimeField(_("start"), help_text=_("For a recurring event, its first occurrence."))
    ends_at = models.DateTimeField(_("end"))
    all_day = models.BooleanField(
        _("whole days"), default=False, help_text=_("From the start date to the end date, without times.")
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default=settings.TIME_ZONE,
        help_text=_("Where the event happens; the times above are read in it (e.g. Europe/Paris)."),
    )
    recurrence = models.CharField(
        _("recurrence rule"),
        max_length=500,
        blank=True,
        help_text=_(
            "Empty for a one-off event. Otherwise an RFC 5545 rule, e.g. “FREQ=WEEKLY;BYDAY=TU;UNTIL=20271231” "
            "(every Tuesday until the end of 2027) or “FREQ=MONTHLY;BYDAY=1TH;COUNT=12” (the first Thursday "
            "of the month, twelve times)."
        ),
    )
    event_status = models.CharField(
        _("event status"),
        max_length=12,
        choices=EventStatus,
        default=EventStatus.SCHEDULED,
        help_text=_("Shown as a banner on the page, in lists, feeds and calendars."),
    )
    place_name = models.CharField(_("place"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    online_url = models.URLField(_("online address"), max_length=500, blank=True)
    step_free = models.BooleanField(_("step-free access"), default=False)
    sign_language = models.BooleanField(_("sign-language interpretation"), default=False)
    interpretation = models.BooleanField(_("spoken interpretation"), default=False)
    childcare = models.BooleanField(_("childcare"), default=False)
    related_tracts = models.ManyToManyField(
        "tracts.Tract", blank=True, related_name="events", verbose_name=_("related tracts")
    )
    related_articles = models.ManyToManyField(
        "articles.Article", blank=True, related_name="events", verbose_name=_("related articles")
    )
    # Calendars know the event by its UID (kept from an imported file) and
    # take a change only if SEQUENCE is higher than what they have.
    uid = models.CharField(_("calendar UID"), max_length=255, unique=True, default=new_uid, editable=False)
    sequence = models.PositiveIntegerField(default=0, editable=False)
    # The end of its last occurrence: upcoming and past events at a glance.
    last_ends_at = models.DateTimeField(null=True, editable=False, db_index=True)

    objects: ClassVar[EventManager] = EventManager()

    class Meta(Publication.Meta):
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [
            models.Index(fields=["status", "published_at"]),
            models.Index(fields=["date", "published_at", "id", "status"], name="event_newest_first"),
        ]

    def get_absolute_url(self) -> str:
        return reverse_here("events:detail", slug=self.slug)

    @property
    def zone(self):
        return rules.zone(self.time_zone)

    def local_start(self) -> datetime.datetime:
        return self.starts_at.astimezone(self.zone)

    def local_end(self) -> datetime.datetime:
        return self.ends_at.astimezone(self.zone)

    def clean(self) -> None:
        errors: dict[str, str | _StrPromise] = {}
        try:
            zone = self.zone
        except ValidationError as error:
            raise ValidationError({"time_zone": error.messages}) from None
        if self.starts_at and self.ends_at:
            if self.all_day:
                if self.ends_at.astimezone(zone).date() < self.starts_at.astimezone(zone).date():
                    errors["ends_at"] = _("The end date comes before the start date.")
            elif self.ends_at <= self.starts_at:
                errors["ends_at"] = _("The end comes before the start (or at the same time).")
            if self.ends_at - self.starts_at > MAX_DURATION - datetime.timedelta(days=1):
                errors["ends_at"] = _("An event lasts 30 days at most; for something longer, make a recurring event.")
        if self.recurrence and self.starts_at:
            try:
                rules.parse_rule(self.recurrence, self.starts_at.astimezone(zone))
            except ValidationError as error:
                errors["recurrence"] = " ".join(error.messages)
        if self.latitude is not None and not -90 <= self.latitude <= 90:
            errors["latitude"] = _("A latitude lies between -90 and 90.")
        if self.longitude is not None and not -180 <= self.longitude <= 180:
            errors["longitude"] = _("A longitude lies between -180 and 180.")
        if (self.latitude is None) != (self.longitude is None):
            errors["longitude"] = _("Give both the latitude and the longitude, or neither.")
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs) -> None:
        if self.all_day:
            # Whole days: the midnights of the first and the last day, in the
            # event's zone (occurrences end at the midnight after the last).
            zone = self.zone
            first, last = self.starts_at.astimezone(zone).date(), self.ends_at.astimezone(zone).date()
            self.starts_at = datetime.datetime.combine(first, datetime.time(), zone)
            self.ends_at = datetime.datetime.combine(last, datetime.time(), zone)
        self.date = self.starts_at.astimezone(self.zone).date()
        if self.recurrence.strip():
            # Kept as written when unreadable: the form refuses it, an import reports it.
            with contextlib.suppress(ValidationError):
                self.recurrence = rules.normalised_rule(self.recurrence, self.local_start(), self.all_day)
        else:
            self.recurrence = ""
        if self.pk:
            self.sequence += 1
        super().save(*args, **kwargs)
        self.refresh_occurrences()
        outdate_tract_pdfs(tract_ids=self.related_tracts.values("pk"))

    def changes_list(self) -> list[rules.Change]:
        return [change.as_change() for change in self.changes.all()]

    def compute_occurrences(self, changes: list[rules.Change] | None = None) -> list[rules.Occurrence]:
        zone = self.zone
        end = self.ends_at.astimezone(zone)
        if self.all_day:
            end = datetime.datetime.combine(end.date() + datetime.timedelta(days=1), datetime.time(), zone)
        return rules.expand(
            self.recurrence,
            self.starts_at.astimezone(zone),
            end,
            self.event_status,
            self.changes_list() if changes is None else changes,
        )

    def refresh_occurrences(self) -> None:
        """Store its occurrences as its rule and changes give them now."""
        try:
            occurrences = self.compute_occurrences()
        except ValidationError:
            occurrences = []  # a rule refused by the form never reaches here; an old one may
        with transaction.atomic():
            EventOccurrence.objects.filter(event=self).delete()
            EventOccurrence.objects.bulk_create(
                EventOccurrence(
                    event=self,
                    starts_at=occurrence.starts_at,
                    ends_at=occurrence.ends_at,
                    original_start=occurrence.original_start,
                    status=occurrence.status,
                    moved=occurrence.moved,
                    visible_from=self.published_at if self.status == self.Status.PUBLISHED else None,
                )
                for occurrence in occurrences
            )
            self.last_ends_at = max((occurrence.ends_at for occurrence in occurrences), default=None)
            type(self).objects.filter(pk=self.pk).update(last_ends_at=self.last_ends_at)

    def rule_in_words(self) -> str:
        return rules.describe(self.recurrence, self.local_start()) if self.recurrence else ""

    def map_url(self) -> str:
        """A plain link to OpenStreetMap (no embedded map: no request to a third party)."""
        if self.latitude is not None and self.longitude is not None:
            lat, lon = f"{self.latitude:.5f}", f"{self.longitude:.5f}"
            return f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=17/{lat}/{lon}"
        if self.address:
            from urllib.parse import quote

            return f"https://www.openstreetmap.org/search?query={quote(self.address)}"
        return ""

    def accessibility(self) -> list[str]:
        """What the event offers, in the interface's words."""
        offers = [
            (self.step_free, _("Step-free access")),
            (self.sign_language, _("Sign-language interpretation")),
            (self.interpretation, _("Spoken interpretation")),
            (self.childcare, _("Childcare")),
        ]
        return [str(label) for offered, label in offers if offered]

    def get_ics_url(self) -> str:
        return reverse_here("events:ics", slug=self.slug)


class EventVersion(PrintedVersion):
    """The event written in one language."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="versions", verbose_name=_("event"))
    summary = models.CharField(
        _("summary"), max_length=300, blank=True, help_text=_("One sentence: what happens, for whom.")
    )
    body = RichTextField(_("description"), blank=True)
    accessibility_notes = models.TextField(
        _("accessibility notes"),
        blank=True,
        help_text=_("How to get in, what is offered (lift, interpreters, childcare), whom to ask."),
    )

    translated_fields = ("title", "summary", "body", "accessibility_notes")
    pdf_hook = "events.printing.EventPDFs"
    not_on_cards = (*PrintedVersion.not_on_cards, "body", "accessibility_notes")

    class Meta:
        ordering = ["event", "language"]
        verbose_name = _("language version")
        verbose_name_plural = _("language versions")
        constraints = [models.UniqueConstraint(fields=["event", "language"], name="one_event_version_per_language")]

    def indexed_text(self) -> str:
        return plain_text(self.summary, self.body, self.accessibility_notes)

    @property
    def publication(self) -> Event:
        return self.event

    def get_absolute_url(self) -> str:
        return reverse_in(self.language, "events:detail", slug=self.event.slug)

    def get_ics_url(self) -> str:
        return reverse_in(self.language, "events:ics", slug=self.event.slug)

    def get_poster_url(self, format_name: str) -> str:
        return reverse_in(self.language, "events:poster", slug=self.event.slug, format_name=format_name)


class OccurrenceChange(models.Model):
    """One occurrence of a recurring event cancelled, moved, full… or left out."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="changes", verbose_name=_("event"))
    original_start = models.DateTimeField(
        _("occurrence"), help_text=_("The date and time this occurrence was planned for.")
    )
    status = models.CharField(_("status"), max_length=12, choices=EventStatus, default=EventStatus.CANCELLED)
    removed = models.BooleanField(
        _("left out"), default=False, help_text=_("Simply not held (a holiday): no banner, it leaves the agenda.")
    )
    starts_at = models.DateTimeField(_("moved to (start)"), null=True, blank=True)
    ends_at = models.DateTimeField(_("moved to (end)"), null=True, blank=True)

    class Meta:
        ordering = ["original_start"]
        verbose_name = _("change to one occurrence")
        verbose_name_plural = _("changes to single occurrences")
        constraints = [
            models.UniqueConstraint(fields=["event", "original_start"], name="one_change_per_occurrence"),
        ]

    def __str__(self) -> str:
        return f"{self.event} {self.original_start:%Y-%m-%d %H:%M}"

    def as_change(self) -> rules.Change:
        zone = self.event.zone
        return rules.Change(
            original_start=self.original_start.astimezone(zone),
            status=self.status,
            removed=self.removed,
            starts_at=self.starts_at.astimezone(zone) if self.starts_at else None,
            ends_at=self.ends_at.astimezone(zone) if self.ends_at else None,
        )

    def clean(self) -> None:
        if self.ends_at and not self.starts_at:
            raise ValidationError({"starts_at": _("Give the new start too.")})
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("The end comes before the start (or at the same time).")})
        if self.starts_at and self.ends_at and self.ends_at - self.starts_at > MAX_DURATION:
            raise ValidationError(
                {"ends_at": _("An event lasts 30 days at most; for something longer, make a recurring event.")}
            )

    def check_occurrence(self, event: Event) -> None:
        """That `event` (as it is being saved) has an occurrence at `original_start`."""
        if not event.recurrence:
            raise ValidationError(_("Only a recurring event has single occurrences to change; edit the event itself."))
        try:
            starts = rules.rule_starts(event.recurrence, event.starts_at.astimezone(event.zone))
        except ValidationError:
            return  # the event's own form says what is wrong with its rule
        if self.original_start not in starts:
            raise ValidationError({"original_start": _("The event has no occurrence starting at this date and time.")})


def outdate_tract_pdfs(tract_ids) -> None:
    """Related tracts print their events' dates and places: their PDFs are out of date."""
    tract_versions = apps.get_model("tracts", "TractVersion")
    tract_versions.objects.filter(tract__in=tract_ids).update(pdf_environment=stale_pdf_token())


@receiver(m2m_changed, sender=Event.related_tracts.through)
def related_tracts_changed(sender, instance, action: str, reverse: bool, pk_set, **kwargs) -> None:
    if action not in {"post_add", "post_remove", "pre_clear"}:
        return
    if reverse:  # from the tract's side: tract.events
        outdate_tract_pdfs(tract_ids=[instance.pk])
    elif action == "pre_clear":
        outdate_tract_pdfs(tract_ids=instance.related_tracts.values("pk"))
    else:
        outdate_tract_pdfs(tract_ids=list(pk_set))


@receiver(post_save, sender=EventVersion)
def event_version_saved(sender, instance: EventVersion, **kwargs) -> None:
    outdate_tract_pdfs(tract_ids=instance.event.related_tracts.values("pk"))


@receiver([post_save, post_delete], sender=OccurrenceChange)
def occurrence_changed(sender, instance: OccurrenceChange, **kwargs) -> None:
    """A changed occurrence changes the event's calendar entry (SEQUENCE) and its stored occurrences."""
    origin = kwargs.get("origin")
    if isinstance(origin, Event) or (isinstance(origin, models.QuerySet) and origin.model is Event):
        return  # deleted with its event, which goes too
    event = Event.objects.filter(pk=instance.event_id).first()
    if event is None:  # deleted with its event
        return
    Event.objects.filter(pk=event.pk).update(sequence=models.F("sequence") + 1, updated_at=timezone.now())
    event.refresh_occurrences()


# The order of occurrences in lists, and of their index.
IN_TIME_ORDER = ["starts_at", "ends_at", "visible_from", "id"]


class EventOccurrenceQuerySet(models.QuerySet):
    def public(self) -> "EventOccurrenceQuerySet":
        """Occurrences of events a visitor may see (published, their time come).

        Read from the occurrence's own copy of its event's publication time:
        joined to the events, the databases read every published event's
        occurrences and sorted them (80 ms at 10,000 events) instead of
        reading the next ones from the start index."""
        return self.filter(visible_from__lte=timezone.now())

    def on_theme(self, theme) -> "EventOccurrenceQuerySet":
        """Occurrences of events on this theme. EXISTS per occurrence read in
        time order: an IN list or a join made the databases read every event
        of the theme first."""
        themes = Event.themes.through.objects.filter(event_id=models.OuterRef("event_id"), theme=theme)
        return self.filter(models.Exists(themes))

    def upcoming(self) -> "EventOccurrenceQuerySet":
        """To come or under way, soonest first. Read from the start index from
        MAX_DURATION ago (nothing started earlier is still under way): a bound
        on ends_at alone read every past occurrence (90 ms at 10,000 events)."""
        now = timezone.now()
        return self.filter(starts_at__gte=now - MAX_DURATION, ends_at__gte=now).order_by(*IN_TIME_ORDER)

    def past(self) -> "EventOccurrenceQuerySet":
        """Over, the latest first."""
        return self.filter(ends_at__lt=timezone.now()).order_by(*(f"-{name}" for name in IN_TIME_ORDER))

    def in_year(self, year: int, zone_name: str = settings.TIME_ZONE) -> "EventOccurrenceQuerySet":
        zone = rules.zone(zone_name)
        start = datetime.datetime(year, 1, 1, tzinfo=zone)
        return self.filter(starts_at__gte=start, starts_at__lt=start.replace(year=year + 1))

    def next_per_event(self, count: int, window: int = 40) -> list["EventOccurrence"]:
        """The first occurrence of each of the next `count` events, among the
        next `window` occurrences (a weekly desk does not fill the home page)."""
        # Chosen from ids first: loading the window's cards (events, versions,
        # themes) cost the home page 10 ms at 10,000 events, for 4 of 40 shown.
        seen, chosen = set(), []
        for pk, event_id in self.upcoming().values_list("pk", "event_id")[:window]:
            if event_id not in seen:
                seen.add(event_id)
                chosen.append(pk)
                if len(chosen) == count:
                    break
        cards = EventOccurrence.objects.filter(pk__in=chosen).for_cards().in_bulk()
        return [cards[pk] for pk in chosen]

    def for_cards(self) -> "EventOccurrenceQuerySet":
        """What a card of the agenda shows: the event, its versions without long texts, its themes."""
        return self.select_related("event").prefetch_related(
            models.Prefetch("event__versions", queryset=Event.objects.card_versions()), "event__themes"
        )


class EventOccurrence(models.Model):
    """One time an event happens, as its rule and changes give it (computed, never edited)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="occurrences")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    original_start = models.DateTimeField(null=True)
    status = models.CharField(max_length=12, choices=EventStatus)
    moved = models.BooleanField(default=False)
    # Its event's publication time, if published (kept in step by the event's save).
    visible_from = models.DateTimeField(null=True)

    objects = EventOccurrenceQuerySet.as_manager()

    class Meta:
        indexes = [
            # Lists read it in order and check the end and visibility in it,
            # without reading the rows they skip.
            models.Index(fields=IN_TIME_ORDER, name="occurrence_in_time_order"),
        ]

    def __str__(self) -> str:
        return f"{self.event} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def banner(self) -> str:
        """The status banner's words ("" as planned); a moved occurrence says so."""
        if self.moved and self.status == EventStatus.SCHEDULED:
            return str(STATUS_BANNERS[EventStatus.MOVED])
        return str(STATUS_BANNERS.get(self.status, ""))

    @property
    def schema_status(self) -> str:
        if self.moved and self.status == EventStatus.SCHEDULED:
            return SCHEMA_STATUS[EventStatus.MOVED]
        return SCHEMA_STATUS[self.status]

    def local_start(self) -> datetime.datetime:
        return self.starts_at.astimezone(self.event.zone)

    def local_end(self) -> datetime.datetime:
        return self.ends_at.astimezone(self.event.zone)

    def local_original_start(self) -> datetime.datetime | None:
        return self.original_start.astimezone(self.event.zone) if self.original_start else None
