"""Server time of the public pages with a large archive.

    .venv/bin/python benchmarks/site_pages.py [--database sqlite|postgres] [--count 5000] [--events 10000]
        [--runs 30] [--database-name NAME | --reuse PATH-or-NAME] [--only PAGE ...]

Creates, in a throw-away database, COUNT tracts and COUNT articles with three
language versions each (fr, en, ar), and EVENTS events in two languages (one
in ten a weekly desk recurring for two years, the others one-off, from five
years ago to two years ahead), then times each page through Django's
full request handling (middleware, views, templates; DEBUG off, no network)
and prints the median, the 95th percentile and the number of SQL queries.

Filling 10,000 documents takes minutes: `--reuse` keeps the database (an
SQLite file, or a PostgreSQL database named collectif_speed_…) and fills it
only when it does not hold COUNT tracts yet, so that later runs start at
once (new migrations are applied to it first).
"""

import argparse
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
# Random text from made-up words, so that a search matches what a real one
# would: the searched words are put in one version out of twenty ("rare"),
# and one common word is in every version (the worst case).
SYLLABLES = ["ra", "lo", "mi", "pe", "tu", "sa", "no", "ki", "de", "vo", "lu", "ga"]
FILLER = [a + b + c for a in SYLLABLES for b in SYLLABLES for c in SYLLABLES[:4]]
RARE = "contrôle algorithmes"
COMMON = "dossier"
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(FILLER) for _ in range(words)).capitalize() + "."


def paragraph(rng: random.Random) -> str:
    text = f"{sentence(rng, 25)} {COMMON} {sentence(rng, 5)}"
    return f"{text} {RARE}." if rng.random() < 0.05 else text


