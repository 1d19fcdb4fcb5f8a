"""RSS and Atom feeds of the agenda per language: what comes next, banners included."""

import html

from django.contrib.syndication.views import Feed
from django.http import HttpRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from publishing.models import SiteSettings
from publishing.typography import spaced_for

from .models import EventOccurrence
from .templatetags.agenda import when

FEED_ITEMS = 30


class EventFeed(Feed):
    """The next occurrences, each in the feed's language (or its event's original)."""

    def get_object(self, request: HttpRequest) -> str:
        self.request = request
        return request.LANGUAGE_CODE

    def title(self, language: str) -> str:
        return _("%(site)s: agenda") % {"site": SiteSettings.load().site_name}

    def link(self, language: str) -> str:
        return reverse("events:index")

    def description(self, language: str) -> str:
        return _("What the collective organises and joins.")

    def items(self, language: str) -> list:
        occurrences = EventOccurrence.objects.public().upcoming().for_cards()[:FEED_ITEMS]
        entries = []
        for occurrence in occurrences:
            version = occurrence.event.version_for(language)
            if version is not None:
                occurrence.version = version
                entries.append(occurrence)
        return entries

    def item_title(self, occurrence) -> str:
        banner = occurrence.banner
        title = occurrence.version.title
        return spaced_for(
            occurrence.version.language,
            _("%(status)s: %(title)s") % {"status": banner, "title": title} if banner else title,
        )

    def item_link(self, occurrence) -> str:
        return occurrence.version.get_absolute_url()

    def item_guid(self, occurrence) -> str:
        # One entry per occurrence, under the same page.
        planned = occurrence.original_start or occurrence.starts_at
        return self.request.build_absolute_uri(occurrence.version.get_absolute_url()) + f"#{planned:%Y%m%dT%H%M%SZ}"

    item_guid_is_permalink = False

    def item_description(self, occurrence) -> str:
        text = html.unescape(strip_tags(when(occurrence)))
        if occurrence.banner:
            text = f"{occurrence.banner}. {text}"
        if occurrence.version.summary:
            text = f"{text}. {occurrence.version.summary}".strip(". ")
        return spaced_for(occurrence.version.language, text)

    def item_pubdate(self, occurrence):
        return occurrence.event.published_at

    def item_updateddate(self, occurrence):
        return occurrence.event.updated_at

    def item_categories(self, occurrence) -> list[str]:
        return [theme.local_name for theme in occurrence.event.themes.all()]


class EventAtomFeed(EventFeed):
    feed_type = Atom1Feed
    subtitle = EventFeed.description
