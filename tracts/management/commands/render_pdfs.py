import sys

from django.core.management.base import BaseCommand, CommandParser

from tracts.models import Tract
from tracts.printing import PRINT_FORMATS, ensure_tract_pdf


class Command(BaseCommand):
    help = "Render and store the PDFs of published tracts in every format (those already stored are kept)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--all", action="store_true", help="Include drafts and scheduled tracts.")

    def handle(self, *args, all: bool, **options) -> None:
        tracts = Tract.objects.all() if all else Tract.objects.published()
        jobs = [
            (version, print_format)
            for tract in tracts.for_page().order_by("pk")
            for version in tract.all_versions()
            for print_format in PRINT_FORMATS.values()
        ]
        for done, (version, print_format) in enumerate(jobs, start=1):
            ensure_tract_pdf(version, print_format)
            self._progress(done, len(jobs), f"{version.tract.slug} {version.language} {print_format.name}")
        self.stdout.write(f"{len(jobs)} PDFs ready.")

    def _progress(self, done: int, total: int, label: str) -> None:
        width = 30
        filled = width * done // total
        line = f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {label[:40]:<40}"
        # Redraw one line on a terminal; one line per PDF in a log.
        self.stdout.write(line if sys.stdout.isatty() else line.strip(), ending="" if sys.stdout.isatty() else "\n")
        if done == total and sys.stdout.isatty():
            self.stdout.write("")
