"""SQLite as a server database: a web server's threads, render children forked
from them and the worker share one file without errors or lost writes."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from publishing.pdf import RenderFailed
from publishing.pdf.sandbox import render_in_child
from tracts.models import Tract

pytestmark = pytest.mark.database_engine

ROOT = Path(__file__).resolve().parent.parent

# One thread writes in transactions (as an admin save does) while another
# forks render children that collect garbage (as a WeasyPrint render does).
# With the rollback journal, a child that finalised the writing thread's
# connection rolled the parent's transaction back on disk and deleted its
# journal: the parent's COMMIT then failed with "disk I/O error".
FORK_DURING_TRANSACTIONS = """
import gc, os, sys, threading, time
import django
django.setup()
from django.conf import settings
settings.DATABASES["default"]["OPTIONS"]["init_command"] = "PRAGMA journal_mode=DELETE;"
from django.db import connection, transaction
from publishing.pdf import sandbox

with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE IF NOT EXISTS note (id INTEGER PRIMARY KEY, body TEXT)")
    cursor.execute("PRAGMA journal_mode")
    print("journal", cursor.fetchone()[0])
errors, saved = [], [0]
stop = time.monotonic() + float(sys.argv[1])

def write():
    while time.monotonic() < stop:
        try:
            # No cursor kept in this frame: only the thread's own storage
            # holds its connection, as in a request handled by a server.
            with transaction.atomic():
                connection.cursor().execute("INSERT INTO note (body) VALUES (%s)", ["x" * 5000])
                time.sleep(0.01)
            saved[0] += 1
        except Exception as error:
            errors.append(repr(error))
    connection.close()

def fork():
    while time.monotonic() < stop:
        render_in_child(gc.collect)

threads = [threading.Thread(target=write), threading.Thread(target=fork)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
with connection.cursor() as cursor:
    cursor.execute("SELECT count(*) FROM note")
    print("saved", saved[0], "stored", cursor.fetchone()[0], "errors", len(errors), errors[:3])
"""


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's locking and journal")
def test_render_children_forked_during_transactions_leave_them_whole(tmp_path):
    database = tmp_path / "fork.sqlite3"
    env = os.environ | {"DATABASE_URL": f"sqlite:///{database}", "DJANGO_SETTINGS_MODULE": "tests.settings"}
    result = subprocess.run(
        [sys.executable, "-c", FORK_DURING_TRANSACTIONS, "6"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    lines = dict(line.split(" ", 1) for line in result.stdout.splitlines())
    assert lines["journal"] == "delete"
    saved, _, stored, _, errors, *rest = lines["saved"].split(" ", 5)
    assert int(saved) > 50
    assert errors == "0", rest
    assert int(stored) == int(saved)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's settings")
def test_sqlite_is_set_up_for_a_server_and_a_worker(db):
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] >= 5000
    assert settings.DATABASES["default"]["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_a_render_child_may_not_use_the_database(db):
    with pytest.raises(RenderFailed) as failure:
        render_in_child(lambda: Tract.objects.count())
    assert "DatabaseUsedInRender" in failure.value.detail
    # The parent's connection is unharmed.
    assert Tract.objects.count() == 0
