"""Settings for the test suite (pytest picks them, see pyproject.toml).

The site's settings, plus what only tests want: a fast password hasher,
tasks run as soon as they are queued, and a test database of their own.
"""

from collectif.settings import *  # noqa: F403
from collectif.settings import BASE_DIR, DATABASES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# A queued render runs at once (in tests, queued only when a transaction
# really commits); tests that look at the queue itself use `task_queue`.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file rather than memory: an in-memory database shared between
    # threads locks whole tables, and the live-server tests download
    # concurrently. The folder is made by tests/conftest.py.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "var" / "test.sqlite3")}
