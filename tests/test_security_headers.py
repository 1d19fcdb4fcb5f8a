import base64
import hashlib
import re

import pytest
from django.urls import reverse

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
