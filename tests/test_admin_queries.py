"""The admin's lists and change pages make as many queries for many items as for few."""

import pytest
from django.urls import reverse

from tests.helpers import count_queries
from website.models import Page, PageVersion

pytestmark = pytest.mark.django_db


def warm_count(client, url: str) -> int:
    """Queries of a second visit (the first one fills caches: content types, session)."""
    count_queries(client, url)
    return count_queries(client, url)


LANGUAGES = {"fr": {}, "en": {}, "es": {}, "ar": {}}


def make_page(slug: str, versions=("fr",)) -> Page:
    page = Page.objects.create(slug=slug, status="published")
    for language in versions:
        PageVersion.objects.create(page=page, language=language, title=f"{slug} {language}", body="<p>Texte</p>")
    return page


def test_tract_list_and_change_page(admin_client, make_tract):
    first = make_tract("t0", {"fr": {}}, themes=["Droits"])
    changelist = reverse("admin:tracts_tract_changelist")
    list_one = warm_count(admin_client, changelist)
    change_one = warm_count(admin_client, reverse("admin:tracts_tract_change", args=[first.pk]))

    for number in range(1, 12):
        make_tract(f"t{number}", LANGUAGES, themes=["Droits", f"Thème {number}"])
    many = make_tract("beaucoup", LANGUAGES, themes=["Droits", "Thème 1"])

    assert count_queries(admin_client, changelist) == list_one
    assert count_queries(admin_client, reverse("admin:tracts_tract_change", args=[many.pk])) == change_one


def test_article_list_and_change_page(admin_client, make_article):
    first = make_article("a0", {"fr": {}}, authors=["Camille"], themes=["Droits"])
    changelist = reverse("admin:articles_article_changelist")
    list_one = warm_count(admin_client, changelist)
    change_one = warm_count(admin_client, reverse("admin:articles_article_change", args=[first.pk]))

    for number in range(1, 12):
        make_article(f"a{number}", LANGUAGES, authors=["Camille", f"Auteur {number}"], themes=["Droits"])
    many = make_article("beaucoup", LANGUAGES, authors=["Camille", "Auteur 1"], themes=["Droits"])

    assert count_queries(admin_client, changelist) == list_one
    assert count_queries(admin_client, reverse("admin:articles_article_change", args=[many.pk])) == change_one


def test_page_list_and_change_page(admin_client):
    first = make_page("p0")
    changelist = reverse("admin:website_page_changelist")
    list_one = warm_count(admin_client, changelist)
    change_one = warm_count(admin_client, reverse("admin:website_page_change", args=[first.pk]))

    for number in range(1, 20):
        make_page(f"p{number}", LANGUAGES)
    many = make_page("beaucoup", LANGUAGES)

    assert count_queries(admin_client, changelist) == list_one
    assert count_queries(admin_client, reverse("admin:website_page_change", args=[many.pk])) == change_one
    html = admin_client.get(changelist).content.decode()
    assert "fr, en, es, ar" in html  # the languages column
