import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.database_engine

PROJECT = Path(__file__).resolve().parent.parent


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        # The site's own settings, not the test suite's.
        env={
            **{k: v for k, v in os.environ.items() if k not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_SETTINGS_MODULE"}},
            **env,
        },
        check=False,
    )


def test_deploy_check_is_clean_with_production_values(tmp_path):
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY="a-long-random-production-secret-key-0123456789-abcdefghijklmnop",
        ALLOWED_HOSTS="collectif.example.org",
        SITE_URL="https://collectif.example.org",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = manage("check", DEBUG="0", SECRET_KEY="")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_database_url_selects_the_database(tmp_path):
    result = manage(
        "shell",
        "-c",
        "from django.db import connection; print(connection.vendor, connection.settings_dict['NAME'])",
        DATABASE_URL=f"sqlite:///{tmp_path / 'other.sqlite3'}",
    )
    assert result.stdout.strip().splitlines()[-1] == f"sqlite {tmp_path / 'other.sqlite3'}"


def test_the_site_settings_leave_the_test_database_to_the_tests():
    code = "from django.conf import settings; print(settings.DATABASES['default']['TEST']['NAME'])"
    result = manage("shell", "-c", code)
    assert result.stdout.strip().splitlines()[-1] == "None"


def test_tests_hash_passwords_fast_and_run_tasks_at_once(settings):
    assert settings.PASSWORD_HASHERS == ["django.contrib.auth.hashers.MD5PasswordHasher"]
    assert settings.TASKS["default"]["BACKEND"] == "django_tasks.backends.immediate.ImmediateBackend"


def test_right_to_left_languages_come_from_django():
    from publishing.languages import text_direction

    assert [text_direction(code) for code in ("ar", "fr", "he", "fa", "ar-dz")] == ["rtl", "ltr", "rtl", "rtl", "rtl"]


def test_the_site_installs_without_the_test_and_lint_tools():
    def names(path: Path) -> set[str]:
        lines = path.read_text().splitlines()
        return {line.split("==")[0].split("[")[0].strip().lower() for line in lines if "==" in line}

    runtime, development = names(PROJECT / "requirements.txt"), names(PROJECT / "requirements-dev.txt")
    assert "django" in runtime and "weasyprint" in runtime
    assert not runtime & {"pytest", "pytest-django", "playwright", "ruff", "djhtml", "django-upgrade", "pre-commit"}
    assert {"pytest", "playwright", "ruff"} <= development
    assert "-r requirements.txt" in (PROJECT / "requirements-dev.txt").read_text().splitlines()
