import datetime
import io
import logging

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.security import client_ip

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-organiser-passphrase"


@pytest.fixture
def organiser():
    return staff_account("organiser")


def staff_account(username: str):
    """A staff account with its second factor (without one, a password is refused)."""
    user = get_user_model().objects.create_user(username, password=PASSWORD, is_staff=True)
    TOTPDevice.objects.create(user=user, name="authenticator app", confirmed=True)
    return user


@pytest.fixture(autouse=True)
def waits(monkeypatch) -> list[float]:
    """The seconds logins were made to wait (recorded, not slept)."""
    recorded = []
    monkeypatch.setattr("accounts.security.time.sleep", recorded.append)
    return recorded


USER_AGENT = "Mozilla/5.0 (SecretPhone 12; Android 15) Firefox/140.0"


def login(client, password: str, address: str = "203.0.113.7", username: str = "organiser"):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": reverse("admin:index")},
        REMOTE_ADDR=address,
        HTTP_ACCEPT_LANGUAGE="en",
        HTTP_USER_AGENT=USER_AGENT,
    )


def test_organiser_logs_in(client, organiser):
    response = login(client, PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")


def test_repeated_wrong_passwords_lock_the_address_out_of_the_account(client, organiser, settings):
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(client, "wrong-guess").status_code == 200
    assert login(client, "wrong-guess").status_code == 429

    locked = login(client, PASSWORD)
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.content.decode()
    # Refused during the lockout, the right password is not recorded as a failure.
    assert AccessAttempt.objects.get().failures_since_start == settings.AXES_FAILURE_LIMIT

    # The same address on another account, or the account from another address, are not punished.
    staff_account("colleague")
    assert login(client, PASSWORD, username="colleague").status_code == 302
    client.logout()
    assert login(client, PASSWORD, address="198.51.100.4").status_code == 302


def test_an_address_guessing_on_many_accounts_is_locked_out_of_all(client, organiser, settings):
    # Each name tried once, far under the limit of one account, up to the address's limit.
    names = [f"guess{number}" for number in range(settings.LOGIN_ADDRESS_FAILURE_LIMIT)]
    for name in names[:-1]:
        assert login(client, "wrong-guess", username=name).status_code == 200
    assert login(client, "wrong-guess", username=names[-1]).status_code == 429
    assert login(client, PASSWORD).status_code == 429
    assert login(client, PASSWORD, address="198.51.100.4").status_code == 302


def test_guesses_on_one_account_from_many_addresses_only_slow_it_down(client, organiser, settings, waits):
    # A botnet, or the many addresses of one IPv6 /64: each address fails once.
    for number in range(settings.LOGIN_ACCOUNT_SLOWDOWN_AFTER):
        assert login(client, "wrong-guess", address=f"2001:db8::{number + 1}").status_code == 200
    assert waits == []
    for number in range(4):
        login(client, "wrong-guess", address=f"2001:db8::{number + 100}")
    assert waits == [1, 2, 4, settings.LOGIN_ACCOUNT_SLOWDOWN_MAX]  # growing, up to a few seconds

    # The organiser, from their own address, still gets in: after the same wait as a guess.
    assert login(client, PASSWORD, address="198.51.100.4").status_code == 302
    assert waits[-1] == settings.LOGIN_ACCOUNT_SLOWDOWN_MAX
    # Other accounts do not wait.
    staff_account("colleague")
    client.logout()
    assert login(client, PASSWORD, address="198.51.100.5", username="colleague").status_code == 302
    assert len(waits) == 5


def test_login_records_keep_no_user_agent_nor_clear_user_name(client, organiser, caplog):
    with caplog.at_level(logging.INFO):
        for _attempt in range(2):
            login(client, "wrong-guess")
        login(client, "wrong-guess", username="Organiser ")  # the same account, typed differently
    attempts = list(AccessAttempt.objects.all())
    assert len(attempts) == 1
    attempt = attempts[0]
    assert attempt.failures_since_start == 3
    assert attempt.user_agent == "" and attempt.http_accept == ""
    row = " ".join(str(value) for value in AccessAttempt.objects.values().get().values())
    assert "organiser" not in row.lower() and "SecretPhone" not in row
    assert len(attempt.username) == 32
    assert "SecretPhone" not in caplog.text and "organiser" not in caplog.text.lower()


def failed_login_record(username: str, address: str, failures: int, hours_ago: float = 0) -> AccessAttempt:
    """A record as django-axes keeps it (user name already a digest, no user agent)."""
    record = AccessAttempt.objects.create(
        username=username,
        ip_address=address,
        user_agent="",
        failures_since_start=failures,
        get_data="",
        post_data="",
        http_accept="",
        path_info="/admin/login/",
    )
    if hours_ago:
        AccessAttempt.objects.filter(pk=record.pk).update(
            attempt_time=timezone.now() - datetime.timedelta(hours=hours_ago)
        )
    return record


def test_records_past_their_cool_off_are_purged(organiser, settings):
    failed_login_record("a" * 32, "203.0.113.7", failures=5, hours_ago=2)
    recent = failed_login_record("b" * 32, "203.0.113.8", failures=1)
    out = io.StringIO()
    call_command("purge_login_records", stdout=out)
    assert "1 expired login record(s) deleted." in out.getvalue()
    assert list(AccessAttempt.objects.values_list("pk", flat=True)) == [recent.pk]


def test_short_passwords_are_refused():
    with pytest.raises(ValidationError):
        validate_password("Abcdef12!")


@pytest.mark.parametrize(
    "proxies, forwarded, remote, expected",
    [
        (0, "1.1.1.1", "10.0.0.1", "10.0.0.1"),
        (1, "6.6.6.6, 203.0.113.9", "10.0.0.1", "203.0.113.9"),
        (1, "", "10.0.0.1", "10.0.0.1"),
        (2, "6.6.6.6, 203.0.113.9, 10.0.0.2", "10.0.0.1", "203.0.113.9"),
    ],
)
def test_client_ip_trusts_only_our_proxies(settings, proxies, forwarded, remote, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR=remote)
    assert client_ip(request) == expected


def test_the_purge_runs_again_every_hour_in_the_worker(settings):
    from django_tasks_db.models import DBTaskResult

    from accounts.tasks import purge_login_records, schedule_login_purge

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    call_command("purge_login_records", stdout=io.StringIO())
    assert schedule_login_purge() is False  # one is already waiting
    queued = DBTaskResult.objects.get(task_path=purge_login_records.module_path)
    assert queued.run_after > timezone.now() + datetime.timedelta(minutes=55)
