"""A renderer that cannot be made to fall over: bounds on rich text, renders
in a limited child process, failures recorded, background tasks limited."""

import datetime
import hashlib
import io
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import weasyprint
import weasyprint.text.fonts
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django_tasks import TaskResultStatus
from pypdf import PdfReader

from articles.models import ArticleVersion
from publishing import pdf
from publishing.html import MAX_SPAN, check_html_bounds, clean_article_text
from publishing.models import PDFRenderFailure
from publishing.pdf import render as pdf_render
from publishing.pdf import sandbox, store
from publishing.pdf.preflight import preflight
from publishing.pdf.render import weasyprint_ffi
from publishing.tasks import TaskTimeLimitExceeded, requeue_interrupted_tasks, time_limit
from tests.test_article_admin import article_form
from tests.test_tract_admin import tract_form
from tracts.models import Tract
from tracts.printing import PRINT_FORMATS, leaflet_html, tract_pdf_plan

pytestmark = pytest.mark.django_db

NESTED_QUOTES = "<blockquote>" * 200 + "<p>Au fond.</p>" + "</blockquote>" * 200
HUGE_SPAN = '<table><tbody><tr><td colspan="1000000">x</td></tr></tbody></table>'
HUGE_TABLE = "<table><tbody>" + ("<tr>" + "<td>x</td>" * 10 + "</tr>") * 60 + "</tbody></table>"
WIDE_TABLE = '<table><tbody><tr><td colspan="40">a</td><td colspan="20">b</td></tr></tbody></table>'


@pytest.mark.parametrize(
    "html, needle",
    [
        (HUGE_SPAN, "spans 1000000 rows or columns"),
        ('<table><tr><td rowspan="99999999999999999999">x</td></tr></table>', "spans ∞"),
        (NESTED_QUOTES, "201 deep"),
        (HUGE_TABLE, "600 cells"),
        (WIDE_TABLE, "60 columns wide"),
        ("<p>" + "a" * 600_000 + "</p>", "the limit is 500000"),
    ],
)
def test_texts_beyond_the_bounds_are_refused_with_a_message(html, needle):
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        check_html_bounds(html)
    assert needle in " ".join(refused.value.messages)


def test_texts_within_the_bounds_pass():
    table = "<table><tbody>" + ('<tr><td colspan="48">a</td><td rowspan="50">b</td></tr>') * 40 + "</tbody></table>"
    check_html_bounds(table + "<blockquote>" * 10 + "<p>x</p>" + "</blockquote>" * 10 + "<p>a<br>b<img src=x></p>")


def test_spans_in_other_digits_are_dropped_not_an_error():
    # "²".isdigit() is true and int("²") fails: the admin's save was a 500.
    table = '<table><tbody><tr><td colspan="²">a</td><td rowspan="٣">b</td></tr></tbody></table>'
    check_html_bounds(table)
    assert clean_article_text(table) == "<table><tbody><tr><td>a</td><td>b</td></tr></tbody></table>"


def test_cleaning_clamps_spans_as_a_last_resort():
    cleaned = clean_article_text('<table><tr><td colspan="1000000">a</td><td rowspan="abc">b</td></tr></table>')
    assert f'colspan="{MAX_SPAN}"' in cleaned
    assert "rowspan" not in cleaned


