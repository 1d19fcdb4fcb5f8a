"""Cleaning of rich text, for every HTML field whatever the editor.

Nothing that comes from the editor or an imported file is trusted: an
organiser's account can be phished, and the same HTML ends up in the public
pages and in the PDF renderer. The allow-list below is the whole of what a
body may contain.
"""

from functools import lru_cache
from posixpath import normpath

import nh3
from django.conf import settings
from django.db import models
from django_prose_editor.fields import ProseEditorField

RICH_TEXT_TAGS = {
    "h2",
    "h3",
    "h4",
    "p",
    "br",
    "strong",
    "em",
    "b",
    "i",
    "u",
    "s",
    "sub",
    "sup",
    "ul",
    "ol",
    "li",
    "a",
    "blockquote",
    "img",
    "hr",
}
RICH_TEXT_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    "ol": {"start"},
}
URL_SCHEMES = {"http", "https", "mailto"}

# Long-form articles also hold tables and figures with captions.
ARTICLE_TAGS = RICH_TEXT_TAGS | {"table", "thead", "tbody", "tr", "th", "td", "caption", "figure", "figcaption"}
ARTICLE_ATTRIBUTES = RICH_TEXT_ATTRIBUTES | {"th": {"colspan", "rowspan", "scope"}, "td": {"colspan", "rowspan"}}


def is_own_media_url(url: str) -> bool:
    """True for a path inside MEDIA_URL that does not climb out of it."""
    media_url = settings.MEDIA_URL
    if not url.startswith(media_url) or "\\" in url or "%" in url:
        return False
    return normpath(url).startswith(media_url.rstrip("/") + "/")


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    # Images may only come from our own media files: a remote image would
    # leak every reader (and the PDF renderer) to a third party.
    if tag == "img" and attribute == "src":
        return value if is_own_media_url(value) else None
    return value


@lru_cache(maxsize=2)
def _cleaner(article: bool) -> nh3.Cleaner:
    return nh3.Cleaner(
        tags=ARTICLE_TAGS if article else RICH_TEXT_TAGS,
        clean_content_tags={"script", "style", "iframe", "object", "embed", "template"},
        attributes=ARTICLE_ATTRIBUTES if article else RICH_TEXT_ATTRIBUTES,
        attribute_filter=_filter_attribute,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def clean_rich_text(html: str | None, *, article: bool = False) -> str:
    """Return `html` reduced to the allow-list (the article one: tables and
    figures too); empty editor output gives ""."""
    if not html:
        return ""
    cleaned = _cleaner(article).clean(html).strip()
    # ProseMirror always leaves at least one empty paragraph behind.
    if cleaned in {"<p></p>", "<p><br></p>"}:
        return ""
    return cleaned


# What the rich-text editor offers; everything it produces is in the allow-list.
RICH_TEXT_EDITOR_EXTENSIONS = {
    "Bold": True,
    "Italic": True,
    "Heading": {"levels": [2, 3]},
    "BulletList": True,
    "OrderedList": True,
    "ListItem": True,
    "Blockquote": True,
    "HardBreak": True,
    "Link": {"enableTarget": False, "protocols": sorted(URL_SCHEMES)},
}
ARTICLE_EDITOR_EXTENSIONS = RICH_TEXT_EDITOR_EXTENSIONS | {
    "Heading": {"levels": [2, 3, 4]},
    "Table": True,
    "TableRow": True,
    "TableHeader": True,
    "TableCell": True,
    "Figure": True,
    "Caption": True,
    "Image": True,
}


def clean_article_text(html: str | None) -> str:
    return clean_rich_text(html, article=True)


class RichTextField(ProseEditorField):
    """Rich text edited with the editor and stored cleaned, whatever the path
    (admin, import, shell): the cleaning runs on every save, not only in forms."""

    def __init__(self, *args, article: bool = False, **kwargs) -> None:
        kwargs.setdefault("extensions", ARTICLE_EDITOR_EXTENSIONS if article else RICH_TEXT_EDITOR_EXTENSIONS)
        kwargs.setdefault("sanitize", clean_article_text if article else clean_rich_text)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def pre_save(self, model_instance, add: bool) -> str:
        value = self.sanitize(getattr(model_instance, self.attname))
        setattr(model_instance, self.attname, value)
        return value


def clean_rich_text_fields(instance: models.Model) -> None:
    """Clean the rich-text fields of `instance` now, for what is derived from
    them before the save (search text, word count)."""
    for field in instance._meta.concrete_fields:
        if isinstance(field, RichTextField):
            field.pre_save(instance, add=instance._state.adding)
