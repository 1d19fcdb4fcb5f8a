from pathlib import Path

from django.utils.translation import gettext as _

from moving.kinds.tracts import TRACTS
from moving.management.markdown_command import MarkdownImportCommand
from moving.markdown import MarkdownImportError
from publishing.pdf import RenderFailed
from publishing.publications import LanguageVersion
from tracts.models import TractVersion
from tracts.printing import overflows, small_pictures


class Command(MarkdownImportCommand):
    help = (
        "Import one language version of a tract from a Markdown file (pictures next to it). "
        "It is printed before it is kept: a text that cannot be printed is not imported."
    )
    adapter = TRACTS

    def import_text(
        self, text: str, language: str, slug: str | None, publish: bool, folder: Path, pictures_folder: Path | None
    ) -> TractVersion:
        self.messages: list[str] = []
        return self.adapter.import_markdown(
            text,
            language,
            slug=slug,
            publish=publish,
            folder=folder,
            pictures_folder=pictures_folder,
            before_commit=self.print_once,
        )

    def print_once(self, version: TractVersion) -> None:
        """Render now, inside the import's transaction: an overflow is told at
        import rather than discovered on paper, and a text the renderer gives
        up on (too slow, too large) is not imported at all, so that nothing
        unprintable is published and a tract being replaced keeps its old text."""
        try:
            self.messages = [overflow.message() for overflow in overflows([version])]
        except RenderFailed as failure:
            raise MarkdownImportError(
                _("Its PDF could not be made (%(reason)s): nothing was imported.") % {"reason": failure.message}
            )
        self.messages += [picture.message() for picture in small_pictures(version)]

    def warnings(self, version: LanguageVersion) -> list[str]:
        return self.messages
