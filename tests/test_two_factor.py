"""A second factor for every staff account: enrolment, the second step, recovery codes, lockout."""

import json
import re

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-organiser-passphrase"
ADDRESS = "203.0.113.7"


@pytest.fixture(autouse=True)
def no_throttling(settings):
    # django-otp also slows down guesses per device; these tests look at django-axes.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


@pytest.fixture
def organiser():
    return get_user_model().objects.create_user("organiser", password=PASSWORD, is_staff=True, is_superuser=True)


def log_in(client, password: str = PASSWORD):
    return client.post(
        reverse("admin:login"),
        {"username": "organiser", "password": password, "next": reverse("admin:index")},
        REMOTE_ADDR=ADDRESS,
    )


def second_step(client, code: str, next_url: str = "/admin/"):
    return client.post(reverse("second_factor_verify"), {"code": code, "next": next_url}, REMOTE_ADDR=ADDRESS)


def current_code(device: TOTPDevice) -> str:
    return str(TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()).zfill(device.digits)


def app_of(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="authenticator app", confirmed=True)


def test_staff_without_a_second_factor_are_sent_to_enrolment(client, organiser):
    assert log_in(client).status_code == 302
    for path in (reverse("admin:index"), reverse("admin:tracts_tract_changelist")):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('second_factor_setup')}?next={path}"
    page = client.get(reverse("second_factor_setup"), headers={"Accept-Language": "en"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "needs a second factor" in html
    assert "<svg" in html  # the QR code
    assert 'id="passkey-registration-placeholder"' in html


def test_enrolment_with_an_authenticator_app_then_recovery_codes(client, organiser):
    log_in(client)
    client.get(reverse("second_factor_setup"))
    app = TOTPDevice.objects.get(user=organiser, confirmed=False)
    setup_url = reverse("second_factor_setup")

    wrong = client.post(setup_url, {"action": "app", "code": "000000", "next": "/admin/"}, REMOTE_ADDR=ADDRESS)
    assert wrong.status_code == 200 and not TOTPDevice.objects.filter(confirmed=True).exists()

    response = client.post(setup_url, {"action": "app", "code": current_code(app), "next": "/admin/"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("second_factor_recovery_codes"))
    app.refresh_from_db()
    assert app.confirmed

    codes_page = client.get(response["Location"]).content.decode()
    codes = re.findall(r"<li><code>(\w+)</code></li>", codes_page)
    assert len(codes) == 10
    assert set(codes) == set(StaticToken.objects.filter(device__user=organiser).values_list("token", flat=True))
    # Shown once only.
    assert client.get(reverse("second_factor_recovery_codes")).status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


def test_login_with_an_authenticator_app(client, organiser):
    app = app_of(organiser)
    log_in(client)
    response = client.get(reverse("admin:tracts_tract_changelist"))
    assert response["Location"].startswith(reverse("second_factor_verify"))

    refused = second_step(client, "123456")
    assert refused.status_code == 200
    assert client.get(reverse("admin:index")).status_code == 302

    accepted = second_step(client, current_code(app), next_url=reverse("admin:tracts_tract_changelist"))
    assert accepted.status_code == 302
    assert accepted["Location"] == reverse("admin:tracts_tract_changelist")
    assert client.get(reverse("admin:index")).status_code == 200


def test_a_recovery_code_works_once(client, organiser):
    app_of(organiser)
    device = StaticDevice.objects.create(user=organiser, name="recovery codes")
    device.token_set.create(token="k3y5a7ew")

    log_in(client)
    assert second_step(client, "K3Y5 A7EW").status_code == 302  # case and spaces do not matter
    assert client.get(reverse("admin:index")).status_code == 200

    client.logout()
    log_in(client)
    reused = second_step(client, "k3y5a7ew")
    assert reused.status_code == 200
    assert client.get(reverse("admin:index")).status_code == 302


def test_failures_of_both_steps_count_towards_the_lockout(client, organiser, settings):
    app = app_of(organiser)
    for _attempt in range(2):
        assert log_in(client, "wrong-guess").status_code == 200
    assert log_in(client).status_code == 302  # a right password forgives nothing
    assert AccessAttempt.objects.get().failures_since_start == 2

    for _attempt in range(settings.AXES_FAILURE_LIMIT - 3):
        assert second_step(client, "000000").status_code == 200
    locked = second_step(client, "000000")
    assert locked.status_code == 429
    # Locked out: even the right code, or the right password, no longer open the door.
    assert second_step(client, current_code(app)).status_code == 429
    assert client.get(reverse("admin:index")).status_code == 302
    client.logout()
    assert log_in(client).status_code == 429


def test_both_steps_passed_forgive_earlier_failures(client, organiser):
    app = app_of(organiser)
    log_in(client, "wrong-guess")
    log_in(client)
    assert AccessAttempt.objects.exists()
    assert second_step(client, current_code(app)).status_code == 302
    assert not AccessAttempt.objects.exists()


def test_a_factor_cannot_be_added_with_the_password_alone(client, organiser):
    app_of(organiser)
    log_in(client)
    response = client.get(reverse("second_factor_setup"))
    assert response["Location"].startswith(reverse("second_factor_verify"))
    response = client.post(reverse("second_factor_setup"), {"action": "codes"})
    assert response["Location"].startswith(reverse("second_factor_verify"))
    assert not StaticDevice.objects.exists()
    begin = client.post(reverse("otp_webauthn:credential-registration-begin"))
    assert begin.status_code == 403


def test_passkey_scripts_are_static_files_allowed_by_the_policy(client, organiser):
    log_in(client)
    response = client.get(reverse("second_factor_setup"))
    html = response.content.decode()
    assert '<script type="module" src="/static/django_otp_webauthn/otp_webauthn_register.js">' in html
    assert '<script id="otp_webauthn_config" type="application/json">' in html
    policy = response["Content-Security-Policy"]
    script_src = next(part for part in policy.split(";") if part.strip().startswith("script-src"))
    assert "'self'" in script_src and "unsafe-inline" not in script_src
    assert client.get(reverse("otp_webauthn:js-i18n-catalog")).status_code == 200


def test_reset_command_sends_the_account_back_to_enrolment(client, organiser, capsys):
    app_of(organiser)
    StaticDevice.objects.create(user=organiser, name="recovery codes")
    call_command("reset_second_factor", "organiser")
    assert "2 second factor(s)" in capsys.readouterr().out
    assert not TOTPDevice.objects.exists() and not StaticDevice.objects.exists()
    log_in(client)
    assert client.get(reverse("admin:index"))["Location"].startswith(reverse("second_factor_setup"))


def test_a_verified_session_ends_when_its_factor_is_removed(client, organiser):
    app = app_of(organiser)
    log_in(client)
    second_step(client, current_code(app))
    assert client.get(reverse("admin:index")).status_code == 200
    call_command("reset_second_factor", "organiser", stdout=None)
    assert client.get(reverse("admin:index")).status_code == 302


def test_the_dev_admin_gets_a_usable_second_step(client, settings, tmp_path, monkeypatch, capsys):
    from accounts.management.commands import create_dev_admin

    settings.DEBUG = True
    monkeypatch.setattr(create_dev_admin, "LOGIN_FILE", tmp_path / "login.txt")
    call_command("create_dev_admin")
    output = capsys.readouterr().out
    password = re.search(r"password: (\S+)", output)[1]
    code = re.search(r"recovery code (\w+)", output)[1]
    client.post(reverse("admin:login"), {"username": "admin", "password": password, "next": "/admin/"})
    assert client.post(reverse("second_factor_verify"), {"code": code, "next": "/admin/"}).status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200

    call_command("create_dev_admin")
    assert re.search(r"recovery code (\w+)", capsys.readouterr().out)[1] != code


def test_the_second_step_speaks_french_and_arabic(client, organiser):
    app_of(organiser)
    log_in(client)
    french = client.get(reverse("second_factor_verify"), headers={"Accept-Language": "fr"}).content.decode()
    assert "Deuxième étape" in french
    arabic = client.get(reverse("second_factor_verify"), headers={"Accept-Language": "ar"})
    assert 'dir="rtl"' in arabic.content.decode()
    assert "الخطوة الثانية" in arabic.content.decode()


def test_the_passkey_scripts_speak_the_organisers_language(client):
    catalog = client.get(reverse("otp_webauthn:js-i18n-catalog"), headers={"Accept-Language": "ar"}).content.decode()
    assert json.dumps("أضف مفتاح مرور") in catalog
    french = client.get(reverse("otp_webauthn:js-i18n-catalog"), headers={"Accept-Language": "fr"}).content.decode()
    assert json.dumps("Register a Passkey") in french and json.dumps("Ajouter une clé d'accès") in french


def test_spent_recovery_codes_alone_send_the_account_to_enrolment(client, organiser):
    StaticDevice.objects.create(user=organiser, name="recovery codes")  # every code used
    log_in(client)
    assert client.get(reverse("admin:index"))["Location"].startswith(reverse("second_factor_setup"))


def test_the_admin_header_links_to_account_security(admin_client):
    html = admin_client.get(reverse("admin:index"), headers={"Accept-Language": "en"}).content.decode()
    assert f'<a href="{reverse("second_factor_setup")}">Account security</a>' in html
