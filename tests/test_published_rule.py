"""One rule for what visitors see (PublicationQuerySet.published()), on every listing:
drafts and scheduled items never show, not even as a title or a link."""

import datetime

import pytest
from django.utils import timezone

from articles.models import FurtherReading
from tracts.models import Tract

pytestmark = pytest.mark.django_db

HIDDEN = ("brouillon-secret", "programme-secret", "Titre secret")


@pytest.fixture
def hidden_and_public(make_tract, make_article):
    """A published tract and article, each with a draft and a scheduled sibling that
    share their theme and author and are linked from the public article."""
    later = timezone.now() + datetime.timedelta(days=3)
    public_tract = make_tract("public", {"fr": {"title": "Tract public"}}, themes=["Contrôle"])
    draft_tract = make_tract(
        "brouillon-secret-t", {"fr": {"title": "Titre secret t1"}}, themes=["Contrôle"], status="draft"
    )
    scheduled_tract = make_tract(
        "programme-secret-t", {"fr": {"title": "Titre secret t2"}}, themes=["Contrôle"], published_at=later
    )
    article = make_article("analyse-publique", {"fr": {}}, themes=["Contrôle"], authors=["Camille"])
    draft = make_article(
        "brouillon-secret-a",
        {"fr": {"title": "Titre secret a1"}},
        themes=["Contrôle"],
        authors=["Camille"],
        status="draft",
    )
    scheduled = make_article(
        "programme-secret-a",
        {"fr": {"title": "Titre secret a2"}},
        themes=["Contrôle"],
        authors=["Camille"],
        published_at=later,
    )
    for position, target in enumerate([draft, scheduled]):
        FurtherReading.objects.create(article=article, linked_article=target, position=position)
    for position, target in enumerate([draft_tract, scheduled_tract, public_tract], start=2):
        FurtherReading.objects.create(article=article, linked_tract=target, position=position)
    article.related_tracts.set([public_tract, draft_tract, scheduled_tract])
    make_article("seulement-brouillon", {"fr": {}}, authors=["Anonyme Prudent"], status="draft")
    return article


@pytest.mark.parametrize(
    "url",
    [
        "/fr/",
        "/fr/tracts/",
        "/fr/articles/",
        "/fr/themes/controle/",
        "/fr/authors/camille/",
        "/fr/articles/analyse-publique/",
        "/fr/search/?q=secret",
        "/fr/tracts/feed.rss",
        "/fr/tracts/feed.atom",
        "/fr/articles/feed.rss",
        "/fr/articles/feed.atom",
        "/sitemap.xml",
        "/sitemap-tracts.xml",
        "/sitemap-articles.xml",
    ],
)
def test_no_listing_shows_drafts_or_scheduled_items(client, hidden_and_public, url):
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    for needle in HIDDEN:
        assert needle not in html, f"{needle} on {url}"


def test_further_reading_and_related_tracts_keep_the_public_ones(client, hidden_and_public):
    html = client.get("/fr/articles/analyse-publique/").content.decode()
    assert html.count("Tract public") >= 2  # in further reading and in related tracts


def test_an_author_who_signed_only_drafts_has_no_public_page(client, hidden_and_public):
    assert client.get("/fr/authors/anonyme-prudent/").status_code == 404
    assert client.get("/fr/authors/camille/").status_code == 200


def test_themes_of_drafts_only_are_not_listed_on_the_home_page(client, make_tract):
    make_tract("public", themes=["Logement"])
    make_tract("brouillon", themes=["Sujet secret"], status="draft")
    html = client.get("/fr/").content.decode()
    assert "Logement" in html and "Sujet secret" not in html


@pytest.mark.database_engine
def test_years_are_those_of_what_visitors_see_newest_first(make_tract, make_article):
    later = timezone.now() + datetime.timedelta(days=3)
    for slug, date in [
        ("a", datetime.date(2019, 6, 1)),
        ("b", datetime.date(2020, 12, 31)),
        ("c", datetime.date(2021, 1, 1)),
        ("d", datetime.date(2021, 7, 14)),
        ("e", datetime.date(2024, 3, 8)),
    ]:
        make_tract(slug, date=date)
    make_tract("brouillon", date=datetime.date(2022, 5, 1), status="draft")
    make_tract("programme", date=datetime.date(2023, 5, 1), published_at=later)
    make_article("analyse", {"fr": {}}, date=datetime.date(2018, 5, 1))

    assert Tract.objects.published().years() == [2024, 2021, 2020, 2019]
    assert Tract.objects.all().years() == [2024, 2023, 2022, 2021, 2020, 2019]
    assert Tract.objects.published().filter(date__year=2021).years() == [2021]
    assert Tract.objects.filter(slug="nothing").years() == []
    assert Tract.objects.none().years() == []
    with pytest.raises(ValueError):
        Tract.objects.filter(themes__name="Contrôle").years()
