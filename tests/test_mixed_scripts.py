"""Addresses, e-mails, web addresses and phone numbers inside Arabic (and French)
text, on paper and on screen: isolated left to right, never split at a hyphen."""

import re
from html.parser import HTMLParser

import pytest
from django.template import Context, Template
from django.utils.safestring import SafeData, mark_safe

from publishing.html import isolate_addresses
from tests.helpers import read_pdf
from tracts.printing import PRINT_FORMATS, ensure_tract_pdf, leaflet_html

LATIN = "12 rue de l'Exemple (Bourse du travail) · contact@sans-score.example · 06 12 34 56 78 · https://sans-score.example/agir"
CONTACTS = {
    "ar": "مداومة كل يوم ثلاثاء من الساعة 14 إلى الساعة 17، بورصة العمل، " + LATIN,
    "fr": "Permanence tous les mardis de 14 h à 17 h, " + LATIN,
}
BODIES = {
    "ar": "<p>هل خضعتم للتدقيق؟ اكتبوا إلى contact@sans-score.example أو (انظروا https://sans-score.example/agir).</p>",
    "fr": "<p>Vous avez été contrôlé ? Écrivez à contact@sans-score.example (voir https://sans-score.example/agir).</p>",
}
# The Latin part of a contact line as extracted from a PDF: whole, in its
# order, a line break allowed only where a line may break (at a space, after
# the slash of a web address's path), never after a hyphen.
CONTACT_IN_ORDER = re.compile(
    r"12\s+rue\s+de\s+l'Exemple\s+\(Bourse\s+du\s+travail\)\s*·\s*contact@sans-score\.example\s*·\s*"
    r"06 12 34 56 78\s*·\s*https://sans-score\.example/\s*agir"
)
EMAIL_ELEMENT = '<bdi dir="ltr" class="ltr-run email">contact@sans-score.example</bdi>'
PHONE_ELEMENT = '<bdi dir="ltr" class="ltr-run phone">06 12 34 56 78</bdi>'
URL_ELEMENT = (
    '<bdi dir="ltr" class="ltr-run url"><span class="url-piece">https://sans-score.example/</span>'
    '<span class="url-piece">agir</span></bdi>'
)


@pytest.fixture
def mixed_tract(make_tract):
    return make_tract(
        "mixte",
        {
            "fr": {"title": "Non au score", "contact": CONTACTS["fr"], "body": BODIES["fr"]},
            "ar": {"title": "لا للتنقيط الآلي", "contact": CONTACTS["ar"], "body": BODIES["ar"]},
        },
        show_qr_code=True,
    )


def pdf_text(plan) -> str:
    return "\n".join(page.extract_text() for page in read_pdf(plan).pages)


# Wrapping


def test_an_arabic_contact_line_has_each_address_isolated_in_order():
    html = isolate_addresses(CONTACTS["ar"], "ar")
    assert isinstance(html, SafeData)
    assert html == (
        "مداومة كل يوم ثلاثاء من الساعة 14 إلى الساعة 17، بورصة العمل، "
        '<bdi dir="ltr" class="ltr-run">12 rue de l&#x27;Exemple (Bourse du travail)</bdi> · '
        f"{EMAIL_ELEMENT} · {PHONE_ELEMENT} · {URL_ELEMENT}"
    )


def test_in_a_left_to_right_text_only_e_mails_web_addresses_and_phone_numbers_are_wrapped():
    html = isolate_addresses(CONTACTS["fr"], "fr")
    assert html == (
        "Permanence tous les mardis de 14 h à 17 h, 12 rue de l&#x27;Exemple (Bourse du travail) · "
        f"{EMAIL_ELEMENT} · {PHONE_ELEMENT} · {URL_ELEMENT}"
    )


