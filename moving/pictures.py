"""The pictures a Markdown import brings in: `![description](photo.jpg "caption")`
found beside the file, uploaded through the same checks as the admin's
(`Image.from_file`: size, decoding, metadata stripped)."""

from pathlib import Path
from urllib.parse import unquote

from django.core.exceptions import ValidationError
from django.utils.html import escape
from django.utils.translation import gettext as _

from moving.markdown import MarkdownImportError, render_markdown, replace_images
from moving.paths import OutsideFolder, file_inside, relative_path
from publishing.html import SRC_ATTRIBUTE, clean_rich_text, own_media_path
from publishing.html_text import ANY_IMG_TAG
from publishing.models import Image, ImageNotStored


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
