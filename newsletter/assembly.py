"""A letter assembled from what the site published since the last letter.

Each language gets a version listing the new tracts and articles (and the
upcoming events, once an agenda app provides them), linked to their pages;
a publication without a version in that language is linked in its original,
saying so. The organiser then edits it like any letter.
"""

import datetime
from typing import TYPE_CHECKING

from django.apps import apps
from django.conf import settings
from django.utils import formats, timezone, translation
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from publishing.languages import language_codes

from .mail import language_name, site_url
from .models import Letter, LetterVersion

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

# (model, heading): what a letter lists, in this order. A model whose app is
# not installed is left out.
SOURCES = [
    ("tracts.Tract", gettext_lazy("New tracts")),
    ("articles.Article", gettext_lazy("New articles")),
    ("events.Event", gettext_lazy("Upcoming events")),
]
# The first letter lists what was published in this many days.
FIRST_LETTER_DAYS = 30


def last_letter_time() -> datetime.datetime:
    """When the last letter started going out (a month ago when there is none)."""
    last = Letter.objects.exclude(started_at=None).order_by("-started_at").values_list("started_at", flat=True).first()
    return last or timezone.now() - datetime.timedelta(days=FIRST_LETTER_DAYS)


def new_publications(since: datetime.datetime) -> "list[tuple[_StrPromise, list]]":
    """(heading, publications) for each source with something to say: what
    was published since `since`, and the events to come, whenever they were
    announced; nothing at all unless something is new since `since`."""
    found, anything_new = [], False
    for label, heading in SOURCES:
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        published = model.objects.published()
        if hasattr(published, "upcoming"):  # events: those to come, soonest first
            items = list(published.upcoming().order_by("starts_at").prefetch_related("versions"))
        else:
            items = list(published.filter(published_at__gt=since).for_page().newest_first())
        anything_new = anything_new or any(item.published_at > since for item in items)
        if items:
            found.append((heading, items))
    return found if anything_new else []


def _item(publication, language: str) -> str:
    version = publication.version_for(language)
    url = site_url(version.get_absolute_url())
    subtitle = getattr(version, "subtitle", "") or getattr(version, "standfirst", "")
    note = "" if version.language == language else f" ({language_name(version.language)})"
    return format_html(
        '<li><a href="{}">{}</a>{}{}</li>', url, version.title, note, format_html(" — {}", subtitle) if subtitle else ""
    )


def version_body(sections: "list[tuple[_StrPromise, list]]", language: str) -> str:
    parts = [format_html("<p>{}</p>", _("What we published since our last letter:"))]
    for heading, items in sections:
        parts.append(
            format_html(
                "<h2>{}</h2><ul>{}</ul>", heading, format_html_join("", "{}", ((_item(i, language),) for i in items))
            )
        )
    return "".join(parts)


def assemble() -> Letter | None:
    """A draft letter of what is new, in every language; None when nothing is."""
    sections = new_publications(last_letter_time())
    if not sections:
        return None
    letter = Letter.objects.create(original_language=settings.LANGUAGE_CODE)
    for language in language_codes():
        with translation.override(language):
            subject = _("News of %(date)s") % {"date": formats.date_format(timezone.localdate(), "j F Y")}
            LetterVersion.objects.create(
                letter=letter, language=language, subject=subject, body=version_body(sections, language)
            )
    return letter
