from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from newsletter.models import Subscriber
from newsletter.portability import read_subscribers, store_confirmed
from newsletter.subscriptions import Answer, PendingSubscription, send_confirmation
from publishing.languages import is_supported


class Command(BaseCommand):
    help = (
        "Read subscribers from a CSV file (Mailchimp or listmonk export, our own export, or one address a line). "
        "Without --confirmed each address gets a confirmation mail and is subscribed only once it confirms."
    )
    leave_locale_alone = True

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--confirmed",
            action="store_true",
            help="The addresses confirmed their subscription elsewhere: subscribe them now, with no mail.",
        )
        parser.add_argument(
            "--language",
            default=settings.LANGUAGE_CODE,
            help="Language of the addresses whose row names none (default: %(default)s).",
        )

    def handle(self, *args, file: Path, confirmed: bool, language: str, **options) -> None:
        if not is_supported(language):
            raise CommandError(f"Unknown language {language!r}.")
        if not file.is_file():
            raise CommandError(f"No such file: {file}")
        try:
            result = read_subscribers(file, [language])
        except UnicodeDecodeError:
            raise CommandError(f"{file} is not a UTF-8 text file.") from None
        for problem in result.invalid:
            self.stderr.write(f"Not an address, skipped: {problem}")
        if confirmed:
            added, already = store_confirmed(result.rows)
            self.stdout.write(f"{added} subscribers added, {already} already subscribed")
        else:
            sent = failed = 0
            subscribed = set(Subscriber.objects.values_list("email", flat=True))
            for row in result.rows:
                if row.email in subscribed:
                    continue
                answer = send_confirmation(PendingSubscription(row.email, row.languages), row.languages[0])
                sent += answer is Answer.MAIL_SENT
                failed += answer is Answer.RELAY_DOWN
            self.stdout.write(f"{sent} confirmation mails sent")
            if failed:
                raise CommandError(
                    f"{failed} confirmation mails could not be sent (the mail relay refused): run it again later."
                )
        self.stdout.write(f"{len(result.invalid)} invalid addresses, {result.left} who had left skipped.")
