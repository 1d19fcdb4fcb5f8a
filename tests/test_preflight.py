"""Our preflight: it passes our print-shop files and fails files that break each rule."""

import io
import zlib

import pikepdf
import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from pikepdf import Array, Dictionary, Name, Pdf

from publishing.pdf.preflight import preflight
from tracts.printing import PRINT_FORMATS, ensure_tract_pdf

pytestmark = pytest.mark.django_db

_cache: dict[str, bytes] = {}


def stored(plan) -> bytes:
    with default_storage.open(plan.storage_name, "rb") as file:
        return file.read()


@pytest.fixture
def pro_pdf(make_tract) -> bytes:
    """A real A6 print-shop file of a tract with a link and a QR code (rendered once per run)."""
    if "pro" not in _cache:
        tract = make_tract(
            "lien",
            {"fr": {"title": "Un lien", "body": '<p>Voir <a href="https://example.org/droits">nos droits</a>.</p>'}},
            show_qr_code=True,
        )
        _cache["pro"] = stored(ensure_tract_pdf(tract.version("fr"), PRINT_FORMATS["a6-pro"]))
    return _cache["pro"]


def broken(data: bytes, change, **save_options) -> bytes:
    """`data` after `change(pdf)`, saved again."""
    with Pdf.open(io.BytesIO(data)) as pdf:
        change(pdf)
        output = io.BytesIO()
        pdf.save(output, **save_options)
        return output.getvalue()


def add_content(pdf: Pdf, operators: bytes) -> None:
    pdf.pages[0].contents_add(pdf.make_stream(operators))


def add_image(pdf: Pdf, *, width: int, height: int, colour_space: Name, components: int, interpolate=False) -> None:
    image = pdf.make_stream(
        zlib.compress(bytes(width * height * components)),
        Type=Name.XObject,
        Subtype=Name.Image,
        Width=width,
        Height=height,
        ColorSpace=colour_space,
        BitsPerComponent=8,
        Filter=Name.FlateDecode,
        Interpolate=interpolate,
    )
    page = pdf.pages[0]
    name = page.add_resource(image, Name.XObject, prefix="Test")
    # Drawn 2 inches wide and high.
    add_content(pdf, f"q 144 0 0 144 20 20 cm {name} Do Q".encode())


def test_our_print_shop_file_passes(pro_pdf):
    assert preflight(pro_pdf) == []


def test_print_shop_file_has_no_link_but_prints_the_address(pro_pdf):
    with Pdf.open(io.BytesIO(pro_pdf)) as pdf:
        assert all(Name.Annots not in page.obj for page in pdf.pages)
    import pypdfium2

    text = pypdfium2.PdfDocument(pro_pdf)[0].get_textpage().get_text_range()
    assert "https://example.org/droits" in text.replace("\r\n", "").replace("\n", "")


@pytest.mark.parametrize(
    "change, problem",
    [
        (lambda pdf: None, "header %PDF-1.3"),
        (lambda pdf: pdf.Root.__delitem__("/OutputIntents"), "no GTS_PDFX output intent"),
        (lambda pdf: pdf.Root.__delitem__("/Metadata"), "pdfxid:GTS_PDFXVersion"),
        (lambda pdf: pdf.pages[0].obj.__delitem__("/TrimBox"), "page 1: no TrimBox"),
        (lambda pdf: pdf.pages[0].obj.__delitem__("/BleedBox"), "page 1: no BleedBox"),
        (lambda pdf: setattr(pdf.pages[0].obj, "MediaBox", Array([0, 0, 100, 100])), "BleedBox extends beyond"),
        (lambda pdf: add_content(pdf, b"q 1 0 0 rg 0 0 5 5 re f Q"), "DeviceRGB colour operators"),
        (lambda pdf: add_content(pdf, b"q /DeviceRGB cs 0 0 0 sc Q"), "DeviceRGB colour operators"),
        (lambda pdf: add_content(pdf, b"q 1 1 1 1 K 0 0 m 5 5 l S Q"), "total ink 400 %"),
        (lambda pdf: add_content(pdf, b"q 0.9 0.9 0.9 0.9 k 0 0 5 5 re f Q"), "total ink 360 %"),
        (
            lambda pdf: add_image(pdf, width=600, height=600, colour_space=Name.DeviceRGB, components=3),
            "an image is in DeviceRGB",
        ),
        (
            lambda pdf: add_image(
                pdf, width=600, height=600, colour_space=Name.DeviceCMYK, components=4, interpolate=True
            ),
            "/Interpolate true",
        ),
        (
            lambda pdf: add_image(pdf, width=300, height=300, colour_space=Name.DeviceCMYK, components=4),
            "at 150 ppi",
        ),
        (lambda pdf: pdf.Root.__setitem__("/OpenAction", Dictionary(S=Name.JavaScript)), "document action"),
        (lambda pdf: pdf.Root.__delitem__("/Lang"), "no document language"),
    ],
)
def test_preflight_fails_files_that_break_a_rule(pro_pdf, change, problem):
    options = {"force_version": "1.3"} if "1.3" in problem else {}
    problems = preflight(broken(pro_pdf, change, **options), "print-shop")
    assert any(problem in found for found in problems), problems


def test_preflight_fails_a_link_annotation_in_the_page_area(pro_pdf):
    def add_link(pdf: Pdf) -> None:
        action = Dictionary(S=Name.URI, URI=pikepdf.String("https://example.org"))
        link = pdf.make_indirect(Dictionary(Type=Name.Annot, Subtype=Name.Link, Rect=[10, 10, 80, 20], A=action))
        pdf.pages[0].obj.Annots = pdf.make_indirect(Array([link]))

    problems = preflight(broken(pro_pdf, add_link))
    assert "page 1: /Link annotation in the page area" in problems
    assert "page 1: /Link annotation carries an action" in problems


