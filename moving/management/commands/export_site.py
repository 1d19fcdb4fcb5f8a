from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser

from moving.kinds.subscribers import SUBSCRIBERS_FILE
from moving.site import export_site


class Command(BaseCommand):
    help = "Write every tract, article and page as Markdown files with their pictures and archived PDFs."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", type=Path)
        parser.add_argument(
            "--with-subscribers",
            action="store_true",
            help="Also write the newsletter's subscribers (personal data: left out unless asked) to subscribers.csv.",
        )

    def handle(self, *args, folder: Path, with_subscribers: bool, **options) -> None:
        counts = export_site(folder, with_personal_data=with_subscribers).counts
        self.stdout.write(
            f"{counts['tracts']} tracts, {counts['articles']} articles, {counts['pages']} pages, "
            f"{counts['events']} events "
            f"({counts['versions']} language versions, {counts['files']} pictures and PDFs) written to {folder}."
        )
        if with_subscribers:
            self.stdout.write(
                f"{counts['subscribers']} newsletter subscribers written to {folder / SUBSCRIBERS_FILE} "
                "(import them elsewhere with import_subscribers --confirmed)."
            )
