"""The newsletter: subscribing with no cookie and nothing stored before
confirmation, letters in each subscriber's language with the headers mail
providers want, sent through a real SMTP server (tests/mailserver.py) by a
worker that can be killed and resumes without duplicate or gap."""

import datetime
import io
import os
import re
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest
from django.core import mail, signing
from django.core.management import call_command
from django.test import Client
from django.utils import timezone, translation
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from newsletter import sending
from newsletter.mail import language_name
from newsletter.models import Delivery, Letter, LetterVersion, Subscriber, Throttle
from newsletter.subscriptions import PendingSubscription
from newsletter.tasks import send_letter, start_sending
from publishing.models import Theme
from tests.helpers import plain_french

from .helpers import wait_for, worker_environment
from .mailserver import MailServer

ROOT = Path(__file__).resolve().parent.parent
SITE = "http://127.0.0.1:8000"


@pytest.fixture
def smtp(settings):
    """A real SMTP server, and the site's mail settings pointing at it."""
    server = MailServer().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.NEWSLETTER_RATE_PER_MINUTE = 0
    yield server
    server.stop()


def subscribe(client: Client, email: str, languages=("fr",), themes=(), **headers):
    return client.post(
        "/fr/newsletter/", {"email": email, "languages": list(languages), "themes": list(themes)}, **headers
    )


def confirm_link(message) -> str:
    return re.search(r"https?://[^/\s]+(/\S+/confirm/\S+/)", message.body)[1]


def make_letter(versions: dict[str, str], original: str = "fr") -> Letter:
    letter = Letter.objects.create(original_language=original)
    for language, subject in versions.items():
        body = f'<p>Texte {language}. <a href="/{language}/tracts/">Les tracts</a></p><img src="/media/x.jpg" alt="x">'
        LetterVersion.objects.create(letter=letter, language=language, subject=subject, body=body)
    return letter


def send_everything(letter: Letter) -> None:
    """Runs of the sending task until the letter is sent (what the worker does)."""
    start_sending(letter)
    for _run in range(20):
        letter.refresh_from_db()
        if letter.status == Letter.Status.SENT:
            return
        send_letter.call(letter.pk)
    raise AssertionError("the letter never finished")


# Subscribing


@pytest.mark.django_db
def test_subscribing_sets_no_cookie_and_stores_nothing_before_confirmation(client, settings):
    Theme.objects.create(name="Algorithmes")
    theme = Theme.objects.get()
    page = client.get("/fr/newsletter/")
    assert page.status_code == 200 and "Set-Cookie" not in page.headers and not page.cookies
    strict = Client(enforce_csrf_checks=True)
    response = subscribe(strict, "Militante@Example.org", ["ar", "fr"], [theme.pk])
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers and not response.cookies
    assert "Consultez votre boîte" in response.content.decode()
    assert Subscriber.objects.count() == 0
    # What is kept meanwhile is keyed hashes, never the address.
    assert Throttle.objects.count() == 2
    assert not Throttle.objects.filter(key__icontains="example").exists()
    (message,) = mail.outbox
    assert message.to == ["militante@example.org"] and message.extra_headers["Auto-Submitted"] == "auto-generated"

    link = confirm_link(message)
    page = client.get(link)  # a mail scanner following the link confirms nothing
    assert page.status_code == 200 and "Set-Cookie" not in page.headers
    assert Subscriber.objects.count() == 0
    done = strict.post(link)
    assert done.status_code == 200 and "Set-Cookie" not in done.headers
    subscriber = Subscriber.objects.get()
    assert subscriber.email == "militante@example.org"
    assert subscriber.languages == ["fr", "ar"]  # in the site's order
    assert list(subscriber.themes.all()) == [theme]


@pytest.mark.django_db
def test_the_form_says_the_same_whether_or_not_the_address_subscribes(client):
    Subscriber.objects.create(email="deja@example.org", languages=["fr"])
    known = subscribe(client, "deja@example.org")
    unknown = subscribe(client, "nouvelle@example.org")
    assert known.status_code == unknown.status_code == 200
    assert known.content == unknown.content
    # The owner of the mailbox learns it: the mail says so, with the links.
    already, new = mail.outbox
    assert "déjà" in already.subject and "/newsletter/preferences/" in already.body
    assert "/newsletter/confirm/" in new.body


@pytest.mark.django_db
def test_one_confirmation_mail_per_address_per_day_and_a_limit_per_client(client, settings):
    settings.NEWSLETTER_ATTEMPTS_PER_HOUR = 4
    first = subscribe(client, "une@example.org")
    again = subscribe(client, "une@example.org")
    assert first.content == again.content
    assert len(mail.outbox) == 1
    subscribe(client, "deux@example.org")
    subscribe(client, "trois@example.org")
    refused = subscribe(client, "quatre@example.org")
    assert refused.status_code == 429 and "Trop de" in refused.content.decode()
    assert len(mail.outbox) == 3
    # Another network is not held back.
    other = subscribe(client, "quatre@example.org", REMOTE_ADDR="192.0.2.9")
    assert other.status_code == 200 and len(mail.outbox) == 4


