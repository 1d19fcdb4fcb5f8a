"""A hostile-input run: every kind of bad input the hardening issue lists, fed to the site.

    .venv/bin/python benchmarks/hostile_inputs.py [--database sqlite|postgres]

In a throw-away database, with DEBUG off, it sends through Django's full
request handling (middleware, views, templates, the admin as a logged-in
organiser): hostile rich text in admin saves, hostile stored text to the PDF
renderer, NUL bytes and unsafe methods to every public address, broken,
animated and bomb pictures (and a full disk) to the image upload, broken
files to `import_article`, and password guesses from many addresses. It
prints, per kind, how many inputs, the answers, the server errors (500s and
exceptions that escaped) and the lost edits (an organiser's text neither
saved nor given back in the form), then the render times and the memory of
the web process.
"""

import argparse
import collections
import errno
import io
import os
import re
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from django.core.files.storage import FileSystemStorage

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from benchmarks.site_pages import configure  # noqa: E402 (the path is set just above)

NESTED_QUOTES = "<blockquote>" * 200 + "<p>x</p>" + "</blockquote>" * 200
HOSTILE_BODIES = {
    "colspan 1000000": '<table><tr><td colspan="1000000">x</td></tr></table>',
    "colspan 999999999": '<table><tr><td colspan="999999999">x</td></tr></table>',
    "rowspan 10^20": '<table><tr><td rowspan="100000000000000000000">x</td></tr></table>',
    "colspan -1 / abc": '<table><tr><td colspan="-1">x</td><td rowspan="abc">y</td></tr></table>',
    "colspan 51": '<table><tr><td colspan="51">x</td></tr></table>',
    "200 nested quotes": NESTED_QUOTES,
    "40 nested lists": "<ul><li>" * 40 + "x" + "</li></ul>" * 40,
    "600-cell table": "<table>" + ("<tr>" + "<td>x</td>" * 10 + "</tr>") * 60 + "</table>",
    "80-column row": "<table><tr>" + "<td>x</td>" * 80 + "</tr></table>",
    "600,000 characters": "<p>" + "a" * 600_000 + "</p>",
    "unclosed tags": "<table><tr><td><blockquote><ul><li>" * 20,
    "script and styles": '<script>alert(1)</script><p style="x" onclick="y">z</p><img src=https://t.example/p.gif>',
    "NUL and controls": "<p>a\x00b\x01c\x1fd</p>",
}


class Tally:
    def __init__(self) -> None:
        self.kinds: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
        self.server_errors: list[str] = []
        self.lost_edits: list[str] = []

    def answer(self, kind: str, label: str, status: int) -> None:
        self.kinds[kind][status] += 1
        if status >= 500 and status != 503:
            self.server_errors.append(f"{kind}: {label} → {status}")

    def escaped(self, kind: str, label: str, error: BaseException) -> None:
        self.kinds[kind]["exception"] += 1
        self.server_errors.append(f"{kind}: {label} → {type(error).__name__}: {str(error)[:100]}")


def admin_saves(tally: Tally, admin) -> None:
    from articles.models import ArticleVersion
    from tests.test_article_admin import article_form
    from tests.test_tract_admin import tract_form
    from tracts.models import TractVersion

    for number, (label, body) in enumerate(HOSTILE_BODIES.items()):
        for kind, url, form, model, prefix in (
            ("admin save, tract", "/admin/tracts/tract/add/", tract_form, TractVersion, "stop"),
            ("admin save, article", "/admin/articles/article/add/", article_form, ArticleVersion, "machine"),
        ):
            marker = f"MARQUEUR{number}X{prefix}"
            data = form(
                slug=f"{prefix}-{number}",
                **{"versions-TOTAL_FORMS": "1", "versions-0-body": f"<p>{marker}</p>{body}"},
            )
            try:
                response = admin.post(url, data)
            except Exception as error:  # counted: that is the point
                tally.escaped(kind, label, error)
                tally.lost_edits.append(f"{kind}: {label}")
                continue
            tally.answer(kind, label, response.status_code)
            saved = model.objects.filter(body__contains=marker).first()
            if response.status_code == 302 and saved is not None:
                if any(int(value) > 50 for value in re.findall(r'(?:col|row)span="(\d+)"', saved.body)):
                    tally.server_errors.append(f"{kind}: {label} stored a colspan over 50")
            elif not (response.status_code == 200 and marker in response.content.decode()):
                tally.lost_edits.append(f"{kind}: {label}")


