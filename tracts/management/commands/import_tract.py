from pathlib import Path

from publishing.management.markdown_import import MarkdownImportCommand
from tracts.importing import import_tract
from tracts.models import TractVersion
from tracts.printing import overflows, small_pictures


class Command(MarkdownImportCommand):
    help = "Import one language version of a tract from a Markdown file (pictures next to it)."

    def import_text(
        self, text: str, language: str, slug: str | None, publish: bool, folder: Path, pictures_folder: Path | None
    ) -> TractVersion:
        return import_tract(text, language, slug=slug, publish=publish, folder=folder, pictures_folder=pictures_folder)

    def warnings(self, version: TractVersion) -> list[str]:
        # Rendered now (then stored), so that an overflow is told at import
        # rather than discovered on paper.
        messages = [overflow.message() for overflow in overflows([version])]
        messages += [picture.message() for picture in small_pictures(version)]
        return messages
