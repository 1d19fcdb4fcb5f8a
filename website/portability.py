"""The whole site as readable files, and back.

`export_site` writes every tract, article and page as Markdown with YAML
front matter (one file per language version), their pictures and archived
PDFs beside them, in the form the Markdown imports read; `import_site`
reads such a folder back. A collective can leave, or keep a backup it can
read, without us.

    DIR/themes.yaml, authors.yaml, old-addresses.yaml
    DIR/tracts/<slug>/<language>.md (+ its pictures, archive.pdf)
    DIR/articles/<slug>/<language>.md (+ its pictures, and links.yaml:
        its further reading and related tracts)
    DIR/pages/<slug>/<language>.md
    DIR/events/<slug>/<language>.md (+ event.yaml: times, recurrence and
        changed occurrences, place, accessibility, related tracts and articles)
"""

import datetime
import html
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.utils.translation import gettext as _
from markdownify import MarkdownConverter

from articles.importing import import_article
from articles.models import Article, ArticleVersion, Author
from events.models import Event, EventVersion, OccurrenceChange
from publishing.html import is_own_media_url
from publishing.import_files import OutsideFolder, file_inside, is_inside
from publishing.markdown import MarkdownImportError, check_language, parse_date, render_markdown
from publishing.models import Image, OldAddress, Theme
from tracts.archive import ArchiveError, PDFReading, read_pdf, store_archived_pdf
from tracts.importing import import_tract
from tracts.models import Tract, TractVersion
from website.models import Page, PageVersion

IMG = re.compile(r"<img\b[^>]*>", re.I)
FIGURE = re.compile(r"<figure>\s*(<img\b[^>]*>)\s*(?:<figcaption>(.*?)</figcaption>)?\s*</figure>", re.S | re.I)
SRC = re.compile(r'src="([^"]+)"')


class _Converter(MarkdownConverter):
    """Markdown for what Markdown has; underline, sub- and superscript kept as HTML (the imports accept it)."""

    def convert_u(self, el, text, parent_tags):
        return f"<u>{text}</u>"

    def convert_sub(self, el, text, parent_tags):
        return f"<sub>{text}</sub>"

    def convert_sup(self, el, text, parent_tags):
        return f"<sup>{text}</sup>"


def html_to_markdown(body: str) -> str:
    # A figure becomes ![description](picture "caption"), as the Markdown imports read it.
    body = FIGURE.sub(lambda m: _with_title(m[1], m[2] or ""), body)
    return _Converter(heading_style="ATX", bullets="-").convert(body).strip() + "\n"


def _with_title(img: str, caption: str) -> str:
    caption = html.unescape(re.sub(r"<[^>]+>", "", caption)).replace('"', "”")
    return f'<p>{img[:-1].rstrip("/")} title="{html.escape(caption)}"></p>' if caption else f"<p>{img}</p>"


def _front_matter(metadata: dict) -> str:
    data = {key: value for key, value in metadata.items() if value not in ("", None, [])}
    return "---\n" + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000) + "---\n\n"


@dataclass
class ExportSummary:
    counts: dict = field(
        default_factory=lambda: {"tracts": 0, "articles": 0, "pages": 0, "events": 0, "versions": 0, "files": 0}
    )


