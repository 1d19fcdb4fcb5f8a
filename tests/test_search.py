"""Search: the same tests on SQLite (FTS5 + Snowball stems) and PostgreSQL
(per-row text search configuration); `.ci/run` runs them on both."""

import re
from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from publishing import search
from publishing.search import excerpt, mark_words, stemmed_text
from tests.helpers import plain_french
from tracts.models import Tract, TractVersion

pytestmark = pytest.mark.database_engine


@pytest.fixture
def archive(make_tract, make_article):
    make_tract(
        "controle",
        {
            "fr": {"title": "Le contrôle des allocataires", "body": "<p>Les algorithmes notent chaque dossier.</p>"},
            "en": {"title": "Checks on claimants", "body": "<p>Scoring algorithms rank every file.</p>"},
            "es": {"title": "El control de los beneficiarios", "body": "<p>Los algoritmos puntúan.</p>"},
            "ar": {"title": "مراقبة المستفيدين", "body": "<p>الخوارزميات تقيّم كل ملف.</p>"},
        },
    )
    make_article("analyse", {"fr": {"title": "Une analyse", "body": "<p>Le contrôle automatisé des chômeurs.</p>"}})
    make_tract("cache", {"fr": {"title": "Contrôle caché", "body": "<p>algorithmes</p>"}}, status="draft")


def titles(html: str) -> list[str]:
    """Titles of the results, in order, without their marks."""
    found = re.findall(r"<h2[^>]*><a [^>]*>(.*?)</a></h2>", html)
    return [re.sub(r"</?mark>", "", title) for title in found]


@pytest.mark.parametrize("query", ["controle", "CONTROLE", "contrôle", "Contrôles"])
def test_accents_and_case_do_not_matter(client, archive, query):
    html = client.get("/fr/search/", {"q": query}).content.decode()
    assert titles(html) == ["Le contrôle des allocataires", "Une analyse"]


def test_plurals_and_every_word_count(client, archive):
    html = client.get("/fr/search/", {"q": "controle algorithme"}).content.decode()
    assert titles(html) == ["Le contrôle des allocataires"]  # the article has no "algorithme"
    assert "<mark>contrôle</mark>" in html and "<mark>algorithmes</mark>" in html.lower()


def test_one_result_per_publication_in_the_visitors_language_naming_the_others(client, archive):
    html = client.get("/en/search/", {"q": "algorithms"}).content.decode()
    assert titles(html) == ["Checks on claimants"]
    assert 'lang="fr" hreflang="fr">français</a>' in html
    assert 'lang="ar" hreflang="ar">العربيّة</a>' in html
    # An Arabic reader whose words are only in French gets the French version.
    html = client.get("/ar/search/", {"q": "allocataires"}).content.decode()
    assert titles(html) == ["Le contrôle des allocataires"]


def test_each_language_is_stemmed_in_its_own_way(client, archive):
    assert titles(client.get("/es/search/", {"q": "algoritmo"}).content.decode()) == ["El control de los beneficiarios"]
    assert titles(client.get("/ar/search/", {"q": "الخوارزمية"}).content.decode()) == ["مراقبة المستفيدين"]


def test_title_matches_come_first(client, make_tract):
    make_tract("courriel", {"fr": {"title": "Écrivez-nous", "body": "<p>Adresse : score@example.org, le score.</p>"}})
    make_tract("calcul", {"fr": {"title": "Le calcul", "body": "<p>Un score, un autre score, encore un score.</p>"}})
    make_tract("non-au-score", {"fr": {"title": "Non au score", "body": "<p>Refusons la notation.</p>"}})
    html = client.get("/fr/search/", {"q": "score"}).content.decode()
    assert titles(html)[0] == "Non au score"
    assert len(titles(html)) == 3


def test_a_word_found_everywhere_ranks_a_bounded_number_of_versions_title_matches_first(
    client, make_tract, make_article, monkeypatch
):
    # Only the newest CANDIDATES title matches and matches anywhere are
    # ranked: the drafts the index holds take none of their places.
    monkeypatch.setattr(search.ranking, "CANDIDATES", 3)
    for number in range(6):
        make_tract(f"texte-{number}", {"fr": {"title": f"Texte {number}", "body": "<p>Le dossier.</p>"}})
    make_article("article", {"fr": {"title": "Un article", "body": "<p>Un dossier, un autre dossier.</p>"}})
    make_tract("dossiers", {"fr": {"title": "Nos dossiers", "body": "<p>Rien.</p>"}})
    make_tract("brouillon", {"fr": {"title": "Dossier caché", "body": "<p>dossier</p>"}}, status="draft")
    found = titles(client.get("/fr/search/", {"q": "dossier"}).content.decode())
    assert found[0] == "Nos dossiers"
    assert "Dossier caché" not in found
    assert "Un article" in found
    assert 3 < len(found) < 1 + 6 + 1


