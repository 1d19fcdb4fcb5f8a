"""Recurrence rules (RFC 5545 RRULE) turned into occurrences, in local time.

Rules are expanded with python-dateutil from a start that carries its time
zone (`zoneinfo`): dateutil keeps the wall-clock time of each occurrence and
the zone gives its offset, so a 14:00 Tuesday desk stays at 14:00 local time
on both sides of a daylight-saving change.
"""

import datetime
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from itertools import islice

from dateutil.rrule import rrule, rrulestr
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# An event has at most this many occurrences: a rule that gives more is
# refused (a weekly desk for ten years is 520).
MAX_OCCURRENCES = 1000
# Agenda events happen at most once a day: HOURLY, MINUTELY and SECONDLY
# rules are refused.
FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")


@cache
def known_time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def zone(name: str) -> zoneinfo.ZoneInfo:
    """The time zone named `name` (IANA, e.g. "Europe/Paris"); a clear message when unknown."""
    if name not in known_time_zones():
        raise ValidationError(
            _("“%(zone)s” is not a known time zone; write it as “Europe/Paris”, “America/Cayenne”…"),
            code="unknown_time_zone",
            params={"zone": name},
        )
    return zoneinfo.ZoneInfo(name)


def rule_parts(text: str) -> dict[str, str]:
    """The rule's NAME=value parts ("RRULE:" prefix and case left aside)."""
    text = text.strip().upper().removeprefix("RRULE:")
    parts = {}
    for part in filter(None, text.split(";")):
        name, _sep, value = part.partition("=")
        parts[name.strip()] = value.strip()
    return parts


def _until_utc(until: str, start: datetime.datetime) -> str:
    """UNTIL as RFC 5545 wants it with a zoned start: a UTC time. A date alone
    means the whole of that day in the event's zone; a time without "Z" is
    read in that zone."""
    try:
        if "T" not in until:
            day = datetime.datetime.strptime(until, "%Y%m%d").replace(tzinfo=start.tzinfo)
            moment = day + datetime.timedelta(days=1, seconds=-1)
        elif until.endswith("Z"):
            moment = datetime.datetime.strptime(until, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.UTC)
        else:
            moment = datetime.datetime.strptime(until, "%Y%m%dT%H%M%S").replace(tzinfo=start.tzinfo)
    except ValueError:
        raise ValidationError(_("The end date of the recurrence (UNTIL) cannot be read."), code="until") from None
    return moment.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def normalised_rule(text: str, start: datetime.datetime, all_day: bool = False) -> str:
    """The rule as stored and written in calendar files: upper case, without
    "RRULE:" nor spaces, its UNTIL in UTC (a date for whole-day events, whose
    start is a date)."""
    parts = rule_parts(text)
    if "UNTIL" in parts:
        until = _until_utc(parts["UNTIL"], start)
        if all_day:
            moment = datetime.datetime.strptime(until, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.UTC)
            until = moment.astimezone(start.tzinfo).strftime("%Y%m%d")
        parts["UNTIL"] = until
    return ";".join(f"{name}={value}" for name, value in parts.items())


def parse_rule(text: str, start: datetime.datetime) -> rrule:
    """The rule `text` from `start` (aware, in the event's zone), checked: it
    must be readable, at most daily, and end (UNTIL or COUNT) within
    MAX_OCCURRENCES occurrences. Raises ValidationError with a message for
    the organiser."""
    parts = rule_parts(text)
    if parts.get("FREQ") not in FREQUENCIES:
        raise ValidationError(
            _("A recurrence rule starts with FREQ=DAILY, WEEKLY, MONTHLY or YEARLY (e.g. “FREQ=WEEKLY;BYDAY=TU”)."),
            code="frequency",
        )
    if "UNTIL" not in parts and "COUNT" not in parts:
        raise ValidationError(
            _(
                "This recurrence never ends: add an end date (“;UNTIL=20271231”) or a number of "
                "occurrences (“;COUNT=20”). A weekly desk for two years is 104 occurrences."
            ),
            code="endless",
        )
    if "UNTIL" in parts:
        parts["UNTIL"] = _until_utc(parts["UNTIL"], start)
    text = ";".join(f"{name}={value}" for name, value in parts.items())
    try:
        rule = rrulestr(text, dtstart=start)
        too_many = len(list(islice(rule, MAX_OCCURRENCES + 1))) > MAX_OCCURRENCES
    except (ValueError, TypeError, OverflowError) as error:
        raise ValidationError(
            _("This recurrence rule cannot be read (%(reason)s). Example: “FREQ=WEEKLY;BYDAY=TU;UNTIL=20271231”."),
            code="unreadable",
            params={"reason": str(error)},
        ) from None
    if too_many:
        raise ValidationError(
            _("This recurrence gives more than %(count)s occurrences: end it sooner (UNTIL or COUNT)."),
            code="too_many",
            params={"count": MAX_OCCURRENCES},
        )
    return rule


