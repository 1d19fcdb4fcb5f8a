"""Mails per second and memory while a letter goes out to 10,000 subscribers.

    .venv/bin/python benchmarks/newsletter.py [--subscribers 10000] [--database-url postgres://…]

Works in a throw-away database (a new SQLite file by default; with
--database-url, that PostgreSQL database, which it migrates and fills). A
real SMTP server (aiosmtpd, tests/mailserver.py) runs in a process of its own
on a local port; the sending runs the worker's own code (newsletter.sending,
runs of 5 s, each delivery recorded) with the rate limit off. Prints mails
per second, the count the server received, and the process's memory (RSS)
after each run: it should stay flat.
"""

import argparse
import multiprocessing
import os
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
WORKDIR = Path(tempfile.mkdtemp(prefix="collectif-bench-"))


def serve(port: int, counter, ready) -> None:
    """The SMTP server's process: counts what it receives, keeps nothing."""
    sys.path.insert(0, str(PROJECT))
    from tests.mailserver import MailServer

    server = MailServer(port, keep=False).start()
    ready.set()
    while True:
        time.sleep(0.1)
        counter.value = server.mailbox.count


def rss_mb() -> float:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--database-url", default=f"sqlite:///{WORKDIR / 'bench.sqlite3'}")
    arguments = parser.parse_args()

    sys.path.insert(0, str(PROJECT))
    from tests.mailserver import free_port

    port = free_port()
    context = multiprocessing.get_context("spawn")
    counter, ready = context.Value("i", 0), context.Event()
    server = context.Process(target=serve, args=(port, counter, ready), daemon=True)
    server.start()
    ready.wait(30)

    os.environ |= {
        "DATABASE_URL": arguments.database_url,
        "MEDIA_ROOT": str(WORKDIR / "media"),
        "DJANGO_SETTINGS_MODULE": "collectif.settings",
        "EMAIL_URL": f"smtp://127.0.0.1:{port}",
        "NEWSLETTER_RATE_PER_MINUTE": "0",
        "SITE_URL": "https://collectif.example.org",
    }
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from newsletter.models import Letter, LetterVersion, Subscriber
    from newsletter.sending import send_batch

    call_command("migrate", verbosity=0)
    Letter.objects.all().delete()
    Subscriber.objects.all().delete()
    languages = ["fr", "en", "ar"]
    Subscriber.objects.bulk_create(
        (Subscriber(email=f"s{n}@example.org", languages=[languages[n % 3]]) for n in range(arguments.subscribers)),
        batch_size=1000,
    )
    letter = Letter.objects.create(original_language="fr")
    paragraph = "<p>Les algorithmes de contrôle notent les allocataires ; nous demandons leur arrêt.</p>" * 12
    for language, subject in (("fr", "Lettre de décembre"), ("en", "December letter"), ("ar", "رسالة ديسمبر")):
        body = f'<h2>{subject}</h2>{paragraph}<p><a href="/{language}/tracts/">Les tracts</a></p>'
        LetterVersion.objects.create(letter=letter, language=language, subject=subject, body=body)
    letter.start_sending()

    print(f"A letter to {arguments.subscribers} subscribers in 3 languages, {connection.vendor}, rate limit off:")
    started = time.perf_counter()
    sent = 0
    while True:
        result = send_batch(letter.pk, seconds=5)
        sent += result.sent
        elapsed = time.perf_counter() - started
        print(f"  {sent:6d} sent   {sent / elapsed:6.0f} mails/s so far   RSS {rss_mb():5.1f} MB")
        if result.finished or result.next_run is None:
            break
    elapsed = time.perf_counter() - started
    time.sleep(0.3)  # the server's counter catches up
    print(f"{sent} letters in {elapsed:.1f} s: {sent / elapsed:.0f} mails/s; the SMTP server received {counter.value}.")
    server.terminate()


if __name__ == "__main__":
    main()
