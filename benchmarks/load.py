"""Load and fault figures for the production stack (nginx + gunicorn + worker).

    .venv/bin/python benchmarks/load.py [--database sqlite|postgres] [--duration 30] [--connections 64]
                                        [--faults] [--skip-load]

Starts the stack of deploy/ on this machine (tests/stack.py: Debian's nginx
on local ports, gunicorn with 3 workers, one PDF worker, the sample content),
runs `wrk` against home, tract, article, search, a stored PDF through its
stable address, the stored file itself and a static file, and prints
requests per second and latency percentiles, with the ratios the issue sets
(stable address ≤ 2× a static file, stored file ≤ 1.2×, in time per request).

`--faults` (PostgreSQL; the disk-full case needs root to mount a small
tmpfs) then breaks things while a visitor keeps asking for pages and PDFs,
and prints what the visitor saw and what was lost:
- a PDF worker killed (SIGKILL) in the middle of its renders;
- the database refusing connections for 10 s (a TCP relay in front of
  PostgreSQL closes its port);
- the media disk full (the PDF folder on a 1 MB tmpfs).

Needs `wrk` (apt-get install wrk), nginx, openssl; PostgreSQL for --database
postgres and --faults (BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/collectif_bench, created and dropped).
"""

import argparse
import collections
import datetime
import json
import os
import platform
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import contextlib

from tests.stack import Stack, create_database, drop_database, free_port

WRK_LATENCY = re.compile(r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(
    url: str,
    *,
    duration: int,
    connections: int,
    threads: int = 2,
    headers: dict | None = None,
    script: str | None = None,
) -> dict:
    """wrk's figures for `url`; `script`: a Lua script's path (each request made by it)."""
    options = [item for name, value in (headers or {}).items() for item in ("-H", f"{name}: {value}")]
    options += ["-s", script] if script else []
    output = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "10s", *options, url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    latencies = {f"p{p}": float(value) * UNITS[unit] for p, value, unit in WRK_LATENCY.findall(output)}
    errors = 0
    if match := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output):
        errors += sum(int(n) for n in match.groups())
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        errors += int(match[1])
    requests_per_second = float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1])
    return {"rps": requests_per_second, **latencies, "errors": errors}


def fetch(stack: Stack, path: str, timeout: float = 30, method: str = "GET") -> tuple[int, dict, bytes]:
    """One HTTPS request through nginx, without following redirects."""
    import http.client

    from tests.stack import tls_context

    connection = http.client.HTTPSConnection("localhost", stack.https_port, timeout=timeout, context=tls_context())
    try:
        connection.request(method, path)
        response = connection.getresponse()
        return response.status, dict(response.headers), response.read()
    except OSError as error:
        return 0, {"error": str(error)}, b""
    finally:
        connection.close()


def fetch_made(stack: Stack, path: str, timeout: int = 120):
    """A stable PDF address once the workers have made its file (until then
    visitors get the page that says it is being made, a 503)."""
    deadline = time.monotonic() + timeout
    while True:
        status, headers, body = fetch(stack, path)
        if status != 503 or time.monotonic() > deadline:
            return status, headers, body
        time.sleep(1)