def test_admin_refuses_a_huge_span_and_keeps_the_edit(admin_client):
    hostile = f"<p>Mon tableau :</p>{HUGE_SPAN}"
    response = admin_client.post(
        reverse("admin:articles_article_add"),
        article_form(**{"versions-0-body": hostile}),
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "spans 1000000 rows or columns; at most 50" in html
    assert "Mon tableau" in html  # the organiser's text is still in the form
    assert not ArticleVersion.objects.exists()


def test_admin_refuses_deep_nesting_without_a_recursion_error(admin_client):
    response = admin_client.post(
        reverse("admin:tracts_tract_add"),
        tract_form(**{"versions-0-body": NESTED_QUOTES}),
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 200
    assert "nests elements 201 deep" in response.content.decode()
    assert not Tract.objects.exists()


def test_a_render_that_eats_memory_fails_in_its_child_and_is_recorded(settings):
    settings.PDF_RENDER_MEMORY_MB = 200

    def greedy() -> bytes:
        hoard = []
        while True:
            hoard.append(bytearray(50 * 1024 * 1024))

    with pytest.raises(pdf.RenderFailed) as failed:
        store.store_once(store.storage_name("a" * 20), greedy)
    assert failed.value.reason == pdf.RenderFailed.MEMORY
    record = PDFRenderFailure.objects.get(fingerprint="a" * 20)
    with translation.override("en"):
        assert record.reason == "memory" and "200 MB" in record.message


def test_a_slow_render_is_stopped_at_the_time_limit(settings):
    settings.PDF_RENDER_TIMEOUT = 1
    started = time.monotonic()
    with pytest.raises(pdf.RenderFailed) as failed:
        sandbox.render_in_child(lambda: time.sleep(30) or b"")
    assert failed.value.reason == pdf.RenderFailed.TIME
    assert time.monotonic() - started < 5


def test_a_recursion_error_in_the_renderer_is_a_recorded_failure():
    def deep(n: int = 0) -> bytes:
        return deep(n + 1)

    with pytest.raises(pdf.RenderFailed) as failed:
        store.store_once(store.storage_name("b" * 20), deep)
    assert failed.value.reason == pdf.RenderFailed.ERROR
    assert "RecursionError" in failed.value.detail


def test_a_time_out_is_retried_only_by_the_worker_other_failures_later(settings, monkeypatch, make_tract):
    tract = make_tract("echec")
    plan = tract_pdf_plan(tract.all_versions()[0], PRINT_FORMATS["a5"])
    PDFRenderFailure.objects.create(fingerprint=plan.fingerprint, reason="time", failed_at=timezone.now())
    renders = []
    real_render = sandbox.render_in_child
    monkeypatch.setattr(sandbox, "render_in_child", lambda render: renders.append(1) or real_render(render))

    for _attempt in range(3):
        with pytest.raises(pdf.RenderFailed):
            store.ensure_stored(plan)
    assert renders == []

    # After the delay, a time-out is still never tried again by a web process…
    PDFRenderFailure.objects.update(
        failed_at=timezone.now() - datetime.timedelta(seconds=settings.PDF_RENDER_RETRY_AFTER)
    )
    with pytest.raises(pdf.RenderFailed):
        store.ensure_stored(plan)
    assert renders == []
    # …only by the worker (which succeeds here and stores it).
    with pdf.retrying_time_outs():
        assert store.ensure_stored(plan) is True
    assert renders == [1]

    # Another failure is tried again by anyone after the delay.
    other = tract_pdf_plan(tract.all_versions()[0], PRINT_FORMATS["a6"])
    PDFRenderFailure.objects.create(fingerprint=other.fingerprint, reason="crash", failed_at=timezone.now())
    with pytest.raises(pdf.RenderFailed):
        store.ensure_stored(other)
    PDFRenderFailure.objects.filter(fingerprint=other.fingerprint).update(
        failed_at=timezone.now() - datetime.timedelta(seconds=settings.PDF_RENDER_RETRY_AFTER)
    )
    assert store.ensure_stored(other) is True

    PDFRenderFailure.objects.create(fingerprint="c" * 20, reason="crash", failed_at=timezone.now())
    call_command("render_pdfs", stdout=None)
    assert not PDFRenderFailure.objects.exists()


def test_hostile_stored_text_gives_a_clean_page_and_the_server_keeps_answering(client, settings, make_article):
    settings.PDF_RENDER_TIMEOUT = 2
    article = make_article("piege", {"fr": {}, "en": {}})
    # As if it came from a database restored from elsewhere: no cleaning, no bounds.
    ArticleVersion.objects.filter(article=article).update(body=f"<p>Piège</p>{HUGE_SPAN}")

    for language, words in (("en", "This PDF cannot be made"), ("fr", "Ce PDF ne peut pas être fabriqué")):
        for _attempt in range(2):
            response = client.get(f"/{language}/articles/piege/article.pdf")
            assert response.status_code == 503
            assert words in response.content.decode()
            assert f'href="/{language}/articles/piege/"' in response.content.decode()
            assert response["Cache-Control"] == "no-store"
    assert PDFRenderFailure.objects.count() == 2  # one per language: the second requests did not render again
    assert client.get("/fr/").status_code == 200
    assert client.get("/fr/articles/piege/").status_code == 200


def test_admin_shows_why_a_pdf_failed(admin_client, make_tract):
    tract = make_tract("statut-echec")
    plan = tract_pdf_plan(tract.all_versions()[0], PRINT_FORMATS["a6"])
    PDFRenderFailure.objects.create(fingerprint=plan.fingerprint, reason="memory", failed_at=timezone.now())
    html = admin_client.get(
        reverse("admin:tracts_tract_change", args=[tract.pk]), headers={"Accept-Language": "en"}
    ).content.decode()
    assert "this PDF failed to render: it needed more than" in html


def test_a_failed_render_after_an_admin_save_is_told_on_the_change_page(
    admin_client, monkeypatch, django_capture_on_commit_callbacks
):
    def failing(render):
        raise pdf.RenderFailed(pdf.RenderFailed.MEMORY)

    monkeypatch.setattr(sandbox, "render_in_child", failing)
    # The test queue renders when the save commits, as the worker does after it.
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("admin:tracts_tract_add"), tract_form())
    assert response.status_code == 302
    tract = Tract.objects.get(slug="stop-au-score")
    page = admin_client.get(reverse("admin:tracts_tract_change", args=[tract.pk]), headers={"Accept-Language": "en"})
    assert "this PDF failed to render: it needed more than" in page.content.decode()


def test_links_inside_pdfs_lead_to_the_site(settings, make_tract):
    settings.SITE_URL = "https://collectif.example"
    tract = make_tract("liens", {"fr": {"body": '<p><a href="/fr/articles/">nos analyses</a></p>'}})
    plan = tract_pdf_plan(tract.all_versions()[0], PRINT_FORMATS["a5"])
    page = PdfReader(io.BytesIO(store.read_stored(plan))).pages[0]
    targets = [annotation.get_object()["/A"]["/URI"] for annotation in page.get("/Annots", [])]
    assert "https://collectif.example/fr/articles/" in targets
    assert not [target for target in targets if pdf.RENDER_HOST in target]


@pytest.mark.database_engine
@pytest.mark.skipif(connection.vendor != "postgresql", reason="advisory locks are PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_the_render_lock_is_released_before_the_outer_transaction_ends():
    key = int.from_bytes(hashlib.sha256(b"lock-test").digest()[:8], "big", signed=True)
    taken = []

    def other_session():
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
            taken.append(cursor.fetchone()[0])
            cursor.execute("SELECT pg_advisory_unlock_all()")
        connections["default"].close()

    with transaction.atomic():
        with store.render_lock("lock-test"):
            pass
        thread = threading.Thread(target=other_session)
        thread.start()
        thread.join()
    assert taken == [True]


def test_tasks_stop_at_their_time_limit():
    with pytest.raises(TaskTimeLimitExceeded), time_limit(1):
        time.sleep(3)


def test_tasks_left_running_by_a_killed_worker_are_queued_again(settings, make_tract):
    from django_tasks_db.models import DBTaskResult

    from publishing.tasks import render_pdfs

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    killed = render_pdfs.enqueue("tracts.Tract", 1)
    running = render_pdfs.enqueue("tracts.Tract", 2)
    long_ago = timezone.now() - datetime.timedelta(seconds=settings.TASK_TIME_LIMIT + 120)
    DBTaskResult.objects.filter(pk=killed.id).update(status=TaskResultStatus.RUNNING, started_at=long_ago)
    DBTaskResult.objects.filter(pk=running.id).update(status=TaskResultStatus.RUNNING, started_at=timezone.now())

    assert requeue_interrupted_tasks() == 1
    assert DBTaskResult.objects.get(pk=killed.id).status == TaskResultStatus.READY
    assert DBTaskResult.objects.get(pk=running.id).status == TaskResultStatus.RUNNING
    assert DBTaskResult.objects.ready().filter(pk=killed.id).exists()


def test_the_article_admin_shows_why_a_pdf_failed(admin_client, make_article):
    from articles.printing import article_pdf_plan

    article = make_article("analyse-echec")
    fingerprint = article_pdf_plan(article.all_versions()[0]).fingerprint
    PDFRenderFailure.objects.create(fingerprint=fingerprint, reason="time", failed_at=timezone.now())
    html = admin_client.get(
        reverse("admin:articles_article_change", args=[article.pk]), headers={"Accept-Language": "en"}
    ).content.decode()
    assert "this PDF failed to render: it took longer than" in html


SLOW_RENDER = """
import time
import django
django.setup()
from publishing.pdf.sandbox import render_in_child
render_in_child(lambda: time.sleep(120))
"""


def running(pid: str) -> bool:
    """Whether a process is alive (a zombie waiting for init to reap it is not)."""
    try:
        return ") Z " not in Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False


def test_a_render_child_dies_with_its_killed_parent():
    parent = subprocess.Popen(
        [sys.executable, "-c", SLOW_RENDER],
        cwd=Path(__file__).resolve().parent.parent,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"},
    )
    try:
        deadline = time.monotonic() + 60
        children: list[str] = []
        while not children and time.monotonic() < deadline:
            time.sleep(0.2)
            # The render child, not a helper program Python runs on the way (ctypes runs gcc).
            children = subprocess.run(
                ["pgrep", "-P", str(parent.pid), "python"], capture_output=True, text=True
            ).stdout.split()
        assert children, "the render child did not start"
        parent.send_signal(signal.SIGKILL)  # as the out-of-memory killer would end a worker
        parent.wait()
        deadline = time.monotonic() + 10
        while running(children[0]) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not running(children[0]), "the render child outlived its parent"
    finally:
        if parent.poll() is None:
            parent.kill()


class ProfilesCompressedAlready(dict):
    """The parent's compressed profiles, after warming: a render that compresses one again fails."""

    def __setitem__(self, key, value):
        raise AssertionError("the print-shop profile was compressed again")


@pytest.mark.own_pdf_store
def test_a_warmed_parent_hands_its_children_the_compressed_profile(monkeypatch, make_tract, django_assert_num_queries):
    monkeypatch.setattr(pdf_render, "_warmed", False)
    monkeypatch.setattr(pdf_render, "_compressed_profiles", {})
    warm_ups = []
    real_write = pdf_render.write_pdf
    monkeypatch.setattr(
        pdf_render, "write_pdf", lambda document, **options: warm_ups.append(1) or real_write(document, **options)
    )
    with django_assert_num_queries(0):  # the warm-up reads our static files, never the database
        threads = [threading.Thread(target=pdf.warm_renderer) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        pdf.warm_renderer()
    assert warm_ups == [1]
    assert len(pdf_render._compressed_profiles) == 1  # the print-shop profile, compressed in this process

    monkeypatch.setattr(pdf_render, "_compressed_profiles", ProfilesCompressedAlready(pdf_render._compressed_profiles))
    tract = make_tract("chaud")
    data = store.read_stored(tract_pdf_plan(tract.all_versions()[0], PRINT_FORMATS["a5-pro"]))
    assert warm_ups == [1]  # the render in a child did not warm anything again
    assert preflight(data) == []  # PDF/X-4, its output intent embedding the one profile


@pytest.mark.own_pdf_store
def test_a_render_child_leaves_no_temporary_files(tmp_path, monkeypatch, make_tract):
    import tempfile as temporary

    pdf.warm_renderer()  # the parent's own fonts folder, kept for its life
    temporary_folder = tmp_path / "temporary"
    temporary_folder.mkdir()
    monkeypatch.setattr(temporary, "tempdir", str(temporary_folder))
    tract = make_tract("sans-traces", {"fr": {}})
    store.ensure_stored(tract_pdf_plan(tract.all_versions()[0], PRINT_FORMATS["a5-pro"]))
    assert list(temporary_folder.iterdir()) == []


class Counted:
    """Counts the print stylesheets parsed and the font configurations made, wherever they are."""

    def __init__(self, monkeypatch) -> None:
        self.stylesheets: list[str] = []
        self.font_configs = 0
        real_css, real_font_config = weasyprint.CSS.__init__, weasyprint.text.fonts.FontConfiguration.__init__

        def css(sheet, *args, url=None, **options):
            if url is not None:
                self.stylesheets.append(url)
            real_css(sheet, *args, url=url, **options)

        def font_config(config):
            self.font_configs += 1
            real_font_config(config)

        monkeypatch.setattr(weasyprint.CSS, "__init__", css)
        monkeypatch.setattr(weasyprint.text.fonts.FontConfiguration, "__init__", font_config)


@pytest.fixture
def freshly_warmed(monkeypatch):
    """This process warmed again, for a test to spoil (the real warm-up comes back after it)."""
    for name, value in (("_warmed", False), ("_warm_font_config", None), ("_warm_font_files", [])):
        monkeypatch.setattr(pdf_render, name, value)
    pdf.warm_renderer()
    assert pdf_render._warm_font_config is not None and pdf_render._warm_font_files


def fonts_of(data: bytes) -> set[str]:
    fonts = set()
    for page in PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]).split("+")[-1])
    return fonts


