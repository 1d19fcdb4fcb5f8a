"""Background renders of tract and article PDFs (`manage.py db_worker` runs
them), and what every task shares: a time limit, and recovery from killed workers.

`manage.py db_worker` runs tasks one after another with no limit of its own;
a task stopped by SIGKILL (out of memory, a reboot) stays RUNNING for ever.
Our tasks stop themselves after TASK_TIME_LIMIT seconds, so a task marked as
running for longer than that has lost its worker and can be queued again.
"""

import logging
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.dispatch import receiver
from django.utils import timezone
from django_tasks import TaskResult, TaskResultStatus, task
from django_tasks.base import Task
from django_tasks.signals import task_finished, task_started

from publishing import files
from publishing.pdf import RenderFailed, retrying_time_outs, store

logger = logging.getLogger(__name__)


class TaskTimeLimitExceeded(Exception):
    """A background task ran longer than TASK_TIME_LIMIT."""


@contextmanager
def time_limit(seconds: int | None = None) -> Iterator[None]:
    """Interrupt the block after `seconds` (TASK_TIME_LIMIT by default).

    A signal alarm, so only in the main thread (where the worker runs tasks);
    elsewhere the block runs unlimited, each PDF render keeping its own limit.
    """
    seconds = seconds or settings.TASK_TIME_LIMIT
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise TaskTimeLimitExceeded(f"stopped after {seconds} s")

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def requeue_interrupted_tasks() -> int:
    """Put back in the queue the tasks whose worker died; returns how many."""
    from django_tasks_db.models import DBTaskResult

    # A minute of margin for the worker to record the end of a task.
    stale = timezone.now() - timedelta(seconds=settings.TASK_TIME_LIMIT + 60)
    return DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, started_at__lt=stale).update(
        status=TaskResultStatus.READY, started_at=None
    )


# Past this, a render still waiting means the worker is stopped or stuck.
WORKER_DELAY_WARNING = timedelta(minutes=3)


def worker_delay() -> timedelta | None:
    """How long the oldest task due has waited for a worker, when longer than
    WORKER_DELAY_WARNING (None otherwise, and with a queue other than the database's)."""
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult, get_date_max

    if not isinstance(render_pdfs.get_backend(), DatabaseBackend):
        return None
    now = timezone.now()
    late = now - WORKER_DELAY_WARNING
    never = get_date_max()  # the queue's "no time set"
    oldest = (
        DBTaskResult.objects.filter(status=TaskResultStatus.READY, enqueued_at__lt=late)
        .filter(Q(run_after=never) | Q(run_after__lt=late))
        .order_by("enqueued_at")
        .values_list("enqueued_at", "run_after")
        .first()
    )
    if oldest is None:
        return None
    enqueued_at, run_after = oldest
    return now - (enqueued_at if run_after == never else max(enqueued_at, run_after))


# What a shared link asks for first jumps the queue (the database queue runs
# higher priorities first; django_tasks' default is 0).
FIRST_RENDERS_PRIORITY = 50
# A publication scheduled for later is rendered again this long before its time.
RENDER_AHEAD = timedelta(minutes=5)

# A render that ran out of time (a loaded machine) is tried again this many
# times, after 1, 2, 4 and 8 minutes.
TIME_OUT_RETRIES = 4


def _try_again_later(retried: Task, attempt: int, *args) -> None:
    """Queue `retried` again after 1, 2, 4, 8 minutes (its last argument is the attempt)."""
    if attempt < TIME_OUT_RETRIES and retried.get_backend().supports_defer:
        run_after = timezone.now() + timedelta(minutes=2**attempt)
        retried.using(run_after=run_after).enqueue(*args, attempt + 1)


# The queued task this process is running, if any: db_worker runs one at a
# time, in its main thread, and tells django_tasks' signals when it starts
# and ends one.
_running_task: TaskResult | None = None


@receiver(task_started)
def _remember_running_task(sender, task_result: TaskResult, **kwargs) -> None:
    global _running_task
    _running_task = task_result


@receiver(task_finished)
def _forget_running_task(sender, task_result: TaskResult, **kwargs) -> None:
    global _running_task
    _running_task = None


