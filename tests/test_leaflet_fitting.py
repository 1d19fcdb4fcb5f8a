"""Leaflets that fit their page, and the warnings when a text cannot."""

import io
from collections import Counter

import pikepdf
import pypdfium2
import pytest
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import translation

from publishing import pdf
from publishing.models import Image, StoredPDF
from publishing.pdf.preflight import check_metadata, preflight
from tests.helpers import jpeg_with_gps
from tracts.models import Tract, TractPDF
from tracts.printing import (
    A5,
    PRINT_FORMATS,
    current_fingerprint,
    ensure_tract_pdf,
    fill_warning,
    leaflet_html,
    overflows,
    small_pictures,
)
from tracts.printing.fill import pdf_fills
from tracts.printing.leaflet import _fitted_html

pytestmark = pytest.mark.django_db

SENTENCE = (
    "Les allocataires reçoivent des contrôles plus souvent que les autres parce que leur dossier change "
    "chaque mois et que la machine prend ce mouvement pour un risque"
)
WORDS = SENTENCE.split(" ")
CONTACT = "Permanence tous les mardis 14h–17h, Bourse du travail, 12 rue de l'Exemple · contact@sans-score.example"


def body_of(words: int, last_word: str = "") -> str:
    """Paragraphs of about 45 words, `words` in all; the last one ends with `last_word`."""
    paragraphs, written, shift = [], 0, 0
    while written < words:
        count = min(45, words - written)
        text = " ".join(WORDS[(shift + n) % len(WORDS)] for n in range(count))
        paragraphs.append(text)
        written += count
        shift += 7
    paragraphs[-1] += f" {last_word}" if last_word else ""
    return "".join(f"<p>{paragraph}.</p>" for paragraph in paragraphs)


def stored(plan) -> bytes:
    with default_storage.open(plan.storage_name, "rb") as file:
        return file.read()


def page_texts(data: bytes) -> list[str]:
    document = pypdfium2.PdfDocument(data)
    return [document[n].get_textpage().get_text_range() for n in range(len(document))]


def usual_font_size(data: bytes, page: int = 0) -> float:
    """The font size most characters of a page are set in (the body's)."""
    text_page = pypdfium2.PdfDocument(data)[page].get_textpage()
    # WeasyPrint draws in CSS pixels scaled by 0.75: pdfium reports sizes before that scale.
    sizes = Counter(
        round(pypdfium2.raw.FPDFText_GetFontSize(text_page.raw, index) * 0.75, 1)
        for index in range(text_page.count_chars())
    )
    return sizes.most_common(1)[0][0]


def one_tract(make_tract, words: int, **values):
    tract = make_tract(
        "tract",
        {"fr": {"title": "Non au score, oui à nos droits", "subtitle": "Nous ne sommes pas des suspects",
                "contact": CONTACT, "body": body_of(words, values.pop("last_word", "")), **values}},
    )  # fmt: skip
    return tract.version("fr")


def test_a_one_page_tract_of_350_words_fits_one_a5_page(make_tract):
    version = one_tract(make_tract, 350)
    html = leaflet_html(version, A5)
    # At full size it would spill onto a second page…
    assert len(pdf.lay_out(_fitted_html(html, A5, 1)).pages) == 2

    rendered = stored(ensure_tract_pdf(version, PRINT_FORMATS["a5"]))

    # …fitted, it is one page, its type no smaller than 9.5 pt, the contact box on it.
    assert len(page_texts(rendered)) == 1
    assert 9.5 <= usual_font_size(rendered) < 10
    assert "contact@sans-score.example" in page_texts(rendered)[0]


def test_a_short_tract_is_set_larger_and_fills_its_page(make_tract):
    version = one_tract(make_tract, 120)
    rendered = stored(ensure_tract_pdf(version, PRINT_FORMATS["a5"]))
    assert len(page_texts(rendered)) == 1
    # Enlarged up to the A5 bound (12 pt), the rest of the room shared out:
    # the call to action ends at the foot of the text area.
    assert usual_font_size(rendered) == 12
    assert pdf_fills(rendered, A5)[0] > 0.97
    assert TractPDF.objects.get(version=version, print_format="a5").fill == pdf_fills(rendered, A5)[0]
    assert StoredPDF.objects.get(fingerprint=current_fingerprint(version, PRINT_FORMATS["a5"])).fill > 0.97


