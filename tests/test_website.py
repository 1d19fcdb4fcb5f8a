import datetime
import re
import xml.etree.ElementTree as ET

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext

from publishing.models import Theme
from tests.helpers import count_queries
from tracts.printing import PRINT_FORMATS, ensure_tract_pdf
from website.models import Page, PageVersion

pytestmark = pytest.mark.django_db


@pytest.fixture
def about_page():
    page = Page.objects.create(slug="a-propos", status="published", position=0)
    PageVersion.objects.create(
        page=page, language="fr", title="Qui sommes-nous", summary="Un collectif contre le score.", body="<p>Texte</p>"
    )
    PageVersion.objects.create(page=page, language="ar", title="من نحن", summary="تجمّع ضد التنقيط.", body="<p>نص</p>")
    return page


def test_home_shows_the_latest_tracts_with_first_page_pictures_articles_themes_and_presentation(
    client, make_tract, make_article, about_page
):
    tract = make_tract("score", {"fr": {"title": "Non au score"}}, themes=["Algorithmes"])
    make_tract("brouillon", {"fr": {"title": "Brouillon"}}, status="draft")
    make_article("analyse", {"fr": {"title": "Une analyse"}})
    ensure_tract_pdf(tract.version("fr"), PRINT_FORMATS["a5"])

    html = client.get("/fr/").content.decode()

    assert "Non au score" in html and "Brouillon" not in html and "Une analyse" in html
    assert "Un collectif contre le score." in html
    assert re.search(r'class="first-page small" src="/pdf/[0-9a-f]{20}/score-fr-a5\.webp"', html)
    assert 'href="/fr/themes/algorithmes/"' in html
    assert '<a href="/fr/pages/a-propos/">Qui sommes-nous</a>' in html  # footer
    arabic = client.get("/ar/").content.decode()
    assert "تجمّع ضد التنقيط." in arabic and '<html lang="ar" dir="rtl">' in arabic


def test_home_and_theme_pages_have_a_constant_number_of_queries(client, make_tract, make_article, about_page):
    make_tract("t0", {"fr": {}, "en": {}}, themes=["Droits"])
    make_article("a0", {"fr": {}}, themes=["Droits"], authors=["A"])
    client.get("/fr/")
    home, theme = count_queries(client, "/fr/"), count_queries(client, "/fr/themes/droits/")
    for number in range(1, 20):
        make_tract(f"t{number}", {"fr": {}, "en": {}, "ar": {}}, themes=["Droits", f"T{number}"])
        make_article(f"a{number}", {"fr": {}, "es": {}}, themes=["Droits"], authors=["A", f"B{number}"])
    assert count_queries(client, "/fr/") == home
    assert count_queries(client, "/fr/themes/droits/") == theme


def test_theme_and_author_pages(client, make_tract, make_article):
    make_tract("sur-le-theme", {"fr": {"title": "Tract du thème"}}, themes=["Contrôle"])
    make_tract("hors-theme", {"fr": {"title": "Autre tract"}}, themes=["Droits"])
    make_article("par-camille", {"fr": {"title": "Analyse de Camille"}}, themes=["Contrôle"], authors=["Camille A"])
    make_article("par-autre", {"fr": {"title": "Analyse d'autre"}}, authors=["Autre"])

    theme = client.get("/fr/themes/controle/").content.decode()
    assert "Tract du thème" in theme and "Analyse de Camille" in theme and "Autre tract" not in theme
    author = client.get("/fr/authors/camille-a/").content.decode()
    assert "Analyse de Camille" in author and "Analyse d&#x27;autre" not in author
    assert client.get("/fr/themes/inconnu/").status_code == 404


def test_an_authors_page_lists_their_articles_in_pages(client, make_article):
    for number in range(23):
        make_article(f"analyse-{number}", {"fr": {"title": f"Analyse numéro {number}"}}, authors=["Camille A"])
    make_article("brouillon", {"fr": {"title": "Analyse cachée"}}, authors=["Camille A"], status="draft")
    first = client.get("/fr/authors/camille-a/").content.decode()
    second = client.get("/fr/authors/camille-a/", {"page": "2"}).content.decode()
    assert first.count('class="article-card"') == 20 and second.count('class="article-card"') == 3
    assert "Page 1 sur 2" in first and 'rel="next" href="?page=2"' in first
    shown = re.findall(r"Analyse numéro \d+", first + second)
    assert sorted(shown) == sorted(f"Analyse numéro {n}" for n in range(23))
    assert "Analyse cachée" not in first + second


