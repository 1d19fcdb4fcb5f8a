"""Pictures inside a text (articles and tracts): how pages and PDFs show them.

A stored body names a picture by the address of its original upload; pages
and PDFs are given its renditions here, when they are made. (A Markdown
import brings pictures in with `moving.pictures`.)
"""

import re

from django.core.files.storage import default_storage
from django.utils.html import escape

from publishing import files, images
from publishing.html_text import IMG_TAG
from publishing.images import img_attributes
from publishing.models import Image

# What a picture of the text takes on a page: the column on a phone, 40rem at most.
BODY_IMAGE_SIZES = "(min-width: 44rem) 40rem, 100vw"

RENDITION_NAME = re.compile(r"images/r/(?P<stem>.+)-(?P<width>\d+)\.(?P<extension>\w+)")


def original_upload_name(name: str) -> str:
    """The stored original of a picture named by one of its renditions (images/r/<stem>-<width>.<ext>)."""
    if match := RENDITION_NAME.fullmatch(name):
        original = f"images/{match['stem']}.{match['extension']}"
        if default_storage.exists(original):
            return original
    return name


def stored_names(html: str) -> list[str]:
    """The storage names of the pictures an HTML document shows from our media."""
    base_url = files.media_base_url()
    return [
        match["src"].removeprefix(base_url) for match in IMG_TAG.finditer(html) if match["src"].startswith(base_url)
    ]


def ensure_whole_renditions(html: str) -> None:
    """Make again, from its original, each rendition `html` shows that is not whole.

    A PDF render calls it first (in its child, the database out of reach):
    a copy cut short by a full disk is never embedded.
    """
    for name in stored_names(html):
        match = RENDITION_NAME.fullmatch(name)
        if match is None or files.is_whole(name):
            continue
        original = original_upload_name(name)
        if original == name:
            continue  # no original left to make it from: the render shows what there is
        with default_storage.open(original, "rb") as stored:
            copies = images.remake_renditions(stored.read(), match["extension"])
        if int(match["width"]) in copies:
            files.save_atomically(name, copies[int(match["width"])])


def responsive_images(body_html: str, *, print_version: bool = False) -> str:
    """Give the body's pictures their stored renditions (one query for all of them).

    On the page: `srcset`, `sizes`, dimensions and lazy loading. In a PDF:
    the largest rendition, which is enough for 300 dpi at column width. A
    picture without a description gets the one stored with it.
    """
    names = {match["src"].removeprefix(files.media_base_url()) for match in IMG_TAG.finditer(body_html)}
    if not names:
        return body_html
    pictures = {picture.file.name: picture for picture in Image.objects.filter(file__in=names)}

    def rewrite(match: re.Match) -> str:
        picture = pictures.get(match["src"].removeprefix(files.media_base_url()))
        if picture is None:
            return match[0]
        rest = match["rest"]
        if 'alt=""' in rest or "alt=" not in rest:
            rest = re.sub(r'\s*alt="[^"]*"', "", rest) + f' alt="{escape(picture.alt_text)}"'
        if print_version:
            return f'<img src="{default_storage.url(picture.print_name())}"{rest}>'
        sources = picture.sources()
        attributes = img_attributes(sources, width=picture.width, height=picture.height, sizes=BODY_IMAGE_SIZES)
        return f'<img src="{sources[min(1, len(sources) - 1)].url}"{rest} {attributes}>'

    return IMG_TAG.sub(rewrite, body_html)
