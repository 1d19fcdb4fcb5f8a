"""Sending a letter: in runs of the background worker, resumable, at a set rate.

Every (letter, subscriber) delivery is a row recorded before anything is
sent (`Letter.start_sending`). A run takes the letter's lease (one run per
letter at a time, whatever the number of workers), then for each waiting
delivery: marks it "being sent" (committed, with the mark "sent" of the
previous one), hands the mail to the relay. A run that is killed leaves at
most one delivery "being sent" that the relay took, whose fate it could not
record: the next run sends it again with the same Message-ID, which mail
programs show once. Nothing waiting is skipped, nothing marked sent is sent
again.

The relay refusing one address for good (5xx) is recorded on its delivery;
an address refused by NEWSLETTER_BOUNCE_LIMIT letters is unsubscribed. A
relay that is down or refuses everything (connection lost, 421, our sender
refused) stops the run; the letter waits NEWSLETTER_RELAY_RETRY_SECONDS and
resumes.
"""

import contextlib
import datetime
import logging
import smtplib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from .mail import RenderedLetter, as_bytes, letter_message, message_id, render_letter
from .models import Delivery, Letter, Subscriber, Throttle

logger = logging.getLogger(__name__)

# A temporarily refused delivery (4xx for one address) is tried this many times in all.
MAX_ATTEMPTS = 5
CHUNK = 500
# This many addresses refused for now one after the other: the relay is
# refusing everything for a while, and the letter waits rather than use up
# every address's attempts.
TEMPORARY_REFUSALS_IN_A_ROW = 10


class RelayUnavailable(Exception):
    """The relay cannot take any mail now: the letter waits."""


class Refused(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(f"{code} {reason}")
        self.code = code
        self.permanent = code >= 500


def _reply_text(reply: bytes | str) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)


class Relay:
    """The SMTP relay of the settings, one connection for a whole run; any
    other mail backend (console on a laptop, locmem) sends through Django."""

    def __init__(self) -> None:
        self.backend = get_connection(fail_silently=False)
        self.envelope_from = parseaddr(settings.NEWSLETTER_FROM_EMAIL)[1]

    def send(self, message, to: str) -> None:
        if not isinstance(self.backend, SMTPBackend):
            self.backend.send_messages([message])
            return
        data = as_bytes(message)
        try:
            if self.backend.connection is None:
                self.backend.open()
            # open() connects or raises: the backend does not fail silently.
            assert self.backend.connection is not None
            self.backend.connection.sendmail(self.envelope_from, [to], data)
        except smtplib.SMTPRecipientsRefused as error:
            code, reply = next(iter(error.recipients.values()))
            self._refused(code, reply)
        except smtplib.SMTPSenderRefused as error:
            self._drop()
            raise RelayUnavailable(f"{error.smtp_code} {_reply_text(error.smtp_error)}") from error
        except (smtplib.SMTPConnectError, smtplib.SMTPHeloError, smtplib.SMTPAuthenticationError) as error:
            self._drop()
            raise RelayUnavailable(f"{error.smtp_code} {_reply_text(error.smtp_error)}") from error
        except smtplib.SMTPResponseException as error:
            self._refused(error.smtp_code, error.smtp_error)
        except (smtplib.SMTPException, OSError) as error:
            self._drop()
            raise RelayUnavailable(str(error) or error.__class__.__name__) from error

    def _refused(self, code: int, reply: bytes | str) -> None:
        if code == 421 or code < 400:  # the relay closes the session: nothing will pass now
            self._drop()
            raise RelayUnavailable(f"{code} {_reply_text(reply)}")
        raise Refused(code, _reply_text(reply))

    def _drop(self) -> None:
        with contextlib.suppress(smtplib.SMTPException, OSError):
            self.close()
        if isinstance(self.backend, SMTPBackend):  # only SMTP has a connection to drop
            self.backend.connection = None

    def close(self) -> None:
        if isinstance(self.backend, SMTPBackend):
            self.backend.close()


@dataclass
class RunResult:
    sent: int = 0
    failed: int = 0
    deferred: int = 0
    finished: bool = False
    # When the next run should start (None: no next run).
    next_run: datetime.datetime | None = None


def _take_lease(letter_id: int) -> bool:
    now = timezone.now()
    until = now + datetime.timedelta(seconds=settings.NEWSLETTER_LEASE_SECONDS)
    return bool(
        Letter.objects.filter(pk=letter_id, status=Letter.Status.SENDING)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(lease_until=until)
    )


def _renew_lease(letter_id: int) -> None:
    until = timezone.now() + datetime.timedelta(seconds=settings.NEWSLETTER_LEASE_SECONDS)
    Letter.objects.filter(pk=letter_id).update(lease_until=until)


