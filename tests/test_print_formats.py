import io
import threading
import urllib.request

import pikepdf
import pytest
from django.core.files.storage import default_storage

from publishing.pdf import sandbox
from publishing.pdf.preflight import preflight
from tests.helpers import MM, read_pdf
from tracts.printing import BILINGUAL_FORMATS, PRINT_FORMATS, ensure_tract_pdf, leaflet_html

pytestmark = pytest.mark.django_db

LONG_BODY = "".join(f"<p>Paragraphe {n} : un texte assez long pour remplir la page du tract.</p>" for n in range(70))


def stored_bytes(plan) -> bytes:
    with default_storage.open(plan.storage_name, "rb") as stored:
        return stored.read()


def box_mm(box) -> tuple[float, float, float, float]:
    return tuple(round(float(value) / MM, 1) for value in (box.left, box.bottom, box.right, box.top))


def size_mm(box) -> tuple[float, float]:
    return round(float(box.width) / MM, 1), round(float(box.height) / MM, 1)


@pytest.fixture
def bilingual(make_tract):
    tract = make_tract(
        "non-au-score",
        {
            "fr": {"title": "Non au score", "body": "<p>Texte français du tract.</p>"},
            "ar": {"title": "لا للتنقيط", "body": "<p>نص المنشور بالعربية.</p>"},
        },
    )
    # Rendered as the worker does after a save: bilingual sheets are offered
    # only once each side is known to fit one page.
    for version in tract.all_versions():
        ensure_tract_pdf(version, PRINT_FORMATS["a5"])
    return tract.version("fr"), tract.version("ar")


@pytest.mark.parametrize("name, width, height", [("a4", 210, 297), ("a5", 148, 210), ("a6", 105, 148)])
def test_home_leaflets_have_their_size_and_no_bleed(bilingual, name, width, height):
    page = read_pdf(ensure_tract_pdf(bilingual[0], PRINT_FORMATS[name])).pages[0]
    assert size_mm(page.mediabox) == (width, height)
    assert size_mm(page.trimbox) == (width, height)


@pytest.mark.parametrize("name, width, height", [("a4-pro", 210, 297), ("a5-pro", 148, 210), ("a6-pro", 105, 148)])
def test_print_shop_files_have_trim_bleed_and_marks_outside_the_bleed(bilingual, name, width, height):
    reader = read_pdf(ensure_tract_pdf(bilingual[0], PRINT_FORMATS[name]))
    page = reader.pages[0]

    trim, bleed, media = box_mm(page.trimbox), box_mm(page.bleedbox), box_mm(page.mediabox)
    assert size_mm(page.trimbox) == (width, height)
    assert bleed == (trim[0] - 3, trim[1] - 3, trim[2] + 3, trim[3] + 3)
    # The marks are drawn in the margin between the bleed and the media edge.
    assert media[0] < bleed[0] - 5 and media[1] < bleed[1] - 5 and media[2] > bleed[2] + 5 and media[3] > bleed[3] + 5
    # Marks in registration colour (/Separation /All), never four inks at 100 %.
    assert b" CS 1 SCN " in page.get_contents().get_data()
    assert b"1 1 1 1 K" not in page.get_contents().get_data()

    intent = reader.trailer["/Root"]["/OutputIntents"][0].get_object()
    assert intent["/S"] == "/GTS_PDFX"
    assert intent["/OutputConditionIdentifier"] == "FOGRA39"
    profile = intent["/DestOutputProfile"].get_object()
    assert profile["/N"] == 4
    assert b"acsp" in profile.get_data()[:128]  # an ICC profile, embedded
    assert b"pdfxid:GTS_PDFXVersion" in reader.trailer["/Root"]["/Metadata"].get_object().get_data()

    for font in page["/Resources"]["/Font"].values():
        descendant = font.get_object()["/DescendantFonts"][0].get_object()
        assert "/FontFile2" in descendant["/FontDescriptor"]


def test_background_runs_into_the_bleed_in_print_shop_files(bilingual):
    import pypdfium2

    plan = ensure_tract_pdf(bilingual[0], PRINT_FORMATS["a5-pro"])
    page = read_pdf(plan).pages[0]
    bleed, trim, media = page.bleedbox, page.trimbox, page.mediabox
    with default_storage.open(plan.storage_name, "rb") as stored:
        document = pypdfium2.PdfDocument(stored.read())
    scale = 4  # pixels per point
    picture = document[0].render(scale=scale).to_pil().convert("RGB")
    document.close()

    def colour_at(x_mm_from_left: float, y_mm_from_top: float) -> tuple[int, int, int]:
        """The colour at a point measured from the media box's top left corner."""
        x = (x_mm_from_left * MM - float(media.left)) * scale
        y = (float(media.top) - y_mm_from_top * MM) * scale
        return picture.getpixel((round(x), round(picture.height - y)))

    def is_band(colour) -> bool:
        red, green, blue = colour
        return red > 120 and green < 90 and blue < 90

    # Half a millimetre inside the bleed edge, left and right, at the band's
    # height (just under the top of the trim): the red band is there.
    top_of_trim_mm = float(media.top - trim.top) / MM
    band_row = top_of_trim_mm + 2
    left_edge, right_edge = float(bleed.left) / MM + 0.5, float(bleed.right) / MM - 0.5
    assert is_band(colour_at(left_edge, band_row))
    assert is_band(colour_at(right_edge, band_row))
    # And above the trim, half a millimetre under the bleed's top edge.
    assert is_band(colour_at(float(trim.left + trim.right) / 2 / MM, float(media.top - bleed.top) / MM + 0.5))
    # Outside the bleed (where the crop marks stand), paper stays white.
    assert colour_at(float(bleed.left) / MM - 1.5, band_row) == (255, 255, 255)


