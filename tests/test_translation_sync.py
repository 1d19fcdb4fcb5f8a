"""Translations kept in step with their original: revisions, the admin's flags and side-by-side view, the notice."""

import pytest
from django.urls import reverse

from articles.models import Article
from moving.kinds.tracts import import_tract
from publishing.html_text import text_blocks
from publishing.translation_sync import marked_changes
from tracts.models import Tract, TractVersion

pytestmark = pytest.mark.django_db

FRENCH = {"title": "Non au score", "body": "<p>Un algorithme note les allocataires.</p><p>Nous refusons.</p>"}
ARABIC = {"title": "لا للتنقيط", "body": "<p>خوارزمية تنقط المستفيدين.</p><p>نحن نرفض.</p>"}


@pytest.fixture
def translated_tract(make_tract):
    return make_tract("non-au-score", {"fr": FRENCH, "ar": ARABIC})


def edit_original(tract: Tract, body: str) -> None:
    original = tract.versions.get(language=tract.original_language)
    original.body = body
    original.save()


def fresh(tract: Tract) -> Tract:
    return Tract.objects.with_versions().get(pk=tract.pk)


def change_form(tract: Tract, **overrides) -> dict:
    """The change form of a French and Arabic tract as the browser posts it back."""
    data = {
        "slug": tract.slug,
        "date": tract.date.isoformat(),
        "original_language": tract.original_language,
        "status": tract.status,
        "published_at_0": "2026-11-02",
        "published_at_1": "08:00:00",
        "legal_footer": "",
        "layout": "text",
        "poster_text": "slogan",
        "versions-TOTAL_FORMS": "2",
        "versions-INITIAL_FORMS": "2",
        "versions-MIN_NUM_FORMS": "1",
        "versions-MAX_NUM_FORMS": "1000",
    }
    for index, version in enumerate(fresh(tract).all_versions()):
        for name in ("id", "language", "title", "subtitle", "body", "contact"):
            data[f"versions-{index}-{name}"] = getattr(version, "pk" if name == "id" else name)
        data[f"versions-{index}-tract"] = tract.pk
    data.update(overrides)
    return data


def test_a_revision_counts_changes_of_the_texts_only(translated_tract):
    original = translated_tract.versions.get(language="fr")
    assert original.revision == 0
    original.save()
    assert original.revision == 0  # saved unchanged
    original.body = "<p>Un autre texte.</p>"
    original.save()
    original.title = "Autre titre"
    original.save()
    assert original.revision == 2


def test_a_new_translation_follows_the_original_as_it_is(translated_tract):
    edit_original(translated_tract, "<p>Version revue.</p>")
    spanish = TractVersion.objects.create(tract=translated_tract, language="es", title="No al score", body="<p>No.</p>")
    assert spanish.source_revision == 1
    assert spanish.source_texts["body"] == "<p>Version revue.</p>"
    assert not fresh(translated_tract).version("es").outdated_original


def test_editing_the_original_outdates_its_translations(translated_tract, make_tract):
    make_tract("autre", {"fr": {}, "ar": {}})
    assert fresh(translated_tract).version("ar").outdated_original is None
    assert not Tract.objects.with_outdated_translations().exists()

    edit_original(translated_tract, "<p>Un algorithme note les allocataires.</p><p>Nous refusons ce score.</p>")

    tract = fresh(translated_tract)
    assert tract.version("ar").outdated_original == tract.version("fr")
    assert tract.version("fr").outdated_original is None  # the original is never outdated
    assert list(Tract.objects.with_outdated_translations()) == [translated_tract]


def test_articles_are_kept_in_step_too(make_article):
    article = make_article("analyse", {"fr": {"body": "<p>Premier état.</p>"}, "en": {"body": "<p>First.</p>"}})
    assert not Article.objects.with_outdated_translations().exists()
    original = article.versions.get(language="fr")
    original.notes = "<ol><li>Une note ajoutée.</li></ol>"
    original.save()
    assert list(Article.objects.with_outdated_translations()) == [article]


def test_changes_are_marked_paragraph_by_paragraph_and_word_by_word():
    marked = marked_changes(
        "<p>Un algorithme note.</p><p>Nous refusons.</p><p>Fin.</p>",
        "<p>Un algorithme note.</p><p>Nous refusons <em>tout</em> score.</p><p>Nouveau paragraphe.</p><p>Fin.</p>",
    )
    assert marked == (
        "<p>Un algorithme note.</p>"
        "<p>Nous <del>refusons.</del><ins>refusons tout score.</ins></p>"
        "<p><ins>Nouveau paragraphe.</ins></p>"
        "<p>Fin.</p>"
    )
    assert marked_changes("<p>a &lt;script&gt;</p>", "<p>a <b>&lt;script&gt;</b> b</p>") == (
        "<p>a &lt;script&gt;<ins> b</ins></p>"
    )
    assert text_blocks("Une ligne\n\nUne autre") == ["Une ligne", "Une autre"]


def test_the_list_flags_outdated_translations_and_filters_them(admin_client, translated_tract, make_tract):
    make_tract("a-jour", {"fr": {"title": "À jour"}, "ar": {}})
    edit_original(translated_tract, "<p>Texte changé.</p>")
    url = reverse("admin:tracts_tract_changelist")

    html = admin_client.get(url, headers={"Accept-Language": "en"}).content.decode()
    assert '<span class="translation-outdated">ar ⚠ outdated</span>' in html
    assert "ar ⚠" in html and "ar ✓" in html

    filtered = admin_client.get(url, {"translations": "outdated"})
    assert list(filtered.context["cl"].result_list) == [translated_tract]