def test_a_newer_match_in_the_text_alone_is_never_left_out(client, make_tract, make_article, monkeypatch):
    # More matches than are ranked (the bound lowered from 100 to 3), the
    # title matches older: the newest match, in a text, is still found,
    # tracts and articles alike; an older one is the one left out.
    monkeypatch.setattr(search.ranking, "CANDIDATES", 3)
    make_tract("ancien", {"fr": {"title": "Ancien", "body": "<p>Un dossier.</p>"}})
    for number in range(5):
        make_tract(f"dossier-{number}", {"fr": {"title": f"Dossier {number}", "body": "<p>Le dossier.</p>"}})
        make_article(f"article-{number}", {"fr": {"title": f"Dossier {number}", "body": "<p>Le dossier.</p>"}})
    make_tract("nouveau", {"fr": {"title": "Nouveau tract", "body": "<p>Notre dossier.</p>"}})
    make_article("nouvel", {"fr": {"title": "Nouvel article", "body": "<p>Un dossier.</p>"}})
    html = client.get("/fr/search/", {"q": "dossier"}).content.decode()
    found = titles(html)
    assert "Nouveau tract" in found and "Nouvel article" in found
    assert found.index("Nouveau tract") > found.index("Dossier 4")  # title matches still first
    assert "Ancien" not in found
    assert "parmi d’autres" in html


def test_the_visitors_language_comes_first(client, make_tract, make_article):
    # A version in the visitor's language comes before any other language's,
    # even one whose title matches, on either site for the same query.
    make_tract("en-title", {"en": {"title": "Control of claimants", "body": "<p>Control, control.</p>"}})
    make_tract("fr-body", {"fr": {"title": "Les allocataires", "body": "<p>Un contrôle.</p>"}})
    make_article("fr-title", {"fr": {"title": "Le contrôle", "body": "<p>Le contrôle, le contrôle.</p>"}})
    make_article("en-body", {"en": {"title": "Claimants", "body": "<p>A control.</p>"}})
    make_tract("both", {"fr": {"title": "Contrôle partout", "body": "<p>Rien.</p>"}, "en": {"title": "Control"}})
    french = titles(client.get("/fr/search/", {"q": "controle"}).content.decode())
    english = titles(client.get("/en/search/", {"q": "controle"}).content.decode())
    assert french[:3] in (
        ["Contrôle partout", "Le contrôle", "Les allocataires"],
        ["Le contrôle", "Contrôle partout", "Les allocataires"],
    )
    assert french[3:] == ["Control of claimants", "Claimants"]
    assert set(english[:2]) == {"Control of claimants", "Control"}
    assert english[2:] == ["Claimants", "Le contrôle", "Les allocataires"]


def test_excerpts_keep_a_slogan_apart_from_the_text(client, make_tract, make_article):
    make_tract("slogan", {"en": {"subtitle": "This archive belongs to you", "body": "<p>You may copy it.</p>"}})
    make_article("chapeau", {"en": {"standfirst": "Claimants under watch", "body": "<p>Every file is scored.</p>"}})
    assert TractVersion.objects.get().search_text == "This archive belongs to you — You may copy it."
    html = client.get("/en/search/", {"q": "archive"}).content.decode()
    assert "<mark>archive</mark> belongs to you — You may copy it." in html
    html = client.get("/en/search/", {"q": "scored"}).content.decode()
    assert "Claimants under watch — Every file is <mark>scored</mark>." in html
    # A field that ends a sentence needs no dash.
    assert search.plain_text("Stop.", "<p>Now</p>") == "Stop. Now"
    # Versions written before are mended by a migration.
    TractVersion.objects.update(search_text="This archive belongs to you You may copy it.")
    operation = search.plain_text_operation("tracts.TractVersion", "subtitle", "body", "contact")
    operation.code(django_apps, SimpleNamespace(connection=connection))
    assert TractVersion.objects.get().search_text == "This archive belongs to you — You may copy it."


def test_drafts_are_not_found_and_the_index_follows_edits_and_deletions(client, archive):
    assert "Contrôle caché" not in client.get("/fr/search/", {"q": "caché"}).content.decode()
    version = TractVersion.objects.get(tract__slug="controle", language="fr")
    version.title = "Le fichage des allocataires"
    version.save()
    assert titles(client.get("/fr/search/", {"q": "fichage"}).content.decode()) == ["Le fichage des allocataires"]
    Tract.objects.get(slug="controle").delete()
    assert titles(client.get("/fr/search/", {"q": "allocataires"}).content.decode()) == []


def test_rebuild_command_restores_an_index_changed_behind_its_back(client, archive):
    # A bulk update skips save(): the index is stale until rebuilt.
    TractVersion.objects.filter(language="fr").update(title="Les radiations", search_text="Radiations en masse")
    assert titles(client.get("/fr/search/", {"q": "radiations"}).content.decode()) == []
    call_command("rebuild_search_index", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert titles(client.get("/fr/search/", {"q": "radiations"}).content.decode()) == ["Les radiations"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("!!! ??? ...", "holds no word"),
        ("« — »", "holds no word"),
        ("x" * 10_000, "first 200 characters"),
        ("un deux trois quatre cinq six sept huit neuf dix", "Only the first 8 words"),
    ],
)
def test_queries_without_sense_get_a_helpful_message(client, archive, query, message):
    response = client.get("/en/search/", {"q": query})
    assert response.status_code == 200
    assert message in response.content.decode()


