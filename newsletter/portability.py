"""Subscribers in and out: the CSV files of other tools, and our own.

Read: Mailchimp's audience export ("Email Address", CONFIRM_TIME…), listmonk's
subscriber export (email, status…), our own export (email, languages,
themes, confirmed_at), and a plain list of addresses, one a line. Only the
address, a language and the confirmation time are taken: IP addresses,
names, ratings and the rest stay out, as they would on our own form.
"""

import csv
import datetime
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from publishing.languages import is_supported
from publishing.models import Theme

from .models import Subscriber, normalised_address

ADDRESS_COLUMNS = ("email address", "email", "e-mail", "mail", "address")
LANGUAGE_COLUMNS = ("languages", "language", "langue")
CONFIRMED_COLUMNS = ("confirmed_at", "confirm_time", "optin_time", "created_at")
# Rows of people who left or were refused: never subscribed again by an import.
LEFT = {"unsubscribed", "blocklisted", "blacklisted", "cleaned", "bounced"}


@dataclass
class ImportedRow:
    email: str
    languages: list[str]
    theme_slugs: list[str] = field(default_factory=list)
    confirmed_at: datetime.datetime | None = None


@dataclass
class ReadResult:
    rows: list[ImportedRow] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)  # "line 4: not-an-address"
    left: int = 0


def _column(header: list[str], names: Iterable[str]) -> int | None:
    lowered = [name.strip().lower() for name in header]
    return next((lowered.index(name) for name in names if name in lowered), None)


def _time(value: str) -> datetime.datetime | None:
    moment = parse_datetime(value.strip()) if value.strip() else None
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment, datetime.UTC)
    return moment


def _rows(text: str) -> Iterator[list[str]]:
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    yield from csv.reader(io.StringIO(text), dialect)


def read_subscribers(path: Path, default_languages: list[str]) -> ReadResult:
    """The subscribers a file lists (UTF-8, with or without a header)."""
    text = path.read_text(encoding="utf-8-sig")
    result = ReadResult()
    rows = list(_rows(text))
    if not rows:
        return result
    header = rows[0]
    found = _column(header, ADDRESS_COLUMNS)
    has_header = found is not None
    address = found if found is not None else 0  # else a plain list
    language = _column(header, LANGUAGE_COLUMNS) if has_header else None
    confirmed = _column(header, CONFIRMED_COLUMNS) if has_header else None
    themes = _column(header, ("themes",)) if has_header else None
    status = _column(header, ("status",)) if has_header else None
    seen = set()
    for number, row in enumerate(rows[1:] if has_header else rows, start=2 if has_header else 1):
        if not row or not any(cell.strip() for cell in row):
            continue
        cells = row + [""] * (len(header) - len(row))
        email = normalised_address(cells[address])
        if status is not None and cells[status].strip().lower() in LEFT:
            result.left += 1
            continue
        try:
            validate_email(email)
        except ValidationError:
            result.invalid.append(f"line {number}: {cells[address].strip() or '(empty)'}")
            continue
        if email in seen:
            continue
        seen.add(email)
        named = cells[language].replace(",", " ").split() if language is not None else []
        # "fr", "FR", "fr_FR" (Mailchimp), "ar-MA": the language part.
        languages = [code.lower()[:2] for code in named if is_supported(code.lower()[:2])] or default_languages
        result.rows.append(
            ImportedRow(
                email,
                languages,
                cells[themes].split() if themes is not None else [],
                _time(cells[confirmed]) if confirmed is not None else None,
            )
        )
    return result


@transaction.atomic
def store_confirmed(rows: list[ImportedRow]) -> tuple[int, int]:
    """Subscribe these addresses at once (they confirmed elsewhere); returns (added, already there)."""
    existing = set(Subscriber.objects.filter(email__in=[row.email for row in rows]).values_list("email", flat=True))
    themes = {theme.slug: theme for theme in Theme.objects.all()}
    added = 0
    for row in rows:
        if row.email in existing:
            continue
        subscriber = Subscriber.objects.create(
            email=row.email, languages=row.languages, confirmed_at=row.confirmed_at or timezone.now()
        )
        if chosen := [themes[slug] for slug in row.theme_slugs if slug in themes]:
            subscriber.themes.set(chosen)
        added += 1
    return added, len(existing)


CSV_HEADER = ["email", "languages", "themes", "confirmed_at"]


def subscriber_rows(subscribers) -> Iterator[list[str]]:
    """The CSV rows of these subscribers (our export's columns), header first."""
    yield CSV_HEADER
    for subscriber in subscribers.prefetch_related("themes").order_by("email").iterator(1000):
        themes = " ".join(theme.slug for theme in subscriber.themes.all())
        yield [subscriber.email, " ".join(subscriber.languages), themes, subscriber.confirmed_at.isoformat()]


def write_subscribers(path: Path) -> int:
    """Every subscriber as CSV; returns how many."""
    with path.open("w", encoding="utf-8", newline="") as output:
        writer = csv.writer(output)
        for row in subscriber_rows(Subscriber.objects.all()):
            writer.writerow(row)
    return Subscriber.objects.count()
