"""Import of one language version of an article from a Markdown file."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from publishing.markdown import (
    MarkdownImportError,
    check_language,
    checked_length,
    existing_or_new_slug,
    extract_footnotes,
    markdown_to_html,
    named_themes,
    parse_date,
    parse_front_matter,
    split_list,
    title_and_body,
)
from publishing.pictures import MarkdownPictures
from publishing.tasks import schedule_pdf_renders

from .models import Article, ArticleVersion, Author

FRONT_MATTER_KEYS = {"title", "subtitle", "date", "updated", "authors", "themes"}


def import_article(
    text: str,
    language: str,
    *,
    slug: str | None = None,
    publish: bool = False,
    folder: Path | None = None,
    pictures_folder: Path | None = None,
) -> ArticleVersion:
    """Create an article, or add or replace one language version of the article `slug`.

    Pictures are looked for in `folder` (the Markdown file's), then in
    `pictures_folder`. A file that fails leaves nothing behind: no row, no
    uploaded picture.
    """
    check_language(language)
    document = parse_front_matter(text, FRONT_MATTER_KEYS)
    metadata = document.metadata
    title, body = title_and_body(document)
    body, notes = extract_footnotes(body)
    date = parse_date(metadata["date"]) if metadata.get("date") else None
    updated = parse_date(metadata["updated"], "updated") if metadata.get("updated") else None
    pictures = MarkdownPictures(folder, pictures_folder)
    try:
        with transaction.atomic():
            body_html = pictures.body_html(body, article=True)
            if not body_html:
                raise MarkdownImportError(_("The file has a title but no text."))
            article, slug = existing_or_new_slug(Article, slug, title)
            if article is None:
                article = Article(slug=slug, original_language=language)
            if date:
                article.date = date
            if updated:
                article.updated_on = updated
            if publish:
                article.publish_now()
            article.save()
            article.themes.add(*named_themes(metadata))
            if metadata.get("authors"):
                names = [checked_length(name, Author, "name") for name in split_list(metadata["authors"])]
                article.authors.add(*Author.from_names(names))

            version = ArticleVersion.objects.filter(article=article, language=language).first() or ArticleVersion(
                article=article, language=language
            )
            version.title = checked_length(title, ArticleVersion, "title")
            version.standfirst = metadata.get("subtitle", "")
            version.body = body_html
            items = "".join(f"<li>{markdown_to_html(note)}</li>" for note in notes)
            version.notes = f"<ol>{items}</ol>" if notes else ""
            try:
                version.full_clean(exclude=["article"])
            except ValidationError as error:
                raise MarkdownImportError("; ".join(error.messages))
            version.save_imported()
            schedule_pdf_renders(article)
    except BaseException:
        pictures.remove()
        raise
    return version