def test_a_theme_page_shows_the_newest_and_links_to_every_tract_and_article_on_it(client, make_tract, make_article):
    for number in range(14):
        make_article(f"analyse-{number}", {"fr": {"title": f"Analyse numéro {number}"}}, themes=["Contrôle"])
        make_tract(f"tract-{number}", {"fr": {"title": f"Tract numéro {number}"}}, themes=["Contrôle"])
    make_article("ailleurs", {"fr": {"title": "Analyse d'ailleurs"}}, themes=["Droits"])

    theme = client.get("/fr/themes/controle/").content.decode()
    assert theme.count('class="article-card') == 12 and theme.count('class="tract-card') == 12
    assert 'href="/fr/articles/?theme=controle"' in theme and 'href="/fr/tracts/?theme=controle"' in theme
    articles = client.get("/fr/articles/?theme=controle").content.decode()
    assert "Articles · Contrôle" in articles and "Analyse d&#x27;ailleurs" not in articles
    assert client.get("/fr/articles/?theme=controle&page=2").content.decode().count('class="article-card') == 4
    assert "Analyse numéro" not in client.get("/fr/articles/?theme=inconnu").content.decode()


def test_flat_page_with_fallback(client, about_page):
    french = client.get("/fr/pages/a-propos/").content.decode()
    assert "<h1>Qui sommes-nous</h1>" in french
    english = client.get("/en/pages/a-propos/").content.decode()
    assert 'class="notice"' in english and "Qui sommes-nous" in english


def test_a_page_has_its_plain_text_for_its_description_but_no_search_columns(client):
    # Pages are not searched: their plain text serves their description
    # (when they have no summary), and they have no vectors to compute.
    page = Page.objects.create(slug="mentions-legales", status="published")
    PageVersion.objects.create(
        page=page, language="fr", title="Mentions légales", body="<p>Site hébergé par <em>une association</em>.</p>"
    )
    fields = {field.name for field in PageVersion._meta.get_fields()}
    assert not fields & {"search_config", "search_vector", "search_title_vector"}
    assert set(PageVersion.not_on_cards) <= fields
    assert PageVersion.objects.get().search_text == "Site hébergé par une association."
    html = client.get("/fr/pages/mentions-legales/").content.decode()
    assert '<meta name="description" content="Site hébergé par une association.">' in html


@pytest.fixture
def searchable(make_tract, make_article):
    make_tract(
        "controle",
        {
            "fr": {"title": "Le contrôle des allocataires", "body": "<p>Les algorithmes notent chaque dossier.</p>"},
            "en": {"title": "Checks on claimants", "body": "<p>Scoring algorithms rank every file.</p>"},
        },
    )
    make_article("analyse", {"fr": {"title": "Une analyse", "body": "<p>Le contrôle automatisé des chômeurs.</p>"}})
    make_tract("cache", {"fr": {"title": "Contrôle caché", "body": "<p>algorithmes</p>"}}, status="draft")


def test_search_finds_words_in_tracts_and_articles_and_marks_them(client, searchable):
    html = client.get("/fr/search/", {"q": "algorithmes"}).content.decode()
    assert "Le contrôle des allocataires" in html
    assert "<mark>algorithmes</mark>" in html.lower() or "<mark>Algorithmes</mark>" in html
    assert "Contrôle caché" not in html  # drafts are not searchable
    english = client.get("/fr/search/", {"q": "scoring"}).content.decode()
    assert "Checks on claimants" in english


@pytest.mark.parametrize(
    "query",
    ["", "   ", "x" * 10_000, "!!! ??? ...", "'; DROP TABLE tracts_tract; --", "a & | ! ( ) :*", "%_%", "<script>"],
)
def test_absurd_searches_get_a_normal_page(client, searchable, query):
    response = client.get("/fr/search/", {"q": query})
    assert response.status_code == 200
    assert "<script>" not in response.content.decode().split("<main", 1)[1]


