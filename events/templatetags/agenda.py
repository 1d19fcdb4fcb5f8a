"""Dates and times of events in words, in the visitor's language, with every
date and time isolated (`<bdi>`) so that right-to-left pages keep them whole."""

import datetime

from django import template
from django.conf import settings
from django.utils import formats
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

register = template.Library()

DAY_FORMAT = "l j F Y"  # "mardi 3 mars 2026", "الثلاثاء 3 مارس 2026"
TIME_FORMAT = "H:i"


def _day(value: datetime.datetime) -> SafeString:
    return format_html(
        '<time datetime="{}"><bdi>{}</bdi></time>', value.date().isoformat(), formats.date_format(value, DAY_FORMAT)
    )


def _time(value: datetime.datetime) -> SafeString:
    return format_html(
        '<time datetime="{}"><bdi>{}</bdi></time>', value.isoformat(), formats.date_format(value, TIME_FORMAT)
    )


def when_html(start: datetime.datetime, end: datetime.datetime, all_day: bool) -> SafeString:
    """`start` to `end` (aware, in the event's zone) in words."""
    zone_note = ""
    if not all_day and str(start.tzinfo) != settings.TIME_ZONE:
        zone_note = format_html(" <bdi>({})</bdi>", str(start.tzinfo))
    if all_day:
        last = (end - datetime.timedelta(days=1)).date()
        if last <= start.date():
            return format_html(_("{day}, all day"), day=_day(start))
        return format_html(_("from {first} to {last}"), first=_day(start), last=_day(end - datetime.timedelta(days=1)))
    if start.date() == end.date():
        text = format_html(_("{day}, from {start} to {end}"), day=_day(start), start=_time(start), end=_time(end))
    else:
        text = format_html(
            _("from {first} at {start} to {last} at {end}"),
            first=_day(start),
            start=_time(start),
            last=_day(end),
            end=_time(end),
        )
    return format_html("{}{}", text, zone_note)


@register.simple_tag
def when(occurrence) -> SafeString:
    """When an occurrence (or an event's first one) happens, in words."""
    return when_html(occurrence.local_start(), _local_end(occurrence), occurrence_all_day(occurrence))


@register.simple_tag
def day_of(value: datetime.datetime) -> SafeString:
    """A date in words (the planned date of a moved occurrence)."""
    return _day(value)


def occurrence_all_day(occurrence) -> bool:
    event = getattr(occurrence, "event", occurrence)
    return event.all_day


def _local_end(occurrence) -> datetime.datetime:
    end = occurrence.local_end()
    if occurrence_all_day(occurrence) and not hasattr(occurrence, "event"):
        # An event's own end is its last day's midnight; an occurrence's, the next one.
        end += datetime.timedelta(days=1)
    return end
