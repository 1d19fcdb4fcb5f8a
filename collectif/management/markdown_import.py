"""The shared shape of `import_tract` and `import_article`."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from collectif.markdown import MarkdownImportError


class MarkdownImportCommand(BaseCommand):
    """Read a Markdown file, import it, print the page's path last; one-line errors, exit code 1."""

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--language", required=True, help="Language of the file, e.g. fr, en, es, ar.")
        parser.add_argument("--slug", help="Add or replace this language version of an existing one.")
        parser.add_argument("--publish", action="store_true", help="Publish it now.")

    def import_text(self, text: str, language: str, slug: str | None, publish: bool, folder: Path):
        """Import and return the language version (subclasses)."""
        raise NotImplementedError

    def warnings(self, version) -> list[str]:
        """What the organiser should fix though the import succeeded (subclasses)."""
        return []

    def handle(self, *args, file: Path, language: str, slug: str | None, publish: bool, **options) -> None:
        try:
            text = file.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise CommandError(f"{file}: no such file.")
        except UnicodeDecodeError:
            raise CommandError(f"{file}: not a UTF-8 text file.")
        except OSError as error:
            raise CommandError(f"{file}: cannot be read ({error.strerror}).")
        try:
            version = self.import_text(text, language, slug, publish, file.parent)
        except MarkdownImportError as error:
            raise CommandError(f"{file}: {error}")
        for warning in self.warnings(version):
            self.stderr.write(self.style.WARNING(f"{file}: {warning}"))
        state = "published" if version.publication.is_public else "draft"
        self.stdout.write(f"Imported “{version.title}” ({version.language}, {state}).")
        self.stdout.write(version.get_absolute_url())