def load_run(stack: Stack, duration: int, connections: int) -> None:
    manifest = json.loads((stack.root / "static" / "staticfiles.json").read_text())["paths"]
    status, headers, _body = fetch_made(stack, "/fr/tracts/non-au-score/a5.pdf")
    assert status == 302, status
    stored = headers["Location"]
    status, _headers, pdf_body = fetch(stack, stored)
    assert status == 200
    # A static file of about the PDF's size, so that the comparison is of serving, not of bytes.
    sized = min(
        (name for name in manifest.values() if not name.endswith((".map", ".txt"))),
        key=lambda name: abs((stack.root / "static" / name).stat().st_size - len(pdf_body)),
    )
    sized_bytes = (stack.root / "static" / sized).stat().st_size
    targets = {
        "home": "/fr/",
        "tract": "/fr/tracts/non-au-score/",
        "article": "/fr/articles/machine-a-soupconner/",
        "search": "/fr/search/?q=controle",
        "PDF, stable address (302)": "/fr/tracts/non-au-score/a5.pdf",
        f"PDF, stored file ({len(pdf_body) // 1000} kB)": stored,
        "static file (site.css)": f"/static/{manifest['css/site.css']}",
        f"static file ({sized_bytes // 1000} kB)": f"/static/{sized}",
    }
    for path in targets.values():
        fetch(stack, path)  # warm caches
    print(f"\nwrk -t2 -c{connections} -d{duration}s through nginx (HTTPS, keep-alive)\n")
    results = _table(
        {name: stack.https + path for name, path in targets.items()}, duration=duration, connections=connections
    )
    static = results["static file (site.css)"]
    same_size = results[f"static file ({sized_bytes // 1000} kB)"]
    stored_name = f"PDF, stored file ({len(pdf_body) // 1000} kB)"
    for name, target, reference in (
        ("PDF, stable address (302)", 2.0, static),
        (stored_name, 1.2, static),
        (stored_name, 1.2, same_size),
    ):
        ratio = reference["rps"] / results[name]["rps"]
        print(f"{name}: {ratio:.2f}x the time per request of the static file {reference['bytes']} (target ≤ {target}x)")
    print(f"errors in all runs: {sum(r['errors'] for r in results.values())} (target 0)")

    port = stack.app_ports[0]
    print("\nThe same pages straight from gunicorn (no nginx cache), wrk -t2 -c4 -d10s, plain HTTP\n")
    app = {name: f"http://127.0.0.1:{port}{targets[name]}" for name in ("home", "tract", "article", "search")}
    _table(app, duration=10, connections=4, headers={"X-Forwarded-Proto": "https", "Host": "localhost"})


def _table(targets: dict[str, str], *, duration: int, connections: int, headers: dict | None = None) -> dict:
    print(f"| {'target':<28} | {'req/s':>8} | {'p50 ms':>7} | {'p90 ms':>7} | {'p99 ms':>7} | errors |")
    print(f"| {'-' * 28} | {'-' * 8} | {'-' * 7} | {'-' * 7} | {'-' * 7} | ------ |")
    results = {}
    for name, url in targets.items():
        result = wrk(url, duration=duration, connections=connections, headers=headers)
        result["bytes"] = name.split("(")[-1].rstrip(")") if "(" in name else name
        results[name] = result
        print(
            f"| {name:<28} | {result['rps']:>8.0f} | {result['p50']:>7.2f} | {result['p90']:>7.2f} "
            f"| {result['p99']:>7.2f} | {result['errors']:>6} |"
        )
    return results


class Visitor(threading.Thread):
    """Asks for a page, a stable PDF address and a stored PDF every 100 ms; counts what it got."""

    def __init__(self, stack: Stack, paths: list[str]) -> None:
        super().__init__(daemon=True)
        self.stack, self.paths = stack, paths
        self.seen: collections.Counter = collections.Counter()
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            for path in self.paths:
                status, _headers, body = fetch(self.stack, path, timeout=15)
                label = str(status) if status else "no answer"
                if status >= 500 and b"<h1>" in body:
                    label += " (designed page)"
                self.seen[label] += 1
            self.stop.wait(0.1)

    def finish(self) -> str:
        self.stop.set()
        self.join()
        return ", ".join(f"{label}: {count}" for label, count in sorted(self.seen.items()))


def damaged_pdfs(stack: Stack) -> tuple[int, int]:
    """(stored PDFs that are not whole, half-written .part files)."""
    folder = stack.root / "media" / "pdfs"
    damaged = 0
    for path in folder.glob("*/*.pdf"):
        content = path.read_bytes()
        if len(content) < 64 or b"%%EOF" not in content[-1024:]:
            damaged += 1
    return damaged, len(list(folder.glob("*/*.part")))


