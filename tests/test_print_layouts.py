"""The leaflet layouts a tract may choose: each fitted in every size and language, chosen in the admin."""

from collections import Counter

import pypdfium2
import pytest
from django.urls import reverse

from publishing.pdf.preflight import preflight
from tracts.models import Tract
from tracts.printing import PRINT_FORMATS, current_fingerprint, ensure_tract_pdf, leaflet_html
from tracts.printing.fill import pdf_fills

from .test_leaflet_fitting import CONTACT, body_of, stored

pytestmark = pytest.mark.django_db

ARABIC_BODY = "".join(
    f"<p>{'نطالب بإعادة فتح الشبابيك في كل الأحياء لأن الناس يحتاجون إلى موظف يستمع إليهم ويجيب عن أسئلتهم. ' * 3}</p>"
    for _ in range(3)
)


def layout_tract(make_tract, layout: str, words: int = 180) -> Tract:
    return make_tract(
        "tract",
        {
            "fr": {"title": "Rouvrez les guichets", "subtitle": "Un service public, des visages",
                   "contact": CONTACT, "body": body_of(words)},
            "ar": {"title": "أعيدوا فتح الشبابيك", "subtitle": "خدمة عمومية بوجوه", "contact": CONTACT,
                   "body": ARABIC_BODY},
        },
        layout=layout,
        show_qr_code=True,
    )  # fmt: skip


def body_size(data: bytes) -> float:
    """The size most characters of the whole leaflet are set in (in points)."""
    sizes = Counter()
    for page in pypdfium2.PdfDocument(data):
        text_page = page.get_textpage()
        # WeasyPrint draws in CSS pixels scaled by 0.75: pdfium reports sizes before that scale.
        sizes.update(
            round(pypdfium2.raw.FPDFText_GetFontSize(text_page.raw, index) * 0.75, 1)
            for index in range(text_page.count_chars())
        )
    return sizes.most_common(1)[0][0]


@pytest.mark.parametrize("layout", list(Tract.Layout))
@pytest.mark.parametrize("language", ["fr", "ar"])
def test_every_layout_fills_every_size(make_tract, layout, language):
    version = layout_tract(make_tract, layout).version(language)
    for name in ("a4", "a5", "a6"):
        print_format = PRINT_FORMATS[name]
        rendered = stored(ensure_tract_pdf(version, print_format))
        fills = pdf_fills(rendered, print_format.size)
        assert len(fills) <= 2, name
        # A one-page leaflet fills its page; a back page is at least 60 % full.
        assert fills[-1] >= (0.85 if len(fills) == 1 else 0.6), (name, fills)
        assert max(fills) <= 1.02, (name, fills)
        size = print_format.size
        # The body's usual size (Arabic is set 5 % larger) within the format's bounds.
        assert size.min_font_size_pt <= body_size(rendered) <= size.max_font_size_pt * 1.05 + 0.05, name


@pytest.mark.parametrize("layout", list(Tract.Layout))
def test_every_layout_passes_the_preflight_for_a_print_shop(make_tract, layout):
    tract = layout_tract(make_tract, layout)
    for language in ("fr", "ar"):
        for name in ("a4-pro", "a6-pro"):
            rendered = stored(ensure_tract_pdf(tract.version(language), PRINT_FORMATS[name]))
            assert preflight(rendered) == [], (language, name)


def test_the_layout_is_in_the_html_and_the_fingerprint(make_tract):
    tract = layout_tract(make_tract, Tract.Layout.TEXT)
    version = tract.version("fr")
    before = current_fingerprint(version, PRINT_FORMATS["a5"])
    tract.layout = Tract.Layout.SLOGAN
    tract.save()
    version = tract.version("fr")
    assert "layout-slogan" in leaflet_html(version, PRINT_FORMATS["a5"].size)
    assert current_fingerprint(version, PRINT_FORMATS["a5"]) != before


def test_two_columns_on_a4_only(make_tract):
    version = layout_tract(make_tract, Tract.Layout.COLUMNS, words=300).version("fr")
    assert "layout-columns" in leaflet_html(version, PRINT_FORMATS["a4"].size)
    assert "layout-text" in leaflet_html(version, PRINT_FORMATS["a5"].size)
    rendered = stored(ensure_tract_pdf(version, PRINT_FORMATS["a4"]))
    page = pypdfium2.PdfDocument(rendered)[0]
    width = page.get_width()
    # Text starts in both halves of the page at the same height band.
    text_page = page.get_textpage()
    lefts = {round(text_page.get_charbox(index)[0] / width, 1) for index in range(text_page.count_chars())}
    assert 0.1 in lefts and any(left >= 0.5 for left in lefts)


def test_the_admin_offers_the_layouts_with_a_picture_of_each(admin_client, make_tract):
    tract = layout_tract(make_tract, Tract.Layout.TEXT)
    page = admin_client.get(reverse("admin:tracts_tract_change", args=[tract.pk])).content.decode()
    for layout in Tract.Layout:
        assert f"collectif/layouts/{layout.value}.svg" in page
    assert "Slogan en premier" in page
