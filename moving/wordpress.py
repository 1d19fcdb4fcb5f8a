"""A WordPress site moved in: posts, pages, themes, authors, pictures, old addresses.

Reads what `moving.wxr` parsed. Each item goes to the first adapter of
`moving.kinds.ADAPTERS` that takes it: posts become articles (or tracts, for
the category given), pages become pages; each post remembers its
WordPress id, so that importing the same export again updates what it made.
Every group of translations is imported in its own savepoint: one broken
post is reported and skipped, the rest comes in.
"""

import html
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.html import strip_tags

from moving.adapter import M, PublicationAdapter
from moving.archive import ArchiveError, PDFReading, read_pdf
from moving.kinds import ADAPTERS
from moving.wxr import WXRExport, WXRItem, convert_content, language_code, original_upload, uploads_path
from publishing.html import check_html_bounds
from publishing.languages import is_supported, slug_from_title
from publishing.models import Image, OldAddress, Theme
from publishing.numbers import whole_number
from publishing.old_addresses import normalise_path
from publishing.publications import LanguageVersion, Publication
from publishing.tasks import schedule_pdf_renders

SKIPPED_STATUSES = {"private", "trash", "auto-draft", "inherit"}
# WordPress's default category, in the languages of the site: not a theme.
DEFAULT_CATEGORIES = {"uncategorized", "non-classe", "sin-categoria", "ghyr-mSnf", "غير-مصنف"}
HREF = re.compile(r'href="([^"]+)"')


@dataclass
class ImportReport:
    created: Counter = field(default_factory=Counter)  # kind -> count
    updated: Counter = field(default_factory=Counter)
    skipped: Counter = field(default_factory=Counter)  # reason -> count
    pictures_imported: int = 0
    missing_pictures: list[tuple[str, str]] = field(default_factory=list)  # (item, path)
    unknown_shortcodes: Counter = field(default_factory=Counter)
    lines: list[str] = field(default_factory=list)  # one per item, for the report file

    def skip(self, item: WXRItem | None, reason: str, label: str = "") -> None:
        self.skipped[reason] += 1
        if item is not None:
            self.lines.append(f"skipped  {item.post_type} {item.wp_id} “{item.title[:60]}”: {reason}")
        elif label:
            self.lines.append(f"skipped  {label}: {reason}")

    def summary(self) -> list[str]:
        def listed(counter: Counter) -> str:
            return ", ".join(f"{count} {name}" for name, count in sorted(counter.items())) or "nothing"

        lines = [
            f"Created: {listed(self.created)}.",
            f"Updated: {listed(self.updated)}.",
            f"Skipped: {listed(self.skipped)}.",
            f"Pictures: {self.pictures_imported} imported, {len(self.missing_pictures)} missing.",
        ]
        if self.unknown_shortcodes:
            lines.append(f"Unknown shortcodes removed: {listed(self.unknown_shortcodes)}.")
        return lines


def _find_named(model: type[M], name: str) -> M | None:
    """The theme or author of this name, else of this slug ("Contrôle" and "Controle" are one)."""
    found = model._default_manager.filter(name__iexact=name).first()
    if found is None:
        slug = slug_from_title(name, getattr(model._meta.get_field("slug"), "max_length", None) or 100)
        found = model._default_manager.filter(slug=slug).first() if slug else None
    return found