@pytest.mark.parametrize(("name", "largest"), [("a4", 14), ("a5", 12), ("a6", 10)])
def test_enlarged_type_stays_within_its_bound(make_tract, name, largest):
    rendered = stored(ensure_tract_pdf(one_tract(make_tract, 40), PRINT_FORMATS[name]))
    assert usual_font_size(rendered) <= largest


def test_a_two_page_leaflet_has_a_full_enough_back(make_tract):
    """Too long for one A6 page even at the smallest type: the back is filled too."""
    version = one_tract(make_tract, 250)
    rendered = stored(ensure_tract_pdf(version, PRINT_FORMATS["a6"]))
    fills = pdf_fills(rendered, PRINT_FORMATS["a6"].size)
    assert len(fills) == 2
    assert fills[1] >= 0.6
    assert 8.5 <= usual_font_size(rendered) <= 10


def test_the_admin_warns_of_an_under_filled_format(make_tract):
    version = one_tract(make_tract, 120)
    ensure_tract_pdf(version, PRINT_FORMATS["a5"])
    record = TractPDF.objects.get(version=version, print_format="a5")
    assert fill_warning(record) == ""
    with translation.override("fr"):
        record.fill = 0.5
        assert "sous-rempli" in str(fill_warning(record))
        record.fill = 1.1
        assert "trop plein" in str(fill_warning(record))


@pytest.mark.parametrize("words", [240, 255, 270])
def test_a_second_page_never_holds_only_the_contact_box(make_tract, words):
    version = one_tract(make_tract, words, last_word="FINDUTEXTE")
    rendered = stored(ensure_tract_pdf(version, PRINT_FORMATS["a6"]))
    pages = page_texts(rendered)

    assert len(pages) == 2
    assert "FINDUTEXTE" in pages[1]  # the end of the text goes with the call to action
    assert usual_font_size(rendered, 0) >= 8.5


def test_legal_footer_is_six_points_or_more_in_solid_black(make_tract):
    rendered = stored(ensure_tract_pdf(one_tract(make_tract, 100), PRINT_FORMATS["a6"]))
    text_page = pypdfium2.PdfDocument(rendered)[0].get_textpage()
    text = text_page.get_text_range()
    start = text.index("IPNS")
    assert pypdfium2.raw.FPDFText_GetFontSize(text_page.raw, start) * 0.75 >= 6
    # Black ink only: no tint of black anywhere in the leaflet.
    with pikepdf.Pdf.open(io.BytesIO(rendered)) as document:
        fills = [
            [float(v) for v in operands]
            for operands, operator in pikepdf.parse_content_stream(document.pages[0])
            if str(operator) in {"k", "sc", "scn"} and len(operands) == 4
        ]
    assert [0, 0, 0, 1] in fills
    assert not [fill for fill in fills if fill[:3] == [0, 0, 0] and 0 < fill[3] < 1]


def test_a_printed_address_gets_no_hyphen(make_tract):
    address = "https://example.org/documentation/recours-administratif-prealable-obligatoire"
    body = body_of(200) + f'<p>Le formulaire : <a href="{address}">ici</a>.</p>'
    tract = make_tract("lien", {"fr": {"title": "Un lien", "body": body}})
    text = "".join(page_texts(stored(ensure_tract_pdf(tract.version("fr"), PRINT_FORMATS["a6"]))))
    assert "-\r\n" not in text.split("https://")[1][:120].replace("recours-administratif-prealable-obligatoire", "")


def test_an_overflowing_tract_is_told_with_the_words_to_cut(make_tract):
    version = one_tract(make_tract, 1400)

    found = overflows([version], ("a5",))

    assert len(found) == 1 and found[0].format_name == "a5" and found[0].pages > 2
    assert found[0].words_over > 50
    with translation.override("en"):
        assert "Cut about" in found[0].message()
    assert TractPDF.objects.get(version=version, print_format="a5").words_over == found[0].words_over


