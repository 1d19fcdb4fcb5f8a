import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.urls import reverse

from collectif.security import client_ip

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-organiser-passphrase"


@pytest.fixture
def organiser():
    return get_user_model().objects.create_user("organiser", password=PASSWORD, is_staff=True)


def login(client, password: str, address: str = "203.0.113.7"):
    return client.post(
        reverse("admin:login"),
        {"username": "organiser", "password": password, "next": reverse("admin:index")},
        REMOTE_ADDR=address,
        HTTP_ACCEPT_LANGUAGE="en",
    )


def test_organiser_logs_in(client, organiser):
    response = login(client, PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")


def test_repeated_wrong_passwords_lock_the_address_out(client, organiser, settings):
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(client, "wrong-guess").status_code == 200
    assert login(client, "wrong-guess").status_code == 429

    locked = login(client, PASSWORD)
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.content.decode()

    # Another address is not punished for the attacker's guesses.
    assert login(client, PASSWORD, address="198.51.100.4").status_code == 302


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
