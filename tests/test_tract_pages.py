import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tracts.printing import PRINT_FORMATS, ensure_tract_pdf
from tracts.views import TRACTS_PER_PAGE

pytestmark = pytest.mark.django_db


def test_archive_lists_published_tracts_newest_first_with_languages_and_pdf(client, make_tract):
    make_tract("ancien", {"fr": {"title": "Le plus ancien"}}, date=datetime.date(2025, 3, 1))
    make_tract("recent", {"fr": {"title": "Le plus récent"}, "ar": {"title": "الأحدث"}}, date=datetime.date(2026, 5, 1))
    make_tract("brouillon", {"fr": {"title": "Brouillon caché"}}, status="draft")
    make_tract("futur", {"fr": {"title": "Pas encore"}}, published_at=timezone.now() + datetime.timedelta(days=2))

    response = client.get("/fr/tracts/")

    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("Le plus récent") < html.index("Le plus ancien")
    assert "Brouillon caché" not in html and "Pas encore" not in html
    assert 'href="/fr/tracts/recent/a5.pdf"' in html
    assert 'href="/ar/tracts/recent/"' in html


def test_archive_shows_each_tract_in_the_visitors_language_when_it_exists(client, make_tract):
    make_tract("bilingue", {"fr": {"title": "Titre français"}, "ar": {"title": "عنوان عربي"}})
    make_tract("francais", {"fr": {"title": "Seulement en français"}})

    html = client.get("/ar/tracts/").content.decode()

    assert "عنوان عربي" in html and "Titre français" not in html
    # Only the title is marked French: the card's date and themes are in Arabic.
    assert '<h2 lang="fr" dir="ltr"><a href="/ar/tracts/francais/">Seulement en français' in html
    assert '<li class="tract-card">' in html
    assert '<html lang="ar" dir="rtl">' in html


@pytest.mark.database_engine
def test_archive_filters_by_theme_and_year(client, make_tract):
    make_tract("algo-2026", {"fr": {"title": "Algo 2026"}}, themes=["Algorithmes"], date=datetime.date(2026, 1, 5))
    make_tract("algo-2025", {"fr": {"title": "Algo 2025"}}, themes=["Algorithmes"], date=datetime.date(2025, 1, 5))
    make_tract("fuite", {"fr": {"title": "Fuite 2026"}}, themes=["Données"], date=datetime.date(2026, 2, 5))

    by_theme = client.get("/fr/tracts/?theme=algorithmes").content.decode()
    assert "Algo 2026" in by_theme and "Algo 2025" in by_theme and "Fuite 2026" not in by_theme

    by_both = client.get("/fr/tracts/?theme=algorithmes&year=2026").content.decode()
    assert "Algo 2026" in by_both and "Algo 2025" not in by_both

    unknown = client.get("/fr/tracts/?theme=inconnu")
    assert unknown.status_code == 200
    assert "Algo 2026" not in unknown.content.decode() and "Fuite 2026" not in unknown.content.decode()


@pytest.mark.parametrize(
    "query", ["?page=abc", "?page=999", "?year=20x6", "?year=" + "9" * 5000, "?theme=" + "é" * 3000]
)
def test_archive_survives_absurd_parameters(client, make_tract, query):
    make_tract()
    assert client.get("/fr/tracts/" + query).status_code == 200


def test_archive_is_paginated_with_a_constant_number_of_queries(client, make_tract, django_assert_num_queries):
    make_tract("tract-0", {"fr": {}, "en": {}}, themes=["Contrôle"])
    client.get("/fr/tracts/")  # the first request creates the site settings row
    with CaptureQueriesContext(connection) as one_tract:
        client.get("/fr/tracts/")

    for number in range(1, TRACTS_PER_PAGE + 3):
        make_tract(f"tract-{number}", {"fr": {}, "en": {}, "ar": {}}, themes=["Contrôle", f"Thème {number}"])
    with django_assert_num_queries(len(one_tract)):
        first = client.get("/fr/tracts/")

    assert first.content.decode().count('class="tract-card"') == TRACTS_PER_PAGE
    second = client.get("/fr/tracts/?page=2")
    assert second.content.decode().count('class="tract-card"') == 3
    # The pages of a filtered list keep the filter.
    filtered = client.get("/fr/tracts/?theme=controle&page=1").content.decode()
    assert 'rel="next" href="?theme=controle&amp;page=2"' in filtered
    assert (
        'rel="prev" href="?theme=controle&amp;page=1"'
        in client.get("/fr/tracts/?theme=controle&page=2").content.decode()
    )


