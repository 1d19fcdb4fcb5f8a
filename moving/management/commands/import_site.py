from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from moving.site import SiteImportError, import_site


class Command(BaseCommand):
    help = (
        "Read back a folder written by export_site (publications with the same slug are updated). "
        "Everything is checked as the admin checks it; the first file that fails stops the import, "
        "which then changes nothing."
    )
    # Errors in the site's language (LANGUAGE_CODE), the organisers'.
    leave_locale_alone = True

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", type=Path)

    def handle(self, *args, folder: Path, **options) -> None:
        try:
            counts = import_site(folder)
        except SiteImportError as error:
            raise CommandError(str(error))
        self.stdout.write(
            f"{counts['tracts']} tracts, {counts['articles']} articles, {counts['pages']} pages, "
            f"{counts['events']} events "
            f"({counts['versions']} language versions) imported from {folder}."
        )
