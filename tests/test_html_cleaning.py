import pytest

from publishing.html import clean_rich_text, is_own_media_url


@pytest.mark.parametrize(
    "url, expected",
    [
        ("/media/photos/a.jpg", True),
        ("/media/../secret.txt", False),
        ("/media/photos/../../etc/passwd", False),
        ("/media/%2e%2e/x", False),
        ("//evil.example/media/a.jpg", False),
        ("https://evil.example/media/a.jpg", False),
        ("/static/a.png", False),
        ("file:///etc/passwd", False),
    ],
)
def test_is_own_media_url(url, expected):
    assert is_own_media_url(url) is expected


def test_allowed_structure_is_kept():
    html = (
        "<h2>Titre</h2><h3>Sous-titre</h3><p><strong>gras</strong> <em>italique</em><br>ligne</p>"
        '<ul><li>un</li></ul><ol start="3"><li>trois</li></ol><blockquote><p>cité</p></blockquote>'
        '<p><a href="mailto:contact@example.org">écrire</a></p>'
    )
    assert clean_rich_text(html) == html.replace(
        'href="mailto:contact@example.org"', 'href="mailto:contact@example.org" rel="noopener noreferrer"'
    )


@pytest.mark.parametrize(
    "dirty",
    [
        '<a href="data:text/html,<script>alert(1)</script>">x</a>',
        '<a href="vbscript:msgbox(1)">x</a>',
        '<a href="JaVaScRiPt:alert(1)">x</a>',
        '<svg onload="alert(1)"></svg>',
        '<img src="/media/a.jpg" onerror="alert(1)">',
        '<p style="background:url(https://tracker.example/)">x</p>',
        '<form action="https://evil.example/"><input name="password"></form>',
    ],
)
def test_dangerous_markup_is_removed(dirty):
    cleaned = clean_rich_text(dirty)
    for needle in ("alert", "vbscript", "onerror", "onload", "tracker.example", "<form", "<input", "data:"):
        assert needle not in cleaned.lower()


def test_empty_editor_output_becomes_empty_string():
    assert clean_rich_text("<p></p>") == ""
    assert clean_rich_text(None) == ""


@pytest.mark.django_db
def test_every_rich_text_field_is_cleaned_on_save_whatever_the_path(make_tract, make_article):
    from website.models import Page, PageVersion

    dirty = '<p onclick="steal()">Texte <script>alert("x")</script><a href="javascript:steal()">lien</a></p>'
    tract_version = make_tract("sale", {"fr": {"body": dirty}}).version("fr")
    article_version = make_article("sale", {"fr": {"body": dirty, "notes": dirty}}).version("fr")
    page_version = PageVersion.objects.create(
        page=Page.objects.create(slug="sale"), language="fr", title="Sale", body=dirty
    )

    for version, fields in ((tract_version, ["body"]), (article_version, ["body", "notes"]), (page_version, ["body"])):
        version.refresh_from_db()
        for field in fields:
            assert getattr(version, field) == '<p>Texte <a rel="noopener noreferrer">lien</a></p>', field
        # The search text is made of the cleaned text: no script in it.
        assert "alert" not in version.search_text and "Texte" in version.search_text
    assert article_version.word_count == 2