def export_site(folder: Path) -> ExportSummary:
    summary = ExportSummary()
    folder.mkdir(parents=True, exist_ok=True)
    themes = [{"name": t.name, "slug": t.slug, "names": t.translated_names or None} for t in Theme.objects.all()]
    _write_yaml(folder / "themes.yaml", [{k: v for k, v in t.items() if v} for t in themes])
    authors = [
        {"name": a.name, "slug": a.slug, "organisation": a.is_organisation or None, "description": a.description}
        for a in Author.objects.all()
    ]
    _write_yaml(folder / "authors.yaml", [{k: v for k, v in a.items() if v} for a in authors])
    others = []
    for address in OldAddress.objects.filter(object_id__isnull=True):
        others.append({"path": address.path, "new_path": address.new_path})
    for address in OldAddress.objects.filter(content_type__model="theme"):
        if address.target is not None:
            others.append({"path": address.path, "theme": address.target.slug, "language": address.language})
    _write_yaml(folder / "old-addresses.yaml", others)

    for tract in Tract.objects.with_versions().prefetch_related("themes").order_by("pk"):
        target = folder / "tracts" / tract.slug
        target.mkdir(parents=True, exist_ok=True)
        archived = ""
        if tract.archived_pdf:
            with tract.archived_pdf.open("rb") as source, (target / "archive.pdf").open("wb") as copy:
                shutil.copyfileobj(source, copy)
            archived, summary.counts["files"] = "archive.pdf", summary.counts["files"] + 1
        for version in tract.all_versions():
            metadata = _publication_metadata(tract, version) | {
                "subtitle": version.subtitle,
                "contact": version.contact,
                "footer": tract.legal_footer,
                "qr_code": tract.show_qr_code or None,
                "archived_pdf": archived,
            }
            _write_version(target, version, metadata, _copy_pictures(version.body, target, summary), summary)
        summary.counts["tracts"] += 1

    articles = Article.objects.with_versions().prefetch_related(
        "authors", "related_tracts", "further_reading__linked_article", "further_reading__linked_tract"
    )
    for article in articles.order_by("pk"):
        target = folder / "articles" / article.slug
        target.mkdir(parents=True, exist_ok=True)
        cover = _copy_picture(article.cover_image.file.name, target, summary) if article.cover_image else ""
        for version in article.all_versions():
            body = _copy_pictures(version.body, target, summary)
            notes = re.findall(r"<li>(.*?)</li>", version.notes, re.S)
            footnotes = "".join(
                f"\n[^{number}]: {' '.join(html_to_markdown(note).split())}" for number, note in enumerate(notes, 1)
            )
            metadata = _publication_metadata(article, version) | {
                "subtitle": version.standfirst,
                "updated": article.updated_on.isoformat() if article.updated_on else "",
                "authors": [author.name for author in article.authors.all()],
                "excerpt": version.excerpt,
                "cover": cover,
                "cover_description": article.cover_image.alt_text if article.cover_image else "",
                "cover_caption": article.cover_image.caption if article.cover_image else "",
            }
            _write_version(target, version, metadata, body, summary, footnotes)
        links = _article_links(article)
        if links:
            _write_yaml(target / "links.yaml", links)
        summary.counts["articles"] += 1

    for page in Page.objects.with_versions().order_by("pk"):
        target = folder / "pages" / page.slug
        target.mkdir(parents=True, exist_ok=True)
        for version in page.all_versions():
            metadata = _publication_metadata(page, version) | {
                "summary": version.summary,
                "in_footer": page.in_footer,
                "position": page.position,
            }
            _write_version(target, version, metadata, version.body, summary)
        summary.counts["pages"] += 1

    events = Event.objects.with_versions().prefetch_related("themes", "changes", "related_tracts", "related_articles")
    for event in events.order_by("pk"):
        target = folder / "events" / event.slug
        target.mkdir(parents=True, exist_ok=True)
        _write_yaml(target / "event.yaml", _event_data(event))
        for version in event.all_versions():
            metadata = _publication_metadata(event, version) | {
                "summary": version.summary,
                "accessibility_notes": version.accessibility_notes,
            }
            _write_version(target, version, metadata, version.body, summary)
        summary.counts["events"] += 1
    return summary


EVENT_FIELDS = (
    "all_day",
    "time_zone",
    "recurrence",
    "event_status",
    "place_name",
    "address",
    "online_url",
    "step_free",
    "sign_language",
    "interpretation",
    "childcare",
)


