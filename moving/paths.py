"""Files an import names by a path written in the file it reads (pictures,
archived PDFs, covers): found inside the import's own folder or nowhere.

A folder to import may come from anyone (an export sent by another
collective, a pad's download): a path written in it must never lead the
import to another file of the server, by "/" first, by "..", or by a link.
"""

from pathlib import Path, PurePosixPath
from urllib.parse import unquote

from django.utils.translation import gettext as _

from moving.markdown import MarkdownImportError


class OutsideFolder(MarkdownImportError):
    """A path that would lead out of the import's folder."""


def relative_path(path: str) -> PurePosixPath:
    """`path` as written (URL escapes and backslashes read), refused if absolute or climbing with ".."."""
    relative = PurePosixPath(unquote(path).replace("\\", "/"))
    if relative.is_absolute() or ".." in relative.parts:
        raise OutsideFolder(
            _("“%(path)s” must be named from its folder, without “/” first or “..”.") % {"path": path[:80]}
        )
    return relative


def file_inside(folder: Path, path: str) -> Path | None:
    """The file `path` names inside `folder`, None if there is none; a path
    or a link leading out of the folder is refused (OutsideFolder)."""
    root = folder.resolve()
    candidate = (root / relative_path(path)).resolve()  # links followed, then checked
    if not candidate.is_relative_to(root):
        raise OutsideFolder(
            _("“%(path)s” is a link to a file outside its folder: copy the file there instead.") % {"path": path[:80]}
        )
    return candidate if candidate.is_file() else None


def is_inside(folder: Path, file: Path) -> bool:
    """Whether `file` (found by listing `folder`) is really there, not a link to elsewhere."""
    return file.resolve().is_relative_to(folder.resolve())
