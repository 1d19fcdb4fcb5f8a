"""Invitations: the one way a staff account gets its first second factor."""

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.models import Invitation, token_hash
from accounts.security import purge_expired_login_records
from tests.helpers import NEW_PASSWORD, follow_invitation

pytestmark = pytest.mark.django_db


@pytest.fixture
def newcomer():
    return get_user_model().objects.create_user("newcomer", is_staff=True)  # no usable password yet


def make_link(admin_client, user) -> str:
    response = admin_client.post(
        reverse("admin:auth_user_invitation", args=[user.pk]), headers={"Accept-Language": "en"}
    )
    assert response.status_code == 200
    return re.search(r"<code>(https?://\S+)</code>", response.content.decode())[1]


def test_an_administrator_makes_a_link_shown_once_and_stored_hashed(admin_client, newcomer):
    change_page = admin_client.get(
        reverse("admin:auth_user_change", args=[newcomer.pk]), headers={"Accept-Language": "en"}
    )
    assert reverse("admin:auth_user_invitation", args=[newcomer.pk]) in change_page.content.decode()
    assert admin_client.get(reverse("admin:auth_user_invitation", args=[newcomer.pk])).status_code == 405

    link = make_link(admin_client, newcomer)
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert len(token) >= 40
    invitation = Invitation.objects.get()
    assert invitation.user == newcomer and invitation.token_hash == token_hash(token)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {Invitation._meta.db_table}")
        assert token not in repr(cursor.fetchall())
    assert invitation.expires_at == pytest.approx(
        timezone.now() + datetime.timedelta(hours=72), abs=datetime.timedelta(minutes=1)
    )

    # A new link replaces the old one.
    second = make_link(admin_client, newcomer)
    assert second != link and Invitation.objects.count() == 1


def test_making_a_link_needs_the_right_to_change_accounts(client, newcomer):
    editor = get_user_model().objects.create_user("editor", is_staff=True)
    client.force_login(editor)
    assert client.post(reverse("admin:auth_user_invitation", args=[newcomer.pk])).status_code == 403
    assert not Invitation.objects.exists()


def test_an_invitation_works_once(client, newcomer):
    token = Invitation.make(newcomer)
    accept = reverse("invitation_accept", args=[token])
    response = client.get(accept)
    assert response["Location"] == reverse("invitation")  # the token leaves the address bar
    page = client.get(reverse("invitation"), headers={"Accept-Language": "en"})
    assert "You are invited to the admin as <strong>newcomer</strong>" in page.content.decode()

    short = client.post(reverse("invitation"), {"new_password1": "short", "new_password2": "short"})
    assert short.status_code == 200 and Invitation.objects.exists()  # a refused password spends nothing

    done = client.post(reverse("invitation"), {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done["Location"].startswith(reverse("second_factor_setup"))
    newcomer.refresh_from_db()
    assert newcomer.check_password(NEW_PASSWORD)
    assert not Invitation.objects.exists()

    again = client.__class__()
    assert again.get(accept, headers={"Accept-Language": "en"}).status_code == 404
    assert again.get(reverse("invitation")).status_code == 404
    # The session that used it cannot use it a second time either.
    assert client.post(reverse("invitation"), {"new_password1": "x" * 20, "new_password2": "x" * 20}).status_code == 404


def test_an_expired_invitation_does_not_work_and_is_purged(client, newcomer):
    token = Invitation.make(newcomer)
    Invitation.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    page = client.get(reverse("invitation_accept", args=[token]), headers={"Accept-Language": "en"})
    assert page.status_code == 404
    assert "has expired" in page.content.decode()
    purge_expired_login_records()
    assert not Invitation.objects.exists()


def test_an_invitation_expiring_while_open_sets_nothing(client, newcomer):
    follow = client.get(reverse("invitation_accept", args=[Invitation.make(newcomer)]))
    assert follow.status_code == 302
    Invitation.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    response = client.post(reverse("invitation"), {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 404
    newcomer.refresh_from_db()
    assert not newcomer.has_usable_password()


def test_an_invitation_speaks_french_and_arabic(client, newcomer):
    client.get(reverse("invitation_accept", args=[Invitation.make(newcomer)]))
    french = client.get(reverse("invitation"), headers={"Accept-Language": "fr"}).content.decode()
    assert "Vous êtes invité" in french
    arabic = client.get(reverse("invitation"), headers={"Accept-Language": "ar"}).content.decode()
    assert 'dir="rtl"' in arabic and "أنت مدعو" in arabic


def test_an_invited_session_enrols_once_then_is_an_ordinary_one(client, newcomer):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.test_two_factor import current_code

    follow_invitation(client, newcomer)
    client.get(reverse("second_factor_setup"))
    app = TOTPDevice.objects.get(user=newcomer)
    client.post(reverse("second_factor_setup"), {"action": "app", "code": current_code(app), "next": "/admin/"})
    assert client.get(reverse("admin:index")).status_code == 200
    client.get(reverse("second_factor_setup"))
    assert "second_factor_invited" not in client.session