def _record_permanent_failure(delivery_id: int, subscriber_id: int, error: str) -> None:
    Delivery.objects.filter(pk=delivery_id).update(status=Delivery.Status.FAILED, error=error[:300])
    refusals = Delivery.objects.filter(subscriber_id=subscriber_id, status=Delivery.Status.FAILED).count()
    if refusals >= settings.NEWSLETTER_BOUNCE_LIMIT:
        # Its deliveries stay, without the address (the letters' counts stay true).
        Subscriber.objects.filter(pk=subscriber_id).delete()
        logger.warning("An address refused by %d letters was unsubscribed", refusals)


def reader_language(version_language: str, languages: list[str]) -> str:
    """The language of a letter's own words (footer, links' pages) for a
    reader: the letter's when they read it, else their first."""
    return version_language if version_language in (languages or [version_language]) else languages[0]


class LetterRun:
    """One run of the sending of a letter (see the module's docstring)."""

    def __init__(self, letter: Letter, seconds: float) -> None:
        self.letter = letter
        self.deadline = time.monotonic() + seconds
        self.interval = 60 / settings.NEWSLETTER_RATE_PER_MINUTE if settings.NEWSLETTER_RATE_PER_MINUTE > 0 else 0
        self.renders: dict[tuple[str, str], RenderedLetter] = {}
        self.versions = {version.language: version for version in letter.all_versions()}
        self.result = RunResult()
        self.relay = Relay()
        self.lease_renewed = time.monotonic()
        self.refused_in_a_row = 0
        # The last delivery the relay took: marked sent with the next claim.
        self.unmarked: int | None = None

    def rendered(self, version_language: str, languages: list[str]) -> RenderedLetter:
        reader = reader_language(version_language, languages)
        key = (version_language, reader)
        if key not in self.renders:
            version = self.versions.get(version_language) or self.letter.original_version()
            # Deliveries are made for a letter with a version, no longer edited once sending.
            assert version is not None
            self.renders[key] = render_letter(version, reader, fallback=version.language not in (languages or []))
        return self.renders[key]

    def waiting(self) -> list[tuple]:
        return list(
            Delivery.objects.filter(letter=self.letter, status=Delivery.Status.WAITING)
            .order_by("pk")
            .values_list("pk", "language", "subscriber_id", "subscriber__email", "subscriber__languages")[:CHUNK]
        )

    def send_all(self) -> None:
        try:
            self._send_all()
        finally:
            self.mark_sent()

    def _send_all(self) -> None:
        next_at = time.monotonic()
        while time.monotonic() < self.deadline:
            chunk = self.waiting()
            if not chunk:
                return
            for pk, language, subscriber_id, email, languages in chunk:
                if time.monotonic() >= self.deadline:
                    return
                if self.interval:
                    # Not while the last mail is unmarked: a kill then would send it twice.
                    self.mark_sent()
                    time.sleep(max(0.0, next_at - time.monotonic()))
                    next_at = max(next_at + self.interval, time.monotonic())
                self.send_one(pk, language, subscriber_id, email, languages)
                if time.monotonic() - self.lease_renewed > settings.NEWSLETTER_LEASE_SECONDS / 4:
                    _renew_lease(self.letter.pk)
                    self.lease_renewed = time.monotonic()

    def send_one(self, pk: int, language: str, subscriber_id: int | None, email: str, languages: list) -> None:
        if subscriber_id is None:  # unsubscribed since the letter started
            Delivery.objects.filter(pk=pk).delete()
            return
        if not self.claim(pk):
            return
        rendered = self.rendered(language, languages)
        reader = reader_language(language, languages)
        token = f"{subscriber_id}.{Subscriber(pk=subscriber_id, email=email).signature()}"
        message = letter_message(
            rendered, email, token=token, reader_language=reader, message_id_value=message_id(self.letter.pk, pk)
        )
        try:
            self.relay.send(message, email)
        except Refused as refusal:
            error = str(refusal).replace(email, "<…>")
            if refusal.permanent:
                _record_permanent_failure(pk, subscriber_id, error)
                self.result.failed += 1
                return
            self.refused_in_a_row += 1
            if self.refused_in_a_row >= TEMPORARY_REFUSALS_IN_A_ROW:
                # Not this address: the relay holds everything back (a provider's hourly quota).
                Delivery.objects.filter(pk=pk).update(status=Delivery.Status.WAITING, attempts=F("attempts") - 1)
                raise RelayUnavailable(str(refusal)) from refusal
            Delivery.objects.filter(pk=pk).update(status=Delivery.Status.DEFERRED, error=error[:300])
            self.result.deferred += 1
            return
        except RelayUnavailable:
            Delivery.objects.filter(pk=pk).update(status=Delivery.Status.WAITING, attempts=F("attempts") - 1)
            raise
        self.unmarked = pk
        self.result.sent += 1
        self.refused_in_a_row = 0

    def claim(self, pk: int) -> bool:
        """Mark `pk` as being sent, and the delivery sent before it as sent:
        one statement, one commit a mail (two halved the rate on PostgreSQL)."""
        if self.unmarked is None:
            claimed = Delivery.objects.filter(pk=pk, status=Delivery.Status.WAITING)
            return bool(claimed.update(status=Delivery.Status.SENDING, attempts=F("attempts") + 1))
        sent, self.unmarked = self.unmarked, None
        # Raw SQL: the ORM took longer to compile these CASEs than the database to run them.
        table = connection.ops.quote_name(Delivery._meta.db_table)
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET "  # noqa: S608 (the model's own table name)
                "status = CASE WHEN id = %s THEN %s ELSE %s END, "
                "sent_at = CASE WHEN id = %s THEN %s ELSE sent_at END, "
                "error = CASE WHEN id = %s THEN '' ELSE error END, "
                "attempts = CASE WHEN id = %s THEN attempts ELSE attempts + 1 END "
                "WHERE id IN (%s, %s)",
                [sent, Delivery.Status.SENT, Delivery.Status.SENDING, sent, now, sent, sent, sent, pk],
            )
        # The lease keeps other runs away: the row waits for this run alone.
        return True

    def mark_sent(self) -> None:
        if self.unmarked is not None:
            Delivery.objects.filter(pk=self.unmarked).update(
                status=Delivery.Status.SENT, sent_at=timezone.now(), error=""
            )
            self.unmarked = None

    def finish(self) -> None:
        """After the waiting deliveries: try the deferred ones later, or mark the letter sent."""
        deliveries = Delivery.objects.filter(letter=self.letter)
        if deliveries.filter(status__in=[Delivery.Status.WAITING, Delivery.Status.SENDING]).exists():
            self.result.next_run = timezone.now()
            return
        deferred = deliveries.filter(status=Delivery.Status.DEFERRED)
        deferred.filter(attempts__gte=MAX_ATTEMPTS).update(status=Delivery.Status.FAILED)
        if deferred.update(status=Delivery.Status.WAITING):
            self.result.next_run = timezone.now() + datetime.timedelta(seconds=settings.NEWSLETTER_RELAY_RETRY_SECONDS)
            return
        with transaction.atomic():
            # Who received the letter is kept no longer than it takes to send
            # it: the counts stay, the link to each subscriber goes (refusals
            # keep theirs, repeated ones unsubscribe).
            deliveries.filter(status=Delivery.Status.SENT).update(subscriber=None)
            Letter.objects.filter(pk=self.letter.pk).update(status=Letter.Status.SENT, finished_at=timezone.now())
        self.result.finished = True


