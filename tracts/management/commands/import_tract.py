from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from collectif.markdown import MarkdownImportError
from tracts.importing import import_tract


class Command(BaseCommand):
    help = "Import one language version of a tract from a Markdown file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--language", required=True, help="Language of the file, e.g. fr, en, es, ar.")
        parser.add_argument("--slug", help="Add or replace this language version of an existing tract.")
        parser.add_argument("--publish", action="store_true", help="Publish the tract now.")

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
            version = import_tract(text, language, slug=slug, publish=publish)
        except MarkdownImportError as error:
            raise CommandError(f"{file}: {error}")
        state = "published" if version.tract.is_public else "draft"
        self.stdout.write(f"Imported “{version.title}” ({version.language}, {state}).")
        self.stdout.write(version.get_absolute_url())
