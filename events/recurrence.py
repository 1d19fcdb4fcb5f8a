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

from publishing.numbers import whole_number

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


# The choices of the admin's recurrence picker (events/forms.py): what an
# organiser can say without writing a rule. Any other rule is "custom" and
# kept as written.
NEVER = "never"
DAILY = "daily"
WEEKLY = "weekly"
FORTNIGHTLY = "fortnightly"
MONTHLY_WEEKDAY = "monthly_weekday"  # e.g. the first Thursday, the last Friday
MONTHLY_DATE = "monthly_date"  # the start's day of the month
CUSTOM = "custom"
WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")  # Python's weekday() order
WEEKS_OF_MONTH = (1, 2, 3, 4, -1)  # -1: the last of the month
_FREQUENCY_PARTS = {
    DAILY: "FREQ=DAILY",
    WEEKLY: "FREQ=WEEKLY",
    FORTNIGHTLY: "FREQ=WEEKLY;INTERVAL=2",
    MONTHLY_WEEKDAY: "FREQ=MONTHLY",
    MONTHLY_DATE: "FREQ=MONTHLY",
}


@dataclass(frozen=True)
class Repetition:
    """A rule as the picker says it. It ends on `until` (the last day, in the
    event's zone, included) or after `count` occurrences."""

    repeats: str = NEVER
    weekdays: tuple[str, ...] = ()  # WEEKLY, FORTNIGHTLY: codes in WEEKDAY_CODES order
    week: int | None = None  # MONTHLY_WEEKDAY: one of WEEKS_OF_MONTH…
    weekday: str = ""  # … and a code of WEEKDAY_CODES
    until: datetime.date | None = None
    count: int | None = None
    rule: str = ""  # CUSTOM: the rule as written


def week_of_month(day: datetime.date) -> int:
    """Which of its weekday `day` is in its month: 1 to 4, or -1 for a fifth (the last)."""
    week = (day.day - 1) // 7 + 1
    return -1 if week == 5 else week


def compose(repetition: Repetition) -> str:
    """The rule the picker's choices make ("" for none). UNTIL is a local
    date, as organisers type it; `normalised_rule` turns it into UTC."""
    if repetition.repeats == NEVER:
        return ""
    if repetition.repeats == CUSTOM:
        return repetition.rule
    parts = [_FREQUENCY_PARTS[repetition.repeats]]
    if repetition.repeats in (WEEKLY, FORTNIGHTLY):
        days = sorted(set(repetition.weekdays), key=WEEKDAY_CODES.index)
        parts.append(f"BYDAY={','.join(days)}")
    elif repetition.repeats == MONTHLY_WEEKDAY:
        parts.append(f"BYDAY={repetition.week}{repetition.weekday}")
    if repetition.until is not None:
        parts.append(f"UNTIL={repetition.until:%Y%m%d}")
    elif repetition.count is not None:
        parts.append(f"COUNT={repetition.count}")
    return ";".join(parts)


def decompose(rule_text: str, start: datetime.datetime) -> Repetition:
    """What the picker shows of a rule from `start` (aware, in the event's
    zone): its choices when they give back the very same rule once stored,
    else the rule as written, "custom" (imported rules, a WKST, a BYMONTH…)."""
    if not rule_text.strip():
        return Repetition()
    custom = Repetition(CUSTOM, rule=rule_text)
    repetition = _read_choices(rule_parts(rule_text), start)
    if repetition is None:
        return custom
    try:
        same = normalised_rule(compose(repetition), start) == normalised_rule(rule_text, start)
    except ValidationError:
        return custom
    return repetition if same else custom


def _read_choices(parts: dict[str, str], start: datetime.datetime) -> Repetition | None:
    """The picker's reading of a rule's parts, or None where it has no words
    for them; `decompose` checks that the reading writes the same rule back."""
    until, count = None, None
    if "UNTIL" in parts:
        try:
            moment = datetime.datetime.strptime(_until_utc(parts["UNTIL"], start), "%Y%m%dT%H%M%SZ")
        except (ValidationError, ValueError):
            return None
        until = moment.replace(tzinfo=datetime.UTC).astimezone(start.tzinfo).date()
    else:
        count = whole_number(parts.get("COUNT"))
        if count is None:
            return None  # never ends: refused anyway, and the picker does not offer it
    frequency = parts.get("FREQ")
    byday = parts.get("BYDAY", "")
    if frequency == "DAILY":
        return Repetition(DAILY, until=until, count=count)
    if frequency == "WEEKLY":
        repeats = FORTNIGHTLY if parts.get("INTERVAL") == "2" else WEEKLY
        days = tuple(day for day in WEEKDAY_CODES if day in byday.split(","))
        return Repetition(repeats, weekdays=days, until=until, count=count)
    if frequency == "MONTHLY" and not byday:
        return Repetition(MONTHLY_DATE, until=until, count=count)
    if frequency == "MONTHLY" and byday[-2:] in WEEKDAY_CODES and byday[:-2] in {str(w) for w in WEEKS_OF_MONTH}:
        return Repetition(MONTHLY_WEEKDAY, week=int(byday[:-2]), weekday=byday[-2:], until=until, count=count)
    return None


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
    days = {code: number for number, code in enumerate(WEEKDAY_CODES)}
    frequency, interval = parts.get("FREQ"), parts.get("INTERVAL", "1")
    byday = parts.get("BYDAY", "")
    allowed = {"FREQ", "BYDAY", "UNTIL", "COUNT", "INTERVAL", "WKST"}
    if set(parts) - allowed or interval not in {"1", "2"}:
        return ""
    if frequency == "DAILY" and not byday and interval == "1":
        return _("every day")
    if frequency == "WEEKLY":
        codes = byday.split(",") if byday else [WEEKDAY_CODES[start.weekday()]]
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
    if frequency == "MONTHLY" and interval == "1" and not byday:
        return _("every month on day %(day)s") % {"day": start.day}
    return ""
