"""Speed of tract PDFs: cold renders (fitting included), imposition, cached downloads.

    .venv/bin/python benchmarks/pdf_rendering.py [--runs 7] [--requests 200]

Works in a throw-away SQLite database and media folder. Imports a realistic
tract (the French sample about scoring), then prints medians of:
- the warm-up of the renderer, once per process before its first render;
- the cold render of each format (nothing stored beforehand), fitting and
  tagging included, in a child forked from the warmed process;
- fitting: the A5 leaflet rendered as before fitting existed (one layout at
  full size, untagged) against the fitted render, for the sample (enlarged
  to fill its page) and for a longer text that needs the bisection (one page
  only at a smaller size), with the number of layouts each fit took;
- the imposition overhead of the 2-up and 4-up sheets (leaflet already stored);
- a cached PDF download against a static file, both from the same production
  server (gunicorn + WhiteNoise, DEBUG off), one new connection per request.
"""

import argparse
import http.client
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
WORKDIR = Path(tempfile.mkdtemp(prefix="collectif-bench-"))
ENVIRONMENT = {
    "DATABASE_URL": f"sqlite:///{WORKDIR / 'bench.sqlite3'}",
    "MEDIA_ROOT": str(WORKDIR / "media"),
    "STATIC_ROOT": str(WORKDIR / "static"),
    "DEBUG": "0",
    "SECRET_KEY": "benchmark-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "ALLOWED_HOSTS": "127.0.0.1",
    "SECURE_SSL_REDIRECT": "0",
    "DJANGO_SETTINGS_MODULE": "collectif.settings",
}
os.environ.update(ENVIRONMENT)
sys.path.insert(0, str(PROJECT))

import django  # noqa: E402

django.setup()

from django.core.files.storage import default_storage  # noqa: E402
from django.core.management import call_command  # noqa: E402

from moving.kinds.tracts import import_tract  # noqa: E402
from publishing import pdf  # noqa: E402
from tracts.printing import A5, PRINT_FORMATS, ensure_tract_pdf, leaflet_html, tract_pdf_plan  # noqa: E402
from tracts.printing.leaflet import _fitted_html  # noqa: E402
from tracts.printing.plans import _leaflet_plan  # noqa: E402


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def clear_pdfs() -> None:
    shutil.rmtree(Path(ENVIRONMENT["MEDIA_ROOT"]) / "pdfs", ignore_errors=True)


def cold_renders(version, runs: int) -> dict[str, float]:
    figures = {}
    for print_format in PRINT_FORMATS.values():
        samples = []
        for _ in range(runs):
            clear_pdfs()
            started = time.perf_counter()
            ensure_tract_pdf(version, print_format)
            samples.append(time.perf_counter() - started)
        figures[print_format.name] = median_ms(samples)
    return figures


def fitting_costs(versions: dict, runs: int) -> dict[str, tuple[float, float, int]]:
    """(unfitted untagged render, fitted tagged render, layouts per fit) of the A5 leaflet, per text."""
    figures = {}
    lay_out = pdf.lay_out
    for label, version in versions.items():
        html = leaflet_html(version, A5)
        before, after = [], []
        for _ in range(runs):
            started = time.perf_counter()
            pdf.render_pdf(_fitted_html(html, A5, 1))
            before.append(time.perf_counter() - started)
            started = time.perf_counter()
            _leaflet_plan(version, A5, False).render()
            after.append(time.perf_counter() - started)
        layouts: list[object] = []

        def counted(*args, layouts=layouts, **kwargs):
            layouts.append(args)
            return lay_out(*args, **kwargs)

        pdf.lay_out = counted
        try:
            _leaflet_plan(version, A5, False).render()
        finally:
            pdf.lay_out = lay_out
        figures[label] = (median_ms(before), median_ms(after), len(layouts))
    return figures