def hostile_renders(tally: Tally, client, admin) -> list[float]:
    """Hostile text stored behind the cleaning's back (a restored database), then asked for as PDFs."""
    from articles.models import Article, ArticleVersion
    from tracts.models import Tract, TractVersion

    times = []
    for number, (label, body) in enumerate(list(HOSTILE_BODIES.items())[:4]):
        article = Article.objects.create(slug=f"piege-{number}", status="published")
        ArticleVersion.objects.create(article=article, language="fr", title=f"Piège {number}")
        ArticleVersion.objects.filter(article=article).update(body=body)
        tract = Tract.objects.create(slug=f"tract-piege-{number}", status="published")
        TractVersion.objects.create(tract=tract, language="fr", title=f"Piège {number}")
        TractVersion.objects.filter(tract=tract).update(body=body)
        for url in (f"/fr/articles/piege-{number}/article.pdf", f"/fr/tracts/tract-piege-{number}/a5.pdf"):
            for attempt in ("first", "again"):
                started = time.perf_counter()
                response = client.get(url)
                times.append(time.perf_counter() - started)
                tally.answer("hostile stored text → PDF", f"{label} {attempt}", response.status_code)
                # The visitor was told the PDF is being made: the worker makes it now.
                render_times.extend(run_queued_tasks())
            tally.answer("hostile stored text → PDF", "home after", client.get("/fr/").status_code)
        status = admin.get(f"/admin/tracts/tract/{tract.pk}/change/").status_code
        tally.answer("hostile stored text → PDF", "admin status page", status)
    return times


# How long each queued render took in the worker (filled by hostile_renders).
render_times: list[float] = []


def run_queued_tasks() -> list[float]:
    """Run what the pages queued (the run's queue keeps tasks), as the worker would; their durations."""
    from django_tasks import default_task_backend

    durations = []
    while default_task_backend.results:
        result = default_task_backend.results.pop(0)
        started = time.perf_counter()
        result.task.call(*result.args, **result.kwargs)
        durations.append(time.perf_counter() - started)
    return durations


def odd_requests(tally: Tally, client) -> None:
    from django.test import Client

    pages = [
        "/fr/",
        "/fr/tracts/",
        "/fr/tracts/tract-piege-0/",
        "/fr/articles/",
        "/fr/search/",
        "/fr/themes/x/",
        "/fr/authors/x/",
        "/fr/tracts/feed.rss",
        "/fr/articles/feed.atom",
        "/sitemap.xml",
        "/robots.txt",
        f"/pdf/{'0' * 20}/x.pdf",
    ]
    nul = ["?theme=%00", "?q=a%00b", "?page=%00", "?year=%00", "?%00=1", "?verso=%00", "%00"]
    for page in pages:
        for suffix in nul:
            url = page + suffix if suffix.startswith("?") else page.rstrip("/") + "/" + suffix
            tally.answer("NUL bytes in addresses", url, client.get(url).status_code)
        strict = Client(enforce_csrf_checks=True, raise_request_exception=False)
        for method in ("post", "put", "patch", "delete"):
            tally.answer("unsafe methods", f"{method} {page}", getattr(strict, method)(page).status_code)
        tally.answer("OPTIONS", page, client.options(page).status_code)
    for url in ("/admin/tracts/tract/?q=%00", "/admin/tracts/tract/?status=%00"):
        tally.answer("NUL bytes in addresses", url, client.get(url).status_code)
    # Digits str.isdigit() accepts and int() does not read.
    for digits in ("²²²²", "٣", "9" * 5000):
        for url in (
            f"/fr/tracts/?year={digits}",
            f"/fr/tracts/?page={digits}",
            f"/fr/agenda/?page={digits}",
            f"/fr/newsletter/unsubscribe/{digits}.x/",
            f"/fr/newsletter/preferences/{digits}.x/",
            f"/admin/tracts/tract/?year={digits}",
        ):
            tally.answer("numbers in other digits", url, client.get(url).status_code)
    strict = Client(enforce_csrf_checks=True, raise_request_exception=False)
    tally.answer("CSRF failure", "admin login", strict.post("/admin/login/", {"username": "a"}).status_code)