@pytest.mark.django_db
def test_bad_input_gets_a_clear_message_in_the_visitors_language(client):
    response = subscribe(client, "pas-une-adresse")
    assert response.status_code == 400
    assert "Ce n’est pas une adresse électronique" in response.content.decode()
    assert 'value="pas-une-adresse"' in response.content.decode()  # what was typed is kept
    no_language = client.post("/fr/newsletter/", {"email": "a@example.org"})
    assert "Choisissez au moins une langue" in no_language.content.decode()
    assert mail.outbox == []


@pytest.mark.django_db
def test_an_expired_or_tampered_link_is_refused_with_a_message(client, monkeypatch, settings):
    token = PendingSubscription("a@example.org", ["fr"]).token()
    tampered = client.get(f"/fr/newsletter/confirm/{token[:-3]}abc/")
    assert tampered.status_code == 400 and "n’est pas valable" in tampered.content.decode()
    forged = signing.dumps({"e": "b@example.org", "l": ["fr"], "t": []}, salt="other", compress=True)
    assert client.post(f"/fr/newsletter/confirm/{forged}/").status_code == 400

    class Later:
        @staticmethod
        def time() -> float:
            return time.time() + settings.NEWSLETTER_CONFIRMATION_HOURS * 3600 + 60

    monkeypatch.setattr(signing, "time", Later)
    expired = client.post(f"/fr/newsletter/confirm/{token}/")
    assert expired.status_code == 400 and "expiré" in expired.content.decode()
    assert Subscriber.objects.count() == 0


