"""The public site's finish: sharing tags, languages and directions, menus, error pages, print CSS."""

import re

import pytest
from django.core.files.base import ContentFile

from publishing.models import Image
from tests.conftest import jpeg_with_gps
from tracts.printing import PRINT_FORMATS, ensure_tract_pdf
from website.models import Page, PageVersion


def meta(html: str, prop: str) -> list[str]:
    return re.findall(rf'<meta property="{re.escape(prop)}" content="([^"]*)">', html)


def test_a_tract_shares_its_first_page_with_absolute_addresses(client, make_tract):
    tract = make_tract("score", {"fr": {"title": "Non au score"}, "ar": {"title": "لا للتنقيط"}})
    ensure_tract_pdf(tract.version("fr"), PRINT_FORMATS["a5"])
    html = client.get("/fr/tracts/score/").content.decode()
    [image] = meta(html, "og:image")
    assert re.fullmatch(r"http://testserver/pdf/[0-9a-f]{20}/score-fr-a5\.webp", image)
    assert meta(html, "og:image:width") == ["320"] and meta(html, "og:image:height") == ["454"]
    assert meta(html, "og:url") == ["http://testserver/fr/tracts/score/"]
    assert '<link rel="canonical" href="http://testserver/fr/tracts/score/">' in html
    assert meta(html, "og:locale") == ["fr_FR"] and meta(html, "og:locale:alternate") == ["ar_AR"]


def test_an_article_shares_its_cover_and_the_home_page_a_designed_default(client, make_article):
    cover = Image(file=ContentFile(jpeg_with_gps(1800, 1000), name="c.jpg"), alt_text="Une file d'attente")
    cover.save()
    make_article("analyse", {"fr": {"title": "Une analyse", "standfirst": "Le chapeau."}}, cover_image=cover)
    html = client.get("/fr/articles/analyse/").content.decode()
    [image] = meta(html, "og:image")
    assert image.startswith("http://testserver/media/") and meta(html, "og:image:alt") == ["Une file d&#x27;attente"]
    assert meta(html, "og:image:width") == ["1200"] and meta(html, "og:image:height") == ["667"]
    assert meta(html, "og:type") == ["article"] and meta(html, "og:description") == ["Le chapeau."]
    assert '<link rel="canonical" href="http://testserver/fr/articles/analyse/">' in html

    home = client.get("/es/").content.decode()
    assert meta(home, "og:image") == ["http://testserver/static/share/default.png"]
    assert meta(home, "og:image:width") == ["1200"] and meta(home, "og:image:height") == ["630"]
    assert meta(home, "og:locale") == ["es_ES"]
    assert set(meta(home, "og:locale:alternate")) == {"fr_FR", "en_GB", "ar_AR"}
    assert '<link rel="canonical" href="http://testserver/es/">' in home


def test_arabic_cards_mark_only_the_french_words(client, make_tract, make_article):
    make_tract("francais", {"fr": {"title": "Seulement en français"}}, themes=["Contrôle"])
    make_article("analyse", {"fr": {"title": "Une analyse"}}, authors=["Camille Arnaud"])
    html = client.get("/ar/").content.decode()
    assert '<li class="tract-card">' in html and '<li class="article-card">' in html
    assert '<h3 lang="fr" dir="ltr"><a href="/ar/tracts/francais/">' in html
    assert '<p class="excerpt" lang="fr" dir="ltr">' in html
    # Dates (in Arabic) and names are isolated from the text around them.
    assert re.search(r"<bdi><time datetime=\"2026-10-01\">1 أكتوبر، 2026</time></bdi>", html)
    assert "<bdi>Camille Arnaud</bdi>" in html


def test_language_names_are_written_in_their_own_language(client, make_tract):
    make_tract("score", {"fr": {"title": "Non au score"}, "ar": {"title": "لا للتنقيط"}, "es": {"title": "No"}})
    html = client.get("/fr/tracts/score/").content.decode()
    assert '<span class="language-name">العربيّة</span> · لا للتنقيط' in html
    assert '<span class="language-name">español</span>' in html
    archive = client.get("/fr/tracts/").content.decode()
    assert 'hreflang="ar">العربيّة</a>' in archive


