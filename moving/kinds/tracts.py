"""Tracts moving in and out: Markdown files, scanned PDFs, WordPress posts of a category."""

from collections.abc import Iterable
from pathlib import Path

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from moving.adapter import PublicationAdapter, WordPressSource
from moving.archive import (
    ArchiveError,
    ArchiveResult,
    PDFReading,
    date_of,
    keep_archived_pdf,
    paragraphs_html,
    pdf_paragraphs,
    read_pdf,
    title_of,
)
from moving.folders import ExportFolder, ImportFolder
from moving.markdown import MarkdownImportError, checked_length, with_front_matter
from moving.paths import file_inside
from moving.wxr import WXRItem
from publishing.languages import slug_from_title
from publishing.models import Theme
from tracts.archive import store_archived_pdf
from tracts.models import Tract, TractVersion


class TractAdapter(PublicationAdapter[Tract, TractVersion]):
    name, folder = "tract", "tracts"
    model, version_model = Tract, TractVersion
    front_matter_keys = {"title", "subtitle", "date", "themes", "contact", "footer"}

    def exported(self) -> models.QuerySet:
        return super().exported().prefetch_related("themes")

    def version_metadata(self, tract: Tract, version: TractVersion) -> dict:
        return {
            "subtitle": version.subtitle,
            "contact": version.contact,
            "footer": tract.legal_footer,
            "qr_code": tract.show_qr_code or None,
        }

    def export_files(self, tract: Tract, target: Path, site: ExportFolder) -> dict:
        return {"archived_pdf": site.copy_file(tract.archived_pdf, target, "archive.pdf") if tract.archived_pdf else ""}

    def read_version(self, target: Path, file: Path, site: ImportFolder) -> None:
        metadata, body = site.read_markdown(file)
        if body.strip():
            text = with_front_matter(metadata, self.front_matter_keys, body)
            version = self.import_markdown(text, file.stem, slug=target.name, folder=target)
        else:  # a scanned tract: its archived PDF is all there is
            version = self._scanned_version(target, file, metadata, site)
        tract = version.tract
        tract.show_qr_code = bool(metadata.get("qr_code"))
        archived = file_inside(target, str(metadata["archived_pdf"])) if metadata.get("archived_pdf") else None
        if archived is not None:
            site.stored += keep_archived_pdf(tract, self._read_archived_pdf(archived))
        self.apply_publication(tract, version, metadata)

    def _scanned_version(self, target: Path, file: Path, metadata: dict, site: ImportFolder) -> TractVersion:
        tract = self.publication_of(target.name)
        site.validated(tract, file).save()
        version = self.version_of(tract, file.stem)
        version.title = str(metadata.get("title") or target.name)
        version.full_clean(exclude=["tract"])
        version.save()
        tract.themes.add(*Theme.from_names([str(name) for name in metadata.get("themes") or []]))
        return version

    @staticmethod
    def _read_archived_pdf(path: Path) -> PDFReading:
        try:
            return read_pdf(path.read_bytes())
        except ArchiveError as error:
            raise MarkdownImportError(f"{path.name}: {error}")

    def takes(self, item: WXRItem, source: WordPressSource) -> bool:
        category = source.tracts_category
        return (
            item.post_type == "post" and bool(category) and any(t.slug == category for t in item.terms_of("category"))
        )

    def wordpress_extras(
        self, tract: Tract, original: WXRItem, items: Iterable[WXRItem], source: WordPressSource
    ) -> None:
        """The PDF attached to a tract post becomes the tract's archived PDF."""
        reading = source.archived_pdf(original)
        if reading is not None and keep_archived_pdf(tract, reading):
            tract.save()

    def renders_after_import(self, tract: Tract) -> bool:
        return not tract.archived_pdf  # imported with its printed PDF, it keeps that one

    def publication_values(self, metadata: dict) -> dict:
        footer = {"legal_footer": metadata["footer"]} if "footer" in metadata else {}
        return super().publication_values(metadata) | footer

    def fill_version(self, version: TractVersion, metadata: dict, notes: list[str]) -> None:
        version.subtitle = checked_length(metadata.get("subtitle", ""), TractVersion, "subtitle")
        version.contact = metadata.get("contact", "")

    def import_pdf(
        self, path: Path, language: str, *, publish: bool = False, use_ocr: bool | None = None
    ) -> ArchiveResult:
        """Make a tract of the PDF at `path`; ArchiveError for a file to skip (duplicate included)."""
        reading = read_pdf(path.read_bytes())
        duplicate = Tract.objects.filter(archived_pdf_checksum=reading.checksum).first()
        if duplicate:
            raise ArchiveError("duplicate", _("already imported as %(slug)s") % {"slug": duplicate.slug})
        paragraphs, ocr_skipped = pdf_paragraphs(reading, language, use_ocr)
        title = title_of(reading, path)
        if title == reading.large_line and paragraphs and paragraphs[0].startswith(title):
            paragraphs = [p for p in [paragraphs[0][len(title) :].strip(), *paragraphs[1:]] if p]
        with transaction.atomic():
            tract = Tract(slug=unique_slug(title, path.stem), date=date_of(reading, path), original_language=language)
            if publish:
                tract.publish_now()
            else:
                tract.published_at = timezone.now()
            store_archived_pdf(tract, reading.data)
            tract.save()
            TractVersion.objects.create(tract=tract, language=language, title=title, body=paragraphs_html(paragraphs))
        return ArchiveResult(tract=tract, ocr_skipped=ocr_skipped, without_text=not paragraphs)


def unique_slug(title: str, fallback: str) -> str:
    base = slug_from_title(title, 90) or slug_from_title(fallback, 90) or "tract"
    slug, number = base, 1
    while Tract.objects.filter(slug=slug).exists():
        number += 1
        slug = f"{base}-{number}"
    return slug


TRACTS = TractAdapter()
import_tract = TRACTS.import_markdown
import_pdf = TRACTS.import_pdf
