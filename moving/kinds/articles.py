"""Articles and their authors moving in and out."""

import re
from collections.abc import Iterable
from pathlib import Path

from django.db import models

from articles.models import Article, ArticleVersion, Author
from moving.adapter import Adapter, PublicationAdapter, WordPressSource
from moving.folders import ExportFolder, ImportFolder
from moving.markdown import (
    checked_length,
    extract_footnotes,
    html_to_markdown,
    markdown_to_html,
    parse_date,
    split_list,
    with_front_matter,
)
from moving.paths import file_inside
from moving.wxr import WXRItem
from publishing.models import Image
from tracts.models import Tract

NOTE = re.compile(r"<li>(.*?)</li>", re.S)


class AuthorAdapter(Adapter):
    """authors.yaml: name, slug, organisation, description."""

    folder = "authors"

    def export(self, site: ExportFolder) -> None:
        authors = [
            {"name": a.name, "slug": a.slug, "organisation": a.is_organisation or None, "description": a.description}
            for a in Author.objects.all()
        ]
        site.write_yaml("authors.yaml", [{k: v for k, v in a.items() if v} for a in authors])

    def read(self, site: ImportFolder) -> None:
        for entry in site.read_yaml("authors.yaml"):
            author = Author.objects.filter(slug=entry["slug"]).first() or Author(slug=entry["slug"])
            author.name, author.is_organisation = entry["name"], bool(entry.get("organisation"))
            author.description = entry.get("description", "")
            site.validated(author, site.root / "authors.yaml").save()


class ArticleAdapter(PublicationAdapter[Article, ArticleVersion]):
    name, folder = "article", "articles"
    model, version_model = Article, ArticleVersion
    front_matter_keys = {"title", "subtitle", "date", "updated", "authors", "themes"}
    rich_text_article = True
    excerpt_field = "excerpt"

    def exported(self) -> models.QuerySet:
        return (
            super()
            .exported()
            .prefetch_related(
                "authors", "related_tracts", "further_reading__linked_article", "further_reading__linked_tract"
            )
        )

    def version_metadata(self, article: Article, version: ArticleVersion) -> dict:
        return {
            "subtitle": version.standfirst,
            "updated": article.updated_on.isoformat() if article.updated_on else "",
            "authors": [author.name for author in article.authors.all()],
            "excerpt": version.excerpt,
        }

    def export_files(self, article: Article, target: Path, site: ExportFolder) -> dict:
        """Its cover beside its versions, and links.yaml: its further reading and related tracts."""
        links = self._links(article)
        if links:
            site.write_yaml("links.yaml", links, target)
        cover = article.cover_image
        return {
            "cover": site.copy_picture(cover.file.name or "", target) if cover else "",
            "cover_description": cover.alt_text if cover else "",
            "cover_caption": cover.caption if cover else "",
        }

    @staticmethod
    def _links(article: Article) -> dict:
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

    def markdown(self, version: ArticleVersion, target: Path, site: ExportFolder) -> str:
        """The body, then its notes as Markdown footnotes."""
        notes = NOTE.findall(version.notes)
        footnotes = "".join(
            f"\n[^{number}]: {' '.join(html_to_markdown(note).split())}" for number, note in enumerate(notes, 1)
        )
        return super().markdown(version, target, site) + footnotes

    def read_version(self, target: Path, file: Path, site: ImportFolder) -> None:
        metadata, body = site.read_markdown(file)
        text = with_front_matter(metadata, self.front_matter_keys, body)
        version = self.import_markdown(text, file.stem, slug=target.name, folder=target)
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
                site.stored.append(article.cover_image.file)
        self.apply_publication(article, version, metadata)

    def link(self, site: ImportFolder) -> None:
        """Further reading and related tracts, once all publications are here."""
        for links in sorted((site.root / self.folder).glob("*/links.yaml")):
            article = Article.objects.filter(slug=links.parent.name).first()
            entries = site.read_yaml(links.name, links.parent) or {}
            if article is not None and isinstance(entries, dict):
                self._link_further_reading(article, entries.get("further_reading") or [])
                self._link_related_tracts(article, [str(slug) for slug in entries.get("related_tracts") or []])

    @staticmethod
    def _link_further_reading(article: Article, entries: list) -> None:
        article.further_reading.all().delete()
        for position, entry in enumerate(entries):
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

    @staticmethod
    def _link_related_tracts(article: Article, slugs: list[str]) -> None:
        tracts = {tract.slug: tract for tract in Tract.objects.filter(slug__in=slugs)}
        article.related_tracts.set([tracts[slug] for slug in slugs if slug in tracts])

    def takes(self, item: WXRItem, source: WordPressSource) -> bool:
        return item.post_type == "post"  # the tracts' category was asked first

    def wordpress_extras(
        self, article: Article, original: WXRItem, items: Iterable[WXRItem], source: WordPressSource
    ) -> None:
        names = source.author_names(items)
        if names:
            article.authors.add(*(source.named(Author, name) for name in names))
        cover = source.cover(original)
        if cover is not None:
            article.cover_image = cover
            article.save(update_fields=["cover_image"])

    def read_text(self, text: str) -> tuple[dict, str, str, list[str]]:
        metadata, title, body, _notes = super().read_text(text)
        body, notes = extract_footnotes(body)
        return metadata, title, body, notes

    def publication_values(self, metadata: dict) -> dict:
        updated = {"updated_on": parse_date(metadata["updated"], "updated")} if metadata.get("updated") else {}
        return super().publication_values(metadata) | updated

    def add_people(self, article: Article, metadata: dict) -> None:
        if metadata.get("authors"):
            names = [checked_length(name, Author, "name") for name in split_list(metadata["authors"])]
            article.authors.add(*Author.from_names(names))

    def fill_version(self, version: ArticleVersion, metadata: dict, notes: list[str]) -> None:
        version.standfirst = metadata.get("subtitle", "")
        items = "".join(f"<li>{markdown_to_html(note)}</li>" for note in notes)
        version.notes = f"<ol>{items}</ol>" if notes else ""


AUTHORS = AuthorAdapter()
ARTICLES = ArticleAdapter()
import_article = ARTICLES.import_markdown
