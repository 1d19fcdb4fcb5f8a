"""Moving in: events from a calendar export (.ics from Gancio, Mobilizon,
Nextcloud, Google Calendar…), as drafts.

Each VEVENT's UID becomes the event's own, so importing the same file again
creates nothing; its recurrence rule, its EXDATEs and its RECURRENCE-ID
entries (cancelled or moved occurrences) are kept. What cannot be mapped is
reported, never silently dropped.
"""

import datetime
import html
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar

from publishing.languages import slug_from_title
from publishing.models import Theme

from . import recurrence
from .models import Event, EventStatus, EventVersion, OccurrenceChange

# A rule without an end is bounded to this long after the later of its
# start and today (the agenda refuses endless rules).
ENDLESS_RULE_HORIZON = datetime.timedelta(days=365)
MAX_FILE_BYTES = 20 * 1024 * 1024
# Times in these are shown in the site's zone (a UTC time is on no one's clock).
UNIVERSAL_ZONES = {"UTC", "Etc/UTC", "Etc/GMT", "GMT", "Etc/Universal", "Universal", "Zulu", "Etc/Zulu"}


class CalendarUnreadable(ValueError):
    """The file is not a calendar we can read; the message says why, for the organiser."""


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def parse_calendar(data: bytes) -> Calendar:
    if len(data) > MAX_FILE_BYTES:
        raise CalendarUnreadable(_("This file is larger than 20 MB: it is not a calendar export."))
    try:
        calendar = Calendar.from_ical(data)
    except ValueError as error:
        raise CalendarUnreadable(
            _("This file is not a readable calendar (.ics): %(reason)s") % {"reason": error}
        ) from None
    if isinstance(calendar, list):  # several VCALENDARs in one file
        merged = Calendar()
        for part in calendar:
            for component in part.subcomponents:
                merged.add_component(component)
        calendar = merged
    if calendar.name != "VCALENDAR":
        raise CalendarUnreadable(_("This file is not a calendar (.ics): it does not start with BEGIN:VCALENDAR."))
    return calendar


def _moment(
    value, params, site_zone: datetime.tzinfo, label: str, report: list[str]
) -> tuple[datetime.datetime, bool, str]:
    """A start or end as the agenda stores it: (aware time, whole day, zone name)."""
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            zone_name = params.get("TZID") if params else None
            if zone_name:
                report.append(
                    _("%(event)s: unknown time zone “%(zone)s”, times read in %(site)s.")
                    % {"event": label, "zone": zone_name, "site": settings.TIME_ZONE}
                )
            return value.replace(tzinfo=site_zone), False, settings.TIME_ZONE  # floating time: the site's
        key = getattr(value.tzinfo, "key", None)
        if key in recurrence.known_time_zones() and key not in UNIVERSAL_ZONES:
            return value, False, key
        # UTC, or a zone of the file's own VTIMEZONE without an IANA name.
        return value.astimezone(site_zone), False, settings.TIME_ZONE
    return datetime.datetime.combine(value, datetime.time(), site_zone), True, settings.TIME_ZONE


def _text_to_html(text: str) -> str:
    paragraphs = [part.strip() for part in text.replace("\r\n", "\n").split("\n\n") if part.strip()]
    return "".join(f"<p>{html.escape(part).replace(chr(10), '<br>')}</p>" for part in paragraphs)


def _dates(component, name: str) -> list:
    values = component.get(name)
    if values is None:
        return []
    values = values if isinstance(values, list) else [values]
    return [item.dt for value in values for item in value.dts]


def _unique_slug(title: str) -> str:
    base = slug_from_title(title) or "evenement"
    candidate, number = base, 2
    while Event.objects.filter(slug=candidate).exists():
        candidate, number = f"{base[:95]}-{number}", number + 1
    return candidate


