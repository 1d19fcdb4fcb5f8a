"""Posters of a tract (A3, A2), for print shops too, and in pieces on A4 sheets for home printers."""

import io

import pikepdf
import pypdfium2
import pytest
from fontTools import subset
from PIL import Image, ImageChops, ImageStat

from publishing import pdf
from publishing.pdf import render as pdf_render
from publishing.pdf import sandbox
from publishing.pdf.preflight import check_fonts, preflight
from tracts import prepress
from tracts.models import Tract
from tracts.prepress import MM
from tracts.printing import PRINT_FORMATS, current_fingerprint, ensure_tract_pdf
from tracts.printing.fill import pdf_fills
from tracts.printing.leaflet import poster_text

from .test_leaflet_fitting import CONTACT, body_of, stored
from .test_print_layouts import ARABIC_BODY

pytestmark = pytest.mark.django_db


def poster_tract(make_tract, **fields) -> Tract:
    return make_tract(
        "tract",
        {
            "fr": {"title": "Rouvrez les guichets", "subtitle": "Un service public, des visages",
                   "contact": CONTACT, "body": "<p>Premier paragraphe du texte, court et clair.</p>" + body_of(200)},
            "ar": {"title": "أعيدوا فتح الشبابيك", "subtitle": "خدمة عمومية بوجوه", "contact": CONTACT,
                   "body": ARABIC_BODY},
        },
        **fields,
    )  # fmt: skip


def text_of(data: bytes) -> str:
    document = pypdfium2.PdfDocument(data)
    return " ".join(page.get_textpage().get_text_range() for page in document)


@pytest.mark.parametrize(("name", "width_mm", "height_mm"), [("a3-poster", 297, 420), ("a2-poster", 420, 594)])
@pytest.mark.parametrize("language", ["fr", "ar"])
def test_a_poster_is_one_full_page_with_its_title_very_large(make_tract, name, width_mm, height_mm, language):
    version = poster_tract(make_tract).version(language)
    rendered = stored(ensure_tract_pdf(version, PRINT_FORMATS[name]))
    document = pypdfium2.PdfDocument(rendered)
    assert len(document) == 1
    assert document[0].get_size() == pytest.approx((width_mm * MM, height_mm * MM), abs=1)
    assert pdf_fills(rendered, PRINT_FORMATS[name].size)[0] >= 0.85
    text = text_of(rendered)
    assert "contact@sans-score.example" in text
    assert "Ne pas jeter sur la voie publique" in text
    # The short text (the slogan by default) at the poster's size, the title far larger.
    assert version.subtitle.split()[-1] in text
    size = PRINT_FORMATS[name].size
    text_page = document[0].get_textpage()
    sizes = [
        pypdfium2.raw.FPDFText_GetFontSize(text_page.raw, index) * 0.75 for index in range(text_page.count_chars())
    ]
    sizes = [found for found in sizes if found > 1]  # spaces and line ends pdfium makes up
    # The legal mentions at their fixed size, every other text at least the poster's smallest.
    assert min(sizes) >= size.legal_pt - 0.1
    assert all(found >= size.min_font_size_pt for found in sizes if found > size.legal_pt + 0.1)
    assert max(sizes) >= 4 * size.min_font_size_pt


def test_the_organiser_chooses_the_short_text(make_tract):
    tract = poster_tract(make_tract)
    version = tract.version("fr")
    assert poster_text(version) == "Un service public, des visages"
    tract.poster_text = Tract.PosterText.FIRST_PARAGRAPH
    tract.save()
    version = tract.version("fr")
    assert poster_text(version) == "Premier paragraphe du texte, court et clair."
    version.summary = "Le guichet, c'est un visage et une réponse."
    version.save()
    assert poster_text(version) == "Premier paragraphe du texte, court et clair."
    before = current_fingerprint(version, PRINT_FORMATS["a3-poster"])
    tract.poster_text = Tract.PosterText.SUMMARY
    tract.save()
    version = tract.version("fr")
    assert poster_text(version) == "Le guichet, c'est un visage et une réponse."
    assert current_fingerprint(version, PRINT_FORMATS["a3-poster"]) != before
    printed = " ".join(text_of(stored(ensure_tract_pdf(version, PRINT_FORMATS["a3-poster"]))).split())
    assert "un visage et une réponse" in printed
    # A version without a summary falls back to its slogan.
    assert poster_text(tract.version("ar")) == "خدمة عمومية بوجوه"


def test_a_long_first_paragraph_is_cut_for_the_poster(make_tract):
    tract = poster_tract(make_tract, poster_text=Tract.PosterText.FIRST_PARAGRAPH)
    version = tract.version("ar")
    assert len(poster_text(version).split()) <= 46
    assert poster_text(version).endswith("…")