@pytest.mark.django_db
def test_a_relay_that_is_down_is_said_and_the_address_may_try_again(client, settings):
    from tests.mailserver import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    response = subscribe(client, "a@example.org")
    assert response.status_code == 503 and "réessayer" in response.content.decode()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert subscribe(client, "a@example.org").status_code == 200
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_unsubscribe_get_shows_one_button_and_post_deletes(client):
    subscriber = Subscriber.objects.create(email="a@example.org", languages=["ar"])
    url = f"/ar/newsletter/unsubscribe/{subscriber.token()}/"
    page = client.get(url)
    assert page.status_code == 200 and page.content.decode().count("<button") == 1
    assert 'dir="rtl"' in page.content.decode()
    assert Subscriber.objects.count() == 1
    # RFC 8058: the mail provider's POST, no cookie, no token but the link's.
    done = Client(enforce_csrf_checks=True).post(
        url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert done.status_code == 200 and "Set-Cookie" not in done.headers
    assert Subscriber.objects.count() == 0
    assert client.get(url).status_code == 404  # gone, said so
    assert client.post(url).status_code == 200  # a second click is no error


@pytest.mark.django_db
def test_a_forged_or_outdated_token_reaches_nobody(client):
    subscriber = Subscriber.objects.create(email="a@example.org", languages=["fr"])
    pk = subscriber.pk
    assert client.post(f"/fr/newsletter/unsubscribe/{pk}.0000/").status_code == 200
    assert Subscriber.objects.filter(pk=pk).exists()
    assert client.get(f"/fr/newsletter/preferences/{pk}.abc/").status_code == 404


@pytest.mark.django_db
def test_preferences_change_languages_and_themes_from_the_letters_link(client):
    theme = Theme.objects.create(name="Contrôle")
    subscriber = Subscriber.objects.create(email="a@example.org", languages=["fr"])
    url = f"/fr/newsletter/preferences/{subscriber.token()}/"
    assert client.get(url).status_code == 200
    response = Client(enforce_csrf_checks=True).post(url, {"languages": ["es", "ar"], "themes": [theme.pk]})
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    subscriber.refresh_from_db()
    assert subscriber.languages == ["es", "ar"] and list(subscriber.themes.all()) == [theme]
    assert client.post(url, {"languages": []}).status_code == 400


# Letters and sending


def check_headers(message, site: str) -> None:
    assert re.fullmatch(
        rf"<{re.escape(site)}/\w\w/newsletter/unsubscribe/\d+\.[0-9a-f]+/>", message["List-Unsubscribe"].strip()
    )
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["List-Id"].strip() == "<newsletter.127.0.0.1>"
    assert re.fullmatch(r"<letter-\d+\.\d+\.[0-9a-f]+@127\.0\.0\.1>", message["Message-ID"].strip())
    assert message["Date"] and message["Precedence"] == "bulk" and message["Auto-Submitted"] == "auto-generated"
    assert message.get_content_type() == "multipart/alternative"


def letter_parts(message) -> tuple[str, str]:
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return text, html


@pytest.mark.django_db(transaction=True)
def test_two_thousand_subscribers_in_three_languages_get_one_letter_each(smtp, settings):
    settings.SITE_URL = SITE
    languages = ["fr", "en", "ar"]
    Subscriber.objects.bulk_create(
        Subscriber(email=f"s{n}@example.org", languages=[languages[n % 3]]) for n in range(2000)
    )
    letter = make_letter({"fr": "Lettre d’octobre", "en": "October letter", "ar": "رسالة أكتوبر"})
    send_everything(letter)

    received = smtp.mailbox.messages()
    assert len(received) == 2000
    assert Counter(to for to, _m in received) == Counter(f"s{n}@example.org" for n in range(2000))
    subjects = {"fr": "Lettre d’octobre", "en": "October letter", "ar": "رسالة أكتوبر"}
    for to, message in received:
        language = languages[int(to[1:].split("@")[0]) % 3]
        assert message["Subject"] == subjects[language] and message["To"] == to
        assert message["Content-Language"] == language
        check_headers(message, SITE)
    assert Delivery.objects.filter(letter=letter, status=Delivery.Status.SENT).count() == 2000
    assert letter.progress() == {"sent": 2000, "waiting": 0, "failed": 0}
    # Sent: who received it is no longer kept, the counts are.
    assert not Delivery.objects.filter(letter=letter).exclude(subscriber=None).exists()

    # An Arabic letter, right to left, with nothing but the site's own links
    # and no picture; the per-recipient part is the two links only.
    to, arabic = next((to, m) for to, m in received if m["Content-Language"] == "ar")
    text, html = letter_parts(arabic)
    assert '<html lang="ar" dir="rtl">' in html and "prefers-color-scheme: dark" in html
    assert "<img" not in html and "src=" not in html
    links = re.findall(r'href="([^"]+)"', html)
    assert links and all(link.startswith(SITE + "/") for link in links)
    token = Subscriber.objects.get(email=to).token()
    assert {link for link in links if token in link} == {
        f"{SITE}/ar/newsletter/unsubscribe/{token}/",
        f"{SITE}/ar/newsletter/preferences/{token}/",
    }
    assert "رسالة أكتوبر" in text and f"{SITE}/ar/newsletter/unsubscribe/{token}/" in text and "<p>" not in text

    # One-click unsubscribe, as a mail provider does it.
    unsubscribe = arabic["List-Unsubscribe"].strip().strip("<>").removeprefix(SITE)
    response = Client(enforce_csrf_checks=True).post(
        unsubscribe, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert not Subscriber.objects.filter(email=to).exists()


@pytest.mark.django_db(transaction=True)
def test_a_reader_whose_language_the_letter_lacks_gets_the_original_said_so(smtp):
    Subscriber.objects.create(email="en@example.org", languages=["en"])
    Subscriber.objects.create(email="es-ar@example.org", languages=["es", "ar"])
    send_everything(make_letter({"fr": "Lettre", "ar": "رسالة"}))
    received = dict(smtp.mailbox.messages())
    english = received["en@example.org"]
    assert english["Subject"] == "Lettre" and english["Content-Language"] == "fr"
    text, html = letter_parts(english)
    assert (
        '<p class="note" lang="en" dir="ltr">This letter is not written in English: here it is in French.</p>' in html
    )
    assert text.startswith("This letter is not written in English: here it is in French.")
    assert '<html lang="fr" dir="ltr">' in html and "Unsubscribe" in text  # the interface words in English
    second = received["es-ar@example.org"]
    assert second["Subject"] == "رسالة"  # their second language before the fallback
    _text, html = letter_parts(second)
    assert "fallback" not in html and '<div class="footer" lang="ar" dir="rtl">' in html  # the letter's words in Arabic
    assert "/ar/newsletter/unsubscribe/" in second["List-Unsubscribe"]


@pytest.mark.django_db(transaction=True)
def test_permanent_refusals_are_recorded_and_repeated_ones_unsubscribe(smtp, settings):
    settings.NEWSLETTER_BOUNCE_LIMIT = 2
    for name in ("ok", "gone", "full"):
        Subscriber.objects.create(email=f"{name}@example.org", languages=["fr"])
    smtp.mailbox.refuse["gone@example.org"] = "550 5.1.1 <gone@example.org>: no such user"
    smtp.mailbox.refuse["full@example.org"] = "452 4.2.2 mailbox full"
    first = make_letter({"fr": "Une"})
    start_sending(first)
    send_letter.call(first.pk)
    failed = Delivery.objects.get(letter=first, status=Delivery.Status.FAILED)
    assert failed.error.startswith("550") and "gone@example.org" not in failed.error
    assert Delivery.objects.get(letter=first, subscriber__email="full@example.org").status == Delivery.Status.WAITING
    first.refresh_from_db()
    assert first.status == Letter.Status.SENDING  # the temporary refusal is tried again later
    # The mailbox has room again: the next run delivers it.
    del smtp.mailbox.refuse["full@example.org"]
    send_letter.call(first.pk)
    first.refresh_from_db()
    assert first.status == Letter.Status.SENT
    assert first.progress() == {"sent": 2, "waiting": 0, "failed": 1}
    assert Subscriber.objects.filter(email="gone@example.org").exists()  # once is not enough

    send_everything(make_letter({"fr": "Deux"}))
    assert not Subscriber.objects.filter(email="gone@example.org").exists()
    assert first.progress()["failed"] == 1  # the record stays, without the address
    received = Counter(to for to, _m in smtp.mailbox.messages())
    assert received == {"ok@example.org": 2, "full@example.org": 2}


@pytest.mark.django_db(transaction=True)
def test_a_relay_that_is_down_makes_the_letter_wait_and_resume(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    server = MailServer()
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.NEWSLETTER_RATE_PER_MINUTE = "127.0.0.1", server.port, 0
    for n in range(30):
        Subscriber.objects.create(email=f"s{n}@example.org", languages=["fr"])
    letter = make_letter({"fr": "Patience"})
    start_sending(letter)
    result = send_letter.call(letter.pk)
    assert result["sent"] == 0
    letter.refresh_from_db()
    assert letter.status == Letter.Status.SENDING and "Connection refused" in letter.relay_problem
    assert letter.progress() == {"sent": 0, "waiting": 30, "failed": 0}
    server.start()
    try:
        send_letter.call(letter.pk)
    finally:
        server.stop()
    letter.refresh_from_db()
    assert letter.status == Letter.Status.SENT and letter.relay_problem == ""
    assert sorted(to for to, _raw in server.mailbox.received) == sorted(f"s{n}@example.org" for n in range(30))


def start_worker(tmp_path: Path, smtp: MailServer) -> subprocess.Popen:
    environment = worker_environment(tmp_path / "media") | {
        "EMAIL_URL": smtp.url,
        "NEWSLETTER_RATE_PER_MINUTE": "0",
        "NEWSLETTER_BATCH_SECONDS": "4",
        "NEWSLETTER_LEASE_SECONDS": "3",
        "SITE_URL": SITE,
    }
    return subprocess.Popen(
        [".venv/bin/python", "manage.py", "db_worker", "--interval", "0.2", "--no-startup-delay"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.mark.django_db(transaction=True)
def test_killing_the_worker_mid_send_and_restarting_gives_exactly_one_letter_each(smtp, settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    languages = ["fr", "en", "ar"]
    Subscriber.objects.bulk_create(
        Subscriber(email=f"s{n}@example.org", languages=[languages[n % 3]]) for n in range(2000)
    )
    letter = make_letter({"fr": "Lettre", "en": "Letter", "ar": "رسالة"})
    start_sending(letter)
    sent = Delivery.objects.filter(letter=letter, status=Delivery.Status.SENT)
    worker = start_worker(tmp_path, smtp)
    try:
        wait_for(lambda: sent.count() >= 300, 120, "the first letters to go out")
        os.kill(worker.pid, signal.SIGKILL)  # as the out-of-memory killer would
        worker.wait(10)
        stopped_at = sent.count()
        assert stopped_at < 2000, "the worker finished before it could be killed"
        worker = start_worker(tmp_path, smtp)
        wait_for(lambda: Letter.objects.get(pk=letter.pk).status == Letter.Status.SENT, 180, "the letter to finish")
    finally:
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=30)
    assert "Queued again 1 task(s) of a worker that stopped" in output
    received = smtp.mailbox.messages()
    ids_per_address: dict[str, set[str]] = {}
    for to, message in received:
        ids_per_address.setdefault(to, set()).add(message["Message-ID"])
        assert (
            message["Subject"]
            == {"fr": "Lettre", "en": "Letter", "ar": "رسالة"}[languages[int(to[1:].split("@")[0]) % 3]]
        )
    # Nobody skipped, nobody with two different letters.
    assert sorted(ids_per_address) == sorted(f"s{n}@example.org" for n in range(2000))
    assert all(len(ids) == 1 for ids in ids_per_address.values())
    # At most the one mail in flight at the kill was handed over twice, with
    # the same Message-ID (mail programs show it once).
    assert len(received) in (2000, 2001)
    assert Delivery.objects.filter(letter=letter).exclude(status=Delivery.Status.SENT).count() == 0
    assert not DBTaskResult.objects.filter(status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]).exists()


@pytest.mark.django_db(transaction=True)
def test_letters_are_signed_with_dkim_when_the_site_signs(smtp, settings, tmp_path):
    import dkim
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    from newsletter import mail as newsletter_mail

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    (tmp_path / "dkim.pem").write_bytes(private)
    settings.NEWSLETTER_DKIM_SELECTOR, settings.NEWSLETTER_DKIM_DOMAIN = "lettre", "example.org"
    settings.NEWSLETTER_DKIM_KEY_FILE = str(tmp_path / "dkim.pem")
    newsletter_mail._dkim_key.cache_clear()
    try:
        Subscriber.objects.create(email="a@example.org", languages=["fr"])
        send_everything(make_letter({"fr": "Signée"}))
    finally:
        newsletter_mail._dkim_key.cache_clear()
    ((_to, raw),) = smtp.mailbox.received
    import base64

    record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)

    def dns(name, timeout=5):
        return record if name == b"lettre._domainkey.example.org." else None

    assert raw.startswith(b"DKIM-Signature:")
    assert dkim.verify(raw, dnsfunc=dns)
    assert not dkim.verify(raw.replace(b"Texte fr", b"Texte falsifie"), dnsfunc=dns)


# The organisers' side


@pytest.fixture
def organiser(admin_client, admin_user):
    admin_user.email = "orga@example.org"
    admin_user.save()
    return admin_client


@pytest.mark.django_db
def test_organisers_export_the_list_as_csv_and_delete_an_address(organiser):
    theme = Theme.objects.create(name="Contrôle")
    one = Subscriber.objects.create(email="une@example.org", languages=["fr", "ar"])
    one.themes.set([theme])
    two = Subscriber.objects.create(email="deux@example.org", languages=["en"])
    response = organiser.post(
        "/admin/newsletter/subscriber/", {"action": "export_csv", "_selected_action": [one.pk, two.pk]}
    )
    assert response["Content-Type"].startswith("text/csv")
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0] == "email,languages,themes,confirmed_at"
    assert lines[1].startswith("deux@example.org,en,,") and lines[2].startswith("une@example.org,fr ar,controle,")
    organiser.post(f"/admin/newsletter/subscriber/{two.pk}/delete/", {"post": "yes"})
    assert list(Subscriber.objects.values_list("email", flat=True)) == ["une@example.org"]


@pytest.mark.django_db
def test_a_letter_is_previewed_tested_and_sent_from_the_admin(organiser, django_capture_on_commit_callbacks):
    letter = make_letter({"fr": "Lettre", "ar": "رسالة"})
    page = organiser.get(f"/admin/newsletter/letter/{letter.pk}/change/")
    assert page.status_code == 200 and "prose-editor" in page.content.decode()
    assert f"/admin/newsletter/letter/{letter.pk}/preview/ar/" in page.content.decode()

    preview = organiser.get(f"/admin/newsletter/letter/{letter.pk}/preview/ar/").content.decode()
    assert '<html lang="ar" dir="rtl">' in preview and "رسالة" in preview
    fallback = organiser.get(f"/admin/newsletter/letter/{letter.pk}/preview/en/").content.decode()
    assert "This letter is not written in English" in fallback
    text = organiser.get(f"/admin/newsletter/letter/{letter.pk}/preview/fr/?format=text")
    assert text["Content-Type"].startswith("text/plain") and "Texte fr." in text.content.decode()

    organiser.post(f"/admin/newsletter/letter/{letter.pk}/test/")
    assert sorted(message.subject for message in mail.outbox) == ["Lettre", "رسالة"]
    assert {tuple(message.to) for message in mail.outbox} == {("orga@example.org",)}
    mail.outbox.clear()

    for n in range(3):
        Subscriber.objects.create(email=f"s{n}@example.org", languages=["ar"])
    confirm = organiser.get(f"/admin/newsletter/letter/{letter.pk}/send/")
    assert "3 abonnés" in confirm.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        organiser.post(f"/admin/newsletter/letter/{letter.pk}/send/")
    letter.refresh_from_db()
    assert letter.status == Letter.Status.SENT
    assert sorted(message.to[0] for message in mail.outbox) == ["s0@example.org", "s1@example.org", "s2@example.org"]
    listing = organiser.get("/admin/newsletter/letter/").content.decode()
    assert '<td class="field-sent_count">3</td>' in listing
    sent_page = organiser.get(f"/admin/newsletter/letter/{letter.pk}/change/").content.decode()
    assert "envoyées : 3 · en attente : 0 · refusées : 0" in plain_french(sent_page)
    # Sending twice does nothing.
    with django_capture_on_commit_callbacks(execute=True):
        organiser.post(f"/admin/newsletter/letter/{letter.pk}/send/")
    assert len(mail.outbox) == 3


@pytest.mark.django_db
def test_a_letter_assembled_from_what_was_published_since_the_last_one(organiser, make_tract, make_article, settings):
    settings.SITE_URL = SITE
    make_tract("ancien", {"fr": {"title": "Un vieux tract"}}, published_at=timezone_ago(days=60))
    make_tract("nouveau", {"fr": {"title": "Un tract neuf"}, "ar": {"title": "منشور جديد"}})
    make_article("analyse", {"fr": {"title": "Une analyse", "standfirst": "Ce qu'il faut savoir"}})
    make_tract("brouillon", {"fr": {"title": "Pas encore"}}, status="draft")
    response = organiser.post("/admin/newsletter/letter/assemble/")
    letter = Letter.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{letter.pk}/change/")
    versions = {version.language: version for version in letter.versions.all()}
    assert sorted(versions) == ["ar", "en", "es", "fr"]
    french = versions["fr"].body
    assert "Un tract neuf" in french and "Une analyse" in french and "Ce qu'il faut savoir" in french
    assert "Un vieux tract" not in french and "Pas encore" not in french
    assert f'href="{SITE}/fr/tracts/nouveau/"' in french
    arabic = versions["ar"].body
    assert "منشور جديد" in arabic and f'href="{SITE}/ar/tracts/nouveau/"' in arabic
    with translation.override("ar"):
        french_name = f"({language_name('fr')})"
    assert f'href="{SITE}/fr/articles/analyse/"' in arabic and french_name in arabic  # no Arabic version: said so
    # Once it has gone out, the next letter starts from there.
    letter.start_sending()
    assert organiser.post("/admin/newsletter/letter/assemble/").status_code == 302
    assert Letter.objects.count() == 1


def test_an_assembled_letter_lists_the_events_to_come(organiser, make_tract, settings):
    from events.models import Event
    from tests.test_agenda import make_event

    settings.SITE_URL = SITE
    coming = timezone.now() + datetime.timedelta(days=9)
    make_event("rassemblement", {"fr": {"title": "Rassemblement devant la CAF"}}, starts_at=coming)
    make_event("fini", {"fr": {"title": "Une réunion passée"}}, starts_at=timezone_ago(days=20))
    make_tract("nouveau", {"fr": {"title": "Un tract neuf"}})
    organiser.post("/admin/newsletter/letter/assemble/")
    french = Letter.objects.get().versions.get(language="fr").body
    assert "Rassemblement devant la CAF" in french and f'href="{SITE}/fr/agenda/rassemblement/"' in french
    assert "Une réunion passée" not in french
    # Events alone, announced before the last letter, make no new letter.
    Letter.objects.get().start_sending()
    Event.objects.update(published_at=timezone_ago(days=1))
    organiser.post("/admin/newsletter/letter/assemble/")
    assert Letter.objects.count() == 1


def timezone_ago(days: int):
    return timezone.now() - datetime.timedelta(days=days)


# Moving in and out

MAILCHIMP = (
    '"Email Address","First Name","Last Name","MEMBER_RATING","OPTIN_TIME","OPTIN_IP","CONFIRM_TIME","CONFIRM_IP",'
    '"LATITUDE","LONGITUDE","LANGUAGE"\n'
    '"Nadia@Example.org","Nadia","B","2","2024-03-01 10:00:00","192.0.2.1","2024-03-01 10:05:00","192.0.2.1",'
    '"48.85","2.35","ar"\n'
    '"pas-une-adresse","X","Y","1","","","","","","",""\n'
    '"paul@example.org","Paul","C","2","2024-04-01 10:00:00","","2024-04-01 10:01:00","","","","fr_FR"\n'
)
LISTMONK = (
    "uuid,email,name,attributes,status,created_at,updated_at\n"
    'a1,lea@example.org,Léa,"{""city"": ""Lyon""}",enabled,2024-01-02 03:04:05,2024-01-02 03:04:05\n'
    "a2,parti@example.org,Parti,{},blocklisted,2024-01-02 03:04:05,2024-01-02 03:04:05\n"
)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (MAILCHIMP, {"nadia@example.org": ["ar"], "paul@example.org": ["fr"]}),
        (LISTMONK, {"lea@example.org": ["es"]}),
        (
            "une@example.org\nDeux@example.org\n\nune@example.org\n",
            {"une@example.org": ["es"], "deux@example.org": ["es"]},
        ),
    ],
    ids=["mailchimp", "listmonk", "plain"],
)
def test_import_subscribers_confirmed_reads_the_common_exports(tmp_path, content, expected):
    source = tmp_path / "list.csv"
    source.write_text(content, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    call_command("import_subscribers", str(source), "--confirmed", "--language", "es", stdout=out, stderr=err)
    assert dict(Subscriber.objects.values_list("email", "languages")) == expected
    assert mail.outbox == []
    if content is MAILCHIMP:
        assert "line 3: pas-une-adresse" in err.getvalue()
        assert Subscriber.objects.get(email="nadia@example.org").confirmed_at.year == 2024
    if content is LISTMONK:
        assert "1 who had left skipped" in out.getvalue()
    # Again: nothing doubles.
    call_command("import_subscribers", str(source), "--confirmed", stdout=out, stderr=err)
    assert Subscriber.objects.count() == len(expected)


@pytest.mark.django_db
def test_import_subscribers_without_confirmed_sends_confirmations_and_stores_nothing(tmp_path, client):
    Subscriber.objects.create(email="deja@example.org", languages=["fr"])
    source = tmp_path / "list.csv"
    source.write_text(MAILCHIMP + '"deja@example.org","","","","","","","","","",""\n', encoding="utf-8")
    call_command("import_subscribers", str(source), stdout=io_sink(), stderr=io_sink())
    assert Subscriber.objects.count() == 1
    assert sorted(message.to[0] for message in mail.outbox) == ["nadia@example.org", "paul@example.org"]
    arabic = next(message for message in mail.outbox if message.to == ["nadia@example.org"])
    assert "/ar/newsletter/confirm/" in arabic.body
    client.post(confirm_link(arabic))
    assert Subscriber.objects.get(email="nadia@example.org").languages == ["ar"]


def io_sink() -> io.StringIO:
    return io.StringIO()


@pytest.mark.django_db
def test_export_site_leaves_subscribers_out_unless_asked(tmp_path):
    Subscriber.objects.create(email="une@example.org", languages=["fr", "ar"])
    call_command("export_site", str(tmp_path / "plain"), stdout=io_sink())
    assert not (tmp_path / "plain" / "subscribers.csv").exists()
    assert "une@example.org" not in "".join(
        path.read_text(errors="ignore") for path in (tmp_path / "plain").rglob("*") if path.is_file()
    )
    call_command("export_site", str(tmp_path / "full"), "--with-subscribers", stdout=io_sink())
    exported = tmp_path / "full" / "subscribers.csv"
    assert exported.read_text().splitlines()[1].startswith("une@example.org,fr ar,,")
    # What goes out comes back in elsewhere.
    Subscriber.objects.all().delete()
    call_command("import_subscribers", str(exported), "--confirmed", stdout=io_sink())
    assert Subscriber.objects.get().languages == ["fr", "ar"]


def test_one_setting_names_any_smtp_relay():
    from django.core.exceptions import ImproperlyConfigured

    from collectif.settings import email_settings

    assert email_settings("smtp+tls://lettre%40example.org:p%3Aw@relay.example.org:2525") == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "relay.example.org",
        "EMAIL_PORT": 2525,
        "EMAIL_HOST_USER": "lettre@example.org",
        "EMAIL_HOST_PASSWORD": "p:w",
        "EMAIL_USE_SSL": False,
        "EMAIL_USE_TLS": True,
    }
    implicit = email_settings("smtps://relay.example.org")
    assert implicit["EMAIL_PORT"] == 465 and implicit["EMAIL_USE_SSL"] and not implicit["EMAIL_USE_TLS"]
    assert email_settings("smtp://localhost")["EMAIL_PORT"] == 25
    with pytest.raises(ImproperlyConfigured, match="unknown scheme"):
        email_settings("http://relay.example.org")


CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = ROOT / "test-artifacts"


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's Chromium")
@pytest.mark.django_db(transaction=True)
def test_a_visitor_subscribes_in_arabic_and_leaves_in_one_click_without_a_cookie(live_server, smtp, settings):
    from playwright.sync_api import sync_playwright

    settings.SITE_URL = live_server.url
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # the confirmation, read below
    ARTIFACTS.mkdir(exist_ok=True)
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
        )
        context = browser.new_context(viewport={"width": 390, "height": 844})
        page = context.new_page()
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        page.goto(f"{live_server.url}/ar/")
        page.locator("footer a[href='/ar/newsletter/']").click()
        assert page.locator("html").get_attribute("dir") == "rtl"
        page.fill("input[type=email]", "qarie@example.org")
        assert page.locator("input[name=languages][value=ar]").is_checked()  # the page's language, ready
        page.screenshot(path=str(ARTIFACTS / "newsletter-subscribe-ar.png"), full_page=True)
        page.locator("form.newsletter-form button[type=submit]").click()
        page.wait_for_load_state()
        assert Subscriber.objects.count() == 0
        page.screenshot(path=str(ARTIFACTS / "newsletter-sent-ar.png"), full_page=True)
        (confirmation,) = mail.outbox
        page.goto(live_server.url + confirm_link(confirmation))
        page.locator("main form button[type=submit]").click()
        page.wait_for_load_state()
        assert Subscriber.objects.get().languages == ["ar"]
        assert context.cookies() == []
        assert all(url.startswith(live_server.url) for url in requests)

        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        send_everything(make_letter({"fr": "Lettre", "ar": "رسالة"}))
        ((to, letter),) = smtp.mailbox.messages()
        assert to == "qarie@example.org" and letter["Subject"] == "رسالة"
        _text, html = letter_parts(letter)
        (ARTIFACTS / "newsletter-letter-ar.html").write_text(html)
        # As a mail program shows it: no page of the site around it, images off.
        reader = browser.new_page(viewport={"width": 390, "height": 700}, java_script_enabled=False)
        reader.set_content(html)
        reader.screenshot(path=str(ARTIFACTS / "newsletter-letter-ar.png"), full_page=True)
        reader.emulate_media(color_scheme="dark")
        reader.screenshot(path=str(ARTIFACTS / "newsletter-letter-ar-dark.png"), full_page=True)
        # The mail provider's one-click POST.
        response = context.request.post(
            letter["List-Unsubscribe"].strip().strip("<>"),
            data="List-Unsubscribe=One-Click",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert response.status == 200 and "set-cookie" not in response.headers
        assert Subscriber.objects.count() == 0
        assert context.cookies() == []
        browser.close()


@pytest.mark.django_db
def test_organisers_write_and_send_letters_and_may_only_see_export_and_delete_subscribers(client):
    from django.contrib.auth.models import Group, User

    user = User.objects.create_user("orga", "orga@example.org", "a-long-passphrase", is_staff=True)
    user.groups.add(Group.objects.get(name="Organiser"))
    client.force_login(user)
    subscriber = Subscriber.objects.create(email="une@example.org", languages=["fr"])
    letter = make_letter({"fr": "Lettre"})
    assert client.get(f"/admin/newsletter/letter/{letter.pk}/send/").status_code == 200
    assert client.get("/admin/newsletter/letter/add/").status_code == 200
    assert client.get("/admin/newsletter/subscriber/add/").status_code == 403
    export = client.post("/admin/newsletter/subscriber/", {"action": "export_csv", "_selected_action": [subscriber.pk]})
    assert b"une@example.org" in b"".join(export.streaming_content)
    client.post(f"/admin/newsletter/subscriber/{subscriber.pk}/delete/", {"post": "yes"})
    assert not Subscriber.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_relay_refusing_everything_for_now_makes_the_letter_wait_not_fail(smtp):
    for n in range(25):
        Subscriber.objects.create(email=f"s{n}@example.org", languages=["fr"])
        smtp.mailbox.refuse[f"s{n}@example.org"] = "451 4.7.1 Too many messages, slow down"
    letter = make_letter({"fr": "Quota"})
    start_sending(letter)
    send_letter.call(letter.pk)
    letter.refresh_from_db()
    assert "451" in letter.relay_problem and letter.status == Letter.Status.SENDING
    assert Delivery.objects.filter(letter=letter, status=Delivery.Status.FAILED).count() == 0
    smtp.mailbox.refuse.clear()
    send_everything(letter)
    assert len(smtp.mailbox.received) == 25
    assert letter.progress() == {"sent": 25, "waiting": 0, "failed": 0}


@pytest.mark.django_db
def test_a_subscription_posted_from_another_site_is_refused(client):
    response = subscribe(client, "cible@example.org", HTTP_SEC_FETCH_SITE="cross-site")
    assert response.status_code == 403 and mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_the_rate_limit_spaces_mails_and_a_run_stops_at_its_time(smtp, settings):
    settings.NEWSLETTER_RATE_PER_MINUTE = 1200  # 20 a second
    for n in range(30):
        Subscriber.objects.create(email=f"s{n}@example.org", languages=["fr"])
    letter = make_letter({"fr": "Au rythme"})
    letter.start_sending()
    started = time.monotonic()
    first = sending.send_batch(letter.pk, seconds=1)
    assert 10 <= first.sent <= 21  # a second's worth, at most
    assert time.monotonic() - started >= (first.sent - 1) / 20
    assert first.next_run is not None and not first.finished  # the next run is due at once
    assert Delivery.objects.filter(letter=letter, status=Delivery.Status.SENT).count() == first.sent
    while not sending.send_batch(letter.pk, seconds=5).finished:
        pass
    assert len(smtp.mailbox.received) == 30


@pytest.mark.django_db
def test_expired_counters_go_even_when_nobody_subscribes(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    Throttle.objects.create(key="a" * 64, expires_at=timezone.now() - datetime.timedelta(seconds=1))
    Throttle.objects.create(key="b" * 64, expires_at=timezone.now() + datetime.timedelta(hours=1))
    letter = make_letter({"fr": "Rien"})
    letter.start_sending()
    sending.send_batch(letter.pk)
    assert list(Throttle.objects.values_list("key", flat=True)) == ["b" * 64]
