"""Pictures in tracts: the editor's button, the cleaning, the leaflets, the page."""

import html
import io
import json
import re

import pikepdf
import pypdfium2
import pypdfium2.raw as pdfium_c
import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import translation

from publishing.models import Image
from tests.helpers import MM, jpeg_with_gps
from tracts.models import TractVersion
from tracts.printing import PICTURE_SHARE_OF_PAGE, PRINT_FORMATS, ensure_tract_pdf
from tracts.printing import leaflet_html as make_leaflet_html

from .test_leaflet_fitting import stored

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english_messages():
    with translation.override("en"):
        yield


FRENCH = (
    "Depuis 2010, la caisse attribue à chaque allocataire un score de risque calculé par un algorithme. "
    "Plus le score est élevé, plus le contrôle est probable : les plus précaires sont visés en premier."
)
ARABIC = (
    "منذ عام 2010، يمنح الصندوق كل مستفيد درجة خطر يحسبها خوارزمية. "
    "كلما ارتفعت الدرجة، زاد احتمال المراقبة: الأكثر هشاشة هم المستهدفون أولاً."
)


@pytest.fixture
def picture() -> Image:
    image = Image(
        file=ContentFile(jpeg_with_gps(1800, 1200), name="manif.jpg"),
        alt_text="Une banderole devant la caisse",
        caption="Devant la CAF, le 5 octobre",
    )
    image.save()
    return image


def figure(image: Image) -> str:
    return (
        f'<figure><img src="{image.file.url}" alt="{image.alt_text}"><figcaption>{image.caption}</figcaption></figure>'
    )


def body(text: str, image: Image, paragraphs: int = 2) -> str:
    """`paragraphs` paragraphs, the picture in the middle."""
    before = paragraphs // 2
    return f"<p>{text}</p>" * before + figure(image) + f"<p>{text}</p>" * (paragraphs - before)


def pictures_on_pages(rendered: bytes) -> list[list[tuple[float, float, float, float]]]:
    """Each page's pictures as (left, bottom, right, top) in points."""
    document = pypdfium2.PdfDocument(rendered)
    return [[obj.get_bounds() for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE])] for page in document]


def image_xobjects(rendered: bytes) -> list[tuple[int, str]]:
    """The width and colour space of each picture the pages draw."""
    with pikepdf.Pdf.open(io.BytesIO(rendered)) as document:
        return [
            (int(xobject.Width), str(xobject.ColorSpace))
            for page in document.pages
            for xobject in page.Resources.get("/XObject", {}).values()
            if xobject.get("/Subtype") == "/Image"
        ]


def test_the_tract_editor_has_the_articles_picture_button(admin_client):
    page = admin_client.get(reverse("admin:tracts_tract_add")).content.decode()
    configs = [
        json.loads(html.unescape(c)) for c in re.findall(r"data-django-prose-editor-configurable=\"([^\"]+)", page)
    ]
    extensions = configs[0]["extensions"]
    assert {"CollectifFigure", "Caption", "Image"} <= set(extensions)
    assert extensions["CollectifEditor"]["pagesUrl"] == reverse("admin:tracts_tract_pages")


def test_a_tract_body_keeps_the_same_figures_as_an_article(make_tract, picture):
    tract = make_tract("photo", {"fr": {"title": "Photo", "body": figure(picture) + "<p>Texte.</p>"}})
    assert figure(picture) in tract.version("fr").body

    version = tract.version("fr")
    version.body = '<figure><img src="https://tracker.example/p.jpg" alt="x"></figure>'
    with pytest.raises(ValidationError, match="not one of ours"):
        version.full_clean()