def test_nothing_found_says_what_was_searched(client, archive):
    html = client.get("/en/search/", {"q": "licornes volantes"}).content.decode()
    assert "Nothing found for “licornes volantes”" in html
    assert '<bdi class="searched-word">licornes</bdi>, <bdi class="searched-word">volantes</bdi>' in html


def test_a_search_for_a_word_everywhere_costs_the_same_queries(client, make_tract, make_article):
    make_tract("t0", {"fr": {"body": "<p>dossier</p>"}})
    make_article("a0", {"fr": {"body": "<p>dossier</p>"}})
    client.get("/fr/search/", {"q": "dossier"})
    with CaptureQueriesContext(connection) as one:
        client.get("/fr/search/", {"q": "dossier"})
    for number in range(1, 12):
        make_tract(f"t{number}", {"fr": {"body": "<p>dossier</p>"}, "ar": {"body": "<p>dossier</p>"}})
        make_article(f"a{number}", {"fr": {"body": "<p>dossiers</p>"}, "en": {"body": "<p>dossier</p>"}})
    with CaptureQueriesContext(connection) as many:
        html = client.get("/fr/search/", {"q": "dossier"}).content.decode()
    assert len(many) == len(one)
    assert len(titles(html)) == 20
    with CaptureQueriesContext(connection) as second_page:
        client.get("/fr/search/", {"q": "dossier", "page": "2"})
    assert len(second_page) <= len(one)  # fewer when the page holds one kind only


def test_results_come_in_pages_that_keep_the_ranking(client, make_tract, make_article):
    for number in range(14):
        make_tract(f"tract-{number}", {"fr": {"title": f"Tract {number}", "body": "<p>Un dossier.</p>"}})
        make_article(f"article-{number}", {"fr": {"title": f"Article {number}", "body": "<p>Le dossier.</p>"}})
    make_tract("titre", {"fr": {"title": "Le dossier complet", "body": "<p>Rien.</p>"}})

    first = client.get("/fr/search/", {"q": "dossier"}).content.decode()
    second = client.get("/fr/search/", {"q": "dossier", "page": "2"}).content.decode()
    assert titles(first)[0] == "Le dossier complet"
    assert len(titles(first)) == 20 and len(titles(second)) == 9
    assert set(titles(first)) | set(titles(second)) == {
        "Le dossier complet",
        *(f"Tract {n}" for n in range(14)),
        *(f"Article {n}" for n in range(14)),
    }
    assert "29 résultats" in first and "Page 1 sur 2" in first
    assert 'rel="next" href="?q=dossier&amp;page=2">Plus de résultats</a>' in first
    assert 'rel="prev" href="?q=dossier&amp;page=1">Résultats précédents</a>' in second
    assert '<ol class="search-results" start="21">' in second
    # A page number out of range or absurd shows the nearest page.
    assert titles(client.get("/fr/search/", {"q": "dossier", "page": "99"}).content.decode()) == titles(second)
    assert titles(client.get("/fr/search/", {"q": "dossier", "page": "x" * 500}).content.decode()) == titles(first)


def test_a_search_that_ranked_only_some_matches_says_so(client, make_tract, monkeypatch):
    monkeypatch.setattr(search.ranking, "CANDIDATES", 3)
    for number in range(8):
        make_tract(f"texte-{number}", {"fr": {"title": f"Texte {number}", "body": "<p>Le dossier.</p>"}})
    html = client.get("/fr/search/", {"q": "dossier"}).content.decode()
    assert "meilleurs résultats, parmi d'autres : ajoutez un mot" in plain_french(html)
    assert "résultats</p>" not in html
    exact = client.get("/fr/search/", {"q": "texte 2"}).content.decode()
    assert "1 résultat</p>" in exact and "parmi d’autres" not in exact


def test_marks_and_excerpts_escape_the_text():
    assert mark_words("Contrôles <b>", "controle", "fr") == "<mark>Contrôles</mark> &lt;b&gt;"
    text = "mot " * 100 + "algorithmes notent " + "mot " * 100
    cut = excerpt(text, "algorithme", "fr")
    assert cut.startswith("…") and cut.endswith("…") and "<mark>algorithmes</mark>" in cut
    assert len(cut) < 300


def test_stems_keep_one_token_per_word():
    # The FTS5 index stores one stem per word, so positions match the text.
    assert stemmed_text("Les contrôles, l'algorithme", "fr") == "le contrôl l algorithm"
    assert stemmed_text("الخوارزميات", "ar") == "خوارزم"
