"""What one kind of thing answers when the site moves in or out.

`Adapter` is the whole interface: `export()` writes the kind into an
exported folder, `read()` reads it back, `link()` runs once every kind is
in (links between publications, old addresses), `takes()` says whether a
WordPress item becomes one of this kind. Every method does nothing by
default, so a kind implements only the ways it moves.

`PublicationAdapter` implements them for a kind of publication (a model
inheriting `Publication`, its versions inheriting `LanguageVersion`): one
Markdown file with front matter per language version, in
`<folder>/<slug>/<language>.md`, its pictures beside it; and the Markdown
import of one file that `import_tract` and `import_article` run. A kind of
publication sets its models and says what it adds to the shared front
matter; see `moving/kinds/` for the three of them.
"""

import datetime
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Generic, Protocol, TypeVar, cast

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from moving.archive import PDFReading
from moving.folders import ExportFolder, ImportFolder
from moving.markdown import (
    MarkdownImportError,
    check_language,
    checked_length,
    existing_or_new_slug,
    html_to_markdown,
    named_themes,
    parse_date,
    parse_front_matter,
    title_and_body,
)
from moving.pictures import MarkdownPictures
from moving.wxr import WXRItem
from publishing.models import Image, OldAddress
from publishing.publications import LanguageVersion, Publication
from publishing.tasks import schedule_pdf_renders

M = TypeVar("M", bound=models.Model)


class WordPressSource(Protocol):
    """What a WordPress import offers the adapters (`moving.wordpress.WordPressImport`)."""

    tracts_category: str | None

    def author_names(self, items: Iterable[WXRItem]) -> list[str]: ...

    def named(self, model: type[M], name: str) -> M: ...

    def cover(self, item: WXRItem) -> Image | None: ...

    def archived_pdf(self, item: WXRItem) -> PDFReading | None: ...


class Adapter:
    """One kind of thing moving in and out; every way is optional."""

    name = ""  # one of them, as the WordPress report counts it ("tract")
    folder = ""  # its place in an exported site, and its count in the commands' summaries ("tracts")

    def export(self, site: ExportFolder) -> None:
        """Write this kind into the exported folder."""

    def read(self, site: ImportFolder) -> None:
        """Read this kind back from an exported folder (adapters run in the order of `ADAPTERS`)."""

    def link(self, site: ImportFolder) -> None:
        """What needs every kind read first: links between publications, old addresses."""

    def takes(self, item: WXRItem, source: WordPressSource) -> bool:
        """Whether this WordPress item becomes one of this kind (the first adapter that takes it gets it)."""
        return False


# The publication and version models an adapter handles (Tract, TractVersion).
P = TypeVar("P", bound=Publication)
V = TypeVar("V", bound=LanguageVersion)


