"""What every background task shares: a time limit, and recovery from killed workers.

`manage.py db_worker` runs tasks one after another with no limit of its own;
a task stopped by SIGKILL (out of memory, a reboot) stays RUNNING for ever.
Our tasks stop themselves after TASK_TIME_LIMIT seconds, so a task marked as
running for longer than that has lost its worker and can be queued again.
"""

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import TaskResultStatus, task


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


LOGIN_PURGE_INTERVAL = timedelta(hours=1)


@task()
def purge_login_records() -> int:
    """Delete expired failed-login records, then queue the next purge an hour later."""
    from collectif.security import purge_expired_login_records

    with time_limit():
        count = purge_expired_login_records()
    schedule_login_purge()
    return count


def schedule_login_purge() -> bool:
    """Queue the next hourly purge unless one is waiting (with the database queue only)."""
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    if not isinstance(purge_login_records.get_backend(), DatabaseBackend):
        return False
    waiting = DBTaskResult.objects.filter(task_path=purge_login_records.module_path, status=TaskResultStatus.READY)
    if waiting.exists():
        return False
    purge_login_records.using(run_after=timezone.now() + LOGIN_PURGE_INTERVAL).enqueue()
    return True