def test_fallback_notice_names_the_language_shown_and_the_others(client, make_tract):
    make_tract("score", {"fr": {"title": "Non au score"}, "ar": {"title": "لا للتنقيط"}})
    html = client.get("/es/tracts/score/").content.decode()
    notice = re.search(r'<p class="notice" role="note">(.*?)</p>', html).group(1)
    assert '<span lang="fr" dir="ltr">français</span>' in notice
    assert 'hreflang="ar">العربيّة</a>' in notice
    assert "Francés" not in html


@pytest.fixture
def french_only_pages(db):
    for slug, title, position in (("contact", "Nous contacter", 1), ("mentions-legales", "Mentions légales", 2)):
        page = Page.objects.create(slug=slug, status=Page.Status.PUBLISHED, position=position)
        PageVersion.objects.create(page=page, language="fr", title=title, body="<p>Texte.</p>")
    page = Page.objects.create(slug="charte", status=Page.Status.PUBLISHED, position=3)
    PageVersion.objects.create(page=page, language="fr", title="Notre charte", body="<p>Texte.</p>")


def test_footer_labels_are_translated_or_marked_with_their_language(client, french_only_pages):
    html = client.get("/ar/").content.decode()
    footer = html.split('<footer class="site-footer">')[1]
    assert "Nous contacter" not in footer and "Mentions légales" not in footer
    # A page with no translation and no interface name keeps its title, marked French.
    assert '<a href="/ar/pages/charte/" lang="fr" dir="ltr">Notre charte</a>' in footer
    assert "Nous contacter" in client.get("/fr/").content.decode().split('<footer class="site-footer">')[1]


def test_the_current_menu_item_is_marked(client, make_tract):
    make_tract("score")
    archive = client.get("/fr/tracts/").content.decode()
    assert re.search(r'<a href="/fr/tracts/" aria-current="page">', archive)
    tract = client.get("/fr/tracts/score/").content.decode()
    assert re.search(r'<a href="/fr/tracts/" aria-current="true">', tract)
    assert 'aria-current="page">Articles' not in tract
    home = client.get("/fr/").content.decode()
    assert "<h1>" + "collectif" not in home  # the home's h1 says what the site is, not its name


def test_tract_page_is_made_for_handing_out(client, make_tract):
    tract = make_tract("score", {"fr": {"title": "Non au score", "body": "<p>court</p>"}, "ar": {"title": "لا"}})
    html = client.get("/fr/tracts/score/").content.decode()
    # Before the A5 is rendered: a designed placeholder, and the button all the same.
    assert 'class="first-page placeholder large"' in html
    assert '<a class="download-button" href="/fr/tracts/score/a5.pdf">' in html
    # Bilingual sheets are offered once both languages are known to fit one A5 page.
    for language in ("fr", "ar"):
        ensure_tract_pdf(tract.version(language), PRINT_FORMATS["a5"])
    html = client.get("/fr/tracts/score/").content.decode()
    assert re.search(r'<img class="first-page large" src="/pdf/[0-9a-f]{20}/score-fr-a5\.webp"', html)
    assert "1 page" in html and "double-sided" not in html
    panel = html.split('<aside class="tract-print"')[1]
    assert list(re.findall(r"<h3[^>]*>(.*?)</h3>", panel)) == [
        "Impression à la maison",
        "Affiches",
        "Bilingue",
        "Imprimerie",
        "Lire ce tract en",
    ]