def configure(database: str, database_name: str, reuse: str) -> str | None:
    """Point Django at the database; returns the PostgreSQL database to drop afterwards, if any."""
    workdir = Path(tempfile.mkdtemp(prefix="collectif-bench-"))
    os.environ.update(
        {
            "DEBUG": "0",
            "SECRET_KEY": "benchmark-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
            "ALLOWED_HOSTS": "testserver",
            "SECURE_SSL_REDIRECT": "0",
            "MEDIA_ROOT": str(workdir / "media"),
            "STATIC_ROOT": str(workdir / "static"),
            "DJANGO_SETTINGS_MODULE": "collectif.settings",
        }
    )
    psql = ["psql", "-h", "127.0.0.1", "-U", "postgres"]
    if database == "postgres" and reuse:
        if not re.fullmatch(r"collectif_speed_\w+", reuse):
            sys.exit("--reuse: name a PostgreSQL database collectif_speed_…")
        exists = subprocess.run(
            [*psql, "-tAc", f"SELECT 1 FROM pg_database WHERE datname = '{reuse}'"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        if not exists:
            subprocess.run([*psql, "-qc", f"CREATE DATABASE {reuse}"], check=True)
        os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{reuse}"
        return None
    if database == "postgres":
        name = database_name or f"collectif_bench_{os.getpid()}"
        subprocess.run([*psql, "-qc", f"DROP DATABASE IF EXISTS {name}"], check=True)
        subprocess.run([*psql, "-qc", f"CREATE DATABASE {name}"], check=True)
        os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{name}"
        return name
    path = Path(reuse).resolve() if reuse else workdir / "bench.sqlite3"
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    return None


def populate(count: int) -> None:
    from django.db import connection
    from django.utils import timezone

    from articles.models import Article, ArticleVersion, Author
    from publishing.models import Theme
    from publishing.search import rebuild_index
    from tracts.models import Tract, TractVersion

    rng = random.Random(2026)
    themes = [Theme.objects.create(name=name) for name in ("Algorithmes", "Contrôle", "Droits", "Données")]
    authors = [Author.objects.create(name=f"Auteur {n}") for n in range(20)]
    now = timezone.now()
    languages = ("fr", "en", "ar")
    for model, version_model, link in ((Tract, TractVersion, "tract"), (Article, ArticleVersion, "article")):
        publications = model.objects.bulk_create(
            model(
                slug=f"{link}-{n}",
                status="published",
                published_at=now - timezone.timedelta(minutes=n),
                date=(now - timezone.timedelta(days=n % 3000)).date(),
            )
            for n in range(count)
        )
        versions = []
        for publication in publications:
            for language in languages:
                body = "".join(f"<p>{paragraph(rng) if i == 0 else sentence(rng, 30)}</p>" for i in range(5))
                fields = {"body": body, "search_text": body.replace("<p>", " ").replace("</p>", " ")}
                if version_model is ArticleVersion:
                    fields["word_count"] = 150
                versions.append(
                    version_model(**{link: publication}, language=language, title=sentence(rng, 6), **fields)
                )
        version_model.objects.bulk_create(versions, batch_size=2000)
        through = model.themes.through
        through.objects.bulk_create(
            through(**{f"{link}_id": p.pk, "theme_id": themes[p.pk % len(themes)].pk}) for p in publications
        )
        if model is Article:
            Article.authors.through.objects.bulk_create(
                Article.authors.through(article_id=p.pk, author_id=authors[p.pk % len(authors)].pk)
                for p in publications
            )
        # bulk_create skips save(): build the search data as the rebuild command does.
        rebuild_index([version_model])
    with connection.cursor() as cursor:
        # Fresh statistics, and on PostgreSQL the GIN indexes' pending entries
        # merged, as autovacuum does in a database in use.
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def populate_events(count: int) -> None:
    """`count` events, their versions, themes and stored occurrences (as their save would make them)."""
    import datetime

    from django.db import connection
    from django.utils import timezone

    from events import recurrence
    from events.models import Event, EventOccurrence, EventVersion
    from publishing.models import Theme

    rng = random.Random(2027)
    themes = list(Theme.objects.all()) or [Theme.objects.create(name="Contrôle")]
    zone = timezone.get_default_timezone()
    now = timezone.now()
    today = timezone.localdate()
    events = []
    for n in range(count):
        weekly = n % 10 == 0
        day = today + datetime.timedelta(days=rng.randint(-5 * 365, 2 * 365) if not weekly else rng.randint(-365, 30))
        start = datetime.datetime.combine(day, datetime.time(rng.choice([10, 14, 18])), zone)
        events.append(
            Event(
                slug=f"event-{n}",
                status="published",
                published_at=now - datetime.timedelta(minutes=n),
                date=day,
                starts_at=start,
                ends_at=start + datetime.timedelta(hours=2),
                recurrence=f"FREQ=WEEKLY;COUNT=104;BYDAY={WEEKDAYS[day.weekday()]}" if weekly else "",
                event_status="cancelled" if n % 37 == 0 else "scheduled",
                place_name=f"Salle {n % 50}",
            )
        )
    events = Event.objects.bulk_create(events, batch_size=2000)
    versions = [
        EventVersion(event=event, language=language, title=sentence(rng, 5), summary=sentence(rng, 12))
        for event in events
        for language in ("fr", "ar")
    ]
    EventVersion.objects.bulk_create(versions, batch_size=2000)
    through = Event.themes.through
    through.objects.bulk_create(
        through(event_id=event.pk, theme_id=themes[event.pk % len(themes)].pk) for event in events
    )
    occurrences, last_ends = [], {}
    for event in events:
        for occurrence in recurrence.expand(
            event.recurrence, event.starts_at.astimezone(zone), event.ends_at.astimezone(zone), event.event_status
        ):
            occurrences.append(
                EventOccurrence(
                    event=event,
                    starts_at=occurrence.starts_at,
                    ends_at=occurrence.ends_at,
                    original_start=occurrence.original_start,
                    status=occurrence.status,
                    visible_from=event.published_at,
                )
            )
            last_ends[event.pk] = occurrence.ends_at
    EventOccurrence.objects.bulk_create(occurrences, batch_size=5000)
    for event in events:
        event.last_ends_at = last_ends[event.pk]
    Event.objects.bulk_update(events, ["last_ends_at"], batch_size=2000)
    with connection.cursor() as cursor:
        # Fresh statistics, as autovacuum (or SQLite's PRAGMA optimize) keeps them.
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def populated(count: int, events: int) -> bool:
    """Whether a reused database already holds the benchmark's publications."""
    from articles.models import Article
    from events.models import Event
    from tracts.models import Tract

    return Tract.objects.count() == count and Article.objects.count() == count and Event.objects.count() == events


def machine_speed() -> float:
    """Milliseconds of a fixed piece of pure Python (median of 15): this
    shared machine's speed moves by half from hour to hour, and page figures
    with it; this one says how fast it was during the run."""
    samples = []
    for _ in range(15):
        started = time.perf_counter()
        sorted(str(number * 7919 % 10007) for number in range(100_000))
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def measure(runs: int, count: int, only: list[str]) -> None:
    import gc

    from django.db import connection
    from django.test import Client

    from articles.views import ARTICLES_PER_PAGE
    from tracts.views import TRACTS_PER_PAGE

    last_page = (count + TRACTS_PER_PAGE - 1) // TRACTS_PER_PAGE
    pages = {
        "home": "/fr/",
        "home in Arabic": "/ar/",
        "archive, first page": "/fr/tracts/",
        "archive, last page": f"/fr/tracts/?page={last_page}",
        "articles, last page": f"/fr/articles/?page={(count + ARTICLES_PER_PAGE - 1) // ARTICLES_PER_PAGE}",
        "tract": f"/fr/tracts/tract-{count // 2}/",
        "article": f"/fr/articles/article-{count // 2}/",
        "theme": "/fr/themes/controle/",
        "author": "/fr/authors/auteur-1/",
        "search": "/fr/search/?q=controle+algorithme",
        "search, every row": f"/fr/search/?q={COMMON}",
        "agenda": "/fr/agenda/",
        "agenda in Arabic": "/ar/agenda/",
        "agenda, page 10": "/fr/agenda/?page=10",
        "agenda, theme": "/fr/agenda/?theme=controle",
        "agenda, past year": f"/fr/agenda/past/{time.localtime().tm_year - 1}/",
        "event, weekly": "/fr/agenda/event-0/",
        "agenda feed (Atom)": "/fr/agenda/feed.atom",
        "agenda.ics (cached)": "/fr/agenda.ics",
    }
    if only:
        pages = {label: url for label, url in pages.items() if any(word in label for word in only)}
    client = Client()
    client.get("/fr/")  # URL patterns and templates loaded
    # As collectif/wsgi.py does in a server once the application is loaded.
    gc.collect()
    gc.freeze()
    for url in pages.values():
        client.get(url)  # warm caches
    # Round after round of every page, not one page's runs in a row: a
    # slow spell of this shared machine then weighs on every page alike.
    samples: dict[str, list[float]] = {label: [] for label in pages}
    for _ in range(runs):
        for label, url in pages.items():
            started = time.perf_counter()
            response = client.get(url)
            samples[label].append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
    print(f"machine: {machine_speed():.1f} ms for the reference piece of Python (before)")
    print(f"{'page':<22} {'median ms':>10} {'p95 ms':>8} {'queries':>8}")
    for label, url in pages.items():
        queries: list[str] = []

        def count(execute, sql, *args, queries=queries):
            queries.append(sql)
            return execute(sql, *args)

        with connection.execute_wrapper(count):
            client.get(url)
        times = sorted(samples[label])
        p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
        print(f"{label:<22} {statistics.median(times):>10.1f} {p95:>8.1f} {len(queries):>8}")
    print(f"machine: {machine_speed():.1f} ms for the reference piece of Python (after)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--database-name", default="", help="PostgreSQL database to create and drop")
    parser.add_argument(
        "--reuse",
        default="",
        metavar="PATH-or-NAME",
        help="keep the database (SQLite file, or PostgreSQL database collectif_speed_…) and reuse it if filled",
    )
    parser.add_argument("--only", nargs="*", default=[], metavar="PAGE", help="time only pages whose label has PAGE")
    arguments = parser.parse_args()
    database_name = configure(arguments.database, arguments.database_name, arguments.reuse)
    sys.path.insert(0, str(PROJECT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    try:
        call_command("migrate", verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        started = time.perf_counter()
        if arguments.reuse and populated(arguments.count, arguments.events):
            made = "reused"
        else:
            if arguments.reuse:
                call_command("flush", interactive=False, verbosity=0)
            populate(arguments.count)
            populate_events(arguments.events)
            made = f"made in {time.perf_counter() - started:.0f} s"
        count = arguments.count
        print(
            f"{arguments.database}: {count} tracts and {count} articles, 3 languages each, "
            f"{arguments.events} events ({made})"
        )
        measure(arguments.runs, arguments.count, arguments.only)
    finally:
        from django.db import connections

        connections.close_all()
        shutil.rmtree(Path(settings.MEDIA_ROOT).parent, ignore_errors=True)
        if database_name:
            subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"DROP DATABASE {database_name}"])


if __name__ == "__main__":
    main()
