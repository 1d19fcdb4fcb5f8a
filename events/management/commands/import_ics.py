import urllib.request
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from events.importing import MAX_FILE_BYTES, CalendarUnreadable, import_calendar
from publishing.languages import language_codes


class Command(BaseCommand):
    help = (
        "Import the events of a calendar export (.ics file, or its https:// address) as drafts; "
        "events already imported (same UID) are left alone, and what cannot be mapped is reported."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", help="a .ics file, or the https:// address of one")
        parser.add_argument("--language", default=settings.LANGUAGE_CODE, choices=language_codes())

    def handle(self, *args, source: str, language: str, **options) -> None:
        data = self.read(source)
        try:
            report = import_calendar(data, language)
        except CalendarUnreadable as error:
            raise CommandError(str(error)) from None
        for problem in report.problems:
            self.stdout.write(_("Not mapped: %(problem)s") % {"problem": problem})
        self.stdout.write(
            _("Created %(created)d events as drafts; %(existing)d already there (same UID).")
            % {"created": len(report.created), "existing": len(report.existing)}
        )

    def read(self, source: str) -> bytes:
        if source.startswith(("https://", "http://")):
            try:
                with urllib.request.urlopen(source, timeout=30) as response:  # noqa: S310 (http and https only)
                    return response.read(MAX_FILE_BYTES + 1)
            except OSError as error:
                raise CommandError(
                    _("Could not download %(source)s: %(reason)s") % {"source": source, "reason": error}
                ) from None
        try:
            return Path(source).read_bytes()
        except OSError as error:
            raise CommandError(
                _("Could not read %(source)s: %(reason)s") % {"source": source, "reason": error.strerror}
            ) from None
