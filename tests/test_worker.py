"""The background worker (`manage.py db_worker`, `make worker`): it never dies
unseen, comes back when it stops, and redoes what a stopped worker left."""

import datetime
import os
import signal
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import pytest
from django.db import OperationalError, connection
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from publishing import pdf
from publishing.models import PDFRenderFailure
from publishing.pdf import sandbox, store
from publishing.tasks import render_pdfs
from publishing.worker import MAX_DATABASE_RETRIES, machine_worker_id, requeue_tasks_of_dead_workers
from tracts.models import TractPDF
from tracts.printing import PRINT_FORMATS

from .helpers import a_worker, run_once, wait_for, worker_environment

pytestmark = pytest.mark.database_engine

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def database_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def worker_pids(group: int) -> list[int]:
    """The Python worker processes of a process group (not the shell looping around them)."""
    found = subprocess.run(
        ["pgrep", "-g", str(group), "-f", "^[^ ]*python[^ ]* manage.py db_worker"], capture_output=True, text=True
    )
    pids = [int(pid) for pid in found.stdout.split()]
    # Render children run the same command line: only their parent is the worker.
    return [pid for pid in pids if parent_of(pid) not in pids]


def parent_of(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_make_worker_starts_a_killed_worker_again_and_the_render_completes(make_tract, database_queue, tmp_path):
    tract = make_tract("relance", {"fr": {}, "en": {}})
    result = render_pdfs.enqueue("tracts.Tract", tract.pk)
    loop = subprocess.Popen(
        ["make", "--no-print-directory", "-s", "worker"],
        cwd=ROOT,
        env=worker_environment(tmp_path / "media"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        wait_for(
            lambda: DBTaskResult.objects.get(pk=result.id).status == TaskResultStatus.RUNNING, 60, "the task to start"
        )
        (first,) = worker_pids(loop.pid)
        os.kill(first, signal.SIGKILL)  # as the kernel's out-of-memory killer would
        wait_for(lambda: worker_pids(loop.pid) not in ([], [first]), 30, "a new worker")
        wait_for(
            lambda: DBTaskResult.objects.get(pk=result.id).status == TaskResultStatus.SUCCESSFUL,
            120,
            "the interrupted render to complete",
        )
    finally:
        os.killpg(loop.pid, signal.SIGTERM)
        _, errors = loop.communicate(timeout=30)
    assert "The PDF worker stopped (exit status 137): starting it again" in errors
    assert "Queued again 1 task(s) of a worker that stopped" in errors
    assert TractPDF.objects.filter(version__tract=tract).count() == 2 * len(PRINT_FORMATS)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's whole-file lock")
@pytest.mark.django_db(transaction=True)
def test_the_worker_waits_out_a_locked_database(make_tract, database_queue, tmp_path):
    tract = make_tract("verrou", {"fr": {}})
    worker = subprocess.Popen(
        [".venv/bin/python", "manage.py", "db_worker", "--interval", "0.2", "--no-startup-delay"],
        cwd=ROOT,
        env=worker_environment(tmp_path / "media"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(worker.stdout), daemon=True)
    reader.start()
    try:
        # Locked once the worker polls (it starts slowly on a busy machine).
        wait_for(lambda: any("Starting worker" in line for line in lines), 60, "the worker to start")
        # Longer than the 5 s busy timeout: the queue cannot be read.
        blocker = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
        blocker.execute("BEGIN EXCLUSIVE")
        time.sleep(8)
        assert worker.poll() is None, "the worker died on a locked database"
        blocker.execute("ROLLBACK")
        blocker.close()
        result = render_pdfs.enqueue("tracts.Tract", tract.pk)
        wait_for(lambda: DBTaskResult.objects.get(pk=result.id).status == TaskResultStatus.SUCCESSFUL, 90, "the render")
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)
        reader.join(10)
    assert "Database unusable (database is locked): the worker tries again" in "".join(lines)


@task()
def fails_on_the_database() -> None:
    raise OperationalError("database is locked")


@task()
def fails_on_its_content() -> None:
    raise ValueError("a bad tract")


@pytest.mark.django_db
def test_a_task_that_failed_on_the_database_is_tried_again_later(database_queue):
    result = fails_on_the_database.enqueue()
    before = timezone.now()
    for attempt in range(1, MAX_DATABASE_RETRIES + 1):
        stored = run_once(result.id)
        assert stored.status == TaskResultStatus.READY
        assert stored.run_after >= before + datetime.timedelta(seconds=30 * 2 ** (attempt - 1))
    assert run_once(result.id).status == TaskResultStatus.FAILED  # not for ever


@pytest.mark.django_db
def test_a_task_that_failed_on_its_content_stays_failed(database_queue):
    result = fails_on_its_content.enqueue()
    assert run_once(result.id).status == TaskResultStatus.FAILED


@pytest.mark.django_db
def test_only_tasks_of_dead_workers_are_queued_again(database_queue):
    alive_id = machine_worker_id()
    alive = a_worker(alive_id)
    from publishing.worker import hold_worker_lock

    lock = hold_worker_lock(alive.worker_id)
    try:
        running, orphan = fails_on_its_content.enqueue(), fails_on_its_content.enqueue()
        DBTaskResult.objects.get(pk=running.id).claim(alive_id)
        DBTaskResult.objects.get(pk=orphan.id).claim(machine_worker_id())  # a worker that never took its lock
        assert requeue_tasks_of_dead_workers() == 1
        assert DBTaskResult.objects.get(pk=orphan.id).status == TaskResultStatus.READY
        assert DBTaskResult.objects.get(pk=running.id).status == TaskResultStatus.RUNNING
    finally:
        lock.close()


@pytest.mark.django_db
def test_a_render_that_ran_out_of_time_is_tried_again_by_the_worker(make_tract, database_queue, settings, monkeypatch):
    tract = make_tract("lent", {"fr": {}})

    def too_slow(render):
        raise pdf.RenderFailed(pdf.RenderFailed.TIME)

    monkeypatch.setattr(sandbox, "render_in_child", too_slow)
    assert render_pdfs.call("tracts.Tract", tract.pk) == 0
    retry = DBTaskResult.objects.get(status=TaskResultStatus.READY)
    assert retry.args_kwargs["args"] == ["tracts.Tract", tract.pk, 1]
    assert retry.run_after > timezone.now() + datetime.timedelta(seconds=50)
    failure = PDFRenderFailure.objects.first()
    assert failure.reason == pdf.RenderFailed.TIME
    # Visitors are answered from the record; the worker tries again.
    assert store.recent_failure(failure.fingerprint) is not None
    with pdf.retrying_time_outs():
        assert store.recent_failure(failure.fingerprint) is None

    monkeypatch.undo()
    assert render_pdfs.call("tracts.Tract", tract.pk, 1) == len(PRINT_FORMATS)
