"""Contact sheets of every print file of the demo tracts, to look at before printing.

    .venv/bin/python benchmarks/contact_sheets.py [--out var/contact-sheets] [--samples docs/print]

Works in a throw-away SQLite database and media folder. Loads the demo
tracts (French, English, Spanish, Arabic), renders every format of every
version in each leaflet layout, turns each PDF into pictures with pdftoppm
(poppler-utils) and lays them out, one row per version, on one PNG per
layout (leaflets, sheets, print-shop files) and one for the posters. Prints
each file's page count and fill, and the preflight's verdict on print-shop
files. `--samples` also writes the small pictures README's print section shows.
"""

import argparse
import io
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
WORKDIR = Path(tempfile.mkdtemp(prefix="collectif-sheets-"))
os.environ.update(
    {
        "DATABASE_URL": f"sqlite:///{WORKDIR / 'sheets.sqlite3'}",
        "MEDIA_ROOT": str(WORKDIR / "media"),
        "STATIC_ROOT": str(WORKDIR / "static"),
        "DEBUG": "0",
        "SECRET_KEY": "contact-sheets-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SETTINGS_MODULE": "collectif.settings",
    }
)
sys.path.insert(0, str(PROJECT))

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402

from publishing.pdf import store  # noqa: E402
from publishing.pdf.preflight import preflight  # noqa: E402
from tracts.models import Tract, TractVersion  # noqa: E402
from tracts.printing import PRINT_FORMATS, ensure_tract_pdf  # noqa: E402
from tracts.printing.fill import pdf_fills  # noqa: E402

PAGE_HEIGHT = 220  # pixels of each page's picture on a sheet
GAP = 12
LABEL = 16
LEAFLETS = [name for name, f in PRINT_FORMATS.items() if not f.poster]
POSTERS = [name for name, f in PRINT_FORMATS.items() if f.poster]


def pictures(data: bytes, height: int = PAGE_HEIGHT) -> list[Image.Image]:
    """Each page of a PDF as a picture `height` pixels high (pdftoppm)."""
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "file.pdf"
        source.write_bytes(data)
        subprocess.run(
            ["pdftoppm", "-png", "-scale-to-y", str(height), "-scale-to-x", "-1", str(source), f"{folder}/page"],
            check=True,
        )
        return [Image.open(path).convert("RGB") for path in sorted(Path(folder).glob("page*.png"))]


def render(version: TractVersion, name: str) -> tuple[bytes, str]:
    print_format = PRINT_FORMATS[name]
    data = store.read_stored(ensure_tract_pdf(version, print_format))
    facts = f"{len(pictures(data, 10))}p"
    if print_format.single_copy:
        facts += " fill " + "/".join(f"{fill:.0%}" for fill in pdf_fills(data, print_format.size))
    if print_format.print_shop:
        problems = preflight(data)
        facts += " preflight " + ("OK" if not problems else "; ".join(problems))
    return data, facts


def sheet(rows: list[tuple[str, list[tuple[str, list[Image.Image]]]]]) -> Image.Image:
    """One row per version: its files' pages side by side, each file labelled."""
    widths = [sum(sum(p.width for p in pages) + GAP for _, pages in cells) for _, cells in rows]
    image = Image.new("RGB", (max(widths) + 120, len(rows) * (PAGE_HEIGHT + LABEL + GAP) + GAP), "#888")
    draw = ImageDraw.Draw(image)
    for index, (title, cells) in enumerate(rows):
        top = GAP + index * (PAGE_HEIGHT + LABEL + GAP)
        draw.text((6, top + PAGE_HEIGHT // 2), title, fill="white")
        left = 120
        for label, pages in cells:
            draw.text((left, top), label, fill="white")
            for page in pages:
                image.paste(page, (left, top + LABEL))
                left += page.width + 2
            left += GAP
    return image


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=str(PROJECT / "var" / "contact-sheets"))
    parser.add_argument("--samples", help="also write README's small pictures to this folder")
    arguments = parser.parse_args()
    out = Path(arguments.out)
    out.mkdir(parents=True, exist_ok=True)
    call_command("migrate", verbosity=0)
    call_command("load_demo_tracts", stdout=io.StringIO())
    versions = list(TractVersion.objects.select_related("tract").order_by("tract__slug", "language"))
    started = time.perf_counter()
    samples = {}
    for layout in Tract.Layout:
        Tract.objects.update(layout=layout)
        rows = []
        for version in versions:
            version.refresh_from_db()
            cells = []
            for name in LEAFLETS:
                data, facts = render(version, name)
                print(f"{layout.value:8} {version.tract.slug:22} {version.language} {name:16} {facts}")
                cells.append((name, pictures(data)))
                if version.tract.slug == "non-au-score" and version.language == "fr" and name in ("a5", "a4"):
                    samples[f"{layout.value}-{name}"] = data
            rows.append((f"{version.tract.slug}\n{version.language}", cells))
        sheet(rows).save(out / f"layout-{layout.value}.png")
    rows = []
    for version in versions:
        cells = []
        for name in POSTERS:
            data, facts = render(version, name)
            print(f"{'poster':8} {version.tract.slug:22} {version.language} {name:16} {facts}")
            cells.append((name, pictures(data)))
            if version.tract.slug == "non-au-score" and version.language in ("fr", "ar") and name == "a3-poster":
                samples[f"poster-{version.language}"] = data
        rows.append((f"{version.tract.slug}\n{version.language}", cells))
    sheet(rows).save(out / "posters.png")
    print(f"Contact sheets in {out} ({time.perf_counter() - started:.0f} s)")
    if arguments.samples:
        folder = Path(arguments.samples)
        folder.mkdir(parents=True, exist_ok=True)
        for key in ("text-a5", "slogan-a5", "columns-a4", "poster-fr", "poster-ar"):
            pictures(samples[key], 300)[0].save(folder / f"{key}.png", optimize=True)
        print(f"README pictures in {folder}")


if __name__ == "__main__":
    main()
