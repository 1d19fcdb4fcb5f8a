from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser

from website.portability import export_site


class Command(BaseCommand):
    help = "Write every tract, article and page as Markdown files with their pictures and archived PDFs."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", type=Path)

    def handle(self, *args, folder: Path, **options) -> None:
        counts = export_site(folder).counts
        self.stdout.write(
            f"{counts['tracts']} tracts, {counts['articles']} articles, {counts['pages']} pages, "
            f"{counts['events']} events "
            f"({counts['versions']} language versions, {counts['files']} pictures and PDFs) written to {folder}."
        )
