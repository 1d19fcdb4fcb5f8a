from collections.abc import Callable
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from moving.wordpress import WordPressImport
from moving.wxr import WXRError, WXRExport, parse_wxr
from publishing.languages import is_supported, language_codes
from publishing.management.progress import ProgressBar


class Command(BaseCommand):
    help = "Import a WordPress export (WXR, from Tools › Export): posts, pages, themes, authors, pictures."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("export", type=Path, help="The .xml file WordPress exported.")
        parser.add_argument("--uploads", type=Path, help="A copy of the site's wp-content/uploads folder.")
        parser.add_argument("--language", help="Language of the posts when the export does not say (fr, en, es, ar).")
        parser.add_argument("--tracts-category", help="Slug of the category whose posts are tracts.")
        parser.add_argument("--dry-run", action="store_true", help="Say what would happen; change nothing.")
        parser.add_argument("--report", type=Path, help="Where to write the report (default: beside the export).")

    def handle(self, *args, export: Path, uploads, language, tracts_category, dry_run, report, **options) -> None:
        if language and not is_supported(language):
            raise CommandError(f"Unknown language “{language[:20]}” (available: {', '.join(language_codes())}).")
        if uploads and not uploads.is_dir():
            raise CommandError(f"{uploads}: no such folder.")
        parsed = self.read_export(export)
        importer = WordPressImport(
            parsed, uploads=uploads, language=language, tracts_category=tracts_category, dry_run=dry_run
        )
        result = importer.run(progress=self.progress_bar())
        summary = result.summary()
        if dry_run:
            summary.insert(0, "Dry run: nothing was changed. This is what the import would do:")
            for line in [*result.lines, *summary]:
                self.stdout.write(line)
            return
        report = report or export.with_name(f"{export.stem}-import-{timezone.now():%Y%m%d-%H%M%S}.txt")
        header = [f"Import of {export.name} ({parsed.title or parsed.site_url}), {timezone.now():%Y-%m-%d %H:%M}", ""]
        report.write_text("\n".join([*header, *result.lines, "", *summary]) + "\n", encoding="utf-8")
        for line in summary:
            self.stdout.write(line)
        self.stdout.write(f"Report: {report}")

    @staticmethod
    def read_export(export: Path) -> WXRExport:
        try:
            data = export.read_bytes()
        except FileNotFoundError:
            raise CommandError(f"{export}: no such file.")
        except OSError as error:
            raise CommandError(f"{export}: cannot be read ({error.strerror}).")
        try:
            return parse_wxr(data)
        except WXRError as error:
            raise CommandError(f"{export}: {error}.")

    def progress_bar(self) -> Callable[[int, int, str], None]:
        """A progress bar drawn once the import knows how many groups it has."""
        bar = None

        def progress(done: int, total: int, label: str) -> None:
            nonlocal bar
            bar = bar or ProgressBar(self.stdout, total)
            bar.step(done, label)

        return progress
