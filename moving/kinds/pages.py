"""The site's own pages moving in and out (no date, no themes, no PDF)."""

from pathlib import Path

from django.utils.translation import gettext as _

from moving.adapter import PublicationAdapter, WordPressSource
from moving.folders import ExportFolder, ImportFolder
from moving.markdown import MarkdownImportError, html_to_markdown, render_markdown
from moving.wxr import WXRItem
from website.models import Page, PageVersion


class PageAdapter(PublicationAdapter[Page, PageVersion]):
    name, folder = "page", "pages"
    model, version_model = Page, PageVersion
    dated = False
    excerpt_field = "summary"

    def version_metadata(self, page: Page, version: PageVersion) -> dict:
        return {"summary": version.summary, "in_footer": page.in_footer, "position": page.position}

    def markdown(self, version: PageVersion, target: Path, site: ExportFolder) -> str:
        return html_to_markdown(version.body)

    def read_version(self, target: Path, file: Path, site: ImportFolder) -> None:
        metadata, body = site.read_markdown(file)
        page = self.publication_of(target.name)
        page.in_footer = bool(metadata.get("in_footer", True))
        page.position = self._position(metadata)
        site.validated(page, file).save()
        version = self.version_of(page, file.stem)
        version.title = str(metadata.get("title") or target.name)
        version.summary = str(metadata.get("summary") or "")
        version.body = render_markdown(body)
        version.full_clean(exclude=["page"])  # the admin's bounds, before the cleaning
        version.save()
        self.apply_publication(page, version, metadata)

    @staticmethod
    def _position(metadata: dict) -> int:
        try:
            return int(metadata.get("position") or 0)
        except (TypeError, ValueError):
            raise MarkdownImportError(_("“%(key)s” must be a whole number.") % {"key": "position"})

    def takes(self, item: WXRItem, source: WordPressSource) -> bool:
        return item.post_type == "page"

    def wordpress_new(self, page: Page) -> None:
        page.in_footer = False  # the footer keeps the site's own pages

    def renders_after_import(self, page: Page) -> bool:
        return False


PAGES = PageAdapter()