def _event_data(event: Event) -> dict:
    """What an event is besides its texts: its times (in its zone), recurrence, place, links."""
    zone = event.zone
    data = {
        "uid": event.uid,
        "sequence": event.sequence,
        "starts_at": event.starts_at.astimezone(zone).isoformat(),
        "ends_at": event.ends_at.astimezone(zone).isoformat(),
        **{name: getattr(event, name) for name in EVENT_FIELDS},
        "latitude": str(event.latitude) if event.latitude is not None else None,
        "longitude": str(event.longitude) if event.longitude is not None else None,
        "changes": [
            {
                "original_start": change.original_start.astimezone(zone).isoformat(),
                "status": change.status,
                "removed": change.removed or None,
                "starts_at": change.starts_at.astimezone(zone).isoformat() if change.starts_at else None,
                "ends_at": change.ends_at.astimezone(zone).isoformat() if change.ends_at else None,
            }
            for change in event.changes.all()
        ],
        "related_tracts": [tract.slug for tract in event.related_tracts.all()],
        "related_articles": [article.slug for article in event.related_articles.all()],
    }
    data["changes"] = [{key: value for key, value in change.items() if value is not None} for change in data["changes"]]
    return {key: value for key, value in data.items() if value not in (None, "", [])}


def _article_links(article: Article) -> dict:
    """Its further reading (ours by slug, others by address) and related tracts, in their order."""
    further = []
    for item in article.further_reading.all():
        if item.linked_article:
            further.append({"article": item.linked_article.slug})
        elif item.linked_tract:
            further.append({"tract": item.linked_tract.slug})
        else:
            further.append({"url": item.url, "title": item.title})
    related = [tract.slug for tract in article.related_tracts.all()]
    return {key: value for key, value in (("further_reading", further), ("related_tracts", related)) if value}


def _publication_metadata(publication, version) -> dict:
    dated = publication.date is not None  # pages have no date nor themes
    return {
        "title": version.title,
        "date": publication.date.isoformat() if dated else "",
        "status": publication.status,
        "published_at": publication.published_at.isoformat(),
        "original_language": publication.original_language,
        "themes": [theme.name for theme in publication.themes.all()] if dated else [],
        "old_addresses": sorted(OldAddress.paths_of(version)),
    }


def _write_version(target: Path, version, metadata: dict, body: str, summary: ExportSummary, tail: str = "") -> None:
    text = _front_matter(metadata) + html_to_markdown(body) + tail
    (target / f"{version.language}.md").write_text(text.rstrip() + "\n", encoding="utf-8")
    summary.counts["versions"] += 1


def _copy_picture(name: str, target: Path, summary: ExportSummary) -> str:
    local = Path(name).name
    if not (target / local).exists():
        with default_storage.open(name, "rb") as source, (target / local).open("wb") as copy:
            shutil.copyfileobj(source, copy)
        summary.counts["files"] += 1
    return local


def _copy_pictures(body: str, target: Path, summary: ExportSummary) -> str:
    """Copy the body's pictures beside the file; their addresses become the copies' names."""

    def local(match: re.Match) -> str:
        src = html.unescape(match[1])
        if not is_own_media_url(src):
            return match[0]
        name = src.removeprefix(default_storage.base_url)
        return f'src="{_copy_picture(name, target, summary)}"' if default_storage.exists(name) else match[0]

    return SRC.sub(local, body)


def _write_yaml(path: Path, data) -> None:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000), encoding="utf-8")


# Reading back -------------------------------------------------------------------

# Keys the Markdown imports read; the others are applied here.
TRACT_KEYS = {"title", "subtitle", "date", "themes", "contact", "footer"}
ARTICLE_KEYS = {"title", "subtitle", "date", "updated", "authors", "themes"}


class SiteImportError(ValueError):
    pass


