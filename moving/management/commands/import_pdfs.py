from collections import Counter
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from moving.archive import OCR_HELP, ArchiveError
from moving.files import is_inside
from moving.kinds.tracts import import_pdf
from moving.markdown import MarkdownImportError, check_language
from publishing.management.progress import ProgressBar


class Command(BaseCommand):
    help = "Import a folder of printed tracts: each PDF becomes a tract served as it is (an archived PDF)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", type=Path)
        parser.add_argument("--language", required=True, help="Language of the tracts, e.g. fr, ar.")
        parser.add_argument("--publish", action="store_true", help="Publish them now.")

    def handle(self, *args, folder: Path, language: str, publish: bool, **options) -> None:
        try:
            check_language(language)
        except MarkdownImportError as error:
            raise CommandError(str(error))
        if not folder.is_dir():
            raise CommandError(f"{folder}: no such folder.")
        files = sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))
        progress = ProgressBar(self.stdout, len(files))
        created, skipped, ocr_skipped, without_text, problems = [], Counter(), [], [], []
        for done, path in enumerate(files, start=1):
            name = str(path.relative_to(folder))
            try:
                if not is_inside(folder, path):
                    raise ArchiveError("outside the folder", _("a link to a file outside the folder"))
                result = import_pdf(path, language, publish=publish)
            except ArchiveError as error:
                skipped[error.kind] += 1
                problems.append(f"{name}: skipped, {error}")
            except OSError as error:
                skipped["unreadable"] += 1
                problems.append(f"{name}: skipped, cannot be read ({error.strerror})")
            else:
                created.append(result.tract)
                if result.ocr_skipped:
                    ocr_skipped.append(name)
                elif result.without_text:
                    without_text.append(name)
            progress.step(done, name)
        for line in problems:
            self.stdout.write(line)
        for name in ocr_skipped:
            self.stdout.write(f"{name}: no text in the PDF and OCR skipped; to recognise it, {OCR_HELP}.")
        for name in without_text:
            self.stdout.write(f"{name}: no text found, even by OCR; imported with the picture of its first page.")
        summary = ", ".join(f"{count} {reason}" for reason, count in sorted(skipped.items()))
        details = f" ({summary})" if summary else ""
        self.stdout.write(f"{len(created)} tracts created; {sum(skipped.values())} files skipped{details}.")
