"""Speed of `import_wordpress` on a large generated export.

    .venv/bin/python benchmarks/wordpress_import.py [--posts 2000] [--pictures 500]

Writes, in a throw-away folder, a WXR export of POSTS posts (classic and
block content, categories, tags, every fourth one with a picture; POSTS/10
pages) and a wp-content/uploads copy with PICTURES photos, imports it into a
throw-away SQLite database (DEBUG off, PDF renders queued, not run), then
imports it again (the update path), and prints the total time of each run and
posts per second, by the clock and by CPU time of this process (SQLite runs
in it; the clock also counts what else the machine is doing).
"""

import argparse
import io
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from xml.sax.saxutils import escape

PROJECT = Path(__file__).resolve().parent.parent
WORDS = [
    "allocataires",
    "caisse",
    "contrôle",
    "algorithme",
    "score",
    "dossier",
    "guichet",
    "droits",
    "numérique",
    "précarité",
]


def sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def item(rng: random.Random, wp_id: int, post_type: str, picture: int | None) -> str:
    paragraphs = [" ".join(sentence(rng, 18) for _ in range(3)) for _ in range(6)]
    if wp_id % 2:
        content = "\n\n".join(paragraphs)
        if picture is not None:
            src = f"https://ancien.example.org/wp-content/uploads/2023/05/photo-{picture}-1024x683.jpg"
            content += (
                f'\n\n[caption id="attachment_{picture}"]<img src="{src}" alt="Photo {picture}" /> Légende[/caption]'
            )
    else:
        content = "".join(f"<!-- wp:paragraph -->\n<p>{p}</p>\n<!-- /wp:paragraph -->\n\n" for p in paragraphs)
        if picture is not None:
            src = f"https://ancien.example.org/wp-content/uploads/2023/05/photo-{picture}.jpg"
            content += (
                f'<!-- wp:image -->\n<figure class="wp-block-image"><img src="{src}" alt="Photo {picture}"/></figure>'
            )
    category = rng.choice(["algorithmes", "controle", "guichets", "droits"])
    return f"""<item><title>{escape(sentence(rng, 6))} {wp_id}</title>
<link>https://ancien.example.org/2023/05/billet-{wp_id}/</link>
<dc:creator><![CDATA[camille]]></dc:creator>
<content:encoded><![CDATA[{content}]]></content:encoded><excerpt:encoded><![CDATA[]]></excerpt:encoded>
<wp:post_id>{wp_id}</wp:post_id><wp:post_date>2023-05-12 12:00:00</wp:post_date>
<wp:post_date_gmt>2023-05-12 10:00:00</wp:post_date_gmt><wp:post_name>billet-{wp_id}</wp:post_name>
<wp:status>publish</wp:status><wp:post_type>{post_type}</wp:post_type>
<category domain="category" nicename="{category}"><![CDATA[{category.capitalize()}]]></category>
<category domain="post_tag" nicename="tag-{wp_id % 50}"><![CDATA[Mot {wp_id % 50}]]></category></item>
"""


def write_export(folder: Path, posts: int, pictures: int) -> Path:
    from PIL import Image

    rng = random.Random(15)
    uploads = folder / "uploads" / "2023" / "05"
    uploads.mkdir(parents=True)
    for number in range(pictures):
        photo = Image.new("RGB", (1200, 800), (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
        photo.save(uploads / f"photo-{number}.jpg", "JPEG", quality=85)
    items = []
    for wp_id in range(1, posts + posts // 10 + 1):
        post_type = "post" if wp_id <= posts else "page"
        picture = (wp_id // 4) % pictures if wp_id % 4 == 0 and pictures else None
        items.append(item(rng, wp_id, post_type, picture))
    export = folder / "export.xml"
    export.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
        'xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">\n'
        "<channel><title>Banc d'essai</title><link>https://ancien.example.org</link><language>fr-FR</language>"
        "<wp:wxr_version>1.2</wp:wxr_version><wp:base_blog_url>https://ancien.example.org</wp:base_blog_url>"
        "<wp:author><wp:author_login>camille</wp:author_login>"
        "<wp:author_display_name>Camille Arnaud</wp:author_display_name></wp:author>\n"
        + "".join(items)
        + "</channel></rss>\n",
        encoding="utf-8",
    )
    return export


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--pictures", type=int, default=500)
    options = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="collectif-wp-bench-"))
    os.environ.update(
        {
            "DEBUG": "0",
            "SECRET_KEY": "benchmark-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
            "ALLOWED_HOSTS": "testserver",
            "MEDIA_ROOT": str(workdir / "media"),
            "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
            "DJANGO_SETTINGS_MODULE": "collectif.settings",
        }
    )
    sys.path.insert(0, str(PROJECT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    export = write_export(workdir, options.posts, options.pictures)
    print(f"export written: {export.stat().st_size / 1e6:.1f} MB, {time.perf_counter() - started:.1f} s")
    items = options.posts + options.posts // 10
    for label in ("first import", "second import (updates)"):
        started, cpu_started = time.perf_counter(), time.process_time()
        output = io.StringIO()
        call_command("import_wordpress", str(export), "--uploads", str(workdir / "uploads"), stdout=output)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        summary = [line for line in output.getvalue().splitlines() if line.startswith(("Created", "Updated", "Pict"))]
        print(
            f"{label}: {elapsed:.1f} s, {items / elapsed:.0f} posts/s; "
            f"CPU {cpu:.1f} s, {items / cpu:.0f} posts per CPU second  ({' '.join(summary)})"
        )
    print(f"work folder (delete it when done): {workdir}")


if __name__ == "__main__":
    main()