def test_two_page_leaflets_say_print_double_sided(client, make_tract):
    # Too long for one A5 page even at the smallest type (fitting shrinks it first).
    long_text = "".join(f"<p>{'Paragraphe assez long pour remplir la page. ' * 12}</p>" for _ in range(8))
    tract = make_tract("long", {"fr": {"title": "Un long tract", "body": long_text}})
    plan = ensure_tract_pdf(tract.version("fr"), PRINT_FORMATS["a5"])
    assert plan
    html = client.get("/en/tracts/long/").content.decode()
    assert "2 pages" in html and "Print double-sided" in html


def test_home_never_shows_a_card_without_a_picture(client, make_tract):
    make_tract("pas-encore-rendu", {"fr": {"title": "Pas encore rendu"}})
    html = client.get("/fr/").content.decode()
    card = html.split('<li class="tract-card">')[1].split("</li>")[0]
    assert 'class="first-page placeholder small"' in card


def test_404_offers_search_and_the_publication_named_in_the_address(client, make_tract, make_article):
    make_tract("score", {"fr": {"title": "Non au score"}})
    make_article("analyse", {"fr": {"title": "Une analyse"}})
    response = client.get("/fr/tracts/score/a3.pdf")
    html = response.content.decode()
    assert response.status_code == 404
    assert 'role="search"' in html and 'name="q"' in html
    assert '<a href="/fr/tracts/score/">Non au score</a>' in html
    html = client.get("/fr/articles/analyse/vieux-lien/").content.decode()
    assert '<a href="/fr/articles/analyse/">Une analyse</a>' in html
    html = client.get("/fr/nulle-part/").content.decode()
    assert 'role="search"' in html and "Non au score" not in html


def test_print_stylesheet_hides_the_tools_and_prints_addresses():
    from pathlib import Path

    css = (Path(__file__).resolve().parent.parent / "static/css/site.css").read_text()
    print_block = css[css.index("@media print") :]
    assert print_block.count("{") == print_block.count("}")
    hidden = re.search(r"([^{}]*)\{\s*display: none;", print_block).group(1)
    for selector in (".site-header nav", ".filters", ".tract-print", ".pagination", ".search-form"):
        assert selector in hidden
    assert 'content: " (" attr(href) ")"' in print_block
    # The block holds print rules only: no copy of the screen rules.
    assert ".article-card h2 a:hover" not in print_block


def test_latin_addresses_in_arabic_contact_boxes_are_isolated(client, make_tract):
    contact = "بورصة العمل (Bourse du travail)، 12 rue de l'Exemple\ncontact@sans-score.example"
    make_tract("arabe", {"ar": {"title": "لا", "contact": contact}}, original_language="ar")
    html = client.get("/ar/tracts/arabe/").content.decode()
    box = html.split('<aside class="contact">')[1].split("</aside>")[0]
    assert '<bdi dir="ltr" class="ltr-run">(Bourse du travail)</bdi>' in box
    assert (
        '<bdi dir="ltr" class="ltr-run">12 rue de l&#x27;Exemple</bdi><br>'
        '<bdi dir="ltr" class="ltr-run email">contact@sans-score.example</bdi>'
    ) in box
    make_tract("francais", {"fr": {"title": "Non", "contact": "12 rue de l'Exemple"}})
    french = client.get("/ar/tracts/francais/").content.decode()
    assert "<bdi" not in french.split('<aside class="contact"')[1].split("</aside>")[0]


def test_an_excerpt_is_bounded_in_characters_whatever_its_words(client, make_tract, make_article):
    word = "x" * 400_000
    make_tract("mot-geant", {"fr": {"subtitle": "", "body": f"<p>{word}</p>"}})
    make_article("mot-geant", {"fr": {"body": f"<p>{word}</p>"}})
    for url in ("/fr/", "/fr/tracts/", "/fr/articles/", "/fr/tracts/feed.rss", "/fr/articles/feed.rss"):
        response = client.get(url)
        assert response.status_code == 200
        assert len(response.content) < 100_000, (url, len(response.content))
    page = client.get("/fr/tracts/mot-geant/").content.decode()
    assert "x" * 301 not in page.split("<main", 1)[0]  # the page's description and og:description