def import_calendar(data: bytes, language: str = settings.LANGUAGE_CODE) -> ImportReport:
    """Create the events of a calendar file as drafts (one language version each)."""
    calendar = parse_calendar(data)
    report = ImportReport()
    by_uid: dict[str, list] = defaultdict(list)
    for component in calendar.walk("VEVENT"):
        uid = str(component.get("UID", "")).strip()
        if not uid:
            report.problems.append(
                _("An event without UID (“%(title)s”) was left out.") % {"title": component.get("SUMMARY", "?")}
            )
            continue
        by_uid[uid].append(component)
    # Parsed components are always named; `name` is None only on icalendar's base class.
    others = {component.name for component in calendar.subcomponents if component.name} - {"VEVENT", "VTIMEZONE"}
    if others:
        report.problems.append(
            _("Left out, the agenda has no use for them: %(kinds)s.") % {"kinds": ", ".join(sorted(others))}
        )
    for uid, components in by_uid.items():
        if Event.objects.filter(uid=uid[:255]).exists():
            report.existing.append(uid)
            continue
        try:
            with transaction.atomic():
                slug = _import_event(uid, components, language, report)
        except (ValidationError, ValueError, TypeError, KeyError) as error:
            messages = error.messages if isinstance(error, ValidationError) else [str(error)]
            title = next((str(c.get("SUMMARY", "")) for c in components if "RECURRENCE-ID" not in c), uid)
            report.problems.append(
                _("“%(title)s” was not imported: %(reason)s") % {"title": title, "reason": " ".join(messages)}
            )
            continue
        report.created.append(slug)
    return report


