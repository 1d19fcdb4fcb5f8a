"""The production stack as deployed: Debian's nginx with deploy/nginx/collectif.conf
in front of two gunicorn instances and two PDF workers, on PostgreSQL.

Runs when COLLECTIF_STACK_DATABASE_URL names a PostgreSQL database it may
create and drop (`.ci/run` sets it); skipped otherwise. Marker `stack`.
"""

import contextlib
import http.client
import json
import os
import re
import shutil
import socket
import ssl
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.stack import NGINX, Stack, create_database, drop_database, tls_context

DATABASE_URL = os.environ.get("COLLECTIF_STACK_DATABASE_URL", "")

pytestmark = [
    pytest.mark.stack,
    pytest.mark.skipif(not DATABASE_URL, reason="set COLLECTIF_STACK_DATABASE_URL (a PostgreSQL URL) to run"),
]

RENDERED = re.compile(r"Rendered (pdfs/\w\w/(\w+)\.pdf)")


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    missing = [tool for tool in ("openssl", "psql") if not shutil.which(tool)]
    missing += [] if Path(NGINX).exists() else ["nginx"]
    assert not missing, f"the stack test needs {missing}"
    create_database(DATABASE_URL)
    stack = Stack(root=tmp_path_factory.mktemp("stack"), database_url=DATABASE_URL, instances=2, workers=2)
    # Hashed names as in production, without compressing every file (nginx gzips on the fly).
    stack.extra_env = {"STATICFILES_BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}
    try:
        stack.prepare()
        stack.start()
        yield stack
    finally:
        codes = stack.stop()
        drop_database(DATABASE_URL)
    # Stopped by SIGTERM/SIGQUIT, every process must have exited by itself.
    assert all(code in (0, -15) for code in codes.values()), (codes, stack.logs()[-3000:])


def request(
    port: int, method: str, path: str, *, headers: dict | None = None, body: bytes | None = None, secure: bool = True
) -> tuple[int, http.client.HTTPMessage, bytes]:
    if secure:
        connection = http.client.HTTPSConnection("localhost", port, timeout=30, context=tls_context())
    else:
        connection = http.client.HTTPConnection("localhost", port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def get(stack: Stack, path: str, **headers) -> tuple[int, http.client.HTTPMessage, bytes]:
    return request(stack.https_port, "GET", path, headers=headers)


def made(stack: Stack, path: str, **headers) -> tuple[int, http.client.HTTPMessage, bytes]:
    """Ask for a PDF until the workers have made it: meanwhile visitors get, at
    once, a page saying it is being made (503, Retry-After, reloading itself)."""
    deadline = time.monotonic() + 120
    while True:
        status, answer_headers, body = get(stack, path, **headers)
        if status != 503 or time.monotonic() > deadline:
            return status, answer_headers, body
        assert answer_headers["Retry-After"].isdigit() and b'http-equiv="refresh"' in body, body[:300]
        time.sleep(1)


def get_from_instance(stack: Stack, index: int, path: str) -> tuple[int, http.client.HTTPMessage, bytes]:
    """Straight to one gunicorn instance, as nginx would ask it."""
    headers = {"Host": "localhost", "X-Forwarded-Proto": "https", "X-Forwarded-For": "192.0.2.1"}
    return request(stack.app_ports[index], "GET", path, headers=headers, secure=False)


def test_plain_http_is_sent_to_https(stack):
    status, headers, _body = request(stack.http_port, "GET", "/fr/tracts/", secure=False)
    assert status == 301
    assert headers["Location"] == f"https://localhost:{stack.https_port}/fr/tracts/"


@pytest.mark.parametrize(
    "path",
    [
        "/fr/",
        "/fr/tracts/",
        "/fr/tracts/non-au-score/",
        "/ar/tracts/non-au-score/",
        "/fr/articles/",
        "/fr/articles/machine-a-soupconner/",
        "/fr/search/?q=controle",
    ],
)
def test_pages_through_nginx_keep_the_sites_security_headers(stack, path):
    status, headers, body = get(stack, path)
    assert status == 200, (path, body[:300])
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert "camera=()" in headers["Permissions-Policy"]
    assert headers["Strict-Transport-Security"].startswith("max-age=")
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "Set-Cookie" not in headers


def test_a_pdf_through_its_stable_address_served_by_nginx_with_ranges(stack):
    status, headers, _body = made(stack, "/fr/tracts/non-au-score/a5.pdf")
    assert status == 302
    location = headers["Location"]
    assert re.fullmatch(r"/pdf/[0-9a-f]{20}/non-au-score-fr-a5\.pdf", location)

    status, headers, body = get(stack, location)
    assert status == 200
    assert headers["Content-Type"] == "application/pdf"
    assert body.startswith(b"%PDF-") and b"%%EOF" in body[-1024:]
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert headers["Content-Disposition"] == 'inline; filename="non-au-score-fr-a5.pdf"'
    assert "X-Accel-Redirect" not in headers
    assert "Accept-Language" not in headers.get("Vary", "")

    status, headers, part = get(stack, location, Range="bytes=0-99")
    assert status == 206
    assert headers["Content-Range"] == f"bytes 0-99/{len(body)}"
    assert part == body[:100]

    status, headers, tail = get(stack, location, Range="bytes=-16")
    assert status == 206 and tail == body[-16:]

    # The picture of its first page, beside it, under the same rule.
    status, headers, picture = get(stack, location.removesuffix(".pdf") + ".webp")
    assert status == 200 and headers["Content-Type"] == "image/webp" and picture.startswith(b"RIFF")


def test_stored_pdfs_are_not_reachable_as_media_files(stack):
    _status, headers, _body = made(stack, "/fr/tracts/non-au-score/a5.pdf")
    fingerprint = headers["Location"].split("/")[2]
    status, _headers, _body = get(stack, f"/media/pdfs/{fingerprint[:2]}/{fingerprint}.pdf")
    assert status == 404


def test_static_files_are_served_by_nginx_with_long_cache_headers(stack):
    manifest = json.loads((stack.root / "static" / "staticfiles.json").read_text())["paths"]
    hashed = manifest["css/site.css"]
    status, headers, body = get(stack, f"/static/{hashed}", **{"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert headers["Content-Encoding"] == "gzip"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert len(body) < (stack.root / "static" / hashed).stat().st_size


def _idle_connection(port: int, partial: bytes) -> ssl.SSLSocket:
    raw = socket.create_connection(("127.0.0.1", port), timeout=30)
    connection = tls_context().wrap_socket(raw, server_hostname="localhost")
    connection.sendall(partial)
    return connection


def test_idle_connections_and_slow_uploads_do_not_block_other_visitors(stack):
    """Four gunicorn workers in all; a dozen clients that hold their connection
    must not take them: nginx holds the clients, and drops them after 10 s."""
    idle = [_idle_connection(stack.https_port, b"GET /fr/ HTTP/1.1\r\nHost: localhost\r\nX-Slow: ") for _ in range(8)]
    uploads = [
        _idle_connection(
            stack.https_port,
            b"POST /fr/ HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: 100000\r\n\r\nq=",
        )
        for _ in range(4)
    ]
    stop = threading.Event()

    def dribble() -> None:
        while not stop.wait(1):
            for connection in uploads:
                with contextlib.suppress(OSError):
                    connection.sendall(b"a")

    dribbler = threading.Thread(target=dribble, daemon=True)
    dribbler.start()
    try:
        time.sleep(1)
        timings = []
        for path in ("/fr/", "/fr/tracts/", "/fr/articles/", "/en/", "/ar/"):
            started = time.monotonic()
            status, _headers, _body = get(stack, path)
            timings.append(time.monotonic() - started)
            assert status == 200
        assert max(timings) < 5, timings
    finally:
        stop.set()
        dribbler.join()
        for connection in idle + uploads:
            connection.close()


def test_an_oversized_body_is_refused_by_nginx_with_the_sites_page(stack):
    raw = _idle_connection(
        stack.https_port,
        b"POST /fr/ HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/octet-stream\r\n"
        b"Content-Length: 800000000\r\nConnection: close\r\n\r\n" + b"x" * 1000,
    )
    answer = b""
    while chunk := raw.recv(65536):
        answer += chunk
    raw.close()
    assert answer.startswith(b"HTTP/1.1 413")
    assert b"Fichier trop gros" in answer and b"Too large" in answer


@pytest.mark.parametrize(
    ("kind", "status"),
    [("header", 400), ("request line", 414)],
)
def test_an_oversized_header_or_address_is_refused_by_nginx_with_the_sites_page(stack, kind, status):
    if kind == "header":
        answer = request(stack.https_port, "GET", "/fr/", headers={"X-Big": "a" * 6000})
    else:
        answer = request(stack.https_port, "GET", "/fr/search/?q=" + "a" * 6000)
    assert answer[0] == status
    assert "Requête refusée".encode() in answer[2] and b"Request refused" in answer[2]
    assert b"gunicorn" not in answer[2].lower()


def _rendered(stack: Stack) -> list[str]:
    return [match[2] for match in RENDERED.finditer(stack.logs())]


def _wait_for_an_empty_queue(stack: Stack, timeout: float = 150) -> None:
    import psycopg

    deadline = time.monotonic() + timeout
    with psycopg.connect(DATABASE_URL, autocommit=True) as connection:
        while time.monotonic() < deadline:
            (waiting,) = connection.execute(
                "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE status IN ('READY', 'RUNNING')"
            ).fetchone()
            if waiting == 0:
                return
            time.sleep(1)
    raise AssertionError("the two workers did not empty the render queue in time")


def test_two_instances_and_two_workers_render_each_pdf_once_and_serve_it_alike(stack):
    # A tract nobody has asked for yet: no render was queued for it.
    stack.manage(
        "shell",
        "-c",
        "from tracts.models import Tract, TractVersion; "
        "t = Tract.objects.create(slug='deux-serveurs', status='published'); "
        "TractVersion.objects.create(tract=t, language='fr', title='Deux serveurs', body='<p>Un seul rendu.</p>')",
    )
    path = "/fr/tracts/deux-serveurs/a5-pro.pdf"

    def ask(index: int) -> str | None:
        started = time.monotonic()
        status, headers, _body = get(stack, path) if index % 3 == 2 else get_from_instance(stack, index % 3, path)
        # Nobody waits on the render: it is being made (503), or made (302).
        assert status in (302, 503) and time.monotonic() - started < 5, status
        return headers.get("Location")

    with ThreadPoolExecutor(max_workers=9) as pool:
        answers = list(pool.map(ask, range(18)))
    location = made(stack, path)[1]["Location"]
    assert {answer for answer in answers if answer} <= {location}
    fingerprint = location.split("/")[2]

    served = [get_from_instance(stack, index, location) for index in (0, 1)]
    assert [status for status, _headers, _body in served] == [200, 200]
    accel = {headers["X-Accel-Redirect"] for _status, headers, _body in served}
    assert accel == {f"/_stored-pdfs/{fingerprint[:2]}/{fingerprint}.pdf"}
    status, _headers, body = get(stack, location)
    assert status == 200 and body.startswith(b"%PDF-")

    assert _rendered(stack).count(fingerprint) == 1

    # The demo content's renders, queued at import, shared by the two workers.
    _wait_for_an_empty_queue(stack)
    rendered = _rendered(stack)
    assert len(rendered) > 20
    assert len(rendered) == len(set(rendered)), [f for f in rendered if rendered.count(f) > 1]
    logs = {path.name: path.read_text() for path in (stack.root / "logs").glob("worker-*.log")}
    assert all("Rendered" in text for text in logs.values()), "both workers should have taken renders"
    stored = {path.stem for path in Path(stack.root / "media" / "pdfs").glob("*/*.pdf")}
    assert set(rendered) <= stored
