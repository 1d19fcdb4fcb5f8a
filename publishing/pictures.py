"""Pictures inside a text (articles and tracts): how pages and PDFs show them,
and how a Markdown import brings them in.

A stored body names a picture by the address of its original upload; pages
and PDFs are given its renditions here, when they are made. An import goes
through the same checks as an upload in the admin (`Image.from_file`):
size, decoding, metadata stripped.
"""

import re
from pathlib import Path
from urllib.parse import unquote

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.utils.html import escape
from django.utils.translation import gettext as _

from publishing import files, images
from publishing.html import SRC_ATTRIBUTE, clean_rich_text, own_media_path
from publishing.html_text import ANY_IMG_TAG, IMG_TAG
from publishing.images import img_attributes
from publishing.import_files import OutsideFolder, file_inside, relative_path
from publishing.markdown import MarkdownImportError, render_markdown, replace_images
from publishing.models import Image, ImageNotStored

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


class MarkdownPictures:
    """The pictures a Markdown file refers to, looked for next to it (then in
    `pictures`, if given), uploaded like the admin's; removed again if the
    import fails."""

    def __init__(self, folder: Path | None, pictures: Path | None = None) -> None:
        self.folders = [place.resolve() for place in (folder, pictures) if place is not None]
        self.created: list[Image] = []

    def body_html(self, markdown: str, *, article: bool = False) -> str:
        """The text as clean HTML, each `![description](file "caption")` a figure of ours.

        A picture Markdown or raw HTML would show that is not one of ours
        (on another site, or written in a form the import does not read) is
        refused rather than dropped unseen.
        """
        html = render_markdown(replace_images(markdown, self.figure))
        for tag in ANY_IMG_TAG.findall(html):
            source = SRC_ATTRIBUTE.search(tag)
            address = unquote(next((group for group in source.groups() if group is not None), "")) if source else ""
            if own_media_path(address) is None:
                self._refuse_remote(address)
                raise MarkdownImportError(
                    _("The picture “%(path)s” cannot be read: write it ![what it shows](file.jpg), without spaces.")
                    % {"path": address[:80]}
                )
        return clean_rich_text(html, article=article)

    def _find(self, path: str) -> Path:
        try:
            relative_path(path)
        except OutsideFolder:
            raise MarkdownImportError(
                _("The picture “%(path)s” must be named from the Markdown file's folder, without “/” first or “..”.")
                % {"path": path[:80]}
            )
        for folder in self.folders:
            if found := file_inside(folder, path):  # a link leading out of the folder is refused
                return found
        if len(self.folders) > 1:
            raise MarkdownImportError(
                _("The picture “%(path)s” was not found next to the Markdown file nor in “%(folder)s”.")
                % {"path": path[:80], "folder": self.folders[1]}
            )
        raise MarkdownImportError(
            _("The picture “%(path)s” was not found next to the Markdown file.") % {"path": path[:80]}
        )

    @staticmethod
    def _refuse_remote(path: str) -> None:
        # Never fetched: a third party would learn who imports what.
        if "://" in path or path.startswith("//"):
            raise MarkdownImportError(
                _("The picture “%(path)s” is on another site: save it next to the file and use its name.")
                % {"path": path[:80]}
            )

    def figure(self, alt: str, path: str, caption: str) -> str:
        self._refuse_remote(path)
        if not alt.strip():
            raise MarkdownImportError(
                _("The picture “%(path)s” needs a description: ![what it shows](%(path)s).") % {"path": path[:80]}
            )
        file_path = self._find(path)
        with file_path.open("rb") as handle:
            try:
                picture, created = Image.from_file(handle, file_path.name, alt, caption)
            except ValidationError as error:
                raise MarkdownImportError(f"{path[:80]}: {' '.join(error.messages)}")
            except ImageNotStored as error:
                raise MarkdownImportError(f"{path[:80]}: {error}")
        if created:
            self.created.append(picture)
        caption_html = f"<figcaption>{escape(caption)}</figcaption>" if caption else ""
        return f'\n\n<figure><img src="{picture.file.url}" alt="{escape(alt)}">{caption_html}</figure>\n\n'

    def remove(self) -> None:
        """Delete the pictures this import uploaded (its rows go with the rolled-back transaction)."""
        for picture in self.created:
            picture.delete()
