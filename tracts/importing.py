"""Import of one language version of a tract from a Markdown file."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from collectif.languages import is_supported, language_codes
from collectif.markdown import (
    MarkdownImportError,
    markdown_to_html,
    parse_date,
    parse_front_matter,
    split_list,
    take_title_heading,
)
from collectif.models import Theme

from .models import Tract, TractVersion
from .tasks import schedule_pdf_renders

FRONT_MATTER_KEYS = {"title", "subtitle", "date", "themes", "contact", "footer"}


def _checked_length(value: str, field_name: str, model=TractVersion) -> str:
    max_length = model._meta.get_field(field_name).max_length
    if max_length and len(value) > max_length:
        raise MarkdownImportError(
            _("“%(field)s” is %(length)d characters long; the limit is %(max)d.")
            % {"field": field_name, "length": len(value), "max": max_length}
        )
    return value


def import_tract(text: str, language: str, *, slug: str | None = None, publish: bool = False) -> TractVersion:
    """Create a tract, or add or replace one language version of the tract `slug`.

    Everything happens in one transaction: a file that fails leaves nothing behind.
    """
    if not is_supported(language):
        raise MarkdownImportError(
            _("Unknown language “%(language)s” (available: %(available)s).")
            % {"language": language[:20], "available": ", ".join(language_codes())}
        )
    document = parse_front_matter(text, FRONT_MATTER_KEYS)
    metadata = document.metadata
    title = metadata.get("title", "")
    body = document.body
    if not title:
        title, body = take_title_heading(body)
    if not title:
        raise MarkdownImportError(
            _("No title: add “title:” to the front matter or start the text with a “# ” heading.")
        )
    body_html = markdown_to_html(body)
    if not body_html:
        raise MarkdownImportError(_("The file has a title but no text."))
    date = parse_date(metadata["date"]) if metadata.get("date") else None

    with transaction.atomic():
        if slug:
            if slugify(slug) != slug:
                raise MarkdownImportError(
                    _("“%(slug)s” is not a valid slug: use lowercase letters, digits and hyphens.")
                    % {"slug": slug[:100]}
                )
            tract = Tract.objects.filter(slug=slug).first()
        else:
            slug = slugify(title)[:100].strip("-")
            if not slug:
                raise MarkdownImportError(_("Cannot make a web address from this title; pass --slug."))
            if Tract.objects.filter(slug=slug).exists():
                raise MarkdownImportError(
                    _(
                        "A tract “%(slug)s” already exists: "
                        "pass --slug %(slug)s to add or replace this language version."
                    )
                    % {"slug": slug}
                )
            tract = None
        if tract is None:
            tract = Tract(slug=slug, original_language=language)
        if date:
            tract.date = date
        if "footer" in metadata:
            tract.legal_footer = metadata["footer"]
        if publish:
            tract.status = Tract.Status.PUBLISHED
            tract.published_at = min(tract.published_at, timezone.now()) if tract.pk else timezone.now()
        tract.save()
        if metadata.get("themes"):
            tract.themes.add(
                *Theme.from_names([_checked_length(name, "name", Theme) for name in split_list(metadata["themes"])])
            )

        version = TractVersion.objects.filter(tract=tract, language=language).first() or TractVersion(
            tract=tract, language=language
        )
        version.title = _checked_length(title, "title")
        version.subtitle = _checked_length(metadata.get("subtitle", ""), "subtitle")
        version.contact = metadata.get("contact", "")
        version.body = body_html
        try:
            version.full_clean(exclude=["tract"])
        except ValidationError as error:
            raise MarkdownImportError("; ".join(error.messages))
        version.save()
        schedule_pdf_renders(tract)
    return version