@dataclass(frozen=True)
class Occurrence:
    """One time an event happens; `original_start` is when its rule placed it."""

    starts_at: datetime.datetime
    ends_at: datetime.datetime
    original_start: datetime.datetime | None
    status: str
    moved: bool = False


@dataclass(frozen=True)
class Change:
    """An occurrence's own fate: left out, or with a status, a new time, or both."""

    original_start: datetime.datetime
    status: str
    removed: bool = False
    starts_at: datetime.datetime | None = None
    ends_at: datetime.datetime | None = None


def rule_starts(rule_text: str, start: datetime.datetime) -> list[datetime.datetime]:
    """The starts the rule gives (none for an event without a rule)."""
    if not rule_text:
        return [start]
    return list(parse_rule(rule_text, start))


def expand(
    rule_text: str,
    start: datetime.datetime,
    end: datetime.datetime,
    status: str,
    changes: Sequence[Change] = (),
) -> list[Occurrence]:
    """Every occurrence of an event, its changes applied, in time order.

    `start` and `end` are the first occurrence's, aware in the event's zone;
    each later one lasts as long, from the same local time.
    """
    duration = end - start
    if not rule_text:
        return [Occurrence(start, end, None, status)]
    by_start = {change.original_start: change for change in changes}
    occurrences = []
    for starts_at in rule_starts(rule_text, start):
        change = by_start.get(starts_at)
        if change is None:
            occurrences.append(Occurrence(starts_at, starts_at + duration, starts_at, status))
        elif not change.removed:
            moved = change.starts_at is not None and change.starts_at != starts_at
            new_start = change.starts_at or starts_at
            new_end = change.ends_at or (new_start + duration)
            occurrences.append(Occurrence(new_start, new_end, starts_at, change.status, moved))
    return sorted(occurrences, key=lambda occurrence: occurrence.starts_at)


def describe(rule_text: str, start: datetime.datetime) -> str:
    """The commonest rules in words ("every Tuesday", "every first Thursday of
    the month"); "" for the others (the page lists their dates)."""
    from django.utils.dates import WEEKDAYS

    parts = rule_parts(rule_text)
    days = {"MO": 0, "TU": 1, "WE": 2, "TH": 3, "FR": 4, "SA": 5, "SU": 6}
    frequency, interval = parts.get("FREQ"), parts.get("INTERVAL", "1")
    byday = parts.get("BYDAY", "")
    allowed = {"FREQ", "BYDAY", "UNTIL", "COUNT", "INTERVAL", "WKST"}
    if set(parts) - allowed or interval not in {"1", "2"}:
        return ""
    if frequency == "DAILY" and not byday and interval == "1":
        return _("every day")
    if frequency == "WEEKLY":
        codes = byday.split(",") if byday else [list(days)[start.weekday()]]
        if not all(code in days for code in codes):
            return ""
        names = ", ".join(str(WEEKDAYS[days[code]]) for code in codes)
        if interval == "2":
            return _("every other %(days)s") % {"days": names}
        return _("every %(days)s") % {"days": names}
    if frequency == "MONTHLY" and interval == "1" and len(byday) == 3 and byday[0] in "1234" and byday[1:] in days:
        ordinals = {"1": _("first"), "2": _("second"), "3": _("third"), "4": _("fourth")}
        return _("every %(ordinal)s %(day)s of the month") % {
            "ordinal": ordinals[byday[0]],
            "day": WEEKDAYS[days[byday[1:]]],
        }
    if frequency == "MONTHLY" and interval == "1" and byday.startswith("-1") and byday[2:] in days:
        return _("every last %(day)s of the month") % {"day": WEEKDAYS[days[byday[2:]]]}
    return ""
