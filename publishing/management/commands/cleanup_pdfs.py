from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from publishing.pdf import store


class Command(BaseCommand):
    help = (
        "Delete stored PDFs and previews that no tract or article version uses any more "
        "(superseded by an edit, withdrawn, deleted) and half-written files left by a crash."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--grace",
            type=int,
            default=settings.PDF_CLEANUP_GRACE_SECONDS,
            help="Keep files younger than this many seconds (default: %(default)s).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Say what would be deleted, delete nothing.")

    def handle(self, *args, grace: int, dry_run: bool, **options) -> None:
        report = store.delete_unreferenced(grace, dry_run=dry_run)
        verb = "would delete" if dry_run else "deleted"
        self.stdout.write(
            f"Stored PDFs and previews: {report.kept} kept, {verb} {report.deleted} "
            f"({report.deleted_bytes / 1_000_000:.1f} MB)."
        )
