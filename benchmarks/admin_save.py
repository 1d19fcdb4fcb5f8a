"""Time of an admin save of a four-language tract (what an organiser waits for).

    .venv/bin/python benchmarks/admin_save.py [--saves 20] [--database-url postgres://…]

Works in a throw-away database (a new SQLite file by default; with
--database-url, that PostgreSQL database, which it migrates and fills) and
media folder. Saves go through the real admin view, with the database queue
the site uses: renders are queued, not made, as in production where the
worker makes them. Prints the median and the slowest save, with and without a
text change.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
WORKDIR = Path(tempfile.mkdtemp(prefix="collectif-bench-"))

LANGUAGES = [
    ("fr", "Le score n’est pas un destin", "Nous refusons d’être notés par une machine."),
    ("en", "A score is not a fate", "We refuse to be rated by a machine."),
    ("es", "La puntuación no es un destino", "Nos negamos a ser calificados por una máquina."),
    ("ar", "التنقيط ليس قدرًا", "نرفض أن تقيّمنا آلة."),
]


def form(edit: int, ids: list[int] | None) -> dict:
    data = {
        "slug": "score-destin",
        "date": "2026-12-01",
        "original_language": "fr",
        "status": "published",
        "published_at_0": "2026-12-01",
        "published_at_1": "08:00:00",
        "legal_footer": "",
        "versions-TOTAL_FORMS": str(len(LANGUAGES)),
        "versions-INITIAL_FORMS": str(len(ids)) if ids else "0",
        "versions-MIN_NUM_FORMS": "1",
        "versions-MAX_NUM_FORMS": "1000",
    }
    for number, (language, title, sentence) in enumerate(LANGUAGES):
        data |= {
            f"versions-{number}-language": language,
            f"versions-{number}-title": title,
            f"versions-{number}-subtitle": "",
            f"versions-{number}-body": "".join(f"<p>{sentence} ({edit})</p>" for _ in range(12)),
            f"versions-{number}-contact": "contact@sans-score.example",
        }
        if ids:
            data[f"versions-{number}-id"] = str(ids[number])
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--saves", type=int, default=20)
    parser.add_argument("--database-url", default=f"sqlite:///{WORKDIR / 'bench.sqlite3'}")
    arguments = parser.parse_args()
    os.environ |= {
        "DATABASE_URL": arguments.database_url,
        "MEDIA_ROOT": str(WORKDIR / "media"),
        "DJANGO_SETTINGS_MODULE": "collectif.settings",
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "ALLOWED_HOSTS": "testserver",
    }
    sys.path.insert(0, str(PROJECT))
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_static.models import StaticDevice

    from tracts.models import Tract

    call_command("migrate", verbosity=0)
    Tract.objects.filter(slug="score-destin").delete()
    user, _ = get_user_model().objects.get_or_create(
        username="bench", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    client.force_login(user)
    device, _ = StaticDevice.objects.get_or_create(user=user, name="bench")
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()

    assert client.post("/admin/tracts/tract/add/", form(0, None)).status_code == 302
    tract = Tract.objects.get(slug="score-destin")
    ids = [version.pk for version in tract.all_versions()]
    change = f"/admin/tracts/tract/{tract.pk}/change/"
    timings: dict[str, list[float]] = {"text changed": [], "no change": []}
    for edit in range(1, arguments.saves + 1):
        for kind, number in (("text changed", edit), ("no change", edit)):
            started = time.perf_counter()
            response = client.post(change, form(number, ids))
            timings[kind].append((time.perf_counter() - started) * 1000)
            assert response.status_code == 302, response.status_code
    print(f"Admin save of a {len(LANGUAGES)}-language tract, {connection.vendor}, {arguments.saves} saves each:")
    for kind, values in timings.items():
        print(f"  {kind:13} median {statistics.median(values):6.0f} ms   slowest {max(values):6.0f} ms")


if __name__ == "__main__":
    main()