@pytest.mark.parametrize("name", ["a5", "a6"])
@pytest.mark.parametrize("language, text", [("fr", FRENCH), ("ar", ARABIC)])
def test_a5_and_a6_leaflets_print_the_picture_within_bounds_on_one_page(make_tract, picture, name, language, text):
    tract = make_tract(
        "photo",
        {language: {"title": "Non au score", "body": body(text, picture), "contact": "Le mardi"}},
        original_language=language,
    )
    print_format = PRINT_FORMATS[name]

    rendered = stored(ensure_tract_pdf(tract.version(language), print_format))

    assert len(image_xobjects(rendered)) == 1
    [[(left, bottom, right, top)]] = pictures_on_pages(rendered)  # one page, one picture
    size = print_format.size
    assert right - left <= size.text_width_mm * MM + 1
    assert top - bottom <= PICTURE_SHARE_OF_PAGE * size.height_mm * MM
    # Centred on the page, in either direction of writing.
    assert (left + right) / 2 == pytest.approx(size.width_mm * MM / 2, abs=2)
    assert pypdfium2.PdfDocument(rendered)[0].get_textpage().get_text_range().count("CAF") == 1  # the caption


@pytest.mark.parametrize("language, text", [("fr", FRENCH), ("ar", ARABIC)])
def test_a_picture_in_a_long_text_never_stands_alone_on_a_page(make_tract, picture, language, text):
    tract = make_tract("long", {language: {"title": "Non", "body": body(text, picture, 9)}}, original_language=language)

    rendered = stored(ensure_tract_pdf(tract.version(language), PRINT_FORMATS["a6"]))

    document = pypdfium2.PdfDocument(rendered)
    pages = pictures_on_pages(rendered)
    assert len(document) == 2 and sum(len(page) for page in pages) == 1
    number = next(number for number, page in enumerate(pages) if page)
    [(_left, bottom, _right, _top)] = pages[number]
    # Lines of the text follow it on its page, above the legal footer.
    size = PRINT_FORMATS["a6"].size
    below = document[number].get_textpage().get_text_bounded(bottom=size.margin_bottom_mm * MM, top=bottom)
    assert len(below.split()) >= 10, below


def test_home_leaflets_print_a_rendition_and_the_print_shop_a_cmyk_original(make_tract, picture):
    tract = make_tract("photo", {"fr": {"title": "Photo", "body": body(FRENCH, picture)}})
    version = tract.version("fr")

    assert picture.print_name() in make_leaflet_html(version, PRINT_FORMATS["a5"].size)
    home = image_xobjects(stored(ensure_tract_pdf(version, PRINT_FORMATS["a5"])))
    shop = image_xobjects(stored(ensure_tract_pdf(version, PRINT_FORMATS["a5-pro"])))
    assert home == [(1600, "/DeviceRGB")]
    assert shop == [(1800, "/DeviceCMYK")]


def test_the_tract_page_shows_the_picture_with_its_renditions_and_description(client, make_tract, picture):
    tract = make_tract("photo", {"fr": {"title": "Photo", "body": body(FRENCH, picture)}})

    page = client.get(tract.version("fr").get_absolute_url()).content.decode()

    tag = re.search(r"<figure><img [^>]+>", page)[0]
    assert 'alt="Une banderole devant la caisse"' in tag
    assert "srcset=" in tag and 'loading="lazy"' in tag and 'width="1800" height="1200"' in tag
    assert "<figcaption>Devant la CAF, le 5 octobre</figcaption>" in page


def test_the_editor_page_count_counts_the_picture(admin_client, picture):
    def pages(body_html: str) -> dict:
        data = {"language": "fr", "title": "Photo", "body": body_html}
        response = admin_client.post(reverse("admin:tracts_tract_pages"), data)
        return {f["name"]: f["pages"] for f in response.json()["formats"]}

    # Five paragraphs fill an A6 page; the picture takes a second one.
    text = f"<p>{FRENCH}</p>" * 5
    assert pages(text)["a6"] == 1
    assert pages(text + figure(picture))["a6"] == 2


def test_an_imported_tract_version_is_printed_with_its_picture(tmp_path):
    from moving.kinds.tracts import import_tract

    (tmp_path / "photo.jpg").write_bytes(jpeg_with_gps(1800, 1200))
    text = f"# Non au score\n\n{FRENCH}\n\n![Une banderole](photo.jpg)\n\n{FRENCH}\n"
    version = import_tract(text, "fr", folder=tmp_path)

    rendered = stored(ensure_tract_pdf(TractVersion.objects.get(pk=version.pk), PRINT_FORMATS["a5"]))
    assert len(image_xobjects(rendered)) == 1
