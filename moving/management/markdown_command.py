"""The shared shape of `import_tract` and `import_article`."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from moving.adapter import PublicationAdapter
from moving.markdown import MarkdownImportError
from publishing.publications import LanguageVersion


class MarkdownImportCommand(BaseCommand):
    """Read a Markdown file, import it, print the page's path last; one-line errors, exit code 1.

    Errors are written in the site's language (LANGUAGE_CODE), the organisers'.
    """

    leave_locale_alone = True
    adapter: PublicationAdapter  # the kind it imports

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--language", required=True, help="Language of the file, e.g. fr, en, es, ar.")
        parser.add_argument("--slug", help="Add or replace this language version of an existing one.")
        parser.add_argument("--publish", action="store_true", help="Publish it now.")
        parser.add_argument(
            "--pictures",
            type=Path,
            metavar="DIR",
            help="Also look for the pictures of ![description](photo.jpg) in this folder (after the file's).",
        )

    def import_text(
        self, text: str, language: str, slug: str | None, publish: bool, folder: Path, pictures_folder: Path | None
    ) -> LanguageVersion:
        """Import and return the language version; pictures beside the file, then in --pictures."""
        return self.adapter.import_markdown(
            text, language, slug=slug, publish=publish, folder=folder, pictures_folder=pictures_folder
        )

    def warnings(self, version: LanguageVersion) -> list[str]:
        """What the organiser should fix though the import succeeded (subclasses)."""
        return []

    def handle(
        self, *args, file: Path, language: str, slug: str | None, publish: bool, pictures: Path | None, **options
    ) -> None:
        if pictures is not None and not pictures.is_dir():
            raise CommandError(_("%(folder)s: no such folder for the pictures.") % {"folder": pictures})
        try:
            text = file.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise CommandError(_("%(file)s: no such file.") % {"file": file})
        except UnicodeDecodeError:
            raise CommandError(_("%(file)s: not a UTF-8 text file.") % {"file": file})
        except OSError as error:
            raise CommandError(_("%(file)s: cannot be read (%(reason)s).") % {"file": file, "reason": error.strerror})
        try:
            version = self.import_text(text, language, slug, publish, file.parent, pictures)
        except MarkdownImportError as error:
            raise CommandError(f"{file}: {error}")
        except ValidationError as error:
            raise CommandError(f"{file}: {' '.join(error.messages)}")
        except OSError as error:
            raise CommandError(f"{file}: {error.strerror or error}")
        for warning in self.warnings(version):
            self.stderr.write(self.style.WARNING(f"{file}: {warning}"))
        state = "published" if version.publication.is_public else "draft"
        self.stdout.write(f"Imported “{version.title}” ({version.language}, {state}).")
        self.stdout.write(version.get_absolute_url())
