"""The background worker, made to fail loudly and recover on its own.

django-tasks-db's worker stops for good on an error it does not expect (a
locked SQLite database while claiming a task killed its thread and left the
process alive doing nothing), marks a task failed when the database was
merely busy, and leaves the task of a killed worker RUNNING for ever. This
worker, run by `manage.py db_worker`:
- waits and tries again while the database is locked or unreachable, saying
  so in its log; after WORKER_DATABASE_PATIENCE seconds of that, it exits;
- exits with a non-zero status on any other error, for whatever runs it
  (`make run`'s loop, systemd's Restart=) to start it again;
- puts a task back in the queue, with a growing delay, when it failed on the
  database rather than on its own content;
- holds a lock for as long as it lives, so that a worker starting on the same
  machine tells the tasks of a dead worker from those of a live one, and
  queues the former again at once, whatever their age.
"""

import fcntl
import logging
import os
import socket
import time
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import close_old_connections, connections
from django.db.utils import InterfaceError, OperationalError
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker as QueueWorker
from django_tasks_db.models import DBTaskResult

from publishing.pdf.store import LOCK_DIR

logger = logging.getLogger(__name__)

# Errors that say the database is busy or away, not that a task is wrong.
DATABASE_TROUBLE = (OperationalError, InterfaceError)

# A task that failed on the database is tried again this many times.
MAX_DATABASE_RETRIES = 5


def machine_worker_id() -> str:
    """A worker id that names this machine and process (at most 64 characters)."""
    return f"{socket.gethostname()[:30]}-{os.getpid()}-{get_random_string(8)}"


def _lock_path(worker_id: str) -> Path:
    return LOCK_DIR / f"worker-{worker_id}.lock"


def hold_worker_lock(worker_id: str):
    """Take the lock that says `worker_id` is alive; it lasts as long as the returned file is open."""
    LOCK_DIR.mkdir(parents=True, exist_ok=True)
    lock_file = open(_lock_path(worker_id), "w")  # noqa: SIM115 (kept open for the process's life)
    fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return lock_file


def worker_is_alive(worker_id: str) -> bool:
    """Whether the worker `worker_id` of this machine still holds its lock."""
    path = _lock_path(worker_id)
    if not path.exists():
        return False
    with open(path) as lock_file:
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(lock_file, fcntl.LOCK_UN)
    path.unlink(missing_ok=True)
    return False


def requeue_tasks_of_dead_workers(also: str = "") -> int:
    """Queue again the tasks left RUNNING by workers of this machine that are gone
    (and by the worker `also`, which knows it runs none); returns how many."""
    prefix = f"{socket.gethostname()[:30]}-"

    def abandoned(worker_id: str) -> bool:
        return worker_id == also or (worker_id.startswith(prefix) and not worker_is_alive(worker_id))

    dead = [
        task.pk
        for task in DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).only("pk", "worker_ids")
        if task.worker_ids and abandoned(task.worker_ids[-1])
    ]
    return DBTaskResult.objects.filter(pk__in=dead, status=TaskResultStatus.RUNNING).update(
        status=TaskResultStatus.READY, started_at=None
    )


def database_retry_delay(attempt: int) -> timedelta:
    """How long a task that failed on the database waits before its next try (30 s, 1, 2, 4, 8 min)."""
    return timedelta(seconds=30 * 2 ** (attempt - 1))


class Worker(QueueWorker):
    def run(self) -> None:
        lock = hold_worker_lock(self.worker_id)
        trouble_since = None
        try:
            while self.running:
                try:
                    # After trouble, a task this worker had claimed is its own to run again.
                    requeued = requeue_tasks_of_dead_workers(also=self.worker_id if trouble_since else "")
                    if requeued:
                        logger.warning("Queued again %d task(s) of a worker that stopped", requeued)
                    super().run()
                    return
                except DATABASE_TROUBLE as error:
                    trouble_since = trouble_since or time.monotonic()
                    waited = time.monotonic() - trouble_since
                    if waited > settings.WORKER_DATABASE_PATIENCE:
                        logger.error("The database has been unusable for %d s: the worker stops", waited)
                        raise
                    delay = min(30, 1 + waited / 2)
                    logger.warning("Database unusable (%s): the worker tries again in %.0f s", error, delay)
                    self._forget_connections()
                    time.sleep(delay)
        finally:
            lock.close()

    def run_task(self, db_task_result: DBTaskResult) -> None:
        super().run_task(db_task_result)
        if db_task_result.status != TaskResultStatus.FAILED:
            return
        failed_on = db_task_result.exception_class_path
        attempts = len(db_task_result.worker_ids)
        if failed_on.rsplit(".", 1)[-1] in {"OperationalError", "InterfaceError"} and attempts <= MAX_DATABASE_RETRIES:
            run_after = timezone.now() + database_retry_delay(attempts)
            logger.warning("Task %s failed on the database: tried again after %s", db_task_result.pk, run_after)
            DBTaskResult.objects.filter(pk=db_task_result.pk).update(
                status=TaskResultStatus.READY, started_at=None, finished_at=None, run_after=run_after
            )

    def _forget_connections(self) -> None:
        for connection in connections.all(initialized_only=True):
            try:
                connection.close()
            except DATABASE_TROUBLE:
                connection.connection = None
        close_old_connections()