@pytest.mark.parametrize("name", ["a3-poster-pro", "a2-poster-pro"])
def test_print_shop_posters_pass_the_preflight(make_tract, name):
    tract = poster_tract(make_tract)
    for language in ("fr", "ar"):
        rendered = stored(ensure_tract_pdf(tract.version(language), PRINT_FORMATS[name]))
        assert preflight(rendered) == [], language
        page = pypdfium2.PdfDocument(rendered)[0]
        assert page.get_trimbox()[2] - page.get_trimbox()[0] == pytest.approx(PRINT_FORMATS[name].size.width_mm * MM)


def render(page: pypdfium2.PdfPage, pixels_per_point: float) -> Image.Image:
    return page.render(scale=pixels_per_point).to_pil().convert("L")


def test_a_render_child_tiles_with_the_label_font_its_parent_warmed(make_tract, monkeypatch):
    """Subsetting the label font took 100 ms in every child that tiled a poster."""
    version = poster_tract(make_tract).version("fr")
    poster = stored(ensure_tract_pdf(version, PRINT_FORMATS["a3-poster"]))
    prepress.label_font_program.cache_clear()
    monkeypatch.setattr(pdf_render, "_warmed", False)
    pdf.warm_renderer()
    subsets: list[object] = []
    real_subset = subset.Subsetter.subset
    monkeypatch.setattr(subset.Subsetter, "subset", lambda *args: subsets.append(1) or real_subset(*args))
    tiles, subsets_in_child = sandbox.render_in_child(
        lambda: (prepress.tile(poster, PRINT_FORMATS["a3-poster-tiles"].tiles), len(subsets))
    )
    assert subsets_in_child == 0
    assert len(pypdfium2.PdfDocument(tiles)) == 2


def test_the_sheets_say_their_place_in_an_embedded_font(make_tract):
    version = poster_tract(make_tract).version("fr")
    data = stored(ensure_tract_pdf(version, PRINT_FORMATS["a2-poster-tiles"]))
    with pikepdf.open(io.BytesIO(data)) as document:
        assert check_fonts(document) == []  # the labels' font and the placed poster's
    labels = [page.get_textpage().get_text_range() for page in pypdfium2.PdfDocument(data)]
    assert [next(line for line in text.splitlines() if "/4)" in line) for text in labels] == [
        "A1 (1/4)",
        "A2 (2/4)",
        "B1 (3/4)",
        "B2 (4/4)",
    ]


@pytest.mark.parametrize(
    ("name", "poster", "sheets"), [("a3-poster-tiles", "a3-poster", 2), ("a2-poster-tiles", "a2-poster", 4)]
)
def test_the_sheets_glued_at_their_marks_make_the_poster(make_tract, name, poster, sheets):
    """Each sheet's printable area, laid over the previous ones where its cut
    edge meets their dashed line, gives the poster reduced to the tiling's scale."""
    version = poster_tract(make_tract).version("fr")
    poster_page = pypdfium2.PdfDocument(stored(ensure_tract_pdf(version, PRINT_FORMATS[poster])))[0]
    tiles = pypdfium2.PdfDocument(stored(ensure_tract_pdf(version, PRINT_FORMATS[name])))
    tiling = PRINT_FORMATS[name].tiles
    assert len(tiles) == sheets
    assert tiles[0].get_size() == pytest.approx((tiling.sheet_width_mm * MM, tiling.sheet_height_mm * MM), abs=1)

    ppp = 0.5  # pixels per point (36 dpi)
    width_mm, height_mm = (side / MM for side in poster_page.get_size())
    scale = tiling.scale(width_mm, height_mm)
    assert scale > 0.85  # a poster barely reduced
    margin, overlap = tiling.margin_mm * MM * ppp, tiling.overlap_mm * MM * ppp
    area_w, area_h = tiling.printable_width_mm * MM * ppp, tiling.printable_height_mm * MM * ppp
    step_w, step_h = area_w - overlap, area_h - overlap
    total = (round(tiling.columns * step_w + overlap), round(tiling.rows * step_h + overlap))
    glued = Image.new("L", total, 255)
    for index in range(sheets):
        row, column = divmod(index, tiling.columns)
        sheet = render(tiles[index], ppp)
        area = sheet.crop((round(margin), round(margin), round(margin + area_w), round(margin + area_h)))
        glued.paste(area, (round(column * step_w), round(row * step_h)))

    expected = render(poster_page, ppp * scale)
    left = round((total[0] - expected.width) / 2)
    top = round((total[1] - expected.height) / 2)
    found = glued.crop((left, top, left + expected.width, top + expected.height))
    difference = ImageStat.Stat(ImageChops.difference(found, expected)).mean[0]
    assert difference < 6  # anti-aliasing and the hairline marks at the joins
    # …and not by chance: a sheet missing or misplaced shows.
    shifted = Image.new("L", expected.size, 255)
    shifted.paste(expected, (0, 12))
    assert ImageStat.Stat(ImageChops.difference(found, shifted)).mean[0] > difference * 2