def _import_event(uid: str, components: list, language: str, report: ImportReport) -> str:
    masters = [c for c in components if "RECURRENCE-ID" not in c]
    overrides = [c for c in components if "RECURRENCE-ID" in c]
    if not masters:
        raise ValueError(_("only changed occurrences, without the event they belong to"))
    master = masters[0]
    title = str(master.get("SUMMARY", "")).strip() or _("Event")
    site_zone = timezone.get_default_timezone()
    problems = report.problems

    start_property = master.get("DTSTART")
    if start_property is None:
        raise ValueError(_("no start (DTSTART)"))
    starts_at, all_day, zone_name = _moment(start_property.dt, start_property.params, site_zone, title, problems)
    if master.get("DTEND") is not None:
        ends_at, _day, _zone = _moment(master["DTEND"].dt, master["DTEND"].params, site_zone, title, [])
    elif master.get("DURATION") is not None:
        ends_at = starts_at + master.decoded("DURATION")
    else:
        ends_at = starts_at + (datetime.timedelta(days=1) if all_day else datetime.timedelta(hours=1))
    if all_day:
        ends_at -= datetime.timedelta(days=1)  # DTEND is the day after the last
        ends_at = max(ends_at, starts_at)
    elif ends_at <= starts_at:
        ends_at = starts_at + datetime.timedelta(hours=1)
        problems.append(_("%(event)s: its end was not after its start; it is given one hour.") % {"event": title})
    zone = recurrence.zone(zone_name)
    starts_at, ends_at = starts_at.astimezone(zone), ends_at.astimezone(zone)

    rule = ""
    if master.get("RRULE") is not None:
        rule = master["RRULE"].to_ical().decode()
        parts = recurrence.rule_parts(rule)
        if "UNTIL" not in parts and "COUNT" not in parts:
            until = max(starts_at, timezone.now()) + ENDLESS_RULE_HORIZON
            rule += f";UNTIL={until.astimezone(datetime.UTC):%Y%m%dT%H%M%SZ}"
            problems.append(
                _("%(event)s: its recurrence never ends; it is imported until %(date)s.")
                % {"event": title, "date": until.date().isoformat()}
            )
        try:
            recurrence.parse_rule(rule, starts_at)
        except ValidationError as error:
            problems.append(
                _("%(event)s: its recurrence could not be kept (%(reason)s); imported as a one-off event.")
                % {"event": title, "reason": " ".join(error.messages)}
            )
            rule = ""
    for unsupported in ("RDATE", "EXRULE"):
        if master.get(unsupported) is not None:
            problems.append(_("%(event)s: %(property)s left out.") % {"event": title, "property": unsupported})

    geo = master.get("GEO")
    location = str(master.get("LOCATION", "")).strip()
    online = str(master.get("CONFERENCE", "") or master.get("X-GOOGLE-CONFERENCE", "")).strip()
    event = Event(
        slug=_unique_slug(title),
        uid=uid[:255],
        status=Event.Status.DRAFT,
        original_language=language,
        starts_at=starts_at,
        ends_at=ends_at,
        all_day=all_day,
        time_zone=zone_name,
        recurrence=rule,
        event_status=EventStatus.CANCELLED if str(master.get("STATUS", "")).upper() == "CANCELLED" else "scheduled",
        place_name=location[:200],
        address=location[200:500] if len(location) > 200 else "",
        latitude=Decimal(f"{geo.latitude:.6f}") if geo else None,
        longitude=Decimal(f"{geo.longitude:.6f}") if geo else None,
        online_url=online[:500] if online.startswith(("http://", "https://")) else "",
    )
    event.full_clean(exclude=["slug", "uid"])
    event.save()
    categories = master.get("CATEGORIES")
    if categories is not None:
        lists = categories if isinstance(categories, list) else [categories]
        names = [str(name).strip()[:80] for item in lists for name in item.cats if str(name).strip()]
        event.themes.set(Theme.from_names(names))
    description = str(master.get("DESCRIPTION", "")).strip()
    EventVersion.objects.create(event=event, language=language, title=title[:200], body=_text_to_html(description))

    if rule:
        starts = set(recurrence.rule_starts(event.recurrence, event.local_start()))
        duration = ends_at - starts_at
        changes: dict[datetime.datetime, OccurrenceChange] = {}
        for value in _dates(master, "EXDATE"):
            original, _day, _zone = _moment(value, {}, zone, title, [])
            original = original.astimezone(zone)
            if original in starts:
                changes[original] = OccurrenceChange(event=event, original_start=original, removed=True)
        for override in overrides:
            original, _day, _zone = _moment(
                override["RECURRENCE-ID"].dt, override["RECURRENCE-ID"].params, zone, title, []
            )
            original = original.astimezone(zone)
            if original not in starts:
                problems.append(
                    _("%(event)s: a change to an occurrence on %(date)s that its rule does not give was left out.")
                    % {"event": title, "date": original.isoformat()}
                )
                continue
            status = "cancelled" if str(override.get("STATUS", "")).upper() == "CANCELLED" else "scheduled"
            new_start = original
            if override.get("DTSTART") is not None:
                new_start, _day, _zone = _moment(
                    override["DTSTART"].dt, override["DTSTART"].params, zone, title, problems
                )
                new_start = new_start.astimezone(zone)
            new_end = new_start + duration
            if override.get("DTEND") is not None:
                new_end, _day, _zone = _moment(override["DTEND"].dt, override["DTEND"].params, zone, title, [])
                new_end = new_end.astimezone(zone)
            moved = new_start != original or new_end != original + duration
            changes[original] = OccurrenceChange(
                event=event,
                original_start=original,
                status=status,
                starts_at=new_start if moved else None,
                ends_at=new_end if moved else None,
            )
            if str(override.get("SUMMARY", title)).strip() != title:
                problems.append(
                    _("%(event)s: the other title of the occurrence on %(date)s was left out.")
                    % {"event": title, "date": original.date().isoformat()}
                )
        for change in changes.values():
            change.full_clean(exclude=["event"])
        OccurrenceChange.objects.bulk_create(changes.values())
        if changes:
            event.refresh_occurrences()
    elif overrides:
        problems.append(
            _("%(event)s: changes to single occurrences of an event without recurrence were left out.")
            % {"event": title}
        )
    return event.slug