def import_site(folder: Path) -> dict[str, int]:
    """Read a folder `export_site` wrote; publications already here (same slug) are updated.

    The folder is trusted no more than a form: every file it names is looked
    for inside it (never by "/", ".." or a link to elsewhere), every
    publication and version goes through the admin's validation (languages,
    statuses, bounds of the text), every PDF is read before it is kept. The
    first file that fails stops the import, which then leaves nothing behind.
    """
    if not folder.is_dir():
        raise SiteImportError(f"{folder}: no such folder.")
    counts = {"tracts": 0, "articles": 0, "pages": 0, "events": 0, "versions": 0}
    stored: list[FieldFile] = []  # files kept on disk, deleted again if the import fails
    try:
        with transaction.atomic():
            _import_named(folder)
            readers = (
                ("tracts", _import_tract),
                ("articles", _import_article),
                ("pages", _import_page),
                ("events", _import_event),
            )
            for kind, reader in readers:
                for target in sorted(p for p in (folder / kind).glob("*") if p.is_dir()):
                    for file in sorted(target.glob("*.md")):
                        try:
                            if not is_inside(folder, file):
                                raise OutsideFolder(_("a link to a file outside the folder: copy the file there."))
                            check_language(file.stem)
                            reader(target, file, stored)
                        except (MarkdownImportError, ArchiveError) as error:
                            raise SiteImportError(f"{file}: {error}")
                        except ValidationError as error:
                            raise SiteImportError(f"{file}: {' '.join(error.messages)}")
                        counts["versions"] += 1
                    counts[kind] += 1
            # Links between publications, once all of them are here.
            for links in sorted((folder / "articles").glob("*/links.yaml")):
                _import_article_links(links.parent.name, _read_yaml(links) or {})
            for data in sorted((folder / "events").glob("*/event.yaml")):
                _import_event_links(data.parent.name, _read_yaml(data) or {})
            for entry in _read_yaml(folder / "old-addresses.yaml"):
                if entry.get("theme"):
                    theme = Theme.objects.filter(slug=entry["theme"]).first()
                    if theme:
                        OldAddress.remember([entry["path"]], theme, entry.get("language", ""))
                elif entry.get("new_path"):
                    OldAddress.objects.update_or_create(path=entry["path"], defaults={"new_path": entry["new_path"]})
    except BaseException:
        for file in stored:
            file.delete(save=False)
        raise
    return counts


def _import_named(folder: Path) -> None:
    """Themes and authors, checked as the admin checks them."""
    for entry in _read_yaml(folder / "themes.yaml"):
        theme = Theme.objects.filter(slug=entry["slug"]).first() or Theme(slug=entry["slug"])
        theme.name, theme.translated_names = entry["name"], entry.get("names") or {}
        _validated(theme, folder / "themes.yaml").save()
    for entry in _read_yaml(folder / "authors.yaml"):
        author = Author.objects.filter(slug=entry["slug"]).first() or Author(slug=entry["slug"])
        author.name, author.is_organisation = entry["name"], bool(entry.get("organisation"))
        author.description = entry.get("description", "")
        _validated(author, folder / "authors.yaml").save()


def _validated(instance, file: Path):
    try:
        instance.full_clean(validate_unique=False)
    except ValidationError as error:
        raise SiteImportError(f"{file}: {' '.join(error.messages)}")
    return instance


def _read_yaml(path: Path) -> list[dict]:
    if not path.exists():
        return []
    if not is_inside(path.parent, path):
        raise SiteImportError(f"{path}: " + _("a link to a file outside the folder: copy the file there."))
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8")) or []
    except yaml.YAMLError as error:
        raise SiteImportError(f"{path}: not valid YAML ({str(error).splitlines()[0]})")


def _split(file: Path) -> tuple[dict, str]:
    text = file.read_text(encoding="utf-8")
    _start, _dashes, rest = text.partition("---\n")
    front, _dashes, body = rest.partition("\n---\n")
    try:
        metadata = yaml.safe_load(front) or {}
    except yaml.YAMLError as error:
        raise MarkdownImportError(f"front matter is not valid YAML ({str(error).splitlines()[0]})")
    if not isinstance(metadata, dict):
        raise MarkdownImportError("the front matter is not a list of “key: value” lines")
    return metadata, body


def _markdown_file(metadata: dict, keys: set[str], body: str) -> str:
    kept = {key: value for key, value in metadata.items() if key in keys}
    return _front_matter(kept) + body