def new_tract(stack: Stack, slug: str, queue: bool = False) -> None:
    stack.manage(
        "shell",
        "-c",
        "from tracts.models import Tract, TractVersion; from publishing.tasks import render_pdfs; "
        f"t = Tract.objects.create(slug='{slug}', status='published'); "
        f"TractVersion.objects.create(tract=t, language='fr', title='{slug}', body='<p>Texte.</p>'); "
        f"TractVersion.objects.create(tract=t, language='en', title='{slug}', body='<p>Text.</p>'); "
        + ("render_pdfs.enqueue('tracts.Tract', t.pk)" if queue else ""),
    )


def task_states(database_url: str) -> dict[str, int]:
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as connection:
        rows = connection.execute("SELECT status, count(*) FROM django_tasks_database_dbtaskresult GROUP BY 1")
        return dict(rows.fetchall())


class Relay(threading.Thread):
    """A TCP relay in front of PostgreSQL that can refuse connections for a while."""

    def __init__(self, target_port: int) -> None:
        super().__init__(daemon=True)
        self.port, self.target_port = free_port(), target_port
        self.refusing = threading.Event()
        self.connections: list[socket.socket] = []

    def run(self) -> None:
        while True:
            if self.refusing.is_set():
                time.sleep(0.05)
                continue
            with socket.create_server(("127.0.0.1", self.port), reuse_port=True) as server:
                server.settimeout(0.1)
                while not self.refusing.is_set():
                    try:
                        client, _address = server.accept()
                    except TimeoutError:
                        continue
                    upstream = socket.create_connection(("127.0.0.1", self.target_port))
                    self.connections += [client, upstream]
                    for a, b in ((client, upstream), (upstream, client)):
                        threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()
            for connection in self.connections:  # an outage cuts open connections too
                connection.close()
            self.connections = []

    @staticmethod
    def _pipe(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, target):
                with contextlib.suppress(OSError):
                    end.close()