def test_preflight_fails_a_second_icc_profile(pro_pdf):
    def duplicate_profile(pdf: Pdf) -> None:
        profile = pdf.Root.OutputIntents[0].DestOutputProfile
        copy = pdf.make_stream(profile.read_bytes(), N=4)
        pdf.pages[0].add_resource(Array([Name.ICCBased, copy]), Name.ColorSpace, prefix="Copy")

    assert "2 ICC profiles embedded (one expected)" in preflight(broken(pro_pdf, duplicate_profile))


def test_preflight_fails_a_subset_tag_shared_by_two_font_programs(pro_pdf):
    def retag(pdf: Pdf) -> None:
        fonts = [obj for obj in pdf.objects if isinstance(obj, Dictionary) and obj.get("/Type") == Name.Font]
        descendants = [font for font in fonts if font.get("/Subtype") not in (Name.Type0, Name.Type3)]
        assert len(descendants) >= 2
        first, second = descendants[0], descendants[1]
        second.BaseFont = Name("/" + str(first.BaseFont).lstrip("/").split("+")[0] + "+Other")

    assert any("subset tag" in problem for problem in preflight(broken(pro_pdf, retag)))


def test_preflight_fails_a_font_that_is_not_embedded(pro_pdf):
    def unembed(pdf: Pdf) -> None:
        for obj in pdf.objects:
            if isinstance(obj, Dictionary) and obj.get("/Type") == Name.FontDescriptor:
                for key in ("/FontFile", "/FontFile2", "/FontFile3"):
                    if key in obj:
                        del obj[key]

    assert any("is not embedded" in problem for problem in preflight(broken(pro_pdf, unembed)))


def test_registration_colour_is_exempt_from_the_ink_limit_but_four_blacks_are_not(pro_pdf):
    assert b"1 1 1 1 K" not in pro_pdf
    with Pdf.open(io.BytesIO(pro_pdf)) as pdf:
        spaces = pdf.pages[0].obj.Resources.ColorSpace
        separations = [space for space in spaces.values() if space[0] == Name.Separation]
        assert [str(space[1]) for space in separations] == ["/All"]


def test_tagged_profile_fails_an_untagged_file(pro_pdf):
    problems = preflight(pro_pdf, "tagged")
    assert "not tagged (/MarkInfo /Marked is not true)" in problems
    assert "no structure tree (/StructTreeRoot)" in problems


def test_unreadable_file_is_one_problem():
    assert preflight(b"not a pdf")[0].startswith("not a readable PDF")


def test_command_prints_one_line_per_problem_and_fails(pro_pdf, tmp_path):
    good, bad = tmp_path / "good.pdf", tmp_path / "bad.pdf"
    good.write_bytes(pro_pdf)
    bad.write_bytes(broken(pro_pdf, lambda pdf: add_content(pdf, b"q 1 1 1 1 K 0 0 m 5 5 l S Q")))
    output = io.StringIO()
    call_command("preflight", str(good), stdout=output)
    assert output.getvalue() == f"{good}: OK\n"

    output = io.StringIO()
    with pytest.raises(CommandError, match="1 of 2 files fail"):
        call_command("preflight", str(good), str(bad), stdout=output)
    assert f"{bad}: total ink 400 % (limit 300 %)" in output.getvalue().splitlines()


def add_jpeg(pdf: Pdf, jpeg: bytes, width: int, height: int) -> None:
    image = pdf.make_stream(
        jpeg,
        Type=Name.XObject,
        Subtype=Name.Image,
        Width=width,
        Height=height,
        ColorSpace=Name.DeviceCMYK,
        BitsPerComponent=8,
        Filter=Name.DCTDecode,
    )
    name = pdf.pages[0].add_resource(image, Name.XObject, prefix="Photo")
    add_content(pdf, f"q 72 0 0 72 20 20 cm {name} Do Q".encode())


def cmyk_jpeg(width: int = 600, height: int = 400) -> bytes:
    from PIL import Image as PillowImage

    output = io.BytesIO()
    gradient = PillowImage.linear_gradient("L").resize((width, height))
    PillowImage.merge("CMYK", [gradient, gradient.rotate(90), gradient, gradient]).save(output, "JPEG", quality=90)
    return output.getvalue()


def test_preflight_fails_an_embedded_jpeg_cut_short(pro_pdf, tmp_path):
    jpeg = cmyk_jpeg()
    whole = broken(pro_pdf, lambda pdf: add_jpeg(pdf, jpeg, 600, 400))
    assert preflight(whole) == []
    # The copy a full disk left: its bottom half missing, no end marker.
    cut = broken(pro_pdf, lambda pdf: add_jpeg(pdf, jpeg[: len(jpeg) // 2], 600, 400))
    problems = preflight(cut)
    assert len(problems) == 1 and "does not decode completely" in problems[0]
    assert any("does not decode completely" in problem for problem in preflight(cut, "tagged"))

    path = tmp_path / "cut.pdf"
    path.write_bytes(cut)
    output = io.StringIO()
    with pytest.raises(CommandError, match="1 of 1 files fail"):
        call_command("preflight", str(path), stdout=output)
    assert "does not decode completely" in output.getvalue()


def test_preflight_fails_a_flate_picture_cut_short(pro_pdf):
    def cut_image(pdf: Pdf) -> None:
        add_image(pdf, width=700, height=700, colour_space=Name.DeviceCMYK, components=4)
        image = next(obj for obj in pdf.objects if isinstance(obj, pikepdf.Stream) and obj.get("/Width") == 700)
        image.write(image.read_raw_bytes()[:200], filter=Name.FlateDecode)

    assert any("does not decode completely" in problem for problem in preflight(broken(pro_pdf, cut_image)))
