import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from publishing.models import Theme
from publishing.tasks import render_pdfs
from tests.helpers import plain_french
from tracts.models import Tract, TractPDF

pytestmark = pytest.mark.django_db


def tract_form(**overrides) -> dict:
    data = {
        "slug": "stop-au-score",
        "date": "2026-11-02",
        "original_language": "fr",
        "status": "published",
        "published_at_0": "2026-11-02",
        "published_at_1": "08:00:00",
        "legal_footer": "",
        "layout": "text",
        "poster_text": "slogan",
        "versions-TOTAL_FORMS": "2",
        "versions-INITIAL_FORMS": "0",
        "versions-MIN_NUM_FORMS": "1",
        "versions-MAX_NUM_FORMS": "1000",
        "versions-0-language": "fr",
        "versions-0-title": "Stop au score",
        "versions-0-subtitle": "Nous ne sommes pas des suspects",
        "versions-0-body": '<p>Le texte <strong>français</strong>.</p><script>alert("x")</script>',
        "versions-0-contact": "Le mardi à la Bourse du travail",
        "versions-1-language": "ar",
        "versions-1-title": "أوقفوا التنقيط",
        "versions-1-subtitle": "",
        "versions-1-body": "<p>النص العربي.</p>",
        "versions-1-contact": "",
    }
    data.update(overrides)
    return data