def fault_run(stack: Stack, relay: Relay) -> None:
    print("\nFault run (a visitor asks for a page, a stable PDF address and a stored PDF every 100 ms)\n")
    _status, headers, _body = fetch_made(stack, "/fr/tracts/non-au-score/a5.pdf")
    stored = headers["Location"]
    visitor_paths = ["/fr/tracts/", "/fr/tracts/non-au-score/a5.pdf", stored]

    # 1. A worker killed in the middle of its renders.
    new_tract(stack, "tue-en-plein-rendu", queue=True)
    deadline = time.monotonic() + 60
    while task_states(stack.database_url).get("RUNNING", 0) == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    visitor = Visitor(stack, [*visitor_paths, "/fr/tracts/tue-en-plein-rendu/a5-pro.pdf"])
    visitor.start()
    time.sleep(0.5)
    stack.processes["worker-0"].send_signal(signal.SIGKILL)
    stack.processes["worker-0"].wait()
    time.sleep(3)
    stack.start_worker(0)
    time.sleep(5)
    seen = visitor.finish()
    damaged, partial = damaged_pdfs(stack)
    print("worker killed mid-render:")
    print(f"  visitor saw: {seen}")
    print(f"  tasks: {task_states(stack.database_url)} (a task left RUNNING is not picked up again by itself)")
    print(f"  stored PDFs not whole: {damaged}; half-written .part files left: {partial} (cleanup_pdfs deletes them)")

    # 2. The database refusing connections for 10 s.
    visitor = Visitor(stack, visitor_paths)
    visitor.start()
    time.sleep(2)
    edits = collections.Counter()
    relay.refusing.set()
    outage_started = time.monotonic()
    try:
        new_tract(stack, "pendant-la-panne")
        edits["saved during the outage"] += 1
    except RuntimeError:
        edits["refused with an error during the outage"] += 1
    time.sleep(max(0.0, 10 - (time.monotonic() - outage_started)))
    relay.refusing.clear()
    recovered = None
    started = time.monotonic()
    while time.monotonic() - started < 30:
        if fetch(stack, "/fr/tracts/")[0] == 200:
            recovered = time.monotonic() - started
            break
        time.sleep(0.1)
    time.sleep(2)
    seen = visitor.finish()
    new_tract(stack, "apres-la-panne")
    edits["saved after the outage"] += 1
    print("database refusing connections for 10 s:")
    print(f"  visitor saw: {seen}")
    print(f"  pages answer again {recovered:.1f} s after the database is back" if recovered else "  NOT RECOVERED")
    print(f"  edits: {dict(edits)} (an edit is one transaction: saved whole or refused, never half)")
    worker_exit = stack.processes["worker-0"].poll()
    print(
        "  PDF worker: still running"
        if worker_exit is None
        else f"  PDF worker: exited ({worker_exit}); systemd starts it again (Restart=always)"
    )

    # 3. The media disk full.
    pdfs = stack.root / "media" / "pdfs"
    if os.geteuid() != 0:
        print("media disk full: skipped (needs root to mount a small tmpfs)")
        return
    moved = stack.root / "media" / "pdfs-before"
    pdfs.rename(moved)
    pdfs.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,mode=755", "tmpfs", str(pdfs)], check=True)
    try:
        new_tract(stack, "disque-plein")
        visitor = Visitor(
            stack,
            [
                "/fr/tracts/",
                *(f"/fr/tracts/disque-plein/{name}.pdf" for name in ("a5", "a4", "a6", "a5-pro", "a4-pro", "a6-pro")),
            ],
        )
        visitor.start()
        time.sleep(15)
        seen = visitor.finish()
        damaged, partial = damaged_pdfs(stack)
        used = subprocess.run(["df", "--output=pcent", str(pdfs)], capture_output=True, text=True).stdout.split()[-1]
        print("media disk full (PDF folder on a 1 MB tmpfs):")
        print(f"  visitor saw: {seen}")
        print(f"  disk use {used}; stored PDFs not whole: {damaged}; half-written .part files left: {partial}")
    finally:
        subprocess.run(["umount", str(pdfs)], check=False)
        pdfs.rmdir()
        moved.rename(pdfs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--duration", type=int, default=30)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--faults", action="store_true", help="the fault run (needs --database postgres)")
    parser.add_argument("--skip-load", action="store_true")
    options = parser.parse_args()
    if options.faults and options.database != "postgres":
        parser.error("--faults needs --database postgres")

    root = Path(tempfile.mkdtemp(prefix="collectif-load-"))
    relay = None
    if options.database == "postgres":
        database_url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/collectif_bench")
        create_database(database_url)
        parts = urllib.parse.urlsplit(database_url)
        relay = Relay(parts.port or 5432)
        relay.start()
        app_url = database_url.replace(parts.netloc, f"{parts.username or 'postgres'}@127.0.0.1:{relay.port}")
    else:
        database_url = app_url = f"sqlite:///{root / 'db.sqlite3'}"
    stack = Stack(root=root, database_url=app_url, instances=1, workers=1, gunicorn_workers=3)
    stack.extra_env = {
        "LOG_LEVEL": "WARNING",
        "CONN_MAX_AGE": "60",
        # Hashed names as in production; compressed copies change nothing for wrk (no Accept-Encoding).
        "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage",
    }
    machine = f"{platform.node()}: {os.cpu_count()} cores, {platform.platform()}"
    print(f"collectif load run, {datetime.date.today()}, {machine}")
    print(f"database: {options.database}; gunicorn: 1 instance, 3 sync workers; nginx: 2 worker processes")
    try:
        stack.prepare()
        stack.start()
        if not options.skip_load:
            load_run(stack, options.duration, options.connections)
        if options.faults:
            fault_run(stack, relay)
    finally:
        stack.stop()
        if options.database == "postgres":
            drop_database(database_url)


if __name__ == "__main__":
    main()