def superseded(queued: Task, model_label: str, pk: int) -> bool:
    """True when the worker is running `queued` for this publication and a
    later save has queued it again (due now, not yet started): that task
    renders the newer text, so what is left of this one would only make
    files the save has already replaced. A direct call (`manage.py
    render_pdfs`, often run because the worker is down) is never superseded."""
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    running = _running_task
    if (
        running is None
        or running.enqueued_at is None
        or running.task.module_path != queued.module_path
        or list(running.args[:2]) != [model_label, pk]
        or not isinstance(queued.get_backend(), DatabaseBackend)
    ):
        return False
    return (
        DBTaskResult.objects.ready()
        .filter(task_path=queued.module_path, args_kwargs__args__0=model_label, args_kwargs__args__1=pk)
        .filter(enqueued_at__gt=running.enqueued_at)
        .exists()
    )


def _render_all(queued: Task, model_label: str, pk: int, which: str) -> tuple[int, int]:
    """Store the PDFs `publication.<which>()` lists; returns (made, timed out).
    One that fails is recorded (the admin shows it) and the others are made all the same.
    An organiser saving again and again queues a task per save: each stops
    as soon as a later one waits, and the last one renders the last text."""
    model = apps.get_model(model_label)
    made = timed_out = 0
    with time_limit(), retrying_time_outs():
        publication = model.objects.for_page().filter(pk=pk).first()
        for render in getattr(publication, which)() if publication else []:
            if superseded(queued, model_label, pk):
                logger.info("Renders of %s %s left to a later save's task", model_label, pk)
                break
            try:
                render()
            except RenderFailed as failure:
                timed_out += failure.reason == RenderFailed.TIME
                continue
            except OSError as error:
                if not files.is_disk_full(error):
                    raise
                # Nothing half-written was kept; the next save or download renders it.
                logger.error("Disk full: a PDF of %s %s was not stored", model_label, pk)
                continue
            made += 1
    return made, timed_out


@task()
def render_pdfs(model_label: str, pk: int, attempt: int = 0) -> int:
    """Store every PDF of a tract or an article (its `pdf_renders()`, the A5
    leaflets first); returns how many were made. One that ran out of time is tried again later."""
    made, timed_out = _render_all(render_pdfs, model_label, pk, "pdf_renders")
    if timed_out:
        _try_again_later(render_pdfs, attempt, model_label, pk)
    return made


@task(priority=FIRST_RENDERS_PRIORITY)
def render_first_pdfs(model_label: str, pk: int, attempt: int = 0) -> int:
    """Store what a shared link asks for first (`first_pdf_renders()`: a
    tract's A5 leaflets and their first-page pictures), ahead of other renders."""
    made, timed_out = _render_all(render_first_pdfs, model_label, pk, "first_pdf_renders")
    if timed_out:
        _try_again_later(render_first_pdfs, attempt, model_label, pk)
    return made


# A publication published "now" in the admin becomes public this much later,
# so that the worker stores its A5 and share picture first (render_first_pdfs
# is queued first, at a higher priority): a link shared at once never starts
# with a visitor waiting on a render.
PUBLISH_AFTER_FIRST_RENDERS = timedelta(seconds=20)
# An earlier time is a date given on purpose (an old tract put online), not "now".
PUBLISHED_NOW = timedelta(minutes=10)


def hold_until_first_renders(publication, was_public: bool) -> bool:
    """Set a publication this save makes public "now" to become public a few
    seconds later, when a worker is there to render it first; True when held."""
    from django_tasks_db.backend import DatabaseBackend

    now = timezone.now()
    published_now = (
        publication.status == publication.Status.PUBLISHED
        and publication.published_at is not None
        and now - PUBLISHED_NOW <= publication.published_at <= now
    )
    if was_public or not published_now or not isinstance(render_first_pdfs.get_backend(), DatabaseBackend):
        return False
    publication.published_at = now + PUBLISH_AFTER_FIRST_RENDERS
    return True


