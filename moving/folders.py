"""The folder an exported site is written to and read back from.

`ExportFolder` and `ImportFolder` are what every adapter is handed: the
folder, the counts the commands print, and the few ways of writing and
reading files that all kinds share (YAML lists, Markdown with front matter,
pictures copied beside the text, errors named after their file).
"""

import html
import re
import shutil
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import models
from django.db.models.fields.files import FieldFile
from django.utils.translation import gettext as _

from moving.markdown import MarkdownImportError, check_language, front_matter, split_exported
from moving.paths import OutsideFolder, is_inside
from publishing import files
from publishing.html import is_own_media_url
from tracts.archive import ArchiveError

SRC = re.compile(r'src="([^"]+)"')


class SiteImportError(ValueError):
    """A folder that cannot be imported; the message names the file."""


@dataclass
class ExportFolder:
    root: Path
    counts: Counter = field(default_factory=Counter)  # tracts, articles, pages, versions, files…
    # Whether kinds holding personal data (the newsletter's subscribers) are written too.
    with_personal_data: bool = False

    def publication_folder(self, kind: str, slug: str) -> Path:
        target = self.root / kind / slug
        target.mkdir(parents=True, exist_ok=True)
        return target

    def write_yaml(self, name: str, data: object, target: Path | None = None) -> None:
        text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)
        ((target or self.root) / name).write_text(text, encoding="utf-8")

    def write_version(self, target: Path, language: str, metadata: dict, markdown: str) -> None:
        text = front_matter(metadata) + markdown
        (target / f"{language}.md").write_text(text.rstrip() + "\n", encoding="utf-8")
        self.counts["versions"] += 1

    def copy_file(self, stored: FieldFile, target: Path, name: str) -> str:
        """A stored file copied beside the text; returns the name the front matter gives it."""
        with stored.open("rb") as source, (target / name).open("wb") as copy:
            shutil.copyfileobj(source, copy)
        self.counts["files"] += 1
        return name

    def copy_picture(self, name: str, target: Path) -> str:
        local = Path(name).name
        if not (target / local).exists():
            with default_storage.open(name, "rb") as source, (target / local).open("wb") as copy:
                shutil.copyfileobj(source, copy)
            self.counts["files"] += 1
        return local

    def copy_pictures(self, body: str, target: Path) -> str:
        """Copy the body's pictures beside the file; their addresses become the copies' names."""

        def local(match: re.Match) -> str:
            src = html.unescape(match[1])
            if not is_own_media_url(src):
                return match[0]
            name = src.removeprefix(files.media_base_url())
            return f'src="{self.copy_picture(name, target)}"' if default_storage.exists(name) else match[0]

        return SRC.sub(local, body)


@dataclass
class ImportFolder:
    root: Path
    counts: Counter = field(default_factory=Counter)  # tracts, articles, pages, versions…
    stored: list[FieldFile] = field(default_factory=list)  # files kept on disk, deleted again if the import fails

    def publication_folders(self, kind: str) -> list[Path]:
        return sorted(path for path in (self.root / kind).glob("*") if path.is_dir())

    def version_files(self, target: Path) -> list[Path]:
        return sorted(target.glob("*.md"))

    @contextmanager
    def reading(self, file: Path) -> Iterator[None]:
        """Read a language version: `file` checked (inside the folder, a language of the site),
        and what goes wrong while reading it one SiteImportError naming it."""
        try:
            if not is_inside(self.root, file):
                raise OutsideFolder(_("a link to a file outside the folder: copy the file there."))
            check_language(file.stem)
            yield
        except (MarkdownImportError, ArchiveError) as error:
            raise SiteImportError(f"{file}: {error}")
        except ValidationError as error:
            raise SiteImportError(f"{file}: {' '.join(error.messages)}")

    def read_markdown(self, file: Path) -> tuple[dict, str]:
        return split_exported(file.read_text(encoding="utf-8"))

    def read_yaml(self, name: str, target: Path | None = None) -> list | dict:
        path = (target or self.root) / name
        if not path.exists():
            return []
        if not is_inside(path.parent, path):
            raise SiteImportError(f"{path}: " + _("a link to a file outside the folder: copy the file there."))
        try:
            return yaml.safe_load(path.read_text(encoding="utf-8")) or []
        except yaml.YAMLError as error:
            raise SiteImportError(f"{path}: not valid YAML ({str(error).splitlines()[0]})")

    def validated(self, instance: models.Model, file: Path) -> models.Model:
        """`instance` checked as the admin checks it; a SiteImportError naming `file` if refused."""
        try:
            instance.full_clean(validate_unique=False)
        except ValidationError as error:
            raise SiteImportError(f"{file}: {' '.join(error.messages)}")
        return instance

    def remove_stored(self) -> None:
        for file in self.stored:
            file.delete(save=False)
