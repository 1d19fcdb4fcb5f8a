"""Calendar files (RFC 5545), made with the `icalendar` library: one per
event, and a feed of the whole agenda that calendars subscribe to.

Each event is one VEVENT under a UID that never changes, with SEQUENCE
raised on each edit, its RRULE, an EXDATE per occurrence left out, and one
VEVENT with a RECURRENCE-ID per occurrence cancelled, moved or otherwise
changed. Times carry their zone (TZID), described by a VTIMEZONE.
"""

import datetime
from collections.abc import Callable, Iterable

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, vDuration, vRecur
from icalendar import Event as CalendarEvent

from publishing.html_text import plain_text

from .models import ICALENDAR_STATUS, STATUS_BANNERS, Event, EventStatus, OccurrenceChange

# How often subscribed calendars should come back (RFC 7986, and Outlook's name for it).
REFRESH_INTERVAL = datetime.timedelta(hours=6)


def new_calendar(name: str, description: str = "") -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", "-//collectif//agenda//FR")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("name", name)
    calendar.add("x-wr-calname", name)
    if description:
        calendar.add("description", description)
        calendar.add("x-wr-caldesc", description)
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    calendar.add("refresh-interval", REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH_INTERVAL))
    return calendar


def _summary(title: str, status: str, moved: bool = False) -> str:
    """The title, preceded by the status for calendars that do not show STATUS."""
    if moved and status == EventStatus.SCHEDULED:
        status = EventStatus.MOVED
    banner = STATUS_BANNERS.get(status)
    return _("%(status)s: %(title)s") % {"status": banner, "title": title} if banner else title


def _times(component: CalendarEvent, event: Event, start: datetime.datetime, end: datetime.datetime) -> None:
    if event.all_day:
        component.add("dtstart", start.date())
        component.add("dtend", end.date())
    else:
        component.add("dtstart", start)
        component.add("dtend", end)


def _location(event: Event) -> str:
    return ", ".join(part for part in (event.place_name, event.address) if part) or event.online_url


def event_components(event: Event, language: str, absolute: Callable[[str], str]) -> list[CalendarEvent]:
    """The VEVENT of `event` in `language` (or its original), and one per changed occurrence.

    `event` comes with its versions and changes prefetched; `absolute` makes
    a whole address of a path.
    """
    version = event.version_for(language)
    title = version.title if version else event.slug
    url = absolute(version.get_absolute_url() if version else event.get_absolute_url())
    zone = event.zone
    start = event.starts_at.astimezone(zone)
    end = event.ends_at.astimezone(zone)
    if event.all_day:
        end = datetime.datetime.combine(end.date() + datetime.timedelta(days=1), datetime.time(), zone)
    duration = end - start
    stamp = event.updated_at.astimezone(datetime.UTC)
    description = "\n\n".join(
        part for part in (version.summary if version else "", plain_text(version.body) if version else "", url) if part
    )

    def component(status: str, moved: bool = False) -> CalendarEvent:
        entry = CalendarEvent()
        entry.add("uid", event.uid)
        entry.add("dtstamp", stamp)
        entry.add("created", event.created_at.astimezone(datetime.UTC))
        entry.add("last-modified", stamp)
        entry.add("sequence", event.sequence)
        entry.add("summary", _summary(title, status, moved))
        entry.add("status", ICALENDAR_STATUS[EventStatus(status)])
        entry.add("url", url)
        if description:
            entry.add("description", description)
        if location := _location(event):
            entry.add("location", location)
        if event.latitude is not None and event.longitude is not None:
            entry.add("geo", (float(event.latitude), float(event.longitude)))
        if event.online_url:
            entry.add("conference", event.online_url, parameters={"VALUE": "URI"})
        themes = [theme.local_name for theme in event.themes.all()]
        if themes:
            entry.add("categories", themes)
        return entry

    main = component(event.event_status)
    _times(main, event, start, end)
    components = [main]
    if event.recurrence:
        main.add("rrule", vRecur.from_ical(event.recurrence))
        changes: Iterable[OccurrenceChange] = event.changes.all()
        removed = [change.original_start.astimezone(zone) for change in changes if change.removed]
        if removed:
            main.add("exdate", [value.date() if event.all_day else value for value in removed])
        for change in changes:
            if change.removed:
                continue
            original = change.original_start.astimezone(zone)
            new_start = change.starts_at.astimezone(zone) if change.starts_at else original
            new_end = change.ends_at.astimezone(zone) if change.ends_at else new_start + duration
            override = component(change.status, moved=new_start != original)
            override.add("recurrence-id", original.date() if event.all_day else original)
            _times(override, event, new_start, new_end)
            components.append(override)
    return components


def agenda_calendar(
    events: Iterable[Event], language: str, name: str, absolute: Callable[[str], str], description: str = ""
) -> bytes:
    """A calendar file of these events, in `language`."""
    with translation.override(language):
        calendar = new_calendar(name, description)
        first, last = None, None
        for event in events:
            for component in event_components(event, language, absolute):
                calendar.add_component(component)
            first = min(first or event.starts_at, event.starts_at)
            last = max(last or event.starts_at, event.last_ends_at or event.ends_at)
        if first is not None and last is not None:  # both set by the first event
            # The zone's rules over the events' years only (a shorter file).
            calendar.add_missing_timezones(
                first_date=(first - datetime.timedelta(days=366)).date(),
                last_date=(last + datetime.timedelta(days=366)).date(),
            )
        return calendar.to_ical()


def calendar_events(events):
    """What calendar files load with each event (a queryset of events)."""
    return events.prefetch_related("versions", "changes", "themes").order_by("starts_at", "pk")


def since(days: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)