def test_a_render_child_starts_with_the_fonts_and_stylesheets_its_parent_warmed(
    monkeypatch, make_tract, freshly_warmed
):
    """Registering our ten font faces and parsing the print stylesheet took a
    fifth of an A5 render in every child; the parent did it already."""
    counted = Counted(monkeypatch)
    version = make_tract("au-chaud", {"ar": {"body": "<p>لا للتنقيط السري.</p>"}}).all_versions()[0]
    plan = tract_pdf_plan(version, PRINT_FORMATS["a5"])
    data, stylesheets, font_configs = sandbox.render_in_child(
        lambda: (plan.render(), counted.stylesheets, counted.font_configs)
    )
    assert (stylesheets, font_configs) == ([], 0)
    assert {"Noto-Sans-Arabic-Bold", "Noto-Naskh-Arabic"} <= fonts_of(data)
    # Outside a render child, threads may lay out at once: each render has its own fonts.
    assert pdf.font_configuration() is not pdf.font_configuration()
    assert pdf.font_configuration() is not pdf_render._warm_font_config


def test_render_children_forked_at_once_make_what_they_make_one_at_a_time(make_tract):
    """Threads of a web process fork render children at once, all from the
    same warmed fonts (their files, their font map): none disturbs another."""
    pdf.warm_renderer()
    tract = make_tract("ensemble", {"fr": {}, "ar": {"body": "<p>لا للتنقيط السري.</p>"}})
    plans = [tract_pdf_plan(v, PRINT_FORMATS[name]) for v in tract.all_versions() for name in ("a5", "a4", "a6")]
    one_at_a_time = [sandbox.render_in_child(plan.render) for plan in plans]
    at_once: list[bytes | None] = [None] * len(plans)

    def render(index: int) -> None:
        at_once[index] = sandbox.render_in_child(plans[index].render)

    threads = [threading.Thread(target=render, args=(index,)) for index in range(len(plans))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert at_once == one_at_a_time  # byte for byte (the home-printing files carry no date)


def test_a_render_child_makes_its_own_fonts_when_the_warm_ones_were_deleted(monkeypatch, make_tract, freshly_warmed):
    for path in pdf_render._warm_font_files:
        path.unlink()  # a cleaner of old temporary files went by
    counted = Counted(monkeypatch)
    version = make_tract("froid", {"fr": {"body": "<p>Un texte <em>penché</em> et <strong>gras</strong>.</p>"}})
    plan = tract_pdf_plan(version.all_versions()[0], PRINT_FORMATS["a5"])
    data, font_configs = sandbox.render_in_child(lambda: (plan.render(), counted.font_configs))
    assert font_configs == 1
    assert {"Noto-Serif", "Noto-Serif-Italic", "Noto-Serif-Bold", "Noto-Sans-Bold"} <= fonts_of(data)


def bitmaps(data: bytes) -> list[bytes]:
    document = pdfium.PdfDocument(data)
    return [page.render(scale=1).to_pil().tobytes() for page in document]


def test_print_stylesheets_parsed_once_keep_their_cascade(monkeypatch, make_tract):
    """Our lay-out hands WeasyPrint the head's stylesheets parsed; the pages
    are those WeasyPrint makes of the same HTML parsing them itself."""
    tract = make_tract(
        "cascade",
        {"ar": {"body": "<h2>مطالبنا</h2><ul><li>شباك مفتوح</li></ul><blockquote><p>«كفى»</p></blockquote>"}},
        layout="slogan",
    )
    html = leaflet_html(tract.all_versions()[0], PRINT_FORMATS["a5-pro"].size, print_shop=True)
    assert html.count("<style>") == 1 and 'rel="stylesheet"' in html  # both kinds, in that order
    counted = Counted(monkeypatch)
    font_config = pdf.font_configuration()
    ours = pdf_render.write_pdf(pdf.lay_out(html, font_config=font_config))
    pdf.lay_out(html, font_config=font_config)
    assert counted.stylesheets == [f"{pdf.render_base_url()}static/print/{name}.css" for name in ("tract", "fonts")]
    theirs = weasyprint.HTML(
        string=html, base_url=pdf.render_base_url(), url_fetcher=pdf.LocalFilesFetcher()
    ).write_pdf()
    assert bitmaps(ours) == bitmaps(theirs)
    # The inline rules come after the stylesheet: the other way round, the pages differ.
    head, body = html.split("</head>", 1)
    link = re.search(r'<link rel="stylesheet" href="[^"]+">', head)[0]
    swapped = head.replace(link, "").replace("</style>", "</style>" + link) + "</head>" + body
    assert bitmaps(pdf_render.write_pdf(pdf.lay_out(swapped))) != bitmaps(ours)


def test_a_changed_print_stylesheet_is_parsed_again(monkeypatch):
    counted = Counted(monkeypatch)
    font_config = pdf.font_configuration()
    html = '<html><head><link rel="stylesheet" href="/static/print/tract.css"></head><body><p>Un</p></body></html>'
    pdf.lay_out(html, font_config=font_config)
    pdf.lay_out(html, font_config=font_config)
    monkeypatch.setattr(pdf_render, "print_assets_digest", lambda: "a stylesheet was edited")
    pdf.lay_out(html, font_config=font_config)
    assert len(counted.stylesheets) == 2 * 2  # tract.css and the fonts it imports, twice


def test_a_warmed_renderer_builds_glyph_arrays_without_parsing_c(monkeypatch, make_tract):
    """Each font of each PDF asks cffi for a glyph array of a new length; a
    render child parsed each such C type again (3.4 ms each)."""
    pdf.warm_renderer()
    parsed = []
    real_parse = weasyprint_ffi._parser.parse_type
    monkeypatch.setattr(weasyprint_ffi._parser, "parse_type", lambda text: parsed.append(text) or real_parse(text))
    glyphs = weasyprint_ffi.new("hb_codepoint_t[4321]", [7] * 4321)
    assert (len(glyphs), glyphs[4320]) == (4321, 7)
    assert weasyprint_ffi.typeof("hb_codepoint_t[4321]") is weasyprint_ffi.typeof("uint32_t[4321]")
    assert parsed == ["uint32_t[4321]"]  # the other spelling was parsed; ours never

    tract = make_tract("sans-analyse", {"fr": {}, "ar": {}})
    parsed.clear()
    tract_pdf_plan(tract.all_versions()[0], PRINT_FORMATS["a5"]).render()  # here, not in a child, to be seen
    assert parsed == []


def test_a_render_child_is_not_waited_for_once_its_result_is_in_and_is_reaped_later():
    import multiprocessing

    for _ in range(4):
        assert sandbox.render_in_child(lambda: b"%PDF-") == b"%PDF-"
    # Each render reaps the children before it that are done; the rest later.
    deadline = time.monotonic() + 10
    while sandbox._exiting and time.monotonic() < deadline:
        time.sleep(0.1)
        sandbox._reap_exited()
    assert sandbox._exiting == []
    assert not [child for child in multiprocessing.active_children() if child.name == "collectif-pdf-render"]