def test_add_page_shows_the_rich_text_editor(admin_client):
    response = admin_client.get(reverse("admin:tracts_tract_add"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "django_prose_editor/editor.js" in html
    assert 'name="versions-0-body"' in html
    assert "data-django-prose-editor" in html


def test_the_form_leads_with_the_versions_title_subtitle_and_text(admin_client, make_tract):
    for url in (reverse("admin:tracts_tract_add"), reverse("admin:tracts_tract_change", args=[make_tract().pk])):
        html = admin_client.get(url).content.decode()
        fields = ("versions-0-title", "versions-0-subtitle", "versions-0-body")
        order = [html.index(f'name="{name}"') for name in fields]
        assert order == sorted(order)
        assert order[-1] < html.index('name="slug"') < html.index('name="date"') < html.index('name="themes"')


def test_a_new_tracts_original_version_shows_no_translation_fields(admin_client):
    html = admin_client.get(reverse("admin:tracts_tract_add"), headers={"Accept-Language": "en"}).content.decode()
    assert "copy of the original" not in html
    assert '<input type="hidden" name="versions-0-up_to_date"' in html
    assert 'type="checkbox" name="versions-0-up_to_date"' not in html
    assert '<input type="hidden" name="versions-__prefix__-up_to_date"' in html  # "Add a translation" on a new tract


def test_only_a_saved_translation_can_be_marked_still_up_to_date(admin_client, make_tract):
    tract = make_tract("deux-langues", {"fr": {}, "ar": {}})
    url = reverse("admin:tracts_tract_change", args=[tract.pk])
    html = admin_client.get(url, headers={"Accept-Language": "en"}).content.decode()
    assert '<input type="hidden" name="versions-0-up_to_date"' in html  # the original
    assert 'type="checkbox" name="versions-1-up_to_date"' in html  # its translation
    assert "The original: translations follow this text." in html
    assert "A new translation starts as a copy of the original" in html  # the form "Add a translation" opens


def test_organiser_creates_a_tract_with_two_language_versions(admin_client):
    theme = Theme.objects.create(name="Algorithmes")

    response = admin_client.post(reverse("admin:tracts_tract_add"), tract_form(themes=[theme.pk]))

    assert response.status_code == 302, response.context["errors"] if response.context else response
    tract = Tract.objects.get(slug="stop-au-score")
    assert [v.language for v in tract.all_versions()] == ["fr", "ar"]
    french = tract.version("fr")
    assert french.body == "<p>Le texte <strong>français</strong>.</p>"
    assert list(tract.themes.all()) == [theme]
    assert tract.is_public


def test_a_tract_needs_its_original_language_version(admin_client):
    data = tract_form(**{"versions-TOTAL_FORMS": "1", "versions-0-language": "ar"})
    response = admin_client.post(reverse("admin:tracts_tract_add"), data, headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert "original language" in response.content.decode()
    assert not Tract.objects.exists()


def test_two_versions_in_the_same_language_are_refused(admin_client):
    data = tract_form(**{"versions-1-language": "fr"})
    response = admin_client.post(reverse("admin:tracts_tract_add"), data)
    assert response.status_code == 200
    assert response.context["inline_admin_formsets"][0].formset.non_form_errors() == [
        "Chaque langue ne peut avoir qu’une seule version."
    ]
    assert not Tract.objects.exists()


@pytest.mark.database_engine
def test_list_filters_and_search(admin_client, make_tract):
    make_tract("score", {"fr": {"title": "Contre le score"}, "ar": {}}, themes=["Algorithmes"])
    make_tract("guichets", {"fr": {"title": "Rouvrez les guichets"}}, status="draft")
    url = reverse("admin:tracts_tract_changelist")

    assert "Contre le score" in admin_client.get(url, {"q": "score"}).content.decode()
    assert "Rouvrez" not in admin_client.get(url, {"q": "score"}).content.decode()
    assert "Rouvrez" in admin_client.get(url, {"status__exact": "draft"}).content.decode()
    by_language = admin_client.get(url, {"language": "ar"}).content.decode()
    assert "Contre le score" in by_language and "Rouvrez" not in by_language
    assert "Contre le score" in admin_client.get(url, {"year": "2026"}).content.decode()
    assert "Contre le score" not in admin_client.get(url, {"year": "2020"}).content.decode()


def test_staff_preview_a_draft_page_and_its_pdf(admin_client, make_tract):
    tract = make_tract("brouillon", {"fr": {"title": "Brouillon secret"}}, status="draft")

    page = admin_client.get(reverse("admin:tracts_tract_preview", args=[tract.pk, "fr"]))
    assert page.status_code == 200
    assert "Brouillon secret" in page.content.decode()
    assert 'name="robots" content="noindex"' in page.content.decode()

    pdf = admin_client.get(reverse("admin:tracts_tract_preview_pdf", args=[tract.pk, "fr", "a5"]))
    assert pdf.status_code == 200
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    assert "private" in pdf["Cache-Control"] and "no-store" in pdf["Cache-Control"]


def test_visitors_cannot_preview(client, make_tract):
    tract = make_tract("brouillon", status="draft")
    for url in (
        reverse("admin:tracts_tract_preview", args=[tract.pk, "fr"]),
        reverse("admin:tracts_tract_preview_pdf", args=[tract.pk, "fr", "a5"]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert "/login/" in response["Location"]


LONG_BODY = "".join(f"<p>Paragraphe {n} : un tract bien trop long pour une seule feuille A5.</p>" for n in range(120))


def test_saving_renders_nothing_and_queues_the_renders(admin_client, task_queue, django_capture_on_commit_callbacks):
    data = tract_form(**{"versions-TOTAL_FORMS": "1", "versions-0-body": LONG_BODY})
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("admin:tracts_tract_add"), data)
    assert response.status_code == 302
    tract = Tract.objects.get(slug="stop-au-score")
    # Fitting and overflow checks are the worker's: none ran in the request.
    assert not TractPDF.objects.exists()
    # The A5 and its share picture first, then every format.
    queued = [(result.task.func.__name__, result.args) for result in task_queue.results]
    assert queued == [("render_first_pdfs", ["tracts.Tract", tract.pk]), ("render_pdfs", ["tracts.Tract", tract.pk])]


@pytest.mark.slow
def test_the_change_page_follows_the_renders_and_tells_an_overflow(admin_client, django_capture_on_commit_callbacks):
    data = tract_form(**{"versions-TOTAL_FORMS": "1", "versions-0-body": LONG_BODY})
    # The test queue renders as soon as the save commits, as a worker would after it.
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:tracts_tract_add"), data, follow=True, headers={"Accept-Language": "en"}
        )
    assert not [m for m in response.context["messages"] if m.level_tag == "warning"]
    tract = Tract.objects.get(slug="stop-au-score")
    status = admin_client.get(
        reverse("admin:tracts_tract_pdf_status", args=[tract.pk]), headers={"Accept-Language": "en"}
    ).json()
    assert status["pending"] is False
    # Every format overflows (A4 included), each told with the words to cut.
    assert status["html"].count("pages, too long: cut about") == 8
    assert "being made" not in status["html"]
    # And the change page tells it in the organiser's language.
    page = admin_client.get(reverse("admin:tracts_tract_change", args=[tract.pk]), headers={"Accept-Language": "fr"})
    assert "trop long : coupez environ" in plain_french(page.content.decode())


def test_the_pdf_status_says_pending_and_warns_when_the_worker_waits_too_long(admin_client, make_tract, settings):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    tract = make_tract("en-attente")
    url = reverse("admin:tracts_tract_pdf_status", args=[tract.pk])
    page = admin_client.get(reverse("admin:tracts_tract_change", args=[tract.pk]), headers={"Accept-Language": "en"})
    assert f'data-status-url="{url}" data-pending="true"' in page.content.decode()

    render_pdfs.enqueue("tracts.Tract", tract.pk)
    status = admin_client.get(url, headers={"Accept-Language": "en"}).json()
    assert status["pending"] is True
    assert "does not seem to be running" not in status["html"]

    DBTaskResult.objects.update(enqueued_at=timezone.now() - datetime.timedelta(minutes=7))
    status = admin_client.get(url, headers={"Accept-Language": "en"}).json()
    assert "The PDF worker does not seem to be running: renders asked for 7 minutes ago" in status["html"]


def test_the_pdf_status_is_staff_only(client, make_tract):
    tract = make_tract("statut-prive")
    response = client.get(reverse("admin:tracts_tract_pdf_status", args=[tract.pk]))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_tract_that_fits_gets_no_warning(admin_client):
    response = admin_client.post(reverse("admin:tracts_tract_add"), tract_form(), follow=True)
    assert not [m for m in response.context["messages"] if m.level_tag == "warning"]


def test_change_page_shows_the_pdf_status(admin_client, make_tract):
    # The French version as the add form above saves it (tract_form): its
    # long renders are those of the test above, rendered once per test run.
    french = {key.removeprefix("versions-0-"): value for key, value in tract_form().items() if "versions-0-" in key}
    published = datetime.datetime(2026, 11, 2, 7, tzinfo=datetime.UTC)
    tract = make_tract(
        "stop-au-score",
        {"fr": french | {"body": LONG_BODY}, "en": {}},
        date=datetime.date(2026, 11, 2),
        published_at=published,
        show_qr_code=False,
    )
    url = reverse("admin:tracts_tract_change", args=[tract.pk])
    before = admin_client.get(url, headers={"Accept-Language": "en"}).content.decode()
    assert "being made…" in before
    assert 'class="pdf-thumbnail"' not in before

    render_pdfs.call("tracts.Tract", tract.pk)
    after = admin_client.get(url, headers={"Accept-Language": "en"}).content.decode()
    assert "being made…" not in after
    # Each format in plain words, with its pages and a link to the PDF.
    a6_4up = reverse("admin:tracts_tract_preview_pdf", args=[tract.pk, "en", "a6-4up"])
    assert f'<a href="{a6_4up}" target="_blank">Four A6 flyers on A4</a> — 1 page ✓' in after
    assert "pages, too long: cut about" in after  # the long French version in A5 and A6
    # The first page of each A5 leaflet and of each A3 poster.
    assert after.count('class="pdf-thumbnail"') == 4
    assert 'alt="The A3 poster"' in after
    # Each single copy's fill; a text of a few words, without a contact, cannot fill a page: told.
    assert "1 page, last page 16% full · under-filled: the page looks empty at the bottom" in after
    assert "<h4>French version</h4>" in after and "<h4>English version</h4>" in after


def test_render_action_queues_the_selected_tracts(
    admin_client, make_tract, task_queue, django_capture_on_commit_callbacks
):
    first, second, _other = make_tract("un"), make_tract("deux"), make_tract("trois")

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:tracts_tract_changelist"),
            {"action": "render_pdfs", "_selected_action": [first.pk, second.pk]},
            follow=True,
        )

    assert response.status_code == 200
    # Each: its A5 and share picture, then every format.
    assert sorted(result.args[1] for result in task_queue.results) == [first.pk, first.pk, second.pk, second.pk]
