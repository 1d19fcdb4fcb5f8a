import base64
import hashlib
import re

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from website.caching import PUBLIC_CACHE_CONTROL
from website.middleware import SharedCacheMiddleware

pytestmark = pytest.mark.django_db


def test_public_pages_have_a_strict_policy(client, make_tract, make_article):
    make_tract("t")
    make_article("a")
    for path in ("/fr/tracts/", "/fr/tracts/t/", "/ar/articles/a/", "/fr/articles/", "/fr/inconnu/"):
        policy = client.get(path)["Content-Security-Policy"]
        directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
        assert directives["script-src"] == "'self'", path
        assert directives["style-src"] == "'self'" and directives["default-src"] == "'self'"
        assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
        assert "unsafe" not in policy


def test_public_pages_have_no_inline_script_or_style(client, make_tract, make_article):
    make_tract("t", {"fr": {}, "ar": {}})
    make_article("a")
    for path in ("/fr/tracts/", "/fr/tracts/t/", "/ar/tracts/t/", "/fr/articles/a/"):
        html = client.get(path).content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), path
        assert "<style" not in html and " style=" not in html and " onclick=" not in html


def test_the_admin_editor_import_map_is_allowed_by_its_hash(admin_client):
    response = admin_client.get(reverse("admin:articles_article_add"))
    inline = re.findall(r'<script type="importmap">(.*?)</script>', response.content.decode(), re.S)
    assert len(inline) == 1
    digest = base64.b64encode(hashlib.sha256(inline[0].encode()).digest()).decode()
    policy = response["Content-Security-Policy"]
    script_src = next(part for part in policy.split(";") if part.strip().startswith("script-src"))
    assert f"'sha256-{digest}'" in script_src and "unsafe" not in script_src


@pytest.mark.parametrize("path, text", [("/ar/broken/", "حدث خطأ ما"), ("/en/broken/", "Something went wrong")])
def test_server_errors_show_a_page_in_the_visitors_language_and_no_trace(client, monkeypatch, path, text):
    from django.urls import path as url_path

    from collectif import urls

    def broken(request):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(urls, "urlpatterns", [*urls.urlpatterns, url_path("<str:lang>/broken/", broken)])
    from django.urls import clear_url_caches

    clear_url_caches()
    client.raise_request_exception = False
    response = client.get(path)
    clear_url_caches()
    assert response.status_code == 500
    html = response.content.decode()
    assert text in html and "secret internal detail" not in html and "Traceback" not in html


TAGGED_LINKS = [
    "fbclid=IwAR0abc",
    "utm_source=mastodon&utm_medium=social&utm_campaign=caf",
    "gclid=x1&msclkid=x2&igshid=x3&mc_cid=x4&mc_eid=x5&_ga=x6&ref=x7",
]


@pytest.mark.parametrize("tags", TAGGED_LINKS)
def test_a_tagged_link_gives_the_page_of_the_clean_address_with_clean_links(client, make_tract, tags):
    make_tract("score", {"fr": {"title": "Non au score"}})
    clean = client.get("/fr/tracts/score/")
    tagged = client.get(f"/fr/tracts/score/?{tags}")
    assert tagged.status_code == 200
    html = tagged.content.decode()
    assert '<link rel="canonical" href="http://testserver/fr/tracts/score/">' in html
    assert '<meta property="og:url" content="http://testserver/fr/tracts/score/">' in html
    for name in ("fbclid", "utm_", "gclid", "IwAR0abc"):
        assert name not in html
    assert html == clean.content.decode()


def test_the_application_drops_tracking_parameters_and_keeps_the_others_as_sent():
    seen = {}

    def view(request):
        seen["GET"], seen["query"] = request.GET.dict(), request.META["QUERY_STRING"]
        return HttpResponse()

    request = RequestFactory().get("/fr/search/?utm_source=x&q=caf%C3%A9+rsa&fbclid=1&UTM_X=2&page=2&_ga=3&p=12")
    SharedCacheMiddleware(view)(request)
    assert seen["GET"] == {"q": "café rsa", "page": "2", "UTM_X": "2", "p": "12"}
    assert seen["query"] == "q=caf%C3%A9+rsa&UTM_X=2&page=2&p=12"


def test_a_missing_slash_redirects_without_the_tracking_parameters(client, make_tract):
    make_tract("score")
    response = client.get("/fr/tracts/score?fbclid=abc&page=2")
    assert response.status_code == 301 and response["Location"] == "/fr/tracts/score/?page=2"


@pytest.mark.parametrize(
    "path", ["/fr/", "/fr/tracts/", "/fr/tracts/score/", "/fr/search/?q=score", "/fr/tracts/nowhere/"]
)
def test_public_pages_tell_shared_caches_what_they_may_keep(client, make_tract, path):
    make_tract("score")
    response = client.get(path)
    assert response["Cache-Control"] == PUBLIC_CACHE_CONTROL
    assert "s-maxage=10" in PUBLIC_CACHE_CONTROL and "stale-while-revalidate" not in PUBLIC_CACHE_CONTROL
    assert "Cookie" not in response.get("Vary", "") and "Accept-Language" not in response.get("Vary", "")
    assert not response.cookies


def test_staff_the_admin_and_answers_that_say_otherwise_are_never_public(admin_client, client, make_tract):
    make_tract("score")
    staff = admin_client.get("/fr/tracts/score/")
    assert staff.status_code == 200 and "public" not in staff["Cache-Control"] and "private" in staff["Cache-Control"]
    admin = admin_client.get(reverse("admin:index"))
    assert "public" not in admin.get("Cache-Control", "")
    sign_in = client.get(reverse("admin:login"))
    assert "public" not in sign_in.get("Cache-Control", "")
    # The stable PDF address says itself how long its answer holds.
    pdf = client.get("/fr/tracts/score/a5.pdf")
    assert pdf["Cache-Control"] != PUBLIC_CACHE_CONTROL and pdf["Cache-Control"].startswith(("public", "no-store"))
