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

from tests.helpers import NEW_PASSWORD, follow_invitation

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


def test_a_new_accounts_password_alone_cannot_enrol_a_second_factor(client, organiser):
    refused = client.post(
        reverse("admin:login"),
        {"username": "organiser", "password": PASSWORD, "next": "/admin/"},
        REMOTE_ADDR=ADDRESS,
        headers={"Accept-Language": "en"},
    )
    assert refused.status_code == 200
    assert "Ask an administrator for an invitation link" in refused.content.decode()
    assert "_auth_user_id" not in client.session
    for path in (reverse("second_factor_setup"), reverse("admin:index")):
        assert client.get(path)["Location"].startswith(reverse("admin:login"))


def test_a_session_without_factor_nor_invitation_enrols_nothing(client, organiser):
    # A session that lost its factors (reset by an administrator), or got in some other way.
    client.force_login(organiser)
    StaticDevice.objects.all().delete()
    assert client.get(reverse("admin:index"))["Location"] == reverse("second_factor_missing")
    setup_url = reverse("second_factor_setup")
    assert client.get(setup_url)["Location"] == reverse("second_factor_missing")
    app = TOTPDevice.objects.create(user=organiser, name="authenticator app", confirmed=False)
    client.post(setup_url, {"action": "app", "code": current_code(app)})
    assert not TOTPDevice.objects.filter(confirmed=True).exists()
    assert client.post(reverse("otp_webauthn:credential-registration-begin")).status_code == 403
    page = client.get(reverse("second_factor_missing"), headers={"Accept-Language": "en"})
    assert "Ask an administrator for an invitation link" in page.content.decode()
    assert "_auth_user_id" not in client.session  # logged out


def test_an_invited_organiser_is_sent_to_enrolment(client, organiser):
    response = follow_invitation(client, organiser)
    assert response["Location"] == f"{reverse('second_factor_setup')}?next={reverse('admin:index')}"
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
    assert client.post(reverse("otp_webauthn:credential-registration-begin")).status_code == 200


def test_enrolment_with_an_authenticator_app_then_recovery_codes(client, organiser):
    follow_invitation(client, organiser)
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

    # From now on the new password and the app open the admin.
    client.logout()
    client.post(reverse("admin:login"), {"username": "organiser", "password": NEW_PASSWORD, "next": "/admin/"})
    assert client.get(reverse("admin:index"))["Location"].startswith(reverse("second_factor_verify"))


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


@pytest.fixture
def guesses_from_a_botnet(client, organiser, settings, monkeypatch):
    """Wrong passwords on the organiser's account, each from another address; the waits they cause."""
    waits = []
    monkeypatch.setattr("accounts.security.time.sleep", waits.append)
    for number in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(
            reverse("admin:login"),
            {"username": "organiser", "password": "wrong-guess"},
            REMOTE_ADDR=f"198.51.100.{number + 10}",
        )
        assert response.status_code == 200
    return waits


def test_guesses_from_many_addresses_do_not_lock_the_organiser_out(client, organiser, guesses_from_a_botnet):
    app = app_of(organiser)
    assert log_in(client).status_code == 302
    assert guesses_from_a_botnet == [1]  # slowed down, not refused
    assert second_step(client, current_code(app)).status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200
    # The attacker's failures stay, to slow the next guesses down.
    assert AccessAttempt.objects.count() == 5


def test_a_passkey_completes_the_login_of_an_account_under_attack(
    client, organiser, guesses_from_a_botnet, monkeypatch
):
    from django_otp_webauthn.models import WebAuthnCredential

    from accounts.two_factor import SiteWebAuthnHelper

    passkey = WebAuthnCredential.objects.create(
        user=organiser, name="phone", confirmed=True, credential_id=b"id", public_key=b"key", aaguid=""
    )
    # The browser's signature is checked by the library; here it is taken as valid.
    monkeypatch.setattr(SiteWebAuthnHelper, "authenticate_complete", lambda self, user, state, data: passkey)
    assert log_in(client).status_code == 302
    session = client.session
    session["otp_webauthn_authentication_state"] = {"challenge": "x"}
    session.save()
    response = client.post(
        reverse("otp_webauthn:credential-authentication-complete"), "{}", "application/json", REMOTE_ADDR=ADDRESS
    )
    assert response.status_code == 200
    assert client.get(reverse("admin:index")).status_code == 200


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
    follow_invitation(client, organiser)
    response = client.get(reverse("second_factor_setup"))
    html = response.content.decode()
    assert '<script type="module" src="/static/django_otp_webauthn/otp_webauthn_register.js">' in html
    assert '<script id="otp_webauthn_config" type="application/json">' in html
    policy = response["Content-Security-Policy"]
    script_src = next(part for part in policy.split(";") if part.strip().startswith("script-src"))
    assert "'self'" in script_src and "unsafe-inline" not in script_src
    assert client.get(reverse("otp_webauthn:js-i18n-catalog")).status_code == 200


def test_reset_command_removes_the_factors_and_prints_an_invitation(client, organiser, capsys, settings):
    app_of(organiser)
    StaticDevice.objects.create(user=organiser, name="recovery codes")
    call_command("reset_second_factor", "organiser")
    output = capsys.readouterr().out
    assert "2 second factor(s)" in output
    assert not TOTPDevice.objects.exists() and not StaticDevice.objects.exists()
    # The password alone no longer opens anything; the printed link does.
    assert log_in(client).status_code == 200
    link = re.search(rf"{re.escape(settings.SITE_URL)}(/\S+)", output)[1]
    assert client.get(link)["Location"] == reverse("invitation")
    page = client.post(reverse("invitation"), {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert page["Location"].startswith(reverse("second_factor_setup"))
    assert client.get(reverse("second_factor_setup")).status_code == 200


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
    assert json.dumps("Register a Passkey") in french and json.dumps("Ajouter une clé d’accès") in french


def test_spent_recovery_codes_alone_are_no_second_factor(client, organiser):
    StaticDevice.objects.create(user=organiser, name="recovery codes")  # every code used
    assert log_in(client).status_code == 200
    assert "_auth_user_id" not in client.session


def test_the_admin_header_links_to_account_security(admin_client):
    html = admin_client.get(reverse("admin:index"), headers={"Accept-Language": "en"}).content.decode()
    assert f'<a href="{reverse("second_factor_setup")}">Account security</a>' in html


def test_the_admin_never_shows_an_authenticator_apps_secret(admin_client, admin_user):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=admin_user, name="phone")
    for pk in (device.pk, device.pk + 1000):
        for view in ("config", "qrcode"):
            response = admin_client.get(f"/admin/otp_totp/totpdevice/{pk}/{view}/")
            assert response.status_code == 403
            assert device.key not in response.content.decode()
