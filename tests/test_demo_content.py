import io

import pytest
from django.core.management import call_command

from articles.models import Article
from publishing.models import Image
from tracts.models import Tract

pytestmark = pytest.mark.django_db


def test_demo_content_loads_once():
    out = io.StringIO()
    call_command("load_demo_tracts", stdout=out)
    call_command("load_demo_articles", stdout=out)
    assert "Demo tracts: 3 loaded" in out.getvalue() and "Demo articles: 3 loaded" in out.getvalue()
    assert Tract.objects.published().count() == 3 and Article.objects.published().count() == 3
    assert {v.language for t in Tract.objects.all() for v in t.versions.all()} >= {"fr", "en", "es", "ar"}
    assert Article.objects.get(slug="machine-a-soupconner").versions.count() == 2
    assert Article.objects.get(slug="apres-la-fuite").version("ar") is not None
    assert Image.objects.count() == 3  # a translation reuses its original's pictures

    again = io.StringIO()
    call_command("load_demo_tracts", stdout=again)
    call_command("load_demo_articles", stdout=again)
    assert "0 loaded, 3 already there" in again.getvalue()
    assert Image.objects.count() == 3


def test_demo_article_page_and_pdf(client):
    call_command("load_demo_articles", stdout=io.StringIO())
    page = client.get("/fr/articles/machine-a-soupconner/")
    assert page.status_code == 200 and 'class="notes"' in page.content.decode()
    assert client.get("/en/articles/machine-a-soupconner/article.pdf", follow=True).status_code == 200