class WordPressImport:
    def __init__(
        self,
        export: WXRExport,
        *,
        uploads: Path | None = None,
        language: str | None = None,
        tracts_category: str | None = None,
        dry_run: bool = False,
    ) -> None:
        self.export = export
        self.uploads = uploads.resolve() if uploads else None
        self.default_language = language or self._export_language()
        self.tracts_category = tracts_category
        self.dry_run = dry_run
        self.report = ImportReport()
        self.attachments = {item.wp_id: item for item in export.items if item.post_type == "attachment"}
        self.attachments_by_path = {self._attachment_path(a): a for a in self.attachments.values()}
        self.children = defaultdict(list)
        for attachment in self.attachments.values():
            self.children[attachment.parent].append(attachment)
        self.pictures: dict[str, Image | None] = {}  # uploads path -> our copy (None: missing or refused)
        self.new_addresses: dict[str, str] = {}  # old path -> new path, for links inside content
        self.imported_versions: list = []
        self.known: dict = {}  # themes and authors met so far
        self.site_host = self._host(export.site_url)

    def _export_language(self) -> str:
        code = language_code(self.export.language or "")
        return code if is_supported(code) else settings.LANGUAGE_CODE

    @staticmethod
    def _host(url: str) -> str:
        return re.sub(r"^https?://", "", url.strip()).split("/")[0].lower()

    @staticmethod
    def _attachment_path(attachment: WXRItem) -> str:
        return attachment.meta.get("_wp_attached_file") or uploads_path(attachment.attachment_url)

    def groups(self) -> list[list[WXRItem]]:
        """The items to import, translations together; the others are counted as skipped."""
        groups: dict[str, list[WXRItem]] = {}
        for broken in self.export.broken:
            self.report.skip(None, "broken item", f"item {broken.position} “{broken.label}” ({broken.error})")
        for item in self.export.items:
            if item.post_type == "attachment":
                continue
            if self.adapter_for(item) is None:
                self.report.skip(item, item.post_type)
            elif item.status in SKIPPED_STATUSES:
                self.report.skip(item, item.status)
            else:
                groups.setdefault(self._group_key(item), []).append(item)
        return list(groups.values())

    def _group_key(self, item: WXRItem) -> str:
        # Polylang: a post_translations term; WPML Export and Import: a meta field.
        translations = item.terms_of("post_translations")
        if translations:
            return f"pll:{translations[0].slug}"
        if group := item.meta.get("_wpml_import_translation_group"):
            return f"wpml:{group}"
        return f"id:{item.wp_id}"

    def language_of(self, item: WXRItem) -> str:
        terms = item.terms_of("language")
        code = terms[0].slug if terms else item.meta.get("_wpml_import_language_code", "")
        return language_code(code) if code else self.default_language

    def adapter_for(self, item: WXRItem) -> PublicationAdapter | None:
        """The kind this item becomes; None for the items no kind takes (attachments, menus…)."""
        return next(
            (adapter for adapter in ADAPTERS if isinstance(adapter, PublicationAdapter) and adapter.takes(item, self)),
            None,
        )

    def run(self, progress=None) -> ImportReport:
        groups = self.groups()
        with transaction.atomic():
            for done, group in enumerate(groups, start=1):
                self.import_group(group)
                if progress:
                    progress(done, len(groups), group[0].title or str(group[0].wp_id))
            self.rewrite_links()
            self.remember_site_addresses()
            if self.dry_run:
                transaction.set_rollback(True)
        return self.report

    def import_group(self, group: list[WXRItem]) -> None:
        """Import one group of translations in its own savepoint; a failure is reported and skipped."""
        by_language = self._by_language(group)
        if not by_language:
            return
        original_language = self.default_language if self.default_language in by_language else next(iter(by_language))
        original = by_language[original_language]
        adapter = self.adapter_for(original)
        if adapter is None:  # never: groups() keeps the items a kind takes
            return
        try:
            with transaction.atomic():
                versions, lines = self._import_publication(adapter, original, original_language, by_language)
        except ValidationError as error:  # refused as the admin would refuse it: said, not dropped
            self._skip_rolled_back(by_language, f"refused ({' '.join(error.messages)[:300]})")
        except Exception as error:  # exports from anywhere: one bad post must not stop the rest
            self._skip_rolled_back(by_language, f"broken item ({str(error)[:120] or type(error).__name__})")
        else:
            self.imported_versions += versions
            self.report.lines += lines

    def _by_language(self, group: list[WXRItem]) -> dict[str, WXRItem]:
        """One item per language of the site; the others are reported."""
        by_language: dict[str, WXRItem] = {}
        for item in group:
            language = self.language_of(item)
            if not is_supported(language):
                self.report.skip(item, f"language “{language}” not on this site")
            elif language in by_language:
                self.report.skip(item, "second version in the same language")
            else:
                by_language[language] = item
        return by_language

    def _skip_rolled_back(self, items: dict[str, WXRItem], reason: str) -> None:
        # What the rolled-back savepoint created is gone: forget it.
        self.known.clear()
        self.pictures.clear()
        for item in items.values():
            self.report.skip(item, reason)

    def _import_publication(
        self, adapter: PublicationAdapter, original: WXRItem, original_language: str, items: dict
    ) -> tuple[list, list[str]]:
        """Make or update the publication and its versions; returns them and their report lines."""
        publication, created = self._publication(adapter, original, original_language, items)
        adapter.wordpress_extras(publication, original, items.values(), self)
        versions, lines = [], []
        for language, item in items.items():
            versions.append(self._import_version(adapter, publication, language, item))
            lines.append(
                f"{'created' if created else 'updated'}  {item.post_type} {item.wp_id} “{item.title[:60]}” "
                f"-> {adapter.name} {versions[-1].get_absolute_url()}"
            )
        (self.report.created if created else self.report.updated)[adapter.name] += 1
        if not self.dry_run and adapter.renders_after_import(publication):
            schedule_pdf_renders(publication)
        return versions, lines

    def _publication(
        self, adapter: PublicationAdapter, original: WXRItem, original_language: str, items: dict
    ) -> tuple[Publication, bool]:
        """The publication an earlier import of these items made (or a new one), saved; and whether it is new."""
        wp_ids = [item.wp_id for item in items.values()]
        versions = adapter.version_model._default_manager.filter(wordpress_id__in=wp_ids)
        existing = versions.select_related(adapter.publication_field).first()
        if existing is not None:
            publication, created = getattr(existing, adapter.publication_field), False
        else:
            publication = adapter.model(slug=self._slug(adapter.model, original), original_language=original_language)
            created = True
            adapter.wordpress_new(publication)
        publication.original_language = original_language
        self._set_status(publication, original)
        if adapter.dated:
            publication.date = timezone.localdate(original.date or timezone.now())
        publication.save()
        themes = self._themes(items.values()) if adapter.dated else []
        if themes:
            publication.themes.add(*themes)
        return publication, created

    def _import_version(
        self, adapter: PublicationAdapter, publication: Publication, language: str, item: WXRItem
    ) -> LanguageVersion:
        version = adapter.version_of(publication, language)
        self._fill_version(adapter, version, item)
        self._validate(version, adapter.publication_field)
        version.save()
        self._remember(item, version, language)
        return version

    def _validate(self, version, publication_field: str) -> None:
        """The admin's checks (bounds of the text included) before the save's cleaning.

        In a dry run the pictures are not copied: the body still names them on
        the old site, which the admin would refuse, so only its bounds are checked.
        """
        if self.dry_run:
            check_html_bounds(version.body)
            version.full_clean(exclude=[publication_field, "body"], validate_unique=False)
        else:
            version.full_clean(exclude=[publication_field], validate_unique=False)

    def _slug(self, model: type[Publication], item: WXRItem) -> str:
        slug = slug_from_title(item.post_name) or slug_from_title(item.title) or f"{item.post_type}-{item.wp_id}"
        if model._default_manager.filter(slug=slug).exists():
            slug = f"{slug[:88]}-{item.wp_id}"
        return slug

    def _set_status(self, publication, item: WXRItem) -> None:
        publication.published_at = item.date or timezone.now()
        if item.status in {"publish", "future"}:  # "future": scheduled, hidden until its time
            publication.status = publication.Status.PUBLISHED
        else:  # draft, pending
            publication.status = publication.Status.DRAFT

    def _themes(self, items) -> list[Theme]:
        names = []
        for item in items:
            for term in item.terms_of("category") + item.terms_of("post_tag"):
                if term.slug in DEFAULT_CATEGORIES or term.slug == self.tracts_category or not term.name:
                    continue
                names.append(html.unescape(term.name)[:80])
        return [self.named(Theme, name) for name in dict.fromkeys(names)]

    def named(self, model: type[M], name: str) -> M:
        """The theme or author of this name, made if new (and known for the rest of the import)."""
        key = (model, name.lower())
        if key not in self.known:
            self.known[key] = _find_named(model, name) or model._default_manager.create(name=name)
        return cast(M, self.known[key])

    def author_names(self, items) -> list[str]:
        """The display names of the items' WordPress authors (their logins are never kept)."""
        names = [self.export.authors.get(item.creator, "") for item in items]
        return sorted({name[:150] for name in names if name})

    def _fill_version(self, adapter: PublicationAdapter, version: LanguageVersion, item: WXRItem) -> None:
        converted = convert_content(
            item.content,
            gallery=lambda ids: self._gallery(item, ids),
            picture=lambda src, alt: self._picture(item, src, alt),
        )
        for name in converted.unknown_shortcodes:
            self.report.unknown_shortcodes[name] += 1
            self.report.lines.append(f"note     {item.post_type} {item.wp_id}: shortcode [{name}] removed")
        version.title = (item.title or f"{item.post_type} {item.wp_id}")[:200]
        version.wordpress_id = item.wp_id
        version.body = converted.html
        if adapter.excerpt_field:
            setattr(version, adapter.excerpt_field, " ".join(strip_tags(html.unescape(item.excerpt)).split()))

    def _remember(self, item: WXRItem, version, language: str) -> None:
        query = "page_id" if item.post_type == "page" else "p"
        paths = [f"/?{query}={item.wp_id}", f"/?p={item.wp_id}"]
        for url in (item.link, item.guid):
            if url and self._host(url) == self.site_host:
                paths.append(url)
        normalised = {normalise_path(path) for path in paths} - {"/"}
        new_path = version.get_absolute_url()
        for path in normalised:
            self.new_addresses[path] = new_path
        OldAddress.remember(sorted(normalised), version, language)

    # Pictures -----------------------------------------------------------------

    def _picture(self, item: WXRItem, src: str, alt: str) -> str:
        path = uploads_path(src)
        attachment = self.attachments_by_path.get(path) or self.attachments_by_path.get(original_upload(path))
        description = alt or (attachment.meta.get("_wp_attachment_image_alt", "") if attachment else "")
        description = description or (attachment.title if attachment else "") or Path(path or src).stem
        image = self._stored_picture(item, path, description, attachment) if path else None
        if image is None:
            # Missing: the text keeps the picture's description.
            return f"<em>[{html.escape(description)}]</em>"
        url = image.file.url if not self.dry_run else src
        return f'<img src="{html.escape(url)}" alt="{html.escape(description)}">'

    def _stored_picture(self, item: WXRItem, path: str, description: str, attachment) -> Image | None:
        if path in self.pictures:
            return self.pictures[path]
        found = self._find_upload(path)
        image = None
        if found is None:
            self.report.missing_pictures.append((f"{item.post_type} {item.wp_id}", path))
            self.report.lines.append(f"missing  {item.post_type} {item.wp_id}: picture {path}")
        elif self.dry_run:
            image = Image(file=str(found))
        else:
            caption = strip_tags(html.unescape(attachment.excerpt)).strip() if attachment else ""
            try:
                with found.open("rb") as handle:
                    image, created = Image.from_file(handle, found.name, description, caption)
                self.report.pictures_imported += created
            except ValidationError as error:
                self.report.missing_pictures.append((f"{item.post_type} {item.wp_id}", path))
                self.report.lines.append(f"refused  {item.post_type} {item.wp_id}: picture {path}: {error.messages[0]}")
        self.pictures[path] = image
        return image

    def _find_upload(self, path: str) -> Path | None:
        if self.uploads is None or not path:
            return None
        for candidate in dict.fromkeys([original_upload(path), path]):
            file_path = (self.uploads / candidate).resolve()
            if file_path.is_relative_to(self.uploads) and file_path.is_file():
                return file_path
        return None

    def _gallery(self, item: WXRItem, ids: list[int]) -> list[tuple[str, str, str]]:
        attachments = [self.attachments[i] for i in ids if i in self.attachments] if ids else self.children[item.wp_id]
        return [
            (
                a.attachment_url,
                a.meta.get("_wp_attachment_image_alt", "") or a.title,
                strip_tags(html.unescape(a.excerpt)).strip(),
            )
            for a in attachments
            if not a.attachment_url.lower().endswith(".pdf")
        ]

    def cover(self, item: WXRItem) -> Image | None:
        """The post's featured image, brought in like its pictures."""
        thumbnail = item.meta.get("_thumbnail_id", "").strip()
        attachment_id = whole_number(thumbnail)
        attachment = self.attachments.get(attachment_id) if attachment_id is not None else None
        if attachment is None or self.dry_run:
            return None
        path = self._attachment_path(attachment)
        description = attachment.meta.get("_wp_attachment_image_alt", "") or attachment.title or Path(path).stem
        return self._stored_picture(item, path, description, attachment)

    def archived_pdf(self, item: WXRItem) -> PDFReading | None:
        """The first PDF attached to (or linked from) a tract post, read; missing or refused ones are reported."""
        pdfs = [a for a in self.children[item.wp_id] if self._attachment_path(a).lower().endswith(".pdf")]
        pdfs += [
            self.attachments_by_path[p]
            for p in (uploads_path(url) for url in HREF.findall(item.content))
            if p.lower().endswith(".pdf") and p in self.attachments_by_path
        ]
        for attachment in pdfs[:1]:
            path = self._attachment_path(attachment)
            found = self._find_upload(path)
            if found is None:
                self.report.missing_pictures.append((f"{item.post_type} {item.wp_id}", path))
                self.report.lines.append(f"missing  {item.post_type} {item.wp_id}: PDF {path}")
            elif not self.dry_run:
                return self._read_pdf(item, path, found)
        return None

    def _read_pdf(self, item: WXRItem, path: str, found: Path) -> PDFReading | None:
        try:
            return read_pdf(found.read_bytes())
        except ArchiveError as error:
            self.report.lines.append(f"refused  {item.post_type} {item.wp_id}: PDF {path}: {error}")
            return None

    # Links and addresses ------------------------------------------------------

    def rewrite_links(self) -> None:
        """Links inside the content to the old site lead to the new pages (and our copies of its files)."""
        for version in self.imported_versions:
            body = HREF.sub(lambda m: f'href="{html.escape(self._new_link(html.unescape(m[1])))}"', version.body)
            if body != version.body:
                version.body = body
                try:
                    with transaction.atomic():
                        version.save()
                except DatabaseError as error:
                    self.report.lines.append(f"note     {version}: links not rewritten ({error})")

    def _new_link(self, url: str) -> str:
        if url.startswith(("http://", "https://", "//")) and self._host(url.removeprefix("//")) != self.site_host:
            return url
        if not url.startswith(("http://", "https://", "//", "/")):
            return url
        if path := uploads_path(url):
            image = self.pictures.get(path) or self.pictures.get(original_upload(path))
            return image.file.url if image is not None and not self.dry_run else url
        return self.new_addresses.get(normalise_path(url), url)

    def remember_site_addresses(self) -> None:
        """Category and tag archives lead to the themes, the old feed to the articles' feed."""
        language = self.default_language
        for item in self.export.items:
            for term in item.terms_of("category") + item.terms_of("post_tag"):
                if term.slug in DEFAULT_CATEGORIES or term.slug == self.tracts_category or not term.name:
                    continue
                theme = _find_named(Theme, html.unescape(term.name)[:80])
                if theme is None:
                    continue
                base = "category" if term.domain == "category" else "tag"
                paths = [f"/{base}/{term.slug}/"]
                if term_id := self.export.term_ids.get((term.domain, term.slug)):
                    paths.append(
                        f"/?{'cat' if base == 'category' else 'tag'}={term_id if base == 'category' else term.slug}"
                    )
                OldAddress.remember(paths, theme, language)
        for feed in ("/feed/", "/?feed=rss2", "/?feed=atom", "/feed/atom/"):
            OldAddress.objects.update_or_create(
                path=normalise_path(feed), defaults={"new_path": f"/{language}/articles/feed.rss"}
            )