def schedule_pdf_renders(publication) -> None:
    """Queue the renders once the transaction that changed `publication` is
    committed: its A5 and share picture first, then the rest; and, for a
    publication scheduled for later, both again RENDER_AHEAD before its time,
    so that its files are stored (whatever changed since) when it becomes public."""
    label, pk = publication._meta.label, publication.pk
    ahead = None
    if publication.status == publication.Status.PUBLISHED and publication.published_at:
        ahead = publication.published_at - RENDER_AHEAD

    def enqueue() -> None:
        render_first_pdfs.enqueue(label, pk)
        render_pdfs.enqueue(label, pk)
        if ahead is not None and ahead > timezone.now() and render_pdfs.get_backend().supports_defer:
            render_first_pdfs.using(run_after=ahead).enqueue(label, pk)
            render_pdfs.using(run_after=ahead).enqueue(label, pk)

    transaction.on_commit(enqueue)


@task()
def render_pdf_file(
    fingerprint: str, kind: str, version_id: int, print_format: str, verso_id: int | None, attempt: int = 0
) -> bool:
    """Store the PDF with this fingerprint a visitor asked for (of the version
    `kind`/`version_id` in `print_format`), if it is still that version's
    current file; True when it is stored. One that ran out of time is tried
    again later, here, never by a web process."""
    source = store.PDFSource(kind, version_id, print_format, verso_id)
    with time_limit(), retrying_time_outs():
        owner = store.pdf_owners([source]).get(source)
        if owner is None or owner.current_fingerprint() != fingerprint:
            return False
        try:
            owner.ensure_stored()
        except RenderFailed as failure:
            if failure.reason == RenderFailed.TIME:
                _try_again_later(render_pdf_file, attempt, fingerprint, kind, version_id, print_format, verso_id)
            return False
    return True


def _waiting_file_renders() -> set[str]:
    """The fingerprints of the visitors' renders queued or running."""
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    backend = render_pdf_file.get_backend()
    waiting = (TaskResultStatus.READY, TaskResultStatus.RUNNING)
    if isinstance(backend, DatabaseBackend):
        rows = DBTaskResult.objects.filter(task_path=render_pdf_file.module_path, status__in=waiting)
        return {row["args"][0] for row in rows.values_list("args_kwargs", flat=True)}
    # The test queue keeps what it was given; the immediate one has run it already.
    results = getattr(backend, "results", [])
    return {r.args[0] for r in results if r.task.func is render_pdf_file.func and r.status in waiting}


def queue_pdf_render(fingerprint: str, source: store.PDFSource) -> bool:
    """Queue the render of a missing PDF a visitor asked for, once, and only
    while fewer than PDF_VISITOR_RENDERS_IN_FLIGHT wait; False when the queue
    is full (the visitor is asked to come back a little later all the same)."""
    waiting = _waiting_file_renders()
    if fingerprint in waiting:
        return True
    if len(waiting) >= settings.PDF_VISITOR_RENDERS_IN_FLIGHT:
        return False
    render_pdf_file.enqueue(fingerprint, source.kind, source.version_id, source.print_format, source.verso_id)
    return True


@task()
def delete_outdated_pdfs(model_label: str, pk: int, fingerprints: list[str]) -> int:
    """Delete the files among `fingerprints` that the publication no longer
    uses (all of them if it is gone); returns how many names were let go."""
    publication = apps.get_model(model_label).objects.for_page().filter(pk=pk).first()
    in_use = publication.pdf_fingerprints_in_use() if publication else set()
    outdated = set(fingerprints) - in_use
    store.delete_stored(outdated)
    return len(outdated)


def schedule_outdated_pdf_cleanup(publication, fingerprints: set[str]) -> None:
    """Once the edit is committed and PDF_OUTDATED_GRACE_SECONDS have passed,
    delete those of `fingerprints` (the files before the edit) it made outdated.
    They are no longer served from the moment of the edit (publishing.views)."""
    if not fingerprints or publication.pk is None:
        return
    label, pk, names = publication._meta.label, publication.pk, sorted(fingerprints)

    def enqueue() -> None:
        cleanup = delete_outdated_pdfs
        if cleanup.get_backend().supports_defer:
            run_after = timezone.now() + timedelta(seconds=settings.PDF_OUTDATED_GRACE_SECONDS)
            cleanup = cleanup.using(run_after=run_after)
        cleanup.enqueue(label, pk, names)

    transaction.on_commit(enqueue)
