"""The demo tracts (French, English, Spanish, Arabic) as printed: what can be read off their PDFs."""

import io

import pypdfium2
import pytest
from django.core.management import call_command

from tracts.models import TractVersion
from tracts.printing import PRINT_FORMATS, ensure_tract_pdf
from tracts.printing.fill import pdf_fills

from .test_leaflet_fitting import stored
from .test_print_layouts import body_size

pytestmark = pytest.mark.django_db

SINGLE_LEAFLETS = [name for name, f in PRINT_FORMATS.items() if f.single_copy and not f.poster]


def outside_the_trim(data: bytes) -> list[str]:
    """Characters drawn outside a page's trim box (bleed and marks are for pictures and lines only)."""
    found = []
    for number, page in enumerate(pypdfium2.PdfDocument(data)):
        left, bottom, right, top = page.get_trimbox()
        text_page = page.get_textpage()
        for index in range(text_page.count_chars()):
            x0, y0, x1, y1 = text_page.get_charbox(index)
            if x1 > x0 and (x0 < left - 0.5 or x1 > right + 0.5 or y0 < bottom - 0.5 or y1 > top + 0.5):
                found.append(f"page {number + 1}: {text_page.get_text_range(index, 1)!r}")
    return found


def test_every_demo_leaflet_fills_its_pages_and_stays_inside_the_trim():
    call_command("load_demo_tracts", stdout=io.StringIO())
    versions = list(TractVersion.objects.select_related("tract"))
    assert {version.language for version in versions} >= {"fr", "en", "es", "ar"}
    for version in versions:
        for name in SINGLE_LEAFLETS:
            print_format = PRINT_FORMATS[name]
            rendered = stored(ensure_tract_pdf(version, print_format))
            fills = pdf_fills(rendered, print_format.size)
            where = (version.tract.slug, version.language, name, fills)
            assert len(fills) <= 2, where
            assert fills[-1] >= (0.85 if len(fills) == 1 else 0.6), where
            assert max(fills) <= 1.02, where
            size = print_format.size
            assert size.min_font_size_pt <= body_size(rendered) <= size.max_font_size_pt * 1.05 + 0.05, where
            assert outside_the_trim(rendered) == [], where