def imposition_overheads(version, runs: int) -> dict[str, float]:
    figures = {}
    for name in ("a5-2up", "a6-4up"):
        print_format = PRINT_FORMATS[name]
        samples = []
        for _ in range(runs):
            clear_pdfs()
            leaflet = _leaflet_plan(version, print_format.size, False)
            ensure_tract_pdf(version, PRINT_FORMATS[print_format.size.name])  # the leaflet, stored
            assert default_storage.exists(leaflet.storage_name)
            started = time.perf_counter()
            ensure_tract_pdf(version, print_format)
            samples.append(time.perf_counter() - started)
        figures[name] = median_ms(samples)
    return figures


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def timed_get(port: int, path: str) -> tuple[float, int, int]:
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return time.perf_counter() - started, response.status, len(body)


def downloads(version, requests: int) -> dict[str, tuple[float, int]]:
    ensure_tract_pdf(version, PRINT_FORMATS["a5"])
    plan = tract_pdf_plan(version, PRINT_FORMATS["a5"])
    pdf_path = f"/pdf/{plan.fingerprint}/{plan.filename}"
    static_path = "/static/css/site.css"
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "collectif.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
        cwd=PROJECT,
        env={**os.environ, **ENVIRONMENT},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                timed_get(port, static_path)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        figures = {}
        for label, path in (("static file (site.css)", static_path), ("cached PDF (a5)", pdf_path)):
            for _ in range(20):  # warm up both workers
                timed_get(port, path)
            samples, size = [], 0
            for _ in range(requests):
                elapsed, status, size = timed_get(port, path)
                assert status == 200, (path, status)
                samples.append(elapsed)
            figures[label] = (median_ms(samples), size)
        return figures
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--requests", type=int, default=200)
    arguments = parser.parse_args()
    try:
        call_command("migrate", verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        sample = (PROJECT / "tracts" / "demo" / "non-au-score.fr.md").read_text(encoding="utf-8")
        version = import_tract(sample, "fr", slug="bench", publish=True)

        # Once per process, before its first render child (`pdf.warm_renderer`): timed on its own.
        started = time.perf_counter()
        pdf.warm_renderer()
        print(f"Renderer warm-up, once per process (ms)\n  {(time.perf_counter() - started) * 1000:15.0f}")
        print(f"Cold render, median of {arguments.runs} (ms)")
        for name, value in cold_renders(version, arguments.runs).items():
            print(f"  {name:<8} {value:7.0f}")
        longer = import_tract(
            "# Plus long\n\n"
            + "\n\n".join(
                "Les allocataires reçoivent des contrôles plus souvent que les autres parce que leur dossier "
                "change chaque mois et que la machine prend ce mouvement pour un risque de fraude." * 2
                for _ in range(11)
            ),
            "fr",
            slug="bench-long",
            publish=True,
        )
        print(
            "A5 leaflet: one layout at full size, untagged (before) / fitted and tagged (now), "
            f"median of {arguments.runs} (ms)"
        )
        costs = fitting_costs({"sample": version, "~350 words": longer}, arguments.runs)
        for label, (before, after, layouts) in costs.items():
            print(f"  {label:<12} {before:7.0f} / {after:7.0f}  ({after / before:.2f}x, {layouts} layouts)")
        print(f"Imposition overhead, leaflet already stored, median of {arguments.runs} (ms)")
        for name, value in imposition_overheads(version, arguments.runs).items():
            print(f"  {name:<8} {value:7.0f}")
        print(f"Download from gunicorn + WhiteNoise, median of {arguments.requests} requests (ms)")
        figures = downloads(version, arguments.requests)
        for label, (value, size) in figures.items():
            print(f"  {label:<24} {value:6.2f}  ({size} bytes)")
        ratio = figures["cached PDF (a5)"][0] / figures["static file (site.css)"][0]
        print(f"  cached PDF / static file: {ratio:.2f}x")
    finally:
        shutil.rmtree(WORKDIR, ignore_errors=True)


if __name__ == "__main__":
    main()