@pytest.mark.parametrize(
    "text, wrapped",
    [
        ("Appelez le +33 6 12 34 56 78.", 'Appelez le <bdi dir="ltr" class="ltr-run phone">+33 6 12 34 56 78</bdi>.'),
        ("Tél. 06.12.34.56.78", 'Tél. <bdi dir="ltr" class="ltr-run phone">06.12.34.56.78</bdi>'),
        ("Tél. 06-12-34-56-78", 'Tél. <bdi dir="ltr" class="ltr-run phone">06-12-34-56-78</bdi>'),
        # Dates, times and street numbers are not phone numbers.
        ("Le 2026-09-22 de 14h–17h au 12 rue", None),
        ("Le 01 10 2026", None),
        (
            "Voir www.sans-score.example.",
            'Voir <bdi dir="ltr" class="ltr-run url"><span class="url-piece">www.sans-score.example</span></bdi>.',
        ),
        (
            "(voir sans-score.example/agir/vite)",
            '(voir <bdi dir="ltr" class="ltr-run url"><span class="url-piece">sans-score.example/</span>'
            '<span class="url-piece">agir/</span><span class="url-piece">vite</span></bdi>)',
        ),
        (
            "https://sans-score.example/a-b?c=d&e=f, ou",
            '<bdi dir="ltr" class="ltr-run url"><span class="url-piece">https://sans-score.example/</span>'
            '<span class="url-piece">a-b</span><span class="url-piece">?c=d&amp;e=f</span></bdi>, ou',
        ),
        (
            "https://sans-score.example/?a=b@c.example",
            '<bdi dir="ltr" class="ltr-run url"><span class="url-piece">https://sans-score.example/</span>'
            '<span class="url-piece">?a=b@c.example</span></bdi>',
        ),
        (
            "Écrire à prenom.nom+tracts@sans-score.example.",
            'Écrire à <bdi dir="ltr" class="ltr-run email">prenom.nom+tracts@sans-score.example</bdi>.',
        ),
    ],
)
def test_what_counts_as_an_address(text, wrapped):
    assert isolate_addresses(text, "fr") == (wrapped or text)


def test_a_bracket_opened_in_arabic_is_closed_in_arabic():
    # The closing bracket after the address belongs to the Arabic sentence:
    # inside the isolated address it would print the wrong way round.
    html = isolate_addresses("أو (انظروا https://sans-score.example/agir).", "ar")
    assert html.endswith("</bdi>).")
    assert isolate_addresses("انظروا (CAF de Lyon", "ar") == 'انظروا (<bdi dir="ltr" class="ltr-run">CAF de Lyon</bdi>'
    assert isolate_addresses("في 14 و17", "ar") == "في 14 و17"  # numbers alone are left to the algorithm


@pytest.mark.parametrize("language", ["ar", "fr"])
def test_wrapping_twice_changes_nothing(language):
    once = isolate_addresses(CONTACTS[language], language)
    assert isolate_addresses(once, language) == once
    body = isolate_addresses(mark_safe(BODIES[language]), language)
    assert isolate_addresses(body, language) == body
    # An element isolated by hand is left as it is.
    kept = mark_safe("<p>اكتبوا إلى <bdi>contact@sans-score.example</bdi></p>")
    assert isolate_addresses(kept, language) == kept


def test_html_tags_and_attributes_are_left_alone():
    html = mark_safe(
        '<p title="contact@sans-score.example > 06 12 34 56 78">Écrire à '
        '<a href="mailto:contact@sans-score.example" rel="noopener noreferrer">contact@sans-score.example</a>, '
        '<a href="https://sans-score.example/agir">le site</a>.</p>'
    )
    assert isolate_addresses(html, "fr") == (
        '<p title="contact@sans-score.example > 06 12 34 56 78">Écrire à '
        f'<a href="mailto:contact@sans-score.example" rel="noopener noreferrer">{EMAIL_ELEMENT}</a>, '
        '<a href="https://sans-score.example/agir">le site</a>.</p>'
    )


class TagCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list]] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.append((tag, attrs))


def tags_of(html: str) -> list[tuple[str, list]]:
    collector = TagCollector()
    collector.feed(html)
    return collector.tags


ONLY_OURS = {"bdi", "span"}


@pytest.mark.parametrize("language", ["ar", "fr"])
def test_plain_text_is_escaped_and_html_text_stays_escaped(language):
    attack = (
        '<script>alert(1)</script> contact@sans-score.example" onmouseover="alert(1) https://x.example/"><img src=x>'
    )
    html = isolate_addresses(attack, language)
    assert {tag for tag, _attrs in tags_of(html)} == ONLY_OURS
    assert all(name in {"dir", "class"} for _tag, attrs in tags_of(html) for name, _value in attrs)
    assert "&lt;script&gt;" in html.replace('<bdi dir="ltr" class="ltr-run">script</bdi>', "script")
    assert EMAIL_ELEMENT in html
    # Cleaned HTML holds escaped text: it stays escaped when an address beside it is wrapped.
    cleaned = mark_safe("<p>&lt;img src=x onerror=alert(1)&gt; contact@sans-score.example &amp; co</p>")
    html = isolate_addresses(cleaned, language)
    assert {tag for tag, _attrs in tags_of(html)} == {"p", "bdi"}
    assert "&amp; co" in html and EMAIL_ELEMENT in html