def test_long_search_is_cut_with_a_notice(client, searchable):
    html = client.get("/en/search/", {"q": "algorithmes " + "x" * 500}).content.decode()
    assert "first 200 characters" in html


def test_search_has_a_constant_number_of_queries(client, make_tract):
    make_tract("t0", {"fr": {"body": "<p>algorithmes</p>"}})
    client.get("/fr/search/", {"q": "algorithmes"})
    with CaptureQueriesContext(connection) as one:
        client.get("/fr/search/", {"q": "algorithmes"})
    for number in range(1, 15):
        make_tract(f"t{number}", {"fr": {"body": "<p>algorithmes</p>"}, "en": {"body": "<p>algorithmes</p>"}})
    with CaptureQueriesContext(connection) as many:
        client.get("/fr/search/", {"q": "algorithmes"})
    assert len(many) == len(one)


def test_feeds_per_language_with_pdf_enclosures(client, make_tract, make_article):
    tract = make_tract("score", {"fr": {"title": "Non au score"}, "en": {"title": "No to the score"}})
    make_article("analyse", {"fr": {"title": "Une analyse"}}, authors=["Camille"])
    assert ET.fromstring(client.get("/en/tracts/feed.rss").content).find("channel/item/enclosure").get("length") == "0"
    rendered = ensure_tract_pdf(tract.version("en"), PRINT_FORMATS["a5"])

    rss = ET.fromstring(client.get("/en/tracts/feed.rss").content)
    item = rss.find("channel/item")
    assert item.findtext("title") == "No to the score"
    assert item.findtext("link").endswith("/en/tracts/score/")
    assert item.find("enclosure").get("url").endswith("/en/tracts/score/a5.pdf")
    assert item.find("enclosure").get("type") == "application/pdf"
    assert item.find("enclosure").get("length") == str(default_storage.size(rendered.storage_name))
    atom = ET.fromstring(client.get("/fr/articles/feed.atom").content)
    namespace = {"a": "http://www.w3.org/2005/Atom"}
    assert atom.find("a:entry/a:title", namespace).text == "Une analyse"
    assert atom.find("a:entry/a:author/a:name", namespace).text == "Camille"


def test_sitemap_with_hreflang_alternates_and_robots(client, make_tract, make_article, about_page):
    make_tract("score", {"fr": {}, "ar": {}})
    make_tract("brouillon", {"fr": {}}, status="draft")
    make_article("analyse", {"fr": {}})

    namespace = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
    index = client.get("/sitemap.xml")
    assert index["Content-Type"].startswith("application/xml")
    sections = [entry.findtext("s:loc", namespaces=namespace) for entry in ET.fromstring(index.content)]
    assert sections == [
        "http://testserver/sitemap-tracts.xml",
        "http://testserver/sitemap-articles.xml",
        "http://testserver/sitemap-pages.xml",
        "http://testserver/sitemap-events.xml",
    ]
    root = ET.Element("all")
    for section in sections:
        xml = client.get(section.removeprefix("http://testserver"))
        assert xml["Content-Type"].startswith("application/xml")
        root.extend(ET.fromstring(xml.content))
    locations = [url.findtext("s:loc", namespaces=namespace) for url in root.findall("s:url", namespace)]
    assert "http://testserver/fr/tracts/score/" in locations and "http://testserver/ar/tracts/score/" in locations
    assert "http://testserver/fr/articles/analyse/" in locations
    assert "http://testserver/ar/pages/a-propos/" in locations
    assert not any("brouillon" in location for location in locations)
    first = root.find("s:url", namespace)
    assert {link.get("hreflang") for link in first.findall("x:link", namespace)} == {"fr", "ar"}
    assert {link.get("href") for link in first.findall("x:link", namespace)} == {
        "http://testserver/fr/tracts/score/",
        "http://testserver/ar/tracts/score/",
    }
    entries = {url.findtext("s:loc", namespaces=namespace): url for url in root.findall("s:url", namespace)}
    # One language only: no alternate to name. Every entry says when it changed.
    assert entries["http://testserver/fr/articles/analyse/"].findall("x:link", namespace) == []
    assert all(url.findtext("s:lastmod", namespaces=namespace) for url in entries.values())

    robots = client.get("/robots.txt").content.decode()
    assert "Sitemap: http://testserver/sitemap.xml" in robots and "admin" not in robots


