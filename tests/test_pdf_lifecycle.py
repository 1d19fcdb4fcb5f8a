"""A stored PDF lives as long as it is the current file of a public version:
stable addresses, old fingerprints, drafts, withdrawn and deleted tracts,
bilingual sheets, damaged files, cleanup."""

import datetime
import os
import re
import time

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone

from articles.printing import ensure_article_pdf
from publishing import files
from publishing.models import SiteSettings
from publishing.pdf import sandbox, store
from tracts import printing
from tracts import views as tract_views
from tracts.models import Tract, TractVersion
from tracts.printing import PRINT_FORMATS, current_fingerprint, ensure_tract_pdf

pytestmark = pytest.mark.django_db

FILE_ADDRESS = re.compile(r"/pdf/(?P<fingerprint>[0-9a-f]{20})/(?P<stem>[-\w]+)\.pdf")


def stored_address(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 302, (path, response.status_code)
    assert FILE_ADDRESS.fullmatch(response["Location"]), response["Location"]
    return response["Location"]


def fingerprint_of(address: str) -> str:
    return FILE_ADDRESS.fullmatch(address)["fingerprint"]


def rendered(tract: Tract) -> Tract:
    """The tract once the worker has made its A5 leaflets, as after a save
    (bilingual sheets are offered only once each side is known to fit a page)."""
    for version in tract.all_versions():
        ensure_tract_pdf(version, PRINT_FORMATS["a5"])
    return tract


def test_the_stable_address_is_one_lookup_once_the_fingerprint_is_kept(client, make_tract, django_assert_num_queries):
    make_tract("non-au-score")
    first = stored_address(client, "/fr/tracts/non-au-score/a5.pdf")
    version = TractVersion.objects.get()
    assert version.pdf_fingerprints["a5"] == fingerprint_of(first)

    with django_assert_num_queries(1):
        again = stored_address(client, "/fr/tracts/non-au-score/a5.pdf")
    assert again == first


def test_fingerprints_are_computed_again_after_an_edit_a_tract_change_or_new_site_settings(client, make_tract):
    tract = make_tract("non-au-score")
    first = stored_address(client, "/fr/tracts/non-au-score/a5.pdf")

    version = TractVersion.objects.get()
    version.title = "Un autre titre"
    version.save()
    after_edit = stored_address(client, "/fr/tracts/non-au-score/a5.pdf")
    assert after_edit != first

    tract.show_qr_code = True
    tract.save()
    after_tract_change = stored_address(client, "/fr/tracts/non-au-score/a5.pdf")
    assert after_tract_change != after_edit

    site_settings = SiteSettings.load()
    site_settings.issuer = "Un autre collectif, Lyon"
    site_settings.save()
    assert stored_address(client, "/fr/tracts/non-au-score/a5.pdf") != after_tract_change


def test_a_computation_started_before_an_edit_does_not_keep_its_result(make_tract):
    make_tract("non-au-score")
    reader = TractVersion.objects.get()
    editor = TractVersion.objects.get()
    editor.title = "Modifié pendant le calcul"
    editor.save()

    reader.keep_pdf_fingerprints({"a5": "0" * 20})

    assert TractVersion.objects.get().current_pdf_fingerprints() is None


def test_a_new_render_environment_outdates_kept_fingerprints(client, make_tract, settings):
    make_tract("non-au-score")
    first = stored_address(client, "/fr/tracts/non-au-score/a5.pdf")
    settings.SITE_URL = "https://autre.example.org"  # printed on the tract, part of the environment
    assert TractVersion.objects.get().current_pdf_fingerprints() is None
    assert stored_address(client, "/fr/tracts/non-au-score/a5.pdf") != first


def test_an_old_fingerprint_redirects_to_the_current_file(client, make_tract):
    make_tract("non-au-score")
    old = stored_address(client, "/fr/tracts/non-au-score/a5.pdf")
    version = TractVersion.objects.get()
    version.body = "<p>Un texte corrigé.</p>"
    version.save()

    response = client.get(old)
    assert response.status_code == 302
    current = response["Location"]
    assert current != old and current.endswith("/non-au-score-fr-a5.pdf")
    assert client.get(current).status_code == 200


def test_a_stored_pdf_is_the_same_file_for_every_browser_language(client, make_tract):
    make_tract("non-au-score")
    address = stored_address(client, "/fr/tracts/non-au-score/a5.pdf")
    response = client.get(address, headers={"Accept-Language": "ar"})
    assert response.status_code == 200
    assert "Accept-Language" not in response.get("Vary", "")
    assert not response.has_header("Content-Language")


def test_nginx_sends_the_file_when_accel_redirect_is_set(client, make_tract, settings):
    settings.PDF_ACCEL_REDIRECT = "/_stored-pdfs/"
    make_tract("non-au-score")
    address = stored_address(client, "/fr/tracts/non-au-score/a5.pdf")
    fingerprint = fingerprint_of(address)
    response = client.get(address)
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/_stored-pdfs/{fingerprint[:2]}/{fingerprint}.pdf"
    assert response.content == b""
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response["Content-Disposition"] == 'inline; filename="non-au-score-fr-a5.pdf"'


def test_a_draft_pdf_is_for_staff_only_and_never_cached(client, admin_client, make_tract):
    tract = make_tract("brouillon", status=Tract.Status.DRAFT)
    plan = ensure_tract_pdf(tract.versions.get(), PRINT_FORMATS["a5"])
    address = f"/pdf/{plan.fingerprint}/brouillon-fr-a5.pdf"

    assert client.get(address).status_code == 404
    response = admin_client.get(address)
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"


def test_a_withdrawn_tract_answers_404_and_its_files_are_deleted(
    client, make_tract, django_capture_on_commit_callbacks
):
    tract = make_tract("retire", {"fr": {}, "en": {}})
    address = stored_address(client, "/fr/tracts/retire/a5.pdf")
    name = store.storage_name(fingerprint_of(address))
    assert default_storage.exists(name)

    with django_capture_on_commit_callbacks(execute=True):
        tract.status = Tract.Status.DRAFT
        tract.save()

    assert client.get(address).status_code == 404
    assert client.get("/fr/tracts/retire/a5.pdf").status_code == 404
    assert not default_storage.exists(name)


def test_a_deleted_tract_answers_404_and_its_files_are_deleted(client, make_tract, django_capture_on_commit_callbacks):
    tract = make_tract("supprime")
    address = stored_address(client, "/fr/tracts/supprime/a5.pdf")
    name = store.storage_name(fingerprint_of(address))
    preview = store.first_page_picture_name(fingerprint_of(address))
    assert default_storage.exists(preview)

    with django_capture_on_commit_callbacks(execute=True):
        tract.delete()

    assert client.get(address).status_code == 404
    assert not default_storage.exists(name)
    assert not default_storage.exists(preview)


def test_verso_only_where_bilingual_sheets_are_offered(client, make_tract, monkeypatch):
    rendered(make_tract("bilingue", {"fr": {}, "ar": {"title": "نص"}}))
    address = stored_address(client, "/fr/tracts/bilingue/a5.pdf?verso=ar")
    assert address.endswith("/bilingue-fr-ar-a5.pdf")
    assert client.get(address).status_code == 200

    for print_format in ("a5-pro", "a4", "a6-4up"):
        response = client.get(f"/fr/tracts/bilingue/{print_format}.pdf?verso=ar")
        assert response.status_code == 404, print_format
        assert "Ce format ne se fait pas avec une autre langue au verso." in response.content.decode()
    assert client.get(f"/pdf/{fingerprint_of(address)}/bilingue-fr-ar-a5-pro.pdf").status_code == 404

    # When a side is not known to fit one page, the sheet is neither linked nor served.
    def arabic_too_long(versions):
        return {version.language for version in versions} - {"ar"}

    monkeypatch.setattr(printing.render, "bilingual_fits", arabic_too_long)
    monkeypatch.setattr(tract_views, "bilingual_fits", arabic_too_long)
    assert client.get("/fr/tracts/bilingue/a5.pdf?verso=ar").status_code == 404
    assert "?verso=ar" not in client.get("/fr/tracts/bilingue/").content.decode()


def test_the_fallback_passes_on_only_the_back_side_language_encoded_anew(client, make_tract):
    make_tract("seulement-fr", {"fr": {}, "ar": {}})
    response = client.get("/en/tracts/seulement-fr/a5.pdf", {"verso": "ar&x=1", "utm_source": "spam"})
    assert response.status_code == 302
    assert response["Location"] == "/fr/tracts/seulement-fr/a5.pdf?verso=ar%26x%3D1"


def test_a_damaged_stored_file_is_rendered_again_before_being_served(client, make_tract):
    make_tract("abime")
    address = stored_address(client, "/fr/tracts/abime/a5.pdf")
    path = default_storage.path(store.storage_name(fingerprint_of(address)))
    with open(path, "rb") as stored:
        whole = stored.read()

    for damage in (b"", whole[: len(whole) // 2]):
        with open(path, "wb") as stored:
            stored.write(damage)
        assert not store.is_intact(store.storage_name(fingerprint_of(address)))
        response = client.get(address)
        assert response.status_code == 200
        served = b"".join(response.streaming_content)
        assert served.startswith(b"%PDF-") and b"%%EOF" in served[-1024:]


def test_is_intact_refuses_empty_truncated_and_non_pdf_files():
    for name, content in (("pdfs/aa/empty.pdf", b""), ("pdfs/aa/cut.pdf", b"%PDF-1.7\n" + b"x" * 5000)):
        files.save_atomically(name, content)
        assert not store.is_intact(name)
    files.save_atomically("pdfs/aa/whole.pdf", b"%PDF-1.7\n" + b"x" * 100 + b"\n%%EOF\n")
    assert store.is_intact("pdfs/aa/whole.pdf")
    assert not store.is_intact("pdfs/aa/missing.pdf")


def test_cleanup_deletes_only_unreferenced_and_old_files(client, make_tract, make_article, media_root):
    rendered(make_tract("garde", {"fr": {}, "en": {}}))
    current = stored_address(client, "/fr/tracts/garde/a5.pdf")
    bilingual = stored_address(client, "/fr/tracts/garde/a5.pdf?verso=en")
    article_plan = ensure_article_pdf(make_article("analyse").versions.get())
    version = TractVersion.objects.get(language="fr")
    version.title = "Titre corrigé"
    version.save()
    superseded = store.storage_name(fingerprint_of(current))
    new = stored_address(client, "/fr/tracts/garde/a5.pdf")

    orphan_part = media_root / "pdfs" / "ab" / "tmpcrash.part"
    orphan_part.parent.mkdir(parents=True, exist_ok=True)
    orphan_part.write_bytes(b"%PDF-half")
    young_orphan = "pdfs/cd/" + "c" * 20 + ".pdf"
    files.save_atomically(young_orphan, b"%PDF-1.7 %%EOF")
    an_hour_ago = time.time() - 7200
    for path in (
        default_storage.path(superseded),
        orphan_part,
        default_storage.path(store.first_page_picture_name(fingerprint_of(current))),
    ):
        os.utime(path, (an_hour_ago, an_hour_ago))

    call_command("cleanup_pdfs", "--grace", "3600")

    assert not default_storage.exists(superseded)
    assert not default_storage.exists(store.first_page_picture_name(fingerprint_of(current)))
    assert not orphan_part.exists()
    assert default_storage.exists(young_orphan)
    for kept in (
        store.storage_name(fingerprint_of(new)),
        store.storage_name(fingerprint_of(bilingual)),
        article_plan.storage_name,
    ):
        assert default_storage.exists(kept), kept
    assert default_storage.exists(store.first_page_picture_name(fingerprint_of(new)))
    assert current_fingerprint(TractVersion.objects.get(language="fr"), PRINT_FORMATS["a5"]) == fingerprint_of(new)


def test_article_pdf_lifecycle(client, make_article, django_capture_on_commit_callbacks):
    article = make_article("analyse")
    address = stored_address(client, "/fr/articles/analyse/article.pdf")
    assert address.endswith("/analyse-fr.pdf")
    assert client.get(address).status_code == 200

    version = article.versions.get()
    version.body = "<p>Texte revu.</p>"
    version.save()
    response = client.get(address)
    assert response.status_code == 302 and response["Location"] != address

    with django_capture_on_commit_callbacks(execute=True):
        article.status = article.Status.DRAFT
        article.save()
    assert client.get(response["Location"]).status_code == 404


def test_pages_say_which_browser_features_are_off(client, make_tract):
    make_tract("non-au-score")
    for path in ("/fr/", "/fr/tracts/non-au-score/"):
        policy = client.get(path)["Permissions-Policy"]
        assert "camera=()" in policy and "geolocation=()" in policy and "microphone=()" in policy


def test_an_edit_stops_serving_the_old_files_at_once_and_deletes_them_after_a_grace(
    client, make_tract, task_queue, django_capture_on_commit_callbacks, settings
):
    from publishing.tasks import delete_outdated_pdfs

    tract = rendered(make_tract("corrige", {"fr": {"body": "<p>Mme Dupont, 12 rue X.</p>"}, "en": {}}))
    old_a5 = pdf_fingerprints_now(tract, "fr")["a5"]
    old_sheet = current_fingerprint(tract.version("fr"), PRINT_FORMATS["a5"], tract.version("en"))
    ensure_tract_pdf(tract.version("fr"), PRINT_FORMATS["a5"], tract.version("en"))
    old_files = [
        store.storage_name(old_a5),
        store.first_page_picture_name(old_a5),
        store.storage_name(old_sheet),
    ]
    assert all(default_storage.exists(name) for name in old_files)

    with django_capture_on_commit_callbacks(execute=True):
        version = TractVersion.objects.get(language="fr")
        version.body = "<p>Sans le nom.</p>"
        version.save()

    # Not served from now on: the PDF and its picture lead to the current ones.
    for address in (f"/pdf/{old_a5}/corrige-fr-a5.pdf", f"/pdf/{old_a5}/corrige-fr-a5.webp"):
        response = client.get(address)
        assert response.status_code == 302 and old_a5 not in response["Location"], address
    # Deleted a few minutes later by the queue.
    (cleanup,) = [result for result in task_queue.results if result.task.func is delete_outdated_pdfs.func]
    assert cleanup.task.run_after is not None
    assert 60 <= (cleanup.task.run_after - timezone.now()).total_seconds() <= settings.PDF_OUTDATED_GRACE_SECONDS
    new = rendered(Tract.objects.for_page().get())
    new_a5 = pdf_fingerprints_now(new, "fr")["a5"]
    delete_outdated_pdfs.call(*cleanup.args)
    assert not any(default_storage.exists(name) for name in old_files)
    assert default_storage.exists(store.storage_name(new_a5))
    assert default_storage.exists(store.first_page_picture_name(new_a5))
    assert default_storage.exists(store.storage_name(pdf_fingerprints_now(new, "en")["a5"]))


def test_an_edit_undone_within_the_grace_keeps_its_files(make_tract, task_queue, django_capture_on_commit_callbacks):
    from publishing.tasks import delete_outdated_pdfs

    tract = rendered(make_tract("hesitant"))
    first = pdf_fingerprints_now(tract, "fr")["a5"]
    for body in ("<p>Autre chose.</p>", "<p>Un texte court pour le tract.</p>"):
        with django_capture_on_commit_callbacks(execute=True):
            version = TractVersion.objects.get()
            version.body = body
            version.save()
    assert pdf_fingerprints_now(Tract.objects.for_page().get(), "fr")["a5"] == first
    for result in task_queue.results:
        if result.task.func is delete_outdated_pdfs.func:
            delete_outdated_pdfs.call(*result.args)
    assert default_storage.exists(store.storage_name(first))


def test_withdrawing_or_deleting_deletes_every_file_bilingual_sheets_included(
    client, make_tract, django_capture_on_commit_callbacks
):
    tract = rendered(make_tract("deux", {"fr": {}, "en": {}}))
    sheet = fingerprint_of(stored_address(client, "/fr/tracts/deux/a5-2up.pdf?verso=en"))
    files = [store.storage_name(sheet)] + [
        store.storage_name(fingerprint) for fingerprint in pdf_fingerprints_now(tract, "fr").values()
    ]
    assert default_storage.exists(files[0])
    with django_capture_on_commit_callbacks(execute=True):
        tract.status = Tract.Status.DRAFT
        tract.save()
    assert not any(default_storage.exists(name) for name in files)

    # A deleted version takes its sheets with the other language, not that language's own files.
    tract.status = Tract.Status.PUBLISHED
    tract.save()
    rendered(Tract.objects.for_page().get())
    sheet = fingerprint_of(stored_address(client, "/fr/tracts/deux/a5.pdf?verso=en"))
    english = store.storage_name(pdf_fingerprints_now(Tract.objects.for_page().get(), "en")["a5"])
    with django_capture_on_commit_callbacks(execute=True):
        TractVersion.objects.get(language="fr").delete()
    assert not default_storage.exists(store.storage_name(sheet))
    assert default_storage.exists(english)


def test_a_visitors_missing_pdf_is_queued_and_they_get_a_page_that_reloads(client, make_tract, task_queue):
    from publishing.tasks import render_pdf_file

    tract = make_tract("nouveau", {"fr": {}, "en": {}})
    version, version_fr = tract.version("en"), tract.version("fr")
    started = time.monotonic()
    response = client.get("/en/tracts/nouveau/a4.pdf")
    assert time.monotonic() - started < 2
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Cache-Control"] == "no-store"
    assert not response.cookies
    html = response.content.decode()
    assert '<meta http-equiv="refresh" content="5">' in html
    assert "This PDF is being made" in html and 'href="/en/tracts/nouveau/"' in html
    (queued,) = task_queue.results
    assert queued.task.func is render_pdf_file.func
    assert queued.args[1:] == ["tracts.TractVersion", version.pk, "a4", None]

    # Asked again: still one render queued; in French, the page in French.
    assert "Ce PDF est en cours de fabrication" in client.get("/fr/tracts/nouveau/a4.pdf").content.decode()
    client.get("/en/tracts/nouveau/a4.pdf")
    assert [result.args[2] for result in task_queue.results] == [version.pk, version_fr.pk]

    # The worker makes it: the next request gets the file.
    assert render_pdf_file.call(*queued.args) is True
    address = stored_address(client, "/en/tracts/nouveau/a4.pdf")
    response = client.get(address)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_visitors_renders_in_flight_are_bounded(client, make_tract, task_queue, settings):
    settings.PDF_VISITOR_RENDERS_IN_FLIGHT = 2
    make_tract("foule")
    for name in ("a4", "a6", "a5-pro"):
        response = client.get(f"/fr/tracts/foule/{name}.pdf")
        assert response.status_code == 503
    assert len(task_queue.results) == 2
    assert response["Retry-After"] == "15"  # the queue is full: come back a little later


def test_a_file_address_never_renders_in_the_web_process(client, make_tract, task_queue, monkeypatch):

    make_tract("abime")
    address = stored_address_after_render(client, "/fr/tracts/abime/a5.pdf")
    path = default_storage.path(store.storage_name(fingerprint_of(address)))
    with open(path, "wb") as stored:
        stored.write(b"")
    renders = []
    monkeypatch.setattr(sandbox, "render_in_child", lambda render: renders.append(render))
    response = client.get(address)
    assert response.status_code == 503 and renders == []
    assert len(task_queue.results) == 1


def test_a_timed_out_render_is_never_tried_again_by_a_web_process(client, make_tract, task_queue, monkeypatch):
    from publishing.models import PDFRenderFailure
    from publishing.tasks import render_pdf_file

    make_tract("lent")
    version = TractVersion.objects.get()
    fingerprint = current_fingerprint(version, PRINT_FORMATS["a5"])
    long_ago = timezone.now() - datetime.timedelta(days=1)
    PDFRenderFailure.objects.create(fingerprint=fingerprint, reason="time", failed_at=long_ago)
    renders = []
    real_render = sandbox.render_in_child
    monkeypatch.setattr(sandbox, "render_in_child", lambda render: renders.append(1) or real_render(render))

    response = client.get("/fr/tracts/lent/a5.pdf")
    assert response.status_code == 503 and "Ce PDF ne peut pas être fabriqué" in response.content.decode()
    assert renders == [] and task_queue.results == []
    # The worker tries it again (it made it, this time).
    assert render_pdf_file.call(fingerprint, "tracts.TractVersion", version.pk, "a5", None) is True
    assert renders == [1, 1]  # the leaflet, then its first page drawn as a picture


def pdf_fingerprints_now(tract: Tract, language: str) -> dict[str, str]:
    return printing.pdf_fingerprints(tract.version(language))


def stored_address_after_render(client, path: str) -> str:
    """The file address of a PDF, once the queue (held by `task_queue`) has made it."""
    from publishing.tasks import render_pdf_file

    client.get(path)
    from django_tasks import default_task_backend

    for result in default_task_backend.results:
        render_pdf_file.call(*result.args)
    default_task_backend.clear()
    return stored_address(client, path)


def test_the_cleanup_empties_the_old_public_folder_of_pictures(media_root):
    legacy = media_root / store.LEGACY_PREVIEW_FOLDER / "ab" / ("a" * 20 + ".webp")
    legacy.parent.mkdir(parents=True)
    legacy.write_bytes(b"RIFF")
    call_command("cleanup_pdfs", "--grace", "3600")
    assert not legacy.exists()


def test_the_database_queue_holds_each_visitors_render_once_and_a_bounded_number(client, make_tract, settings):
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    from publishing.tasks import render_pdf_file

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.PDF_VISITOR_RENDERS_IN_FLIGHT = 2
    assert isinstance(render_pdf_file.get_backend(), DatabaseBackend)
    make_tract("file-d-attente")
    for path in (
        "/fr/tracts/file-d-attente/a4.pdf",
        "/fr/tracts/file-d-attente/a4.pdf",
        "/fr/tracts/file-d-attente/a6.pdf",
    ):
        assert client.get(path).status_code == 503
    assert client.get("/fr/tracts/file-d-attente/a5-pro.pdf")["Retry-After"] == "15"
    queued = DBTaskResult.objects.filter(task_path=render_pdf_file.module_path)
    assert sorted(row["args"][3] for row in queued.values_list("args_kwargs", flat=True)) == ["a4", "a6"]


def test_share_pictures_are_cached_for_ever_and_sent_by_nginx(client, make_tract, settings):
    tract = rendered(make_tract("a-partager"))
    picture = tract.versions.get().pdfs.get(print_format="a5").first_page_picture_url()
    page = client.get("/fr/tracts/a-partager/").content.decode()
    assert f'<meta property="og:image" content="http://testserver{picture}">' in page

    response = client.get(picture)
    assert response.status_code == 200 and response["Content-Type"] == "image/webp"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert client.get(picture, headers={"If-None-Match": response["ETag"]}).status_code == 304

    settings.PDF_ACCEL_REDIRECT = "/_stored-pdfs/"
    fingerprint = picture.split("/")[2]
    response = client.get(picture)
    assert response["X-Accel-Redirect"] == f"/_stored-pdfs/{fingerprint[:2]}/{fingerprint}.webp"
    assert response.content == b"" and response["Cache-Control"] == "public, max-age=31536000, immutable"


def test_a_drafts_picture_is_for_staff_only_and_never_cached(client, admin_client, make_tract):
    tract = rendered(make_tract("brouillon-image", status=Tract.Status.DRAFT))
    picture = tract.versions.get().pdfs.get(print_format="a5").first_page_picture_url()
    assert client.get(picture).status_code == 404
    response = admin_client.get(picture)
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"


def test_kept_fingerprints_gone_stale_heal_on_the_next_request(client, make_tract):
    """A printed field changed without save() (a queryset update, a data
    migration) leaves the version's kept fingerprints stale: the stable
    address then takes one redirect to the new PDF, never a loop."""
    tract = make_tract("sans-qr", show_qr_code=True)
    before = stored_address(client, "/fr/tracts/sans-qr/a5.pdf")
    Tract.objects.filter(pk=tract.pk).update(show_qr_code=False)

    response = client.get("/fr/tracts/sans-qr/a5.pdf")
    assert response.status_code == 302
    after = response["Location"]
    assert after != before
    served = client.get(after)
    assert served.status_code == 200, served.status_code
    assert b"".join(served.streaming_content).startswith(b"%PDF")
    version = TractVersion.objects.get()
    assert fingerprint_of(after) == ensure_tract_pdf(version, PRINT_FORMATS["a5"]).fingerprint
    # The old file's address now leads to the new one, in one step.
    assert client.get(before)["Location"] == after


def test_the_store_records_what_each_file_is(client, make_tract, media_root):
    from publishing.models import StoredPDF

    tract = rendered(make_tract("fiche", {"fr": {}, "en": {}}))
    french = tract.version("fr")
    address = stored_address(client, "/fr/tracts/fiche/a6-4up.pdf")
    record = StoredPDF.objects.get(fingerprint=fingerprint_of(address))
    assert (record.kind, record.version_id, record.verso_id, record.print_format) == (
        "tracts.TractVersion",
        french.pk,
        None,
        "a6-4up",
    )
    assert record.filename == "fiche-fr-a6-4up.pdf" and record.page_count == 1  # one side of copies
    assert record.size == default_storage.size(store.storage_name(record.fingerprint))
    # The sheet's single copy, stored first, has its own record.
    assert StoredPDF.objects.of_version(french).filter(print_format="a6").exists()

    bilingual = stored_address(client, "/fr/tracts/fiche/a5-2up.pdf?verso=en")
    record = StoredPDF.objects.get(fingerprint=fingerprint_of(bilingual))
    assert (record.verso_id, record.filename) == (tract.version("en").pk, "fiche-fr-en-a5-2up.pdf")

    # A file the store holds with no record is no one's: not served, and cleaned up.
    StoredPDF.objects.filter(fingerprint=fingerprint_of(address)).delete()
    assert client.get(address).status_code == 404
    report = store.delete_unreferenced(grace_seconds=0)
    assert report.deleted >= 1
    assert not default_storage.exists(store.storage_name(fingerprint_of(address)))


def test_files_stored_before_records_existed_are_recorded_by_the_migration(client, make_tract):
    """A site upgraded with stored PDFs and no records: the migration records
    the files the versions' kept fingerprints name, and their addresses work."""
    import importlib

    from django.apps import apps

    from publishing.models import StoredPDF

    make_tract("avant")
    address = stored_address(client, "/fr/tracts/avant/a5.pdf")
    StoredPDF.objects.all().delete()
    assert client.get(address).status_code == 404

    migration = importlib.import_module("tracts.migrations.0014_stored_pdf_records")
    migration.record_stored_files(apps, None)
    record = StoredPDF.objects.get(fingerprint=fingerprint_of(address))
    assert (record.print_format, record.filename) == ("a5", "avant-fr-a5.pdf")
    assert client.get(address).status_code == 200
