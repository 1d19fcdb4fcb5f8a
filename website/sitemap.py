"""sitemap.xml (Django's sitemaps): an index of sections, each listing every
published language version with its other languages as alternates."""

from collections import defaultdict

from django.contrib.sitemaps import Sitemap
from django.db.models import Max

from articles.models import Article
from events.models import Event
from publishing.languages import in_language_order
from tracts.models import Tract

from .models import Page


class PublicationSitemap(Sitemap):
    """One entry per published language version; a publication in several
    languages names each of them as an alternate (hreflang).

    Made from the versions, not with Django's `i18n` option: that one
    activated each language for every address and its alternates, and
    loaded every publication with its texts (9 s for 10,000 documents).
    """

    # Addresses per sitemap page; the index (/sitemap.xml) lists the pages.
    limit = 1000

    def __init__(self, model: type) -> None:
        self.model = model
        self.link = model.versions.field  # the version's foreign key to its publication

    def addressed(self, versions):
        """These versions with what their address and date need, and no more."""
        link = self.link.name
        return versions.select_related(link).only("language", "updated_at", link, f"{link}__slug")

    def items(self):
        return self.addressed(self.model.objects.published().versions()).order_by("pk")

    def location(self, version) -> str:
        return version.get_absolute_url()

    def lastmod(self, version):
        return version.updated_at

    def get_latest_lastmod(self):
        # For the index: one aggregate, not a pass over every version.
        return self.items().aggregate(latest=Max("updated_at"))["latest"]

    def get_urls(self, page=1, site=None, protocol=None) -> list[dict]:
        urls = super().get_urls(page=page, site=site, protocol=protocol)
        origin = f"{self.get_protocol(protocol)}://{self.get_domain(site)}"
        # The versions of the publications on this page, in one query.
        publication_ids = {getattr(url["item"], self.link.attname) for url in urls}
        siblings = defaultdict(list)
        versions = self.link.model.objects.filter(**{f"{self.link.attname}__in": publication_ids})
        for version in self.addressed(versions):
            siblings[getattr(version, self.link.attname)].append(version)
        for url in urls:
            others = in_language_order(siblings[getattr(url["item"], self.link.attname)])
            # A page in one language has no alternate.
            url["alternates"] = (
                [{"location": f"{origin}{v.get_absolute_url()}", "lang_code": v.language} for v in others]
                if len(others) > 1
                else []
            )
        return urls


SITEMAPS = {
    "tracts": PublicationSitemap(Tract),
    "articles": PublicationSitemap(Article),
    "pages": PublicationSitemap(Page),
    "events": PublicationSitemap(Event),
}
