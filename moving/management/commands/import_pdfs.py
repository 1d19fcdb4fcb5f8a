from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from moving.archive import OCR_HELP, ArchiveError, ArchiveResult
from moving.kinds.tracts import import_pdf
from moving.markdown import MarkdownImportError, check_language
from moving.paths import is_inside
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
        report = FolderReport()
        for done, path in enumerate(files, start=1):
            name = str(path.relative_to(folder))
            try:
                if not is_inside(folder, path):
                    raise ArchiveError("outside the folder", _("a link to a file outside the folder"))
                report.imported(name, import_pdf(path, language, publish=publish))
            except ArchiveError as error:
                report.skip(error.kind, f"{name}: skipped, {error}")
            except OSError as error:
                report.skip("unreadable", f"{name}: skipped, cannot be read ({error.strerror})")
            progress.step(done, name)
        for line in report.lines():
            self.stdout.write(line)


@dataclass
class FolderReport:
    """What became of each file, told once the progress bar is done."""

    created: int = 0
    skipped: Counter = field(default_factory=Counter)  # why -> how many
    problems: list[str] = field(default_factory=list)
    ocr_skipped: list[str] = field(default_factory=list)
    without_text: list[str] = field(default_factory=list)

    def imported(self, name: str, result: ArchiveResult) -> None:
        self.created += 1
        if result.ocr_skipped:
            self.ocr_skipped.append(name)
        elif result.without_text:
            self.without_text.append(name)

    def skip(self, kind: str, problem: str) -> None:
        self.skipped[kind] += 1
        self.problems.append(problem)

    def lines(self) -> list[str]:
        summary = ", ".join(f"{count} {reason}" for reason, count in sorted(self.skipped.items()))
        details = f" ({summary})" if summary else ""
        return [
            *self.problems,
            *(f"{name}: no text in the PDF and OCR skipped; to recognise it, {OCR_HELP}." for name in self.ocr_skipped),
            *(
                f"{name}: no text found, even by OCR; imported with the picture of its first page."
                for name in self.without_text
            ),
            f"{self.created} tracts created; {sum(self.skipped.values())} files skipped{details}.",
        ]
