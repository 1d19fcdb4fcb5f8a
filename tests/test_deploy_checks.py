"""`manage.py check --deploy` on the documented production environment, and
what it says when a volunteer forgets SITE_URL, the secret key or the legal footer."""

import secrets
from pathlib import Path

import pytest

from publishing import checks
from tests.test_settings import manage

ENV_FILE = Path(__file__).resolve().parent.parent / "deploy" / "collectif.env"


def documented_environment(tmp_path: Path) -> dict[str, str]:
    """deploy/collectif.env as an operator fills it, with a throw-away SQLite database."""
    env = {}
    for line in ENV_FILE.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, value = line.split("=", 1)
            env[name] = value.replace("CHANGE-", "changed-")
    env["SECRET_KEY"] = secrets.token_urlsafe(50)  # as the file's comment says
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    env["MEDIA_ROOT"] = str(tmp_path / "media")
    env["STATIC_ROOT"] = str(tmp_path / "static")
    return env


@pytest.mark.slow
def test_deploy_check_passes_on_the_documented_environment_once_the_footer_is_set(tmp_path):
    env = documented_environment(tmp_path)
    assert manage("migrate", "-v0", **env).returncode == 0

    before = manage("check", "--deploy", "--fail-level", "WARNING", **env)
    assert before.returncode != 0
    assert "collectif.W001" in before.stderr + before.stdout

    set_footer = (
        "from publishing.models import SiteSettings; s = SiteSettings.load(); "
        "s.issuer = 'Collectif Exemple, 1 rue Réelle, 69000 Lyon'; s.save()"
    )
    assert manage("shell", "-c", set_footer, **env).returncode == 0
    after = manage("check", "--deploy", "--fail-level", "WARNING", **env)
    assert after.returncode == 0, after.stderr
    assert "no issues" in after.stdout


def test_deploy_check_fails_without_site_url(tmp_path):
    env = documented_environment(tmp_path)
    del env["SITE_URL"]
    result = manage("check", "--deploy", **env)
    assert result.returncode != 0
    assert "collectif.E001" in result.stderr
    assert "http://127.0.0.1:8000" in result.stderr


def test_deploy_check_fails_on_the_placeholder_secret_key(tmp_path):
    env = documented_environment(tmp_path)
    placeholder = next(line for line in ENV_FILE.read_text().splitlines() if line.startswith("SECRET_KEY="))
    env["SECRET_KEY"] = placeholder.removeprefix("SECRET_KEY=")
    result = manage("check", "--deploy", **env)
    assert result.returncode != 0
    assert "collectif.E002" in result.stderr
    assert "no issues" not in result.stdout


@pytest.mark.parametrize(
    "key",
    [
        "CHANGE-this-to-a-long-random-string-of-fifty-characters-or-more",
        "insecure-development-key-never-use-in-production-0123456789abcdef",
        "django-insecure-0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefgh",
        "a-short-key-0123456789",
        "x" * 60,
    ],
)
def test_placeholder_development_and_short_secret_keys_are_errors(settings, key):
    settings.DEBUG = False
    settings.SECRET_KEY = key
    assert [message.id for message in checks.check_secret_key(None)] == ["collectif.E002"]


def test_a_drawn_secret_key_passes(settings):
    settings.DEBUG = False
    settings.SECRET_KEY = secrets.token_urlsafe(50)
    assert checks.check_secret_key(None) == []


@pytest.mark.parametrize(
    "site_url", ["", "http://127.0.0.1:8000", "http://localhost", "https://[::1]/", "http://0.0.0.0:8000", "example"]
)
def test_a_missing_or_loopback_site_url_is_an_error(settings, site_url):
    settings.DEBUG = False
    settings.SITE_URL = site_url
    assert [message.id for message in checks.check_site_url(None)] == ["collectif.E001"]


def test_a_public_site_url_passes_and_plain_http_is_a_warning(settings):
    settings.DEBUG = False
    settings.SITE_URL = "https://collectif.example.org"
    assert checks.check_site_url(None) == []
    settings.SITE_URL = "http://collectif.example.org"
    assert [message.id for message in checks.check_site_url(None)] == ["collectif.W002"]


def test_site_url_is_not_checked_on_a_laptop(settings):
    settings.DEBUG = True
    settings.SITE_URL = "http://127.0.0.1:8000"
    assert checks.check_site_url(None) == []


@pytest.mark.django_db
def test_the_sample_legal_footer_is_a_warning():
    from publishing.models import SiteSettings

    assert [message.id for message in checks.check_legal_footer(None)] == ["collectif.W001"]
    site_settings = SiteSettings.load()
    site_settings.issuer = "Collectif Exemple, 1 rue Réelle, 69000 Lyon"
    site_settings.save()
    assert checks.check_legal_footer(None) == []
