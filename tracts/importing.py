"""Import of one language version of a tract from a Markdown file."""

from collections.abc import Callable
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from publishing.markdown import (
    MarkdownImportError,
    check_language,
    checked_length,
    existing_or_new_slug,
    named_themes,
    parse_date,
    parse_front_matter,
    title_and_body,
)
from publishing.pictures import MarkdownPictures
from publishing.tasks import schedule_pdf_renders

from .models import Tract, TractVersion

FRONT_MATTER_KEYS = {"title", "subtitle", "date", "themes", "contact", "footer"}


def import_tract(
    text: str,
    language: str,
    *,
    slug: str | None = None,
    publish: bool = False,
    folder: Path | None = None,
    pictures_folder: Path | None = None,
    before_commit: Callable[[TractVersion], None] | None = None,
) -> TractVersion:
    """Create a tract, or add or replace one language version of the tract `slug`.

    Pictures are looked for in `folder` (the Markdown file's), then in
    `pictures_folder`. Everything happens in one transaction: a file that
    fails leaves nothing behind, no row, no uploaded picture. `before_commit`
    (the command's render) runs inside it: what it raises undoes the import.
    """
    check_language(language)
    document = parse_front_matter(text, FRONT_MATTER_KEYS)
    metadata = document.metadata
    title, body = title_and_body(document)
    date = parse_date(metadata["date"]) if metadata.get("date") else None
    pictures = MarkdownPictures(folder, pictures_folder)
    try:
        with transaction.atomic():
            body_html = pictures.body_html(body)
            if not body_html:
                raise MarkdownImportError(_("The file has a title but no text."))
            tract, slug = existing_or_new_slug(Tract, slug, title)
            if tract is None:
                tract = Tract(slug=slug, original_language=language)
            if date:
                tract.date = date
            if "footer" in metadata:
                tract.legal_footer = metadata["footer"]
            if publish:
                tract.publish_now()
            tract.save()
            tract.themes.add(*named_themes(metadata))

            version = TractVersion.objects.filter(tract=tract, language=language).first() or TractVersion(
                tract=tract, language=language
            )
            version.title = checked_length(title, TractVersion, "title")
            version.subtitle = checked_length(metadata.get("subtitle", ""), TractVersion, "subtitle")
            version.contact = metadata.get("contact", "")
            version.body = body_html
            try:
                version.full_clean(exclude=["tract"])
            except ValidationError as error:
                raise MarkdownImportError("; ".join(error.messages))
            version.save_imported()
            schedule_pdf_renders(tract)
            if before_commit is not None:
                before_commit(version)
    except BaseException:
        pictures.remove()
        raise
    return version