def pictures() -> dict[str, bytes]:
    from PIL import Image as PillowImage

    def save(picture, kind: str, **options) -> bytes:
        output = io.BytesIO()
        picture.save(output, kind, **options)
        return output.getvalue()

    red, blue = PillowImage.new("RGB", (600, 400), (220, 0, 0)), PillowImage.new("RGB", (600, 400), (0, 0, 220))
    photo = save(red, "JPEG")
    return {
        "bad colour profile.jpg": save(red, "JPEG", icc_profile=b"not a profile" * 8),
        "bomb.png": save(PillowImage.new("1", (14_000, 14_000)), "PNG"),
        "50-megapixel+.png": save(PillowImage.new("1", (7_200, 7_200)), "PNG"),
        "phone.mpo.jpg": save(red, "MPO", save_all=True, append_images=[blue]),
        "animated.gif": save(red, "GIF", save_all=True, append_images=[blue], duration=100),
        "animated.webp": save(red, "WEBP", save_all=True, append_images=[blue], duration=100),
        "animated.png": save(red, "PNG", save_all=True, append_images=[blue], duration=100),
        "truncated.jpg": photo[: len(photo) // 3],
        "a PDF named .jpg": b"%PDF-1.7\n" + b"x" * 500,
        "empty.jpg": b"",
        "TIFF.jpg": save(red, "TIFF"),
    }


def uploads(tally: Tally, admin) -> None:
    from django.conf import settings
    from django.core.files.storage import default_storage
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import override_settings

    from publishing.models import Image

    def upload(kind: str, name: str, content: bytes) -> None:
        before = Image.objects.count()
        try:
            response = admin.post(
                "/admin/collectif/image/add/",
                {"file": SimpleUploadedFile(name, content), "alt_text": "Une banderole"},
            )
        except Exception as error:  # counted: that is the point
            tally.escaped(kind, name, error)
            return
        tally.answer(kind, name, response.status_code)
        if response.status_code == 200 and Image.objects.count() != before:
            tally.server_errors.append(f"{kind}: {name} was both refused and stored")

    for name, content in pictures().items():
        upload("uploads", name, content)

    def stored_files() -> list[str]:
        root = Path(default_storage.path("images"))
        return sorted(str(path) for path in root.rglob("*") if path.is_file()) if root.exists() else []

    from tests.conftest import jpeg_with_gps

    before = stored_files()
    with override_settings(STORAGES={**settings.STORAGES, "default": {"BACKEND": f"{__name__}.DiskFull"}}):
        upload("uploads, full disk", "photo.jpg", jpeg_with_gps(2000, 1000))
    if stored_files() != before:
        tally.server_errors.append("uploads, full disk: a half-written file was left behind")


class DiskFull(FileSystemStorage):
    """A disk that fills up once the picture is written, half-way through its first rendition."""

    def _save(self, name, content):
        if "/r/" in name:
            Path(self.path(name)).parent.mkdir(parents=True, exist_ok=True)
            Path(self.path(name)).write_bytes(content.read()[:100])
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return super()._save(name, content)


def imports(tally: Tally, workdir: Path) -> None:
    from django.core.management import call_command
    from django.core.management.base import CommandError

    folder = workdir / "imports"
    folder.mkdir(exist_ok=True)
    texts = {
        "unclosed front matter": "---\ntitle: T\nTexte",
        "unknown key": "---\ntitle: T\nauteur: X\n---\nTexte",
        "bad date": "---\ntitle: T\ndate: hier\n---\nTexte",
        "note never written": "# T\n\nUn appel[^x].",
        "remote picture": "# T\n\n![Une image](https://tracker.example/p.jpg)",
        "picture outside the folder": "# T\n\n![Une image](../../etc/passwd)",
        "picture without description": "# T\n\n![](photo.jpg)",
        "200 nested quotes": "# T\n\n" + ">" * 200 + " Au fond.",
        "huge span": '# T\n\n<table><tr><td colspan="1000000">x</td></tr></table>',
        "title 5000 characters": "# " + "T" * 5000 + "\n\nTexte",
        "NUL byte": "# T\n\nUn\x00texte",
    }
    for name, content in pictures().items():
        texts[f"picture: {name}"] = f"# T\n\n![Une image]({name.replace(' ', '-')})"
        (folder / name.replace(" ", "-")).write_bytes(content)
    for label, text in texts.items():
        path = folder / "article.md"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        try:
            call_command("import_article", str(path), "--language", "fr", stdout=io.StringIO())
            tally.kinds["import_article"]["imported"] += 1
        except CommandError as error:
            tally.kinds["import_article"]["one-line error" if "\n" not in str(error) else "multi-line"] += 1
            if "\n" in str(error):
                tally.server_errors.append(f"import_article: {label} → a multi-line error")
        except Exception as error:  # counted: that is the point
            tally.escaped("import_article", label, error)


def logins(tally: Tally) -> None:
    from axes.models import AccessAttempt
    from django.contrib.auth import get_user_model
    from django.test import Client

    get_user_model().objects.create_user("organiser", password="a-long-organiser-passphrase", is_staff=True)
    client = Client(raise_request_exception=False)
    for number in range(12):
        response = client.post(
            "/admin/login/",
            {"username": "organiser", "password": "guess"},
            REMOTE_ADDR=f"2001:db8::{number + 1}",
            HTTP_USER_AGENT="SecretPhone 12",
        )
        tally.answer("password guesses, 12 addresses", f"guess {number}", response.status_code)
    row = " ".join(str(v) for values in AccessAttempt.objects.values() for v in values.values())
    if "SecretPhone" in row or "organiser" in row:
        tally.server_errors.append("login records keep the user agent or the user name")


def second_round(tally: Tally, client, workdir: Path) -> None:
    """The attacks of the second hardening round: each is held (the site
    answers as it should) or lost (it is counted as a server error)."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.core.management.base import CommandError
    from django.test import Client
    from django_otp.plugins.otp_static.models import StaticDevice

    from articles.models import Article
    from tracts.models import Tract, TractVersion

    def held(kind: str, label: str, ok: bool) -> None:
        tally.kinds[kind]["held" if ok else "lost"] += 1
        if not ok:
            tally.server_errors.append(f"{kind}: {label}")

    # A password without the second step reads nothing private.
    draft = Tract.objects.create(slug="brouillon-secret", status="draft")
    TractVersion.objects.create(tract=draft, language="fr", title="Brouillon secret", body="<p>Un nom.</p>")
    get_user_model().objects.create_user("half", password="a-long-half-way-passphrase", is_staff=True)
    half_way = Client(raise_request_exception=False)
    half_way.post("/admin/login/", {"username": "half", "password": "a-long-half-way-passphrase"})
    for url in (
        "/fr/tracts/brouillon-secret/a5.pdf",
        f"/pdf/{'a' * 20}/brouillon-secret-fr-a5.pdf",
        f"/admin/tracts/tract/{draft.pk}/preview/fr/a5.pdf",
        f"/admin/tracts/tract/{draft.pk}/preview/fr/",
    ):
        response = half_way.get(url)
        content = b"".join(response.streaming_content) if response.streaming else response.content
        held("password alone, private files", url, not content.startswith(b"%PDF") and b"Un nom." not in content)
    stranger = [client.get(f"/pdf/{'a' * 20}/{slug}-fr-a5.pdf").status_code for slug in ("brouillon-secret", "rien")]
    held("password alone, private files", "a draft answers like nothing", stranger[0] == stranger[1])

    # NUL bytes where old addresses and sessions read the database.
    for label, url, headers in (
        ("?p=", "/?p=%00", {}),
        ("?cat=", "/?cat=1%00", {}),
        ("sitemap ?p=", "/sitemap.xml?p=%00", {}),
        ("quoted session cookie", "/fr/", {"HTTP_COOKIE": 'sessionid="a\\000b"'}),
    ):
        tally.answer("NUL bytes, second round", label, client.get(url, **headers).status_code)

    # A crafted export folder: nothing of it comes in, the archive still answers.
    site = workdir / "crafted-site"
    (site / "tracts" / "piege").mkdir(parents=True, exist_ok=True)
    attacks = {
        "archived_pdf: ../": ("tracts", "fr", "---\ntitle: T\narchived_pdf: ../../../etc/passwd\n---\nTexte"),
        "cover: absolute": ("articles", "fr", "---\ntitle: T\ncover: /etc/hostname\n---\nTexte"),
        "status: hacked": ("tracts", "fr", "---\ntitle: T\nstatus: hacked\n---\nTexte"),
        "200 nested lists": (
            "tracts",
            "fr",
            "---\ntitle: T\n---\n" + "".join("  " * depth + "- x\n" for depth in range(200)),
        ),
        "language zz": ("tracts", "zz", "---\ntitle: T\n---\nTexte"),
    }
    # The same folder, clean, imports: the refusals below are the attacks'.
    (site / "tracts" / "piege" / "fr.md").write_text("---\ntitle: T\n---\nTexte")
    call_command("import_site", str(site), stdout=io.StringIO(), stderr=io.StringIO())
    held("import_site, crafted folder", "the clean folder imports", Tract.objects.filter(slug="piege").exists())
    Tract.objects.filter(slug="piege").delete()
    for label, (kind, language, text) in attacks.items():
        shutil.rmtree(site / "tracts", ignore_errors=True)
        (site / kind / "piege").mkdir(parents=True, exist_ok=True)
        (site / kind / "piege" / f"{language}.md").write_text(text)
        try:
            call_command("import_site", str(site), stdout=io.StringIO(), stderr=io.StringIO())
            refused = False
        except CommandError as error:
            refused = "\n" not in str(error)
        except Exception as error:  # counted: that is the point
            tally.escaped("import_site, crafted folder", label, error)
            continue
        imported = Tract.objects.filter(slug="piege").exists() or Article.objects.filter(slug="piege").exists()
        held("import_site, crafted folder", label, refused and not imported)
        Tract.objects.filter(slug="piege").delete()
        Article.objects.filter(slug="piege").delete()
        shutil.rmtree(site / kind, ignore_errors=True)
    held("import_site, crafted folder", "the archive answers", client.get("/fr/tracts/").status_code == 200)

    # Five wrong passwords from five addresses do not lock the organiser out.
    victim = get_user_model().objects.create_user("victim", password="the-victims-own-passphrase", is_staff=True)
    recovery = StaticDevice.objects.create(user=victim, name="recovery codes")  # an enrolled organiser
    recovery.token_set.create(token="12345678")
    attacker = Client(raise_request_exception=False)
    for number in range(5):
        attacker.post(
            "/admin/login/", {"username": "victim", "password": "guess"}, REMOTE_ADDR=f"198.51.100.{number + 1}"
        )
    owner = Client(raise_request_exception=False)
    response = owner.post(
        "/admin/login/", {"username": "victim", "password": "the-victims-own-passphrase"}, REMOTE_ADDR="203.0.113.7"
    )
    held("lockout by strangers", "the right password after 5 wrong ones", response.status_code == 302)

    # A text made of one enormous word: cards and feeds stay small.
    giant = Tract.objects.create(slug="mot-geant", status="published")
    TractVersion.objects.create(tract=giant, language="fr", title="Mot", body=f"<p>{'x' * 400_000}</p>")
    for url in ("/fr/", "/fr/tracts/", "/fr/tracts/feed.rss"):
        response = client.get(url)
        held("one 400,000-character word", url, response.status_code == 200 and len(response.content) < 100_000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    arguments = parser.parse_args()
    os.environ.setdefault("PDF_RENDER_TIMEOUT", "5")
    database_name = configure(arguments.database, "", "")
    os.environ["ALLOWED_HOSTS"] = "testserver,localhost"
    os.environ["TASKS_BACKEND"] = "django_tasks.backends.dummy.DummyBackend"
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client
    from django.utils import translation
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_static.models import StaticDevice

    workdir = Path(settings.MEDIA_ROOT).parent
    try:
        call_command("migrate", verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        translation.activate("en")
        user = get_user_model().objects.create_superuser("boss", password="x" * 20)
        admin = Client(raise_request_exception=False)
        admin.force_login(user)
        # An organiser who passed both steps (a recovery code, the second step).
        device = StaticDevice.objects.create(user=user, name="recovery codes")
        session = admin.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        client = Client(raise_request_exception=False)
        tally = Tally()
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        admin_saves(tally, admin)
        rss_renders = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        times = hostile_renders(tally, client, admin)
        rss_renders = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_renders
        odd_requests(tally, client)
        uploads(tally, admin)
        imports(tally, workdir)
        logins(tally)
        second_round(tally, client, workdir)
        elapsed = time.perf_counter() - started
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

        total = sum(sum(counter.values()) for counter in tally.kinds.values())
        print(f"{arguments.database}: {total} hostile inputs in {elapsed:.0f} s")
        for kind, counter in tally.kinds.items():
            answers = ", ".join(f"{status}: {count}" for status, count in sorted(counter.items(), key=str))
            print(f"  {kind:<34} {sum(counter.values()):>4}  ({answers})")
        print(f"server errors: {len(tally.server_errors)}")
        for line in tally.server_errors:
            print(f"  {line}")
        print(f"lost edits: {len(tally.lost_edits)}")
        for line in tally.lost_edits:
            print(f"  {line}")
        print(
            f"hostile PDF requests: longest {max(times):.1f} s, a repeated request {min(times) * 1000:.0f} ms; "
            f"their renders in the worker: longest {max(render_times, default=0):.1f} s "
            f"(limit {settings.PDF_RENDER_TIMEOUT} s per render)"
        )
        children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        print(
            f"memory: the web process grew {rss_renders // 1024} MB during the hostile renders "
            f"(their largest child process: {children // 1024} MB, limit {settings.PDF_RENDER_MEMORY_MB} MB more "
            f"than the parent); peak {rss_before // 1024} MB before the run, {rss_after // 1024} MB after "
            "(the run builds its own inputs: bomb pictures, long texts)"
        )
    finally:
        from django.db import connections

        connections.close_all()
        shutil.rmtree(workdir, ignore_errors=True)
        if database_name:
            subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"DROP DATABASE {database_name}"])


if __name__ == "__main__":
    main()