@contextlib.contextmanager
def commits_without_waiting_for_the_disk() -> Iterator[None]:
    """On PostgreSQL, the delivery marks of a run commit without waiting for
    the write-ahead log to reach the disk (two commits a mail halved the rate
    on a VM). A killed worker loses nothing (its commits are in the server);
    only a crash of the database server itself may lose its last fraction of
    a second, whose mails are then sent again with the same Message-ID: what
    SQLite's synchronous=NORMAL (settings) already accepts."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


def send_batch(letter_id: int, seconds: float | None = None) -> RunResult:
    """One run: send what waits for at most `seconds` (NEWSLETTER_BATCH_SECONDS)."""
    if not _take_lease(letter_id):
        letter = Letter.objects.filter(pk=letter_id).first()
        if letter is None or letter.status != Letter.Status.SENDING:
            return RunResult(finished=True)
        # Another run holds it, or a killed one did: try when its lease ends.
        return RunResult(next_run=letter.lease_until)
    letter = Letter.objects.prefetch_related("versions").get(pk=letter_id)
    # Counters of subscription attempts past their time go, even when nobody subscribes.
    Throttle.objects.filter(expires_at__lte=timezone.now()).delete()
    # What a stopped run left "being sent" is sent again (same Message-ID).
    Delivery.objects.filter(letter=letter, status=Delivery.Status.SENDING).update(status=Delivery.Status.WAITING)
    run = LetterRun(letter, settings.NEWSLETTER_BATCH_SECONDS if seconds is None else seconds)
    try:
        with commits_without_waiting_for_the_disk():
            run.send_all()
        run.finish()
        if letter.relay_problem:
            Letter.objects.filter(pk=letter_id).update(relay_problem="")
    except RelayUnavailable as problem:
        logger.warning("The mail relay is unavailable (%s): the letter %s waits", problem, letter_id)
        Letter.objects.filter(pk=letter_id).update(relay_problem=f"{timezone.now():%Y-%m-%d %H:%M} {problem}"[:300])
        run.result.next_run = timezone.now() + datetime.timedelta(seconds=settings.NEWSLETTER_RELAY_RETRY_SECONDS)
    finally:
        run.relay.close()
        Letter.objects.filter(pk=letter_id).update(lease_until=None)
    return run.result
