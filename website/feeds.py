"""RSS and Atom feeds per language, for tracts (with their PDF) and articles."""

from django.contrib.syndication.views import Feed
from django.http import HttpRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from articles.models import Article
from publishing.html import bounded_excerpt
from publishing.models import SiteSettings
from publishing.pdf import store
from publishing.typography import spaced_for
from tracts.models import Tract

FEED_ITEMS = 30


class PublicationFeed(Feed):
    """The latest publications, each in the feed's language (or its original)."""

    model: type = Tract

    def get_object(self, request: HttpRequest) -> str:
        self.request = request
        return request.LANGUAGE_CODE

    def publications(self):
        return self.model.objects.published().for_cards()

    def items(self, language: str) -> list:
        publications = self.publications()[:FEED_ITEMS]
        return [version for publication in publications if (version := publication.version_for(language))]

    def item_title(self, version) -> str:
        return spaced_for(version.language, version.title)

    def item_link(self, version) -> str:
        return version.get_absolute_url()

    def item_pubdate(self, version):
        return version.publication.published_at

    def item_updateddate(self, version):
        return version.updated_at

    def item_categories(self, version) -> list[str]:
        return [theme.local_name for theme in version.publication.themes.all()]


class TractFeed(PublicationFeed):
    model = Tract

    def publications(self):
        return Tract.objects.published().with_a5_renders("search_text")  # for descriptions

    def title(self, language: str) -> str:
        return _("%(site)s: tracts") % {"site": SiteSettings.load().site_name}

    def link(self, language: str) -> str:
        return reverse("tracts:archive")

    def description(self, language: str) -> str:
        return _("The latest tracts, to read online or print.")

    def item_description(self, version) -> str:
        return spaced_for(version.language, version.subtitle or bounded_excerpt(version.search_text, 60))

    def item_enclosure_url(self, version) -> str:
        return self.request.build_absolute_uri(version.get_pdf_url("a5"))

    def item_enclosure_length(self, version) -> int:
        """The size of the A5 PDF once rendered (0, as RSS allows, before that)."""
        sizes = (store.stored_size(record.fingerprint) for record in getattr(version, "a5_renders", []))
        return next((size for size in sizes if size is not None), 0)

    item_enclosure_mime_type = "application/pdf"


class ArticleFeed(PublicationFeed):
    model = Article

    def title(self, language: str) -> str:
        return _("%(site)s: articles") % {"site": SiteSettings.load().site_name}

    def link(self, language: str) -> str:
        return reverse("articles:index")

    def description(self, language: str) -> str:
        return _("The collective's analyses.")

    def item_description(self, version) -> str:
        return spaced_for(version.language, version.standfirst or version.get_excerpt())

    def item_author_name(self, version) -> str:
        return ", ".join(author.name for author in version.publication.authors.all())


class TractAtomFeed(TractFeed):
    feed_type = Atom1Feed
    subtitle = TractFeed.description


class ArticleAtomFeed(ArticleFeed):
    feed_type = Atom1Feed
    subtitle = ArticleFeed.description