def _apply_publication(publication, version, metadata: dict) -> None:
    """Status, dates and original language as the front matter says, validated as the admin does."""
    publication.status = str(metadata.get("status", publication.status))
    if metadata.get("published_at"):
        try:
            publication.published_at = datetime.datetime.fromisoformat(str(metadata["published_at"]))
        except ValueError:
            raise MarkdownImportError(
                _("“%(key)s” must be a date written YYYY-MM-DD, not “%(value)s”.")
                % {"key": "published_at", "value": str(metadata["published_at"])[:40]}
            )
    if metadata.get("date") and publication.date is not None:
        publication.date = parse_date(str(metadata["date"]))
    publication.original_language = str(metadata.get("original_language", publication.original_language))
    publication.full_clean(validate_unique=False)
    publication.save()
    OldAddress.remember(metadata.get("old_addresses") or [], version, version.language)


def _import_tract(target: Path, file: Path, stored: list[FieldFile]) -> None:
    metadata, body = _split(file)
    if body.strip():
        version = import_tract(_markdown_file(metadata, TRACT_KEYS, body), file.stem, slug=target.name, folder=target)
    else:  # a scanned tract: its archived PDF is all there is
        tract = Tract.objects.filter(slug=target.name).first() or Tract(slug=target.name)
        _validated(tract, file).save()
        version = tract.versions.filter(language=file.stem).first() or TractVersion(tract=tract, language=file.stem)
        version.title = str(metadata.get("title") or target.name)
        version.full_clean(exclude=["tract"])
        version.save()
        tract.themes.add(*Theme.from_names([str(name) for name in metadata.get("themes") or []]))
    tract = version.tract
    tract.show_qr_code = bool(metadata.get("qr_code"))
    archived = file_inside(target, str(metadata["archived_pdf"])) if metadata.get("archived_pdf") else None
    if archived is not None:
        reading = _read_archived_pdf(archived)
        if tract.archived_pdf_checksum != reading.checksum:
            store_archived_pdf(tract, reading.data)
            stored += [tract.archived_pdf, tract.archived_pdf_preview, tract.archived_pdf_original]
    _apply_publication(tract, version, metadata)


def _read_archived_pdf(path: Path) -> PDFReading:
    try:
        return read_pdf(path.read_bytes())
    except ArchiveError as error:
        raise MarkdownImportError(f"{path.name}: {error}")


def _import_article(target: Path, file: Path, stored: list[FieldFile]) -> None:
    metadata, body = _split(file)
    version = import_article(_markdown_file(metadata, ARTICLE_KEYS, body), file.stem, slug=target.name, folder=target)
    article = version.article
    if metadata.get("excerpt"):
        version.excerpt = str(metadata["excerpt"])
        version.full_clean(exclude=["article"])
        ArticleVersion.objects.filter(pk=version.pk).update(excerpt=version.excerpt)
    cover = file_inside(target, str(metadata["cover"])) if metadata.get("cover") else None
    if cover is not None:
        with cover.open("rb") as handle:
            description = str(metadata.get("cover_description") or version.title)
            caption = str(metadata.get("cover_caption") or "")
            article.cover_image, created = Image.from_file(handle, cover.name, description, caption)
        if created:
            stored.append(article.cover_image.file)
    _apply_publication(article, version, metadata)


def _import_article_links(slug: str, links: dict) -> None:
    article = Article.objects.filter(slug=slug).first()
    if article is None or not isinstance(links, dict):
        return
    article.further_reading.all().delete()
    for position, entry in enumerate(links.get("further_reading") or []):
        if not isinstance(entry, dict):
            continue
        linked_article = Article.objects.filter(slug=entry.get("article")).first() if entry.get("article") else None
        linked_tract = Tract.objects.filter(slug=entry.get("tract")).first() if entry.get("tract") else None
        url = str(entry.get("url") or "")
        if linked_article or linked_tract or url:
            article.further_reading.create(
                position=position,
                linked_article=linked_article,
                linked_tract=linked_tract,
                url=url,
                title=str(entry.get("title") or ""),
            )
    related = [str(slug) for slug in links.get("related_tracts") or []]
    tracts = {tract.slug: tract for tract in Tract.objects.filter(slug__in=related)}
    article.related_tracts.set([tracts[slug] for slug in related if slug in tracts])


