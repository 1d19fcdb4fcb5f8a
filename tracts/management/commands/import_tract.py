from pathlib import Path

from collectif.management.markdown_import import MarkdownImportCommand
from tracts.importing import import_tract, overflow_warnings
from tracts.models import TractVersion


class Command(MarkdownImportCommand):
    help = "Import one language version of a tract from a Markdown file."

    def import_text(self, text: str, language: str, slug: str | None, publish: bool, folder: Path) -> TractVersion:
        return import_tract(text, language, slug=slug, publish=publish)

    def warnings(self, version: TractVersion) -> list[str]:
        return overflow_warnings(version)