@pytest.mark.parametrize("name, sheet, copies", [("a5-2up", (297, 210), 2), ("a6-4up", (210, 297), 4)])
def test_imposed_sheets_carry_the_copies(bilingual, name, sheet, copies):
    reader = read_pdf(ensure_tract_pdf(bilingual[0], PRINT_FORMATS[name]))

    assert len(reader.pages) == 1
    assert size_mm(reader.pages[0].mediabox) == sheet
    assert reader.pages[0].extract_text().count("Texte français du tract.") == copies


def test_two_page_tract_on_two_up_sheet_backs_each_front(make_tract):
    tract = make_tract("long", {"fr": {"title": "Long", "body": LONG_BODY[: len(LONG_BODY) // 2]}})
    version = tract.version("fr")
    leaflet = read_pdf(ensure_tract_pdf(version, PRINT_FORMATS["a5"]))
    assert len(leaflet.pages) == 2

    sheets = read_pdf(ensure_tract_pdf(version, PRINT_FORMATS["a5-2up"]))
    assert len(sheets.pages) == 2
    first_page_text = leaflet.pages[0].extract_text().splitlines()[3]
    last_page_text = leaflet.pages[1].extract_text().splitlines()[0]
    assert sheets.pages[0].extract_text().count(first_page_text) == 2
    assert sheets.pages[1].extract_text().count(last_page_text) == 2


def test_bilingual_sheet_puts_the_verso_language_after(bilingual):
    french, arabic = bilingual
    reader = read_pdf(ensure_tract_pdf(french, PRINT_FORMATS["a5"], arabic))
    assert len(reader.pages) == 2
    assert "Texte français du tract." in reader.pages[0].extract_text()
    assert "ل" in reader.pages[1].extract_text() and "français" not in reader.pages[1].extract_text()

    sheets = read_pdf(ensure_tract_pdf(french, PRINT_FORMATS["a5-2up"], arabic))
    assert [p.extract_text().count("Texte français du tract.") for p in sheets.pages] == [2, 0]


def test_bilingual_print_shop_file_keeps_its_boxes(bilingual):
    french, arabic = bilingual
    reader = read_pdf(ensure_tract_pdf(french, PRINT_FORMATS["a5-pro"], arabic))
    assert len(reader.pages) == 2
    assert all(size_mm(page.trimbox) == (148, 210) for page in reader.pages)
    assert "/OutputIntents" in reader.trailer["/Root"]


def test_qr_code_is_printed_only_when_asked(make_tract):
    tract = make_tract("qr", {"fr": {}})
    version = tract.version("fr")
    without = read_pdf(ensure_tract_pdf(version, PRINT_FORMATS["a5"]))
    tract.show_qr_code = True
    tract.save()
    version.refresh_from_db()
    html = leaflet_html(version, PRINT_FORMATS["a5"].size)
    with_qr = read_pdf(ensure_tract_pdf(version, PRINT_FORMATS["a5"]))

    assert "data:image/svg+xml" in html
    # The SVG is drawn as vector paths: one move per run of dark modules, many per row.
    moves_without = without.pages[0].get_contents().get_data().count(b" m\n")
    moves_with = with_qr.pages[0].get_contents().get_data().count(b" m\n")
    assert moves_with - moves_without > 100
    assert b"0 0 0 1 SCN" in with_qr.pages[0].get_contents().get_data()  # black ink only


@pytest.mark.parametrize(
    "url, message",
    [
        ("/fr/tracts/non-au-score/a3.pdf", "a3"),
        ("/fr/tracts/non-au-score/a5.pdf?verso=es", "es"),
        ("/fr/tracts/non-au-score/a5.pdf?verso=fr", "autre langue"),
        ("/fr/tracts/non-au-score/a5-2up.pdf?verso=" + "x" * 500, "xxxxxxxxxx"),
    ],
)
def test_bad_formats_and_versos_are_clear_404s(client, bilingual, url, message):
    response = client.get(url)
    assert response.status_code == 404
    assert message in response.content.decode()


def test_each_format_downloads(client, bilingual):
    for name in PRINT_FORMATS:
        response = client.get(f"/ar/tracts/non-au-score/{name}.pdf", follow=True)
        assert response.status_code == 200, name
        assert response.redirect_chain[-1][0].endswith(f"/non-au-score-ar-{name}.pdf")
        # Another language on the back only where bilingual sheets are offered.
        response = client.get(f"/ar/tracts/non-au-score/{name}.pdf?verso=fr", follow=True)
        if name in BILINGUAL_FORMATS:
            assert response.status_code == 200, name
            assert response.redirect_chain[-1][0].endswith(f"/non-au-score-ar-fr-{name}.pdf")
        else:
            assert response.status_code == 404, name


@pytest.mark.database_engine
@pytest.mark.django_db(transaction=True)
def test_concurrent_downloads_render_once(live_server, make_tract, monkeypatch):
    make_tract("populaire", {"fr": {"title": "Tract populaire"}})
    renders = []
    real_render = sandbox.render_in_child  # each render runs in a child process: count them where they start

    def counting_render(render):
        renders.append(render)
        return real_render(render)

    monkeypatch.setattr(sandbox, "render_in_child", counting_render)
    bodies, errors = [], []

    def download():
        try:
            with urllib.request.urlopen(f"{live_server.url}/fr/tracts/populaire/a5.pdf", timeout=60) as response:
                bodies.append(response.read())
        except Exception as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=download) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(renders) == 2  # the leaflet, then its first page drawn as a picture, once each
    assert len(bodies) == 6 and len(set(bodies)) == 1
    assert bodies[0].startswith(b"%PDF") and bodies[0].rstrip().endswith(b"%%EOF")


def test_bilingual_sheet_is_one_pass_with_one_subset_per_font_and_a_language_per_side(make_tract):
    tract = make_tract(
        "deux-langues",
        {
            "fr": {"title": "Non au score", "body": "<p>Texte français, avec des accents : é è à ç.</p>"},
            "en": {"title": "No to the score", "body": "<p>English text of the tract.</p>"},
        },
    )
    data = stored_bytes(ensure_tract_pdf(tract.version("fr"), PRINT_FORMATS["a5"], tract.version("en")))
    with pikepdf.Pdf.open(io.BytesIO(data)) as document:
        fonts = [obj for obj in document.objects if isinstance(obj, pikepdf.Dictionary) and obj.get("/FontFile2")]
        names = [str(font.FontName) for font in fonts]
        # One subset per font for both sides (two renders would give two of each).
        assert len(names) == len({name.split("+")[1] for name in names})
        elements = [
            element
            for kid in document.Root.StructTreeRoot.K
            for element in kid.K
            if isinstance(element, pikepdf.Dictionary) and "/Pg" in element
        ]
        languages = {(element.Pg.objgen, str(element.get("/Lang", ""))) for element in elements}
        first, second = (page.obj.objgen for page in document.pages)
        assert {lang for page, lang in languages if page == first} == {"fr"}
        assert {lang for page, lang in languages if page == second} == {"en"}
    assert preflight(data, "tagged") == []


def test_bilingual_print_shop_sheet_has_one_profile_and_passes_the_preflight(bilingual):
    french, arabic = bilingual
    data = stored_bytes(ensure_tract_pdf(french, PRINT_FORMATS["a5-pro"], arabic))
    assert preflight(data) == []


def test_verso_is_offered_only_when_each_language_fits_one_page(client, make_tract):
    tract = make_tract(
        "long-et-court",
        {"fr": {"title": "Long", "body": LONG_BODY}, "en": {"title": "Short", "body": "<p>Short text.</p>"}},
    )
    for version in tract.all_versions():
        ensure_tract_pdf(version, PRINT_FORMATS["a5"])

    page = client.get("/en/tracts/long-et-court/").content.decode()
    assert "?verso=" not in page

    response = client.get("/en/tracts/long-et-court/a5.pdf?verso=fr")
    assert response.status_code == 404
    assert "more than one page in A5" in response.content.decode()


@pytest.mark.database_engine
@pytest.mark.own_pdf_store
@pytest.mark.django_db(transaction=True)
def test_a_leaflet_asked_for_directly_and_by_its_sheet_at_once_is_rendered_once(
    live_server, make_tract, monkeypatch, tmp_path
):
    from tracts.printing import plans as printing

    make_tract("ensemble", {"fr": {"title": "Tract demandé deux fois"}})
    journal = tmp_path / "leaflet-renders"
    real_render = printing.render_leaflets

    def journaled(htmls, size, print_shop, languages):
        # Renders run in child processes: each writes a line the test reads.
        with journal.open("a") as lines:
            lines.write(f"{size.name}\n")
        return real_render(htmls, size, print_shop, languages)

    monkeypatch.setattr(printing, "render_leaflets", journaled)
    statuses = []

    def download(name: str) -> None:
        with urllib.request.urlopen(f"{live_server.url}/fr/tracts/ensemble/{name}.pdf", timeout=120) as response:
            statuses.append(response.status)

    threads = [threading.Thread(target=download, args=(name,)) for name in ("a5-2up", "a5", "a5-2up", "a5")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [200] * 4
    assert journal.read_text().split() == ["a5"]