def test_tract_page_shows_the_version_with_alternates_and_downloads(client, make_tract):
    tract = make_tract(
        "non-au-score",
        {
            "fr": {"title": "Non au score", "body": "<p>Corps du tract.</p>", "contact": "Le mardi"},
            "en": {"title": "No to the score"},
        },
    )

    # Both languages are known to fit one A5 page: a bilingual sheet is offered.
    for version in tract.all_versions():
        ensure_tract_pdf(version, PRINT_FORMATS["a5"])

    response = client.get("/fr/tracts/non-au-score/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Non au score</h1>" in html and "Corps du tract." in html and "Le mardi" in html
    assert '<link rel="alternate" hreflang="fr" href="http://testserver/fr/tracts/non-au-score/">' in html
    assert '<link rel="alternate" hreflang="en" href="http://testserver/en/tracts/non-au-score/">' in html
    assert 'href="/fr/tracts/non-au-score/a5.pdf">' in html
    assert 'href="/fr/tracts/non-au-score/a5-2up.pdf">' in html
    assert 'href="/fr/tracts/non-au-score/a5-pro.pdf">' in html
    assert 'href="/fr/tracts/non-au-score/a5-2up.pdf?verso=en">' in html
    assert "pas encore été traduit" not in html


def test_tract_page_in_a_language_without_version_shows_the_original_with_a_notice(client, make_tract):
    make_tract("seulement-fr", {"fr": {"title": "Seulement en français"}})

    response = client.get("/es/tracts/seulement-fr/")

    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="notice"' in html
    assert '<h1 lang="fr" dir="ltr">Seulement en français</h1>' in html
    assert '<span lang="fr" dir="ltr">français</span>' in html  # the notice names it in its own language


def test_arabic_tract_page_is_right_to_left(client, make_tract):
    make_tract("arabe", {"fr": {}, "ar": {"title": "لا للتنقيط"}})

    html = client.get("/ar/tracts/arabe/").content.decode()

    assert '<html lang="ar" dir="rtl">' in html
    assert "<h1>لا للتنقيط</h1>" in html  # in the page's own language: nothing to mark


def test_drafts_and_unknown_tracts_are_404_in_the_visitors_language(client, make_tract):
    make_tract("brouillon", status="draft")

    for path in ("/fr/tracts/brouillon/", "/fr/tracts/brouillon/a5.pdf", "/fr/tracts/inconnu/"):
        response = client.get(path)
        assert response.status_code == 404
        assert "<h1>Page introuvable</h1>" in response.content.decode()
        assert "Brouillon" not in response.content.decode()
    english = client.get("/en/tracts/inconnu/")
    assert english.status_code == 404
    assert "<h1>Page not found</h1>" in english.content.decode()


def test_pdf_download_goes_to_an_immutable_address(client, make_tract):
    make_tract("non-au-score", {"fr": {"title": "Non au score"}})

    redirect = client.get("/fr/tracts/non-au-score/a5.pdf")
    assert redirect.status_code == 302
    assert redirect["Cache-Control"] == "public, max-age=60"
    location = redirect["Location"]
    assert re.fullmatch(r"/pdf/[0-9a-f]{20}/non-au-score-fr-a5\.pdf", location)

    response = client.get(location)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="non-au-score-fr-a5.pdf"'
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    etag = response["ETag"]
    assert etag == '"' + location.split("/")[2] + '"'

    again = client.get(location, headers={"If-None-Match": etag})
    assert again.status_code == 304


@pytest.mark.parametrize("path", ["/pdf/0123456789abcdef0123/x.pdf", "/pdf/../../etc/passwd.pdf", "/pdf/zz/x.pdf"])
def test_unknown_stored_pdf_is_a_404(client, path):
    assert client.get(path).status_code == 404


def test_pdf_in_a_language_without_version_redirects_to_the_original(client, make_tract):
    make_tract("seulement-fr", {"fr": {}})
    response = client.get("/en/tracts/seulement-fr/a5.pdf")
    assert response.status_code == 302
    assert response["Location"] == "/fr/tracts/seulement-fr/a5.pdf"


def test_unknown_print_format_is_a_clear_404(client, make_tract):
    make_tract("non-au-score")
    response = client.get("/fr/tracts/non-au-score/a1-poster.pdf")
    assert response.status_code == 404
    assert "a1-poster" in response.content.decode()


def test_visitors_get_no_cookie(client, make_tract):
    make_tract("non-au-score", {"fr": {}})
    for path in ("/", "/fr/", "/fr/tracts/", "/fr/tracts/non-au-score/", "/fr/tracts/non-au-score/a5.pdf", "/en/x/"):
        response = client.get(path, follow=True)
        assert not response.cookies, (path, response.cookies)


def test_root_redirects_to_the_visitors_language(client):
    response = client.get("/", headers={"Accept-Language": "ar,fr;q=0.5"})
    assert response.status_code == 302
    assert response["Location"] == "/ar/"


def test_favicon_is_our_own(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"] == "/static/favicon.svg"


def test_a_tract_page_answers_conditional_and_head_requests(client, make_tract):
    make_tract("en-cache", {"fr": {"title": "Gardé en cache"}})
    response = client.get("/fr/tracts/en-cache/")
    assert response.status_code == 200 and response["ETag"]

    again = client.get("/fr/tracts/en-cache/", headers={"If-None-Match": response["ETag"]})
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == response["ETag"]
    assert client.get("/fr/tracts/en-cache/", headers={"If-None-Match": '"autre"'}).status_code == 200

    head = client.head("/fr/tracts/en-cache/")
    assert head.status_code == 200 and head.content == b"" and head["Content-Type"] == response["Content-Type"]
    # Another language is another page, with its own tag.
    assert client.get("/en/tracts/en-cache/")["ETag"] != response["ETag"]


def test_the_being_made_page_gets_no_tag(client, make_tract, task_queue):
    # no-store: a browser coming back must ask again, never be told "not modified".
    make_tract("pas-encore")
    response = client.get("/fr/tracts/pas-encore/a5.pdf")
    assert response.status_code == 503 and "ETag" not in response
