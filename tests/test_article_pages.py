import re

import pytest
from django.core.files.base import ContentFile

from articles.models import FurtherReading
from articles.printing import ensure_article_pdf
from articles.views import ARTICLES_PER_PAGE
from publishing.models import Image
from tests.helpers import count_queries, jpeg_with_gps, read_pdf

pytestmark = pytest.mark.django_db


def draws_an_image(page) -> bool:
    """True when the page's content paints one of its image XObjects (resources may be shared)."""
    content = page.get_contents().get_data()
    xobjects = page["/Resources"].get("/XObject", {})
    return any(
        xobjects[name].get_object()["/Subtype"] == "/Image" and f"{name} Do".encode() in content for name in xobjects
    )


def rich_article(make_article, make_tract, slug: str, index: int = 0):
    image = Image(file=ContentFile(jpeg_with_gps(1800, 1000), name="p.jpg"), alt_text="Une grille de dossiers")
    image.save()
    article = make_article(
        slug,
        {
            "fr": {
                "title": f"Analyse {index}",
                "standfirst": "Un chapeau qui résume l'analyse.",
                "body": f'<p>Texte[^1] <a href="https://example.org/rapport">rapport</a>.</p>'
                f'<figure><img src="{image.file.url}" alt=""><figcaption>La grille</figcaption></figure>'
                "<blockquote><p>Une phrase forte.</p><p>— Un syndicat d'agents</p></blockquote>",
                "notes": "<ol><li>La note de bas de page.</li></ol>",
            },
            "ar": {"title": "تحليل"},
        },
        themes=["Algorithmes"],
        authors=["Camille Arnaud", "Commission enquête"],
        cover_image=image,
    )
    return article


def test_index_lists_published_articles_with_their_excerpt(client, make_article):
    make_article("publie", {"fr": {"title": "Publié", "body": "<p>" + "mot " * 80 + "</p>"}}, authors=["Camille"])
    make_article("brouillon", {"fr": {"title": "Brouillon"}}, status="draft")

    html = client.get("/fr/articles/").content.decode()

    assert "Publié" in html and "Brouillon" not in html
    assert "Camille" in html
    assert re.search(r'<p class="excerpt">(mot ){39}mot…</p>', html)


def test_index_is_paginated_with_a_constant_number_of_queries(client, make_article):
    make_article("article-0", {"fr": {}, "en": {}}, themes=["Droits"], authors=["A"])
    client.get("/fr/articles/")
    one = count_queries(client, "/fr/articles/")
    for number in range(1, 20):
        make_article(f"article-{number}", {"fr": {}, "en": {}}, themes=["Droits", f"T{number}"], authors=["A", "B"])
    assert count_queries(client, "/fr/articles/") == one
    assert client.get("/fr/articles/").content.decode().count('class="article-card"') == ARTICLES_PER_PAGE
    assert client.get("/fr/articles/?page=2").content.decode().count('class="article-card"') == 20 - ARTICLES_PER_PAGE


def test_detail_page_with_a_constant_number_of_queries(client, make_article, make_tract):
    article = rich_article(make_article, make_tract, "principal")
    tract = make_tract("un-tract", {"fr": {"title": "Un tract lié"}})
    article.related_tracts.add(tract)
    FurtherReading.objects.create(article=article, linked_tract=tract)
    FurtherReading.objects.create(article=article, linked_article=make_article("premier-autre"))
    client.get("/fr/articles/principal/")
    one = count_queries(client, "/fr/articles/principal/")

    for number in range(19):
        other = make_article(f"autre-{number}", {"fr": {}, "ar": {}})
        FurtherReading.objects.create(article=article, linked_article=other, position=number)
        article.related_tracts.add(make_tract(f"tract-{number}", {"fr": {}, "en": {}}))
    FurtherReading.objects.create(article=article, url="https://example.org/", title="Ailleurs")
    assert count_queries(client, "/fr/articles/principal/") == one


