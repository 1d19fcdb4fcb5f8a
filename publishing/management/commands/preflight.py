from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from publishing.pdf.preflight import preflight


class Command(BaseCommand):
    help = (
        "Check PDFs as a print shop's preflight would (PDF/X-4 files) or for tags (screen files): "
        "one line per problem, a non-zero exit when any."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument(
            "--profile",
            choices=["auto", "print-shop", "tagged", "metadata"],
            default="auto",
            help="auto: print-shop rules for files with a PDF/X output intent, tags for the others.",
        )

    def handle(self, *args, files: list[Path], profile: str, **options) -> None:
        failed = 0
        for path in files:
            try:
                problems = preflight(path.read_bytes(), profile)
            except OSError as error:
                problems = [f"cannot read the file: {error.strerror}"]
            for problem in problems:
                self.stdout.write(f"{path}: {problem}")
            if problems:
                failed += 1
            else:
                self.stdout.write(f"{path}: OK")
        if failed:
            raise CommandError(f"{failed} of {len(files)} files fail the preflight.")