def test_import_tract_warns_of_an_overflow(tmp_path, db):
    source = tmp_path / "long.fr.md"
    paragraphs = "\n\n".join(" ".join(WORDS) * 2 for _ in range(45))
    source.write_text(f"---\ntitle: Trop long\ncontact: {CONTACT}\n---\n\n{paragraphs}\n", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()

    call_command("import_tract", str(source), "--language", "fr", stdout=out, stderr=err)

    assert "A5 même au plus petit corps" in err.getvalue()
    assert "Coupez environ" in err.getvalue()
    assert out.getvalue().strip().splitlines()[-1].endswith("/trop-long/")


def test_staff_see_the_overflow_on_the_tract_page(make_tract, client):
    version = one_tract(make_tract, 1400)
    ensure_tract_pdf(version, PRINT_FORMATS["a5"])
    url = version.get_absolute_url()

    assert "even at the smallest type" not in client.get(url).content.decode()
    client.force_login(User.objects.create_user("staff", is_staff=True))
    assert "même au plus petit corps" in client.get(url).content.decode()


def upload(width: int, height: int) -> Image:
    image = Image(file=ContentFile(jpeg_with_gps(width, height), name="photo.jpg"), alt_text="Une manifestation")
    image.save()
    return image


def test_a_photo_goes_to_the_print_shop_in_cmyk_from_the_original_at_300_ppi(make_tract):
    photo = upload(2400, 1200)
    assert photo.renditions  # the body names a rendition; the print shop gets the original
    body = f'<p>Texte.</p><p><img src="{default_storage.url(photo.renditions["1600"])}" alt="Manif"></p>'
    tract = make_tract("photo", {"fr": {"title": "Photo", "body": body}})

    rendered = stored(ensure_tract_pdf(tract.version("fr"), PRINT_FORMATS["a4-pro"]))

    assert preflight(rendered) == []
    with pikepdf.Pdf.open(io.BytesIO(rendered)) as document:
        pictures = [obj for obj in document.objects if isinstance(obj, pikepdf.Stream) and obj.get("/Width")]
        assert [(int(p.Width), str(p.ColorSpace), bool(p.Interpolate)) for p in pictures] == [
            (2400, "/DeviceCMYK", False)
        ]
    assert small_pictures(tract.version("fr")) == []


def test_a_small_photo_is_told_and_fails_the_preflight(make_tract):
    photo = upload(900, 600)
    tract = make_tract("petite", {"fr": {"title": "Photo", "body": f'<p><img src="{photo.file.url}" alt="x"></p>'}})

    warnings = small_pictures(tract.version("fr"))

    assert {(w.format_name, w.width_px) for w in warnings} >= {("a5-pro", 900), ("a4-pro", 900)}
    with translation.override("en"):
        assert "Upload a larger original" in warnings[0].message()
    rendered = stored(ensure_tract_pdf(tract.version("fr"), PRINT_FORMATS["a5-pro"]))
    assert any("ppi (at least 300 needed)" in problem for problem in preflight(rendered))


@pytest.mark.parametrize("name", ["a4", "a5", "a6"])
@pytest.mark.parametrize("language, title", [("fr", "Non au score"), ("ar", "لا للتنقيط")])
def test_screen_leaflets_are_tagged_with_title_and_language(make_tract, name, language, title):
    tract = make_tract("tags", {language: {"title": title, "body": "<p>Texte. نص.</p>"}}, original_language=language)
    rendered = stored(ensure_tract_pdf(tract.version(language), PRINT_FORMATS[name]))
    assert preflight(rendered, "tagged") == []
    with pikepdf.Pdf.open(io.BytesIO(rendered)) as document:
        assert str(document.Root.Lang) == language
        assert str(document.docinfo.Title) == title


@pytest.mark.parametrize("name", ["a5-2up", "a6-4up"])
def test_impositions_keep_title_language_and_metadata_and_drop_links(make_tract, name):
    body = '<p>Voir <a href="https://example.org/droits">nos droits</a>.</p>'
    tract = make_tract("imposee", {"fr": {"title": "Titre imposé", "body": body}})
    rendered = stored(ensure_tract_pdf(tract.version("fr"), PRINT_FORMATS[name]))
    assert check_metadata(pikepdf.Pdf.open(io.BytesIO(rendered))) == []
    with pikepdf.Pdf.open(io.BytesIO(rendered)) as document:
        assert str(document.docinfo.Title) == "Titre imposé"
        assert all("/Annots" not in page.obj for page in document.pages)
        assert document.pdf_version >= "1.6"


def test_no_demo_version_leaves_a_page_to_the_contact_box_alone_in_a6():
    """A6, where the demo tracts used to spill only their contact box and QR code onto page 2."""
    call_command("load_demo_tracts", stdout=io.StringIO())
    for tract in Tract.objects.with_versions():
        for version in tract.all_versions():
            pages = page_texts(stored(ensure_tract_pdf(version, PRINT_FORMATS["a6"])))
            assert len(pages) <= 2, version
            if len(pages) == 2:
                contact_and_footer = f"{version.contact} {tract.get_legal_footer()}"
                text_words = [word for word in pages[1].split() if word not in contact_and_footer.split()]
                assert len(text_words) > 10, (version, pages[1])