def test_detail_page_reads_well(client, make_article, make_tract):
    article = rich_article(make_article, make_tract, "principal")
    tract = make_tract("lie", {"fr": {"title": "Le tract lié"}})
    draft = make_tract("cache", {"fr": {"title": "Tract brouillon"}}, status="draft")
    article.related_tracts.add(tract, draft)
    FurtherReading.objects.create(article=article, url="https://example.org/etude", title="Une étude")
    FurtherReading.objects.create(article=article, linked_tract=tract, position=1)

    html = client.get("/fr/articles/principal/").content.decode()

    assert "<h1>Analyse 0</h1>" in html and "Un chapeau qui résume" in html
    assert "<bdi>Camille Arnaud</bdi>, <bdi>Commission enquête</bdi>" in html
    assert '<sup class="note-ref" id="note-ref-1"><a href="#note-1">1</a></sup>' in html
    assert '<li id="note-1">La note de bas de page. <a class="back" href="#note-ref-1"' in html
    assert '<footer class="attribution">— Un syndicat d&#x27;agents</footer>' in html or (
        '<footer class="attribution">— Un syndicat d\'agents</footer>' in html
    )
    assert 'alt="Une grille de dossiers"' in html and 'loading="lazy"' in html and " 480w" in html
    assert '<a href="https://example.org/etude" rel="noopener noreferrer" class="external">Une étude</a>' in html
    assert '<a href="/fr/tracts/lie/">Le tract lié</a>' in html
    assert "Tract brouillon" not in html
    assert '<link rel="alternate" hreflang="ar" href="http://testserver/ar/articles/principal/">' in html
    assert 'href="/fr/articles/principal/article.pdf"' in html


def test_fallback_and_right_to_left(client, make_article):
    make_article("bilingue", {"fr": {"title": "Français"}, "ar": {"title": "عربي"}})
    spanish = client.get("/es/articles/bilingue/").content.decode()
    assert 'class="notice"' in spanish and '<h1 lang="fr" dir="ltr">Français</h1>' in spanish
    arabic = client.get("/ar/articles/bilingue/").content.decode()
    assert '<html lang="ar" dir="rtl">' in arabic and "<h1>عربي</h1>" in arabic


def test_drafts_and_unknown_articles_are_404(client, make_article):
    make_article("brouillon", status="draft")
    for url in ("/fr/articles/brouillon/", "/fr/articles/brouillon/article.pdf", "/fr/articles/inconnu/"):
        assert client.get(url).status_code == 404


def test_article_pdf(client, make_article, make_tract):
    long_text = "".join(f"<p>Paragraphe {n} de l'analyse, assez long pour remplir les pages.</p>" for n in range(40))
    article = rich_article(make_article, make_tract, "imprimer")
    version = article.versions.get(language="fr")
    version.body = long_text + version.body + long_text
    version.save()

    response = client.get("/fr/articles/imprimer/article.pdf", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0].endswith("/imprimer-fr.pdf")
    plan = ensure_article_pdf(version)
    reader = read_pdf(plan)

    pages = reader.pages
    assert len(pages) >= 2
    assert all(round(float(p.mediabox.width)) == 595 and round(float(p.mediabox.height)) == 842 for p in pages)
    texts = [page.extract_text() for page in pages]
    assert "Analyse 0" in texts[0] and "Un chapeau qui résume" in texts[0] and "Camille Arnaud" in texts[0]
    assert "http://127.0.0.1:8000/fr/articles/imprimer/" in texts[0].replace("\n", "")
    for number, text in enumerate(texts, start=1):
        assert f"{number} / {len(pages)}" in text
    assert "(https://example.org/rapport)" in "".join(texts).replace("\n", "")
    # Notes come at the end.
    assert "La note de bas de page." in texts[-1]
    # The figure is on one page: its picture and its caption together.
    with_picture = [i for i, page in enumerate(pages) if draws_an_image(page)]
    assert len(with_picture) == 1
    assert "La grille" in texts[with_picture[0]]
