import pytest

from collectif.html import clean_rich_text, is_own_media_url


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