def _import_page(target: Path, file: Path, stored: list[FieldFile]) -> None:
    metadata, body = _split(file)
    page = Page.objects.filter(slug=target.name).first() or Page(slug=target.name)
    page.in_footer = bool(metadata.get("in_footer", True))
    try:
        page.position = int(metadata.get("position") or 0)
    except (TypeError, ValueError):
        raise MarkdownImportError(_("“%(key)s” must be a whole number.") % {"key": "position"})
    _validated(page, file).save()
    version = PageVersion.objects.filter(page=page, language=file.stem).first() or PageVersion(
        page=page, language=file.stem
    )
    version.title = str(metadata.get("title") or target.name)
    version.summary = str(metadata.get("summary") or "")
    version.body = render_markdown(body)
    version.full_clean(exclude=["page"])  # the admin's bounds, before the cleaning
    version.save()
    _apply_publication(page, version, metadata)


def _moment(value, file: Path) -> datetime.datetime:
    try:
        moment = datetime.datetime.fromisoformat(str(value))
    except ValueError:
        raise SiteImportError(f"{file}: " + _("“%(value)s” is not a date and time.") % {"value": str(value)[:40]})
    if moment.tzinfo is None:
        raise SiteImportError(f"{file}: " + _("“%(value)s” is not a date and time.") % {"value": str(value)[:40]})
    return moment


def _import_event(target: Path, file: Path, stored: list[FieldFile]) -> None:
    metadata, body = _split(file)
    data_file = target / "event.yaml"
    data = _read_yaml(data_file) or {}
    if not isinstance(data, dict) or "starts_at" not in data or "ends_at" not in data:
        raise SiteImportError(f"{data_file}: " + _("an event needs its start and end (starts_at, ends_at)."))
    event = Event.objects.filter(slug=target.name).first() or Event(slug=target.name)
    event.starts_at, event.ends_at = _moment(data["starts_at"], data_file), _moment(data["ends_at"], data_file)
    defaults = {name: Event._meta.get_field(name).get_default() for name in EVENT_FIELDS}
    for name in EVENT_FIELDS:
        setattr(event, name, type(defaults[name])(data.get(name, defaults[name])))
    event.latitude = data.get("latitude") or None
    event.longitude = data.get("longitude") or None
    uid = str(data.get("uid") or "")[:255]
    if uid and not Event.objects.filter(uid=uid).exclude(slug=target.name).exists():
        event.uid = uid
    event.sequence = max(event.sequence, int(data.get("sequence") or 0))
    _validated(event, data_file).save()
    event.themes.set(Theme.from_names([str(name) for name in metadata.get("themes") or []]))
    version = EventVersion.objects.filter(event=event, language=file.stem).first() or EventVersion(
        event=event, language=file.stem
    )
    version.title = str(metadata.get("title") or target.name)
    version.summary = str(metadata.get("summary") or "")
    version.accessibility_notes = str(metadata.get("accessibility_notes") or "")
    version.body = render_markdown(body) if body.strip() else ""
    version.full_clean(exclude=["event"])
    version.save()
    _apply_publication(event, version, metadata)
    changes = []
    for entry in data.get("changes") or []:
        change = OccurrenceChange(
            event=event,
            original_start=_moment(entry.get("original_start"), data_file),
            status=str(entry.get("status") or "cancelled"),
            removed=bool(entry.get("removed")),
            starts_at=_moment(entry["starts_at"], data_file) if entry.get("starts_at") else None,
            ends_at=_moment(entry["ends_at"], data_file) if entry.get("ends_at") else None,
        )
        try:
            change.full_clean(exclude=["event"])
            change.check_occurrence(event)
        except ValidationError as error:
            raise SiteImportError(f"{data_file}: {' '.join(error.messages)}")
        changes.append(change)
    event.changes.all().delete()
    OccurrenceChange.objects.bulk_create(changes)
    event.refresh_occurrences()


def _import_event_links(slug: str, data: dict) -> None:
    event = Event.objects.filter(slug=slug).first()
    if event is None or not isinstance(data, dict):
        return
    event.related_tracts.set(Tract.objects.filter(slug__in=[str(s) for s in data.get("related_tracts") or []]))
    event.related_articles.set(Article.objects.filter(slug__in=[str(s) for s in data.get("related_articles") or []]))
