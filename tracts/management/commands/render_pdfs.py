from django.core.management.base import BaseCommand, CommandParser

from publishing.management.progress import ProgressBar
from publishing.models import PDFRenderFailure
from publishing.pdf import RenderFailed
from tracts.models import Tract
from tracts.printing import PRINT_FORMATS, ensure_tract_pdf


class Command(BaseCommand):
    help = (
        "Render and store the PDFs of published tracts in every format (those already stored are kept); "
        "renders that failed earlier are tried again."
    )

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
        PDFRenderFailure.objects.all().delete()
        failed = []
        progress = ProgressBar(self.stdout, len(jobs))
        for done, (version, print_format) in enumerate(jobs, start=1):
            label = f"{version.tract.slug} {version.language} {print_format.name}"
            try:
                ensure_tract_pdf(version, print_format)
            except RenderFailed as failure:
                failed.append(f"{label}: {failure.message}")
            progress.step(done, label)
        self.stdout.write(f"{len(jobs) - len(failed)} PDFs ready.")
        for line in failed:
            self.stderr.write(f"Failed to render {line}")