def test_the_change_page_shows_the_original_beside_an_outdated_translation(admin_client, translated_tract):
    url = reverse("admin:tracts_tract_change", args=[translated_tract.pk])
    assert "translation-outdated" not in admin_client.get(url).content.decode()

    edit_original(translated_tract, "<p>Un algorithme note les allocataires.</p><p>Nous refusons ce score.</p>")
    html = admin_client.get(url, headers={"Accept-Language": "en"}).content.decode()
    assert html.count('class="translation-outdated"') == 1  # the Arabic version, not the original
    assert "<p>Nous <del>refusons.</del><ins>refusons ce score.</ins></p>" in html
    assert "collectif/admin/translations.css" in html
    assert 'name="versions-1-up_to_date"' in html


def test_saving_still_up_to_date_clears_the_flag(admin_client, translated_tract):
    edit_original(translated_tract, "<p>Texte changé.</p>")
    url = reverse("admin:tracts_tract_change", args=[translated_tract.pk])

    # Saved without the box: still outdated.
    response = admin_client.post(url, change_form(translated_tract, **{"versions-1-title": "عنوان"}))
    assert response.status_code == 302, response.context["errors"] if response.context else response
    assert fresh(translated_tract).version("ar").outdated_original is not None

    response = admin_client.post(url, change_form(translated_tract, **{"versions-1-up_to_date": "on"}))
    assert response.status_code == 302
    arabic = fresh(translated_tract).version("ar")
    assert arabic.outdated_original is None
    assert arabic.source_texts["body"] == "<p>Texte changé.</p>"
    assert not Tract.objects.with_outdated_translations().exists()


def test_a_new_translation_starts_as_a_copy_of_the_original_and_must_be_translated(admin_client, make_tract):
    tract = make_tract("non-au-score", {"fr": FRENCH})
    url = reverse("admin:tracts_tract_change", args=[tract.pk])
    response = admin_client.get(url)
    empty_form = response.context["inline_admin_formsets"][0].formset.empty_form
    assert empty_form.initial["body"] == FRENCH["body"]
    assert empty_form.initial["title"] == FRENCH["title"]

    data = change_form(tract, **{"versions-TOTAL_FORMS": "2", "versions-INITIAL_FORMS": "1"})
    data.update({"versions-1-language": "es", "versions-1-title": "No al score", "versions-1-body": FRENCH["body"]})
    response = admin_client.post(url, data, headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert "still a copy of the original" in response.content.decode()

    data["versions-1-body"] = "<p>Un algoritmo puntúa a los beneficiarios.</p><p>Nous refusons.</p>"
    assert admin_client.post(url, data).status_code == 302
    assert fresh(tract).version("es").source_texts["body"] == FRENCH["body"]


def test_visitors_are_told_discreetly_when_a_translation_is_behind(client, translated_tract):
    url = "/ar/tracts/non-au-score/"
    assert "outdated-translation" not in client.get(url).content.decode()

    edit_original(translated_tract, "<p>Texte changé.</p>")
    html = client.get(url).content.decode()
    assert 'class="notice outdated-translation"' in html
    assert 'href="/fr/tracts/non-au-score/" hreflang="fr"' in html
    # In the visitor's language, naming the original's.
    assert "الفرنسية" in html
    assert "outdated-translation" not in client.get("/fr/tracts/non-au-score/").content.decode()


def test_articles_tell_their_visitors_too(client, make_article):
    article = make_article("analyse", {"fr": {}, "en": {"title": "An analysis"}})
    original = article.versions.get(language="fr")
    original.body = "<p>Ajout.</p>"
    original.save()
    html = client.get("/en/articles/analyse/").content.decode()
    assert "This translation may not include the latest changes to the original (French)." in html


def test_an_outdated_article_translation_is_shown_beside_its_original(admin_client, make_article):
    article = make_article("analyse", {"fr": {"body": "<p>Premier état.</p>"}, "en": {"body": "<p>First.</p>"}})
    original = article.versions.get(language="fr")
    original.body = "<p>Premier état, revu.</p>"
    original.save()
    html = admin_client.get(reverse("admin:articles_article_change", args=[article.pk])).content.decode()
    assert "<p>Premier <del>état.</del><ins>état, revu.</ins></p>" in html
    changelist = admin_client.get(reverse("admin:articles_article_changelist"), {"translations": "outdated"})
    assert list(changelist.context["cl"].result_list) == [article]


def test_importing_a_refreshed_translation_marks_it_up_to_date(db):
    import_tract("# Non au score\n\nUn algorithme note.\n", "fr", slug="non-au-score")
    import_tract("# لا للتنقيط\n\nخوارزمية تنقط.\n", "ar", slug="non-au-score")
    assert fresh(Tract.objects.get()).version("ar").outdated_original is None  # new: made from the original
    import_tract("# Non au score\n\nUn algorithme note, et exclut.\n", "fr", slug="non-au-score")
    assert fresh(Tract.objects.get()).version("ar").outdated_original is not None
    # The same Arabic file again: still outdated.
    import_tract("# لا للتنقيط\n\nخوارزمية تنقط.\n", "ar", slug="non-au-score")
    assert fresh(Tract.objects.get()).version("ar").outdated_original is not None
    # A refreshed one: up to date with the original as it is now.
    import_tract("# لا للتنقيط\n\nخوارزمية تنقط وتقصي.\n", "ar", slug="non-au-score")
    arabic = fresh(Tract.objects.get()).version("ar")
    assert arabic.outdated_original is None
    assert arabic.source_texts["body"] == "<p>Un algorithme note, et exclut.</p>"
    assert not Tract.objects.with_outdated_translations().exists()