def test_the_template_filter_escapes_plain_text_and_takes_safe_text_as_html():
    template = Template("{% load directions %}{{ text|isolate_addresses:'fr' }}|{{ html|safe|isolate_addresses:'fr' }}")
    rendered = template.render(Context({"text": "<b>a@b.example</b>", "html": "<b>a@b.example</b>"}))
    plain, html = rendered.split("|")
    assert plain == '&lt;b&gt;<bdi dir="ltr" class="ltr-run email">a@b.example</bdi>&lt;/b&gt;'
    assert html == '<b><bdi dir="ltr" class="ltr-run email">a@b.example</bdi></b>'


# Paper and screen


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["ar", "fr"])
def test_the_leaflet_html_wraps_the_contact_the_body_and_the_online_address(mixed_tract, language):
    version = mixed_tract.versions.get(language=language)
    html = leaflet_html(version, PRINT_FORMATS["a6"].size)
    contact = html.split('<div class="contact">')[1]
    body = html.split('<div class="body">')[1].split("</div>")[0]
    for element in (EMAIL_ELEMENT, PHONE_ELEMENT, URL_ELEMENT):
        assert element in contact
    assert EMAIL_ELEMENT in body and URL_ELEMENT in body
    online = html.split('<span class="online">')[1].split("</span></bdi>")[0]
    assert online.startswith('<bdi dir="ltr" class="ltr-run url"><span class="url-piece">http')


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["ar", "fr"])
def test_every_print_format_keeps_each_address_whole_and_in_order(mixed_tract, language):
    version = mixed_tract.versions.get(language=language)
    for name, print_format in PRINT_FORMATS.items():
        if print_format.tiles is not None:
            continue  # pieces of a poster: the poster itself is checked
        text = pdf_text(ensure_tract_pdf(version, print_format))
        if print_format.poster:
            # A poster prints a short text, and the contact line once.
            assert text.count("contact@sans-score.example") == text.count("contact@") == 1, name
            assert text.count("06 12 34 56 78") == text.count("06 12") == 1, name
            assert not re.search(r"sans-\s", text), name
            assert len(CONTACT_IN_ORDER.findall(text)) == 1, (name, text)
            continue
        copies = print_format.sheet.columns * print_format.sheet.rows if print_format.sheet else 1
        # Once in the text, once in the contact line, on each copy.
        assert text.count("contact@sans-score.example") == text.count("contact@") == 2 * copies, name
        assert text.count("06 12 34 56 78") == text.count("06 12") == copies, name
        assert len(re.findall(r"https://sans-score\.example/\s*agir", text)) == text.count("https://") == 2 * copies
        assert not re.search(r"sans-\s", text), name
        assert len(CONTACT_IN_ORDER.findall(text)) == copies, (name, text)


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["ar", "fr"])
def test_the_tract_page_wraps_the_addresses_of_its_text_and_contact(client, mixed_tract, language):
    html = client.get(f"/{language}/tracts/mixte/").content.decode()
    contact = html.split('<aside class="contact"')[1].split("</aside>")[0]
    body = html.split('<div class="body"')[1].split("</div>")[0]
    for element in (EMAIL_ELEMENT, PHONE_ELEMENT, URL_ELEMENT):
        assert element in contact
    assert EMAIL_ELEMENT in body and URL_ELEMENT in body
    isolated_street = '<bdi dir="ltr" class="ltr-run">12 rue de l&#x27;Exemple (Bourse du travail)</bdi>'
    assert (isolated_street in contact) == (language == "ar")


def test_the_stylesheets_keep_addresses_whole():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    for stylesheet in ("static/print/tract.css", "static/css/site.css"):
        css = (root / stylesheet).read_text()
        rule = re.search(r"\.ltr-run \{([^}]*)\}", css).group(1)
        assert "unicode-bidi: isolate" in rule and "hyphens: none" in rule
        assert re.search(r"\.ltr-run\.email, \.ltr-run\.phone, \.url-piece \{ white-space: nowrap; \}", css)
    # WeasyPrint lays out by `direction`, not by `unicode-bidi`.
    assert "direction: ltr" in re.search(r"\.ltr-run \{([^}]*)\}", (root / "static/print/tract.css").read_text())[1]
