"""An organiser's ordinary session, on the database the suite runs on (SQLite
by default, PostgreSQL in CI's second pass): ten saves of a two-language tract
with a picture, through a threaded server, while the editor asks for page
counts and a worker (its own process) renders. Times are the benchmark's
(benchmarks/admin_save.py); here, what must never happen."""

import re
import subprocess
import threading
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from publishing.models import Image
from publishing.tasks import render_pdfs
from tracts.models import Tract
from tracts.printing import PRINT_FORMATS, current_records

from .helpers import jpeg_with_gps, wait_for, worker_environment

pytestmark = [pytest.mark.database_engine, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent


class KeepRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a save answers 302: that answer is what is checked


NO_REDIRECTS = urllib.request.build_opener(KeepRedirects)


class Organiser:
    """A signed-in browser: the session's cookie, the CSRF token, form posts."""

    def __init__(self, base_url: str, session_id: str) -> None:
        self.base_url = base_url
        self.cookies = {"sessionid": session_id}
        self.csrf = ""

    def get(self, path: str) -> tuple[int, str]:
        return self._open(urllib.request.Request(self.base_url + path))

    def post(self, path: str, data: dict) -> tuple[int, str]:
        body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": self.csrf}, doseq=True).encode()
        request = urllib.request.Request(self.base_url + path, data=body, method="POST")
        request.add_header("Referer", self.base_url + path)
        request.add_header("X-CSRFToken", self.csrf)
        return self._open(request)

    def _open(self, request) -> tuple[int, str]:
        request.add_header("Cookie", "; ".join(f"{name}={value}" for name, value in self.cookies.items()))
        request.add_header("Accept-Language", "fr")
        try:
            with NO_REDIRECTS.open(request, timeout=60) as response:
                status, headers, html = response.status, response.headers, response.read().decode()
        except urllib.error.HTTPError as error:
            status, headers, html = error.code, error.headers, error.read().decode(errors="replace")
        for cookie in headers.get_all("Set-Cookie") or []:
            name, value = cookie.split(";", 1)[0].split("=", 1)
            self.cookies[name] = value
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        if found:
            self.csrf = found[1]
        return status, html


def tract_data(picture: Image, edit: int, ids: tuple[int, int] | None = None) -> dict:
    figure = f'<figure><img src="{picture.file.url}" alt="{picture.alt_text}"></figure>'
    data = {
        "slug": "chaque-jour",
        "date": "2026-12-01",
        "original_language": "fr",
        "status": "published",
        "published_at_0": "2026-12-01",
        "published_at_1": "08:00:00",
        "legal_footer": "",
        "layout": "text",
        "poster_text": "slogan",
        "show_qr_code": "on",
        "versions-TOTAL_FORMS": "2",
        "versions-INITIAL_FORMS": "2" if ids else "0",
        "versions-MIN_NUM_FORMS": "1",
        "versions-MAX_NUM_FORMS": "1000",
    }
    for number, (language, title, text) in enumerate(
        [("fr", "Chaque jour", "Le contrôle nous suit partout."), ("en", "Every day", "Control follows us.")]
    ):
        data |= {
            f"versions-{number}-language": language,
            f"versions-{number}-title": title,
            f"versions-{number}-subtitle": "",
            f"versions-{number}-body": f"<p>{text} ({edit})</p>{figure}<p>{text}</p>",
            f"versions-{number}-contact": "contact@sans-score.example",
        }
        if ids:
            data[f"versions-{number}-id"] = str(ids[number])
            data[f"versions-{number}-tract"] = ""
    return data


@pytest.mark.django_db(transaction=True)
def test_ten_saves_while_the_editor_counts_pages_and_the_worker_renders(live_server, admin_user, settings):
    # The fixture tells django_tasks (setting_changed): set on django.conf.settings,
    # the site kept its immediate queue and rendered inside each save.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    picture = Image(file=ContentFile(jpeg_with_gps(1600, 1000), name="rue.jpg"), alt_text="Une rue")
    picture.save()
    signed_in = Client()
    signed_in.force_login(admin_user)
    organiser = Organiser(live_server.url, signed_in.cookies["sessionid"].value)
    worker = subprocess.Popen(
        [".venv/bin/python", "manage.py", "db_worker", "--interval", "0.2", "--no-startup-delay"],
        cwd=ROOT,
        env=worker_environment(Path(settings.MEDIA_ROOT)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    statuses: list[int] = []
    page_counts: list[int] = []
    done = threading.Event()

    def count_pages() -> None:
        editor = Organiser(live_server.url, signed_in.cookies["sessionid"].value)
        editor.get("/admin/tracts/tract/add/")
        edit = 0
        while not done.is_set():
            edit += 1
            status, _ = editor.post(
                "/admin/tracts/tract/pages/",
                {"language": "fr", "title": "Chaque jour", "body": f"<p>Le contrôle ({edit})</p>"},
            )
            page_counts.append(status)
            # The editor asks again once typing pauses for 2 s (static/collectif/editor.js):
            # a quick typist, not a loop.
            done.wait(1)

    counter = threading.Thread(target=count_pages)
    try:
        organiser.get("/admin/tracts/tract/add/")
        counter.start()
        status, _ = organiser.post("/admin/tracts/tract/add/", tract_data(picture, 0))
        statuses.append(status)
        tract = Tract.objects.get(slug="chaque-jour")
        ids = tuple(version.pk for version in tract.all_versions())
        change = f"/admin/tracts/tract/{tract.pk}/change/"
        for edit in range(1, 10):
            organiser.get(change)
            status, _ = organiser.post(change, tract_data(picture, edit, ids))
            statuses.append(status)
        done.set()
        counter.join(60)
        wait_for(
            lambda: not DBTaskResult.objects.exclude(status=TaskResultStatus.SUCCESSFUL).exists(),
            240,
            "the worker to render every queued PDF",
        )
    finally:
        done.set()
        worker.terminate()
        _, worker_log = worker.communicate(timeout=60)

    assert statuses == [302] * 10, statuses
    assert page_counts and set(page_counts) == {200}, sorted(set(page_counts))
    assert worker.returncode == 0, worker_log[-2000:]
    assert not DBTaskResult.objects.filter(status=TaskResultStatus.FAILED).exists()
    # The worker rendered, not the saves: each task went through the queue and was run by it.
    renders = DBTaskResult.objects.filter(task_path=render_pdfs.module_path)
    assert renders.exists() and not renders.filter(worker_ids=[]).exists()
    tract = Tract.objects.for_page().get(slug="chaque-jour")
    assert "(9)" in tract.version("en").body
    # Every PDF of the last text is rendered, none left "being made".
    assert len(current_records(tract.all_versions(), list(PRINT_FORMATS))) == 2 * len(PRINT_FORMATS)