class PublicationAdapter(Adapter, Generic[P, V]):
    """A kind of publication: one Markdown file per language version."""

    model: type[P]
    version_model: type[V]
    dated = True  # has a date and themes (a page has neither)
    front_matter_keys = {"title", "date", "themes"}  # what a Markdown import reads
    rich_text_article = False  # the body is cleaned as an article's (`clean_rich_text(article=True)`)
    excerpt_field = ""  # the version's field a WordPress excerpt goes to

    @property
    def publication_field(self) -> str:
        """The version's foreign key to its publication ("tract")."""
        return self.model._meta.model_name or ""

    def publication_of(self, slug: str) -> P:
        found = self.model._default_manager.filter(slug=slug).first()
        return cast(P, found) if found is not None else self.model(slug=slug)

    def version_of(self, publication: P, language: str) -> V:
        lookup = {self.publication_field: publication, "language": language}
        return self.version_model._default_manager.filter(**lookup).first() or self.version_model(**lookup)

    # Out ------------------------------------------------------------------------

    def exported(self) -> models.QuerySet:
        return self.model.objects.with_versions().order_by("pk")

    def export(self, site: ExportFolder) -> None:
        for publication in self.exported():
            target = site.publication_folder(self.folder, publication.slug)
            shared = self.export_files(publication, target, site)
            for version in publication.all_versions():
                metadata = self.metadata(publication, version) | self.version_metadata(publication, version) | shared
                site.write_version(target, version.language, metadata, self.markdown(version, target, site))
            site.counts[self.folder] += 1

    def metadata(self, publication: P, version: V) -> dict:
        """The front matter every kind of publication writes."""
        return {
            "title": version.title,
            "date": publication.date.isoformat() if self.dated else "",
            "status": publication.status,
            "published_at": publication.published_at.isoformat(),
            "original_language": publication.original_language,
            "themes": [theme.name for theme in publication.themes.all()] if self.dated else [],
            "old_addresses": sorted(OldAddress.paths_of(version)),
        }

    def version_metadata(self, publication: P, version: V) -> dict:
        """What this kind adds to the front matter."""
        return {}

    def export_files(self, publication: P, target: Path, site: ExportFolder) -> dict:
        """Copy the publication's own files beside its versions; returns the front matter naming them."""
        return {}

    def markdown(self, version: V, target: Path, site: ExportFolder) -> str:
        """The text of the file: the body in Markdown, its pictures copied beside it."""
        return html_to_markdown(site.copy_pictures(version.body, target))

    # In, from an exported folder ----------------------------------------------------

    def read(self, site: ImportFolder) -> None:
        for target in site.publication_folders(self.folder):
            for file in site.version_files(target):
                with site.reading(file):
                    self.read_version(target, file, site)
                site.counts["versions"] += 1
            site.counts[self.folder] += 1

    def read_version(self, target: Path, file: Path, site: ImportFolder) -> None:
        """Make or update the publication `target` holds, and the language version `file` is."""
        raise NotImplementedError

    def apply_publication(self, publication: P, version: V, metadata: dict) -> None:
        """Status, dates and original language as the front matter says, validated as the admin does."""
        publication.status = str(metadata.get("status", publication.status))
        if metadata.get("published_at"):
            publication.published_at = self._moment(str(metadata["published_at"]))
        if metadata.get("date") and self.dated:
            publication.date = parse_date(str(metadata["date"]))
        publication.original_language = str(metadata.get("original_language", publication.original_language))
        publication.full_clean(validate_unique=False)
        publication.save()
        OldAddress.remember(metadata.get("old_addresses") or [], version, version.language)

    @staticmethod
    def _moment(value: str) -> datetime.datetime:
        try:
            return datetime.datetime.fromisoformat(value)
        except ValueError:
            raise MarkdownImportError(
                _("“%(key)s” must be a date written YYYY-MM-DD, not “%(value)s”.")
                % {"key": "published_at", "value": value[:40]}
            )

    # In, from WordPress -------------------------------------------------------------

    def wordpress_new(self, publication: P) -> None:
        """Set what a publication made from WordPress starts with."""

    def wordpress_extras(
        self, publication: P, original: WXRItem, items: Iterable[WXRItem], source: WordPressSource
    ) -> None:
        """Bring in what this kind has beyond versions (authors, a cover, a printed PDF)."""

    def renders_after_import(self, publication: P) -> bool:
        """Whether the publication's PDFs are to be made once imported."""
        return True

    # In, one Markdown file -----------------------------------------------------------

    def import_markdown(
        self,
        text: str,
        language: str,
        *,
        slug: str | None = None,
        publish: bool = False,
        folder: Path | None = None,
        pictures_folder: Path | None = None,
        before_commit: Callable[[V], None] | None = None,
    ) -> V:
        """Create a publication, or add or replace one language version of the one `slug` names.

        Pictures are looked for in `folder` (the Markdown file's), then in
        `pictures_folder`. Everything happens in one transaction: a file that
        fails leaves nothing behind, no row, no uploaded picture. `before_commit`
        (a command's render) runs inside it: what it raises undoes the import.
        """
        check_language(language)
        metadata, title, body, notes = self.read_text(text)
        values = self.publication_values(metadata)
        pictures = MarkdownPictures(folder, pictures_folder)
        try:
            with transaction.atomic():
                body_html = pictures.body_html(body, article=self.rich_text_article)
                if not body_html:
                    raise MarkdownImportError(_("The file has a title but no text."))
                publication = self._save_publication(slug, title, language, values, publish, metadata)
                version = self._save_version(publication, language, title, body_html, metadata, notes)
                schedule_pdf_renders(publication)
                if before_commit is not None:
                    before_commit(version)
        except BaseException:
            pictures.remove()
            raise
        return version

    def read_text(self, text: str) -> tuple[dict, str, str, list[str]]:
        """The front matter, the title, the body and its notes (none but an article's)."""
        document = parse_front_matter(text, self.front_matter_keys)
        title, body = title_and_body(document)
        return document.metadata, title, body, []

    def publication_values(self, metadata: dict) -> dict:
        """The publication's fields the front matter sets, read before anything is saved."""
        return {"date": parse_date(metadata["date"])} if metadata.get("date") else {}

    def _save_publication(
        self, slug: str | None, title: str, language: str, values: dict, publish: bool, metadata: dict
    ) -> P:
        existing, slug = existing_or_new_slug(self.model, slug, title)
        publication = cast(P, existing) if existing is not None else self.model(slug=slug, original_language=language)
        for name, value in values.items():
            setattr(publication, name, value)
        if publish:
            publication.publish_now()
        publication.save()
        publication.themes.add(*named_themes(metadata))
        self.add_people(publication, metadata)
        return publication

    def add_people(self, publication: P, metadata: dict) -> None:
        """Who the front matter names (an article's authors)."""

    def _save_version(
        self, publication: P, language: str, title: str, body_html: str, metadata: dict, notes: list[str]
    ) -> V:
        version = self.version_of(publication, language)
        version.title = checked_length(title, self.version_model, "title")
        version.body = body_html
        self.fill_version(version, metadata, notes)
        try:
            version.full_clean(exclude=[self.publication_field])
        except ValidationError as error:
            raise MarkdownImportError("; ".join(error.messages))
        version.save_imported()
        return version

    def fill_version(self, version: V, metadata: dict, notes: list[str]) -> None:
        """The version's own fields from the front matter (a subtitle, notes…)."""
