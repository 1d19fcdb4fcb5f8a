"""sitemap.xml (Django's sitemaps): every published version, with its other languages as alternates."""

from django.contrib.sitemaps import Sitemap

from articles.models import Article
from tracts.models import Tract

from .models import Page


class PublicationSitemap(Sitemap):
    """One entry per published language version; a publication in several
    languages names each of them as an alternate (hreflang)."""

    i18n = True
    alternates = True

    def __init__(self, model: type) -> None:
        self.model = model

    def items(self):
        return self.model.objects.published().with_versions()

    def get_languages_for_item(self, publication) -> list[str]:
        return [version.language for version in publication.all_versions()]

    def location(self, publication) -> str:
        # Called with the entry's language active: the URL carries its prefix.
        return publication.get_absolute_url()

    def get_urls(self, *args, **kwargs) -> list[dict]:
        urls = super().get_urls(*args, **kwargs)
        for url in urls:
            publication, language = url["item"]
            url["lastmod"] = publication.version(language).updated_at
            if len(url["alternates"]) < 2:
                url["alternates"] = []  # a page in one language has no alternate
        return urls


SITEMAPS = {
    "tracts": PublicationSitemap(Tract),
    "articles": PublicationSitemap(Article),
    "pages": PublicationSitemap(Page),
}