def test_sitemap_comes_in_pages_with_a_constant_number_of_queries(client, make_tract, monkeypatch):
    from website.sitemap import SITEMAPS

    monkeypatch.setattr(SITEMAPS["tracts"], "limit", 5)
    make_tract("tract-0", {"fr": {}, "en": {}})
    client.get("/sitemap-tracts.xml")
    one = count_queries(client, "/sitemap-tracts.xml")
    for number in range(1, 5):
        make_tract(f"tract-{number}", {"fr": {}, "en": {}, "ar": {}})
    assert count_queries(client, "/sitemap-tracts.xml") == one
    index = client.get("/sitemap.xml").content.decode()
    assert "/sitemap-tracts.xml?p=3</loc>" in index and "?p=4" not in index
    pages = [client.get("/sitemap-tracts.xml", {"p": str(number)}).content.decode() for number in (1, 2, 3)]
    listed = re.findall(r"<loc>(.*?)</loc>", "".join(pages))
    assert len(listed) == len(set(listed)) == 14
    # Alternates name every language of the tract, even those on another page.
    assert pages[0].count('hreflang="ar"') == 3 and pages[0].count('hreflang="fr"') == 5
    assert pages[1].count('hreflang="ar"') == 5  # tract-3's Arabic version is on page 3
    assert client.get("/sitemap-tracts.xml", {"p": "9"}).status_code == 404
    assert client.get("/sitemap-inconnu.xml").status_code == 404


def test_scheduled_publications_appear_in_time(client, make_tract):
    from django.utils import timezone

    make_tract("plus-tard", {"fr": {"title": "Pas encore"}}, published_at=timezone.now() + datetime.timedelta(hours=1))
    assert "Pas encore" not in client.get("/fr/").content.decode()
    assert "Pas encore" not in client.get("/fr/tracts/feed.rss").content.decode()


def test_theme_names_in_the_visitors_language(client, admin_client, make_tract):
    make_tract("score", {"fr": {}}, themes=["Algorithmes"])
    theme = Theme.objects.get()
    response = admin_client.post(
        f"/admin/collectif/theme/{theme.pk}/change/",
        {
            "name": "Algorithmes",
            "slug": "algorithmes",
            "name_en": "Algorithms",
            "name_ar": "الخوارزميات",
            "name_es": "",
        },
    )
    assert response.status_code == 302
    assert Theme.objects.get().translated_names == {"en": "Algorithms", "ar": "الخوارزميات"}

    assert "<h1>Algorithms</h1>" in client.get("/en/themes/algorithmes/").content.decode()
    assert ">الخوارزميات</a>" in client.get("/ar/tracts/").content.decode()
    assert "<h1>Algorithmes</h1>" in client.get("/es/themes/algorithmes/").content.decode()  # no Spanish name yet


@pytest.mark.parametrize("language", ["fr", "en", "es", "ar"])
def test_addresses_in_another_language_are_those_reverse_gives(language, settings):
    from django.urls import reverse, set_script_prefix
    from django.utils import translation

    from publishing.languages import reverse_in

    for prefix in ("/", "/site/"):
        set_script_prefix(prefix)
        try:
            for name, kwargs in [
                ("tracts:detail", {"slug": "non-au-score"}),
                ("tracts:pdf", {"slug": "non-au-score", "print_format": "a5-2up"}),
                ("articles:detail", {"slug": "x_1"}),
            ]:
                with translation.override(language):
                    expected = reverse(name, kwargs=kwargs)
                assert reverse_in(language, name, **kwargs) == expected
                assert expected.startswith(f"{prefix}{language}/")
        finally:
            set_script_prefix("/")
