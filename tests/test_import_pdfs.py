import io
import shutil
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation
from PIL import Image as PillowImage
from pypdf import PdfReader, PdfWriter

from moving.archive import paragraphs_from_lines, read_pdf
from publishing.pdf import render_pdf
from tests.helpers import personal_metadata, with_personal_metadata
from tracts.models import Tract

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english_messages():
    with translation.override("en"):
        yield


FRENCH = (
    '<html lang="fr"><head><title>Non au contrôle automatisé</title></head><body>'
    "<h1>Non au contrôle automatisé</h1>"
    "<p>Un algorithme note chaque mois les allocataires de la caisse et décide qui sera contrôlé. "
    "Nous demandons la publication des critères.</p><p>Rendez-vous mardi devant la caisse.</p></body></html>"
)
ARABIC = (
    '<html lang="ar" dir="rtl"><head><style>'
    "@font-face{font-family:A;src:url(/static/fonts/NotoNaskhArabic-Regular.ttf)}"
    "body{font-family:A} h1{font-size:28pt}</style></head><body><h1>لا للمراقبة الآلية</h1>"
    "<p>خوارزمية تنقط المستفيدين كل شهر وتقرر من سيخضع للمراقبة.</p></body></html>"
)


def without_metadata(data: bytes) -> bytes:
    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(data)).pages:
        writer.add_page(page)
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def scanned_page() -> bytes:
    """A PDF holding only a picture of a page, as a scanner makes it."""
    picture = PillowImage.new("RGB", (600, 850), "white")
    picture.paste((20, 20, 20), (60, 60, 540, 140))
    output = io.BytesIO()
    picture.save(output, "PDF", resolution=72)
    return output.getvalue()


def encrypted(data: bytes) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt("secret")
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


@pytest.fixture(scope="module")
def pdfs() -> dict[str, bytes]:
    french = with_personal_metadata(render_pdf(FRENCH))
    return {
        "french": french,
        "arabic": without_metadata(render_pdf(ARABIC)),
        "scan": without_metadata(scanned_page()),
        "encrypted": encrypted(french),
    }


@pytest.fixture
def archive(tmp_path, pdfs) -> Path:
    folder = tmp_path / "archive"
    (folder / "2024").mkdir(parents=True)
    (folder / "non-au-controle.pdf").write_bytes(pdfs["french"])
    (folder / "2024" / "copie.pdf").write_bytes(pdfs["french"])  # the same tract again
    (folder / "tract_20231201_ar.pdf").write_bytes(pdfs["arabic"])
    (folder / "scan-2022-03-08.pdf").write_bytes(pdfs["scan"])
    (folder / "protege.pdf").write_bytes(pdfs["encrypted"])
    (folder / "notes.txt").write_text("Pas un PDF.", encoding="utf-8")
    (folder / "casse.pdf").write_bytes(pdfs["french"][:400])
    return folder


def run(folder: Path, *args: str) -> list[str]:
    out = io.StringIO()
    call_command("import_pdfs", str(folder), *args, stdout=out)
    return out.getvalue().strip().splitlines()


def test_every_pdf_becomes_a_tract_and_the_rest_is_reported(archive, monkeypatch):
    monkeypatch.setattr("moving.archive.ocr_available", lambda: False)
    lines = run(archive, "--language", "fr", "--publish")

    assert lines[-1] == "3 tracts created; 4 files skipped (1 damaged, 1 duplicate, 1 encrypted, 1 not a PDF)."
    report = "\n".join(lines)
    assert "notes.txt: skipped, not a PDF" in report
    assert "protege.pdf: skipped, encrypted" in report
    assert "casse.pdf: skipped, damaged PDF" in report
    assert "non-au-controle.pdf: skipped, already imported as" in report or "copie.pdf: skipped, already" in report
    assert "scan-2022-03-08.pdf: no text in the PDF and OCR skipped; to recognise it, install ocrmypdf" in report
    assert Tract.objects.count() == 3
    assert all(tract.is_public for tract in Tract.objects.all())


def test_title_date_and_text_of_each_tract(archive):
    run(archive, "--language", "fr")

    french = Tract.objects.get(slug="non-au-controle-automatise")
    version = french.versions.get()
    assert version.title == "Non au contrôle automatisé"  # from the metadata
    assert version.body.startswith("<p>Un algorithme note chaque mois")
    assert "<p>Rendez-vous mardi devant la caisse.</p>" in version.body
    assert french.status == Tract.Status.DRAFT

    arabic = Tract.objects.get(
        archived_pdf_checksum=read_pdf((archive / "tract_20231201_ar.pdf").read_bytes()).checksum
    )
    assert arabic.versions.get().title == "لا للمراقبة الآلية"  # the first large line: no metadata
    assert arabic.slug == "l-llmrqbh-lalyh"  # anyascii, readable Latin letters
    assert str(arabic.date) == "2023-12-01"  # from the file name

    scan = Tract.objects.get(slug__startswith="scan")
    assert scan.versions.get().body == ""
    assert str(scan.date) == "2022-03-08"
    assert scan.archived_pdf_preview  # the picture is all there is


def test_archived_pdf_downloads_without_its_authors_metadata_and_the_page_says_so(archive, client, pdfs, settings):
    run(archive, "--language", "fr", "--publish")
    tract = Tract.objects.get(slug="non-au-controle-automatise")

    response = client.get("/fr/tracts/non-au-controle-automatise/archive.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    served = b"".join(response.streaming_content)
    assert "Jeanne Militante" in str(personal_metadata(pdfs["french"]))
    assert personal_metadata(served) == []
    assert [page.extract_text() for page in PdfReader(io.BytesIO(served)).pages] == [
        page.extract_text() for page in PdfReader(io.BytesIO(pdfs["french"])).pages
    ]
    assert response["ETag"] == f'"{tract.archived_pdf_checksum}"'
    # The file as it was imported is kept for staff, outside MEDIA_ROOT (which nginx serves).
    assert tract.archived_pdf_original.read() == pdfs["french"]
    assert Path(tract.archived_pdf_original.path).is_relative_to(settings.PRIVATE_MEDIA_ROOT)
    assert not Path(tract.archived_pdf_original.path).is_relative_to(settings.MEDIA_ROOT)

    page = client.get("/en/tracts/non-au-controle-automatise/").content.decode()
    assert "/en/tracts/non-au-controle-automatise/archive.pdf" in page
    assert "not re-rendered" in page
    assert "/en/tracts/non-au-controle-automatise/archive.webp" in page
    preview = client.get("/en/tracts/non-au-controle-automatise/archive.webp")
    assert preview["Content-Type"] == "image/webp"
    assert b"".join(preview.streaming_content).startswith(b"RIFF")
    assert "a5-pro.pdf" not in page  # no leaflet rendered from the extracted text

    again = client.get("/fr/tracts/non-au-controle-automatise/archive.pdf", headers={"if-none-match": response["ETag"]})
    assert again.status_code == 304


def test_archived_text_is_found_by_search(archive, client):
    run(archive, "--language", "fr", "--publish")
    page = client.get("/fr/search/", {"q": "allocataires"}).content.decode()
    assert "Non au contrôle automatisé" in page


def test_a_tract_without_archive_has_no_archive_download(make_tract, client):
    make_tract(slug="ordinaire")
    assert client.get("/fr/tracts/ordinaire/archive.pdf").status_code == 404


def test_running_twice_imports_nothing_new(archive):
    run(archive, "--language", "fr")
    lines = run(archive, "--language", "fr")
    assert lines[-1].startswith("0 tracts created; 7 files skipped")
    assert Tract.objects.count() == 3


def test_bad_folder_or_language_is_one_line(tmp_path):
    with pytest.raises(CommandError, match="no such folder"):
        run(tmp_path / "absent", "--language", "fr")
    with pytest.raises(CommandError):
        run(tmp_path, "--language", "xx")


def test_lines_become_paragraphs():
    lines = [
        "Un algorithme note chaque mois les allocataires de la caisse et dé-",
        "cide qui sera contrôlé sans jamais dire pourquoi ni comment il le fait.",
        "Nous refusons.",
        "",
        "Rendez-vous mardi à 14 heures devant la caisse, venez nombreuses et nombreux !",
    ]
    assert paragraphs_from_lines(lines) == [
        "Un algorithme note chaque mois les allocataires de la caisse et décide qui sera contrôlé "
        "sans jamais dire pourquoi ni comment il le fait. Nous refusons.",
        "Rendez-vous mardi à 14 heures devant la caisse, venez nombreuses et nombreux !",
    ]


def test_reasons_are_given_in_the_organisers_language(archive):
    with translation.override("fr"):
        lines = run(archive, "--language", "fr")
    assert "notes.txt: skipped, pas un PDF" in lines


def test_home_and_archive_show_the_printed_tract(archive, client):
    run(archive, "--language", "fr", "--publish")
    assert Tract.objects.filter(slug="non-au-controle-automatise", archived_pdf_preview__gt="").exists()
    home = client.get("/fr/").content.decode()
    assert "/fr/tracts/non-au-controle-automatise/archive.webp" in home
    listing = client.get("/fr/tracts/").content.decode()
    assert "/fr/tracts/non-au-controle-automatise/archive.pdf" in listing
    assert "/fr/tracts/non-au-controle-automatise/a5.pdf" not in listing


@pytest.mark.skipif(not shutil.which("ocrmypdf"), reason="ocrmypdf is not installed (apt-get install ocrmypdf)")
def test_ocr_recognises_the_text_of_a_scanned_tract(tmp_path):
    page = pdfium.PdfDocument(render_pdf(FRENCH))[0]
    picture = page.render(scale=200 / 72).to_pil().convert("RGB")
    scan = io.BytesIO()
    picture.save(scan, "PDF", resolution=200)
    folder = tmp_path / "scans"
    folder.mkdir()
    (folder / "scan.pdf").write_bytes(without_metadata(scan.getvalue()))

    lines = run(folder, "--language", "fr")

    assert lines[-1] == "1 tracts created; 0 files skipped."
    tract = Tract.objects.get()
    assert tract.archived_pdf_original.read() == (folder / "scan.pdf").read_bytes()  # the scan itself is kept
    assert "allocataires" in tract.versions.get().body


def test_a_scan_where_ocr_finds_nothing_is_reported(tmp_path, pdfs, monkeypatch):
    monkeypatch.setattr("moving.archive.ocr_available", lambda: True)
    monkeypatch.setattr("moving.archive.recognise_text", lambda data, language: [])
    folder = tmp_path / "scans"
    folder.mkdir()
    (folder / "blank.pdf").write_bytes(pdfs["scan"])
    lines = run(folder, "--language", "fr")
    assert "blank.pdf: no text found, even by OCR; imported with the picture of its first page." in lines


def test_a_link_to_a_pdf_outside_the_folder_is_skipped(tmp_path, pdfs):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "private.pdf").write_bytes(pdfs["french"])
    folder = tmp_path / "archive"
    folder.mkdir()
    (folder / "lien.pdf").symlink_to(elsewhere / "private.pdf")
    (folder / "dossier").symlink_to(elsewhere, target_is_directory=True)

    lines = run(folder, "--language", "fr", "--publish")

    assert "lien.pdf: skipped, a link to a file outside the folder" in lines
    assert lines[-1] == "0 tracts created; 1 files skipped (1 outside the folder)."
    assert not Tract.objects.exists()


def test_staff_download_the_original_from_the_admin_and_visitors_cannot(archive, client, admin_client, pdfs):
    run(archive, "--language", "fr", "--publish")
    tract = Tract.objects.get(slug="non-au-controle-automatise")
    address = f"/admin/tracts/tract/{tract.pk}/archived-original.pdf"

    assert address in admin_client.get(f"/admin/tracts/tract/{tract.pk}/change/").content.decode()
    response = admin_client.get(address)
    assert response.status_code == 200 and b"".join(response.streaming_content) == pdfs["french"]
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    assert client.get(address).status_code == 302  # to the login page


def test_archived_pdfs_stored_before_the_cleaning_are_cleaned_once(archive, pdfs):
    from django.core.files.base import ContentFile

    run(archive, "--language", "fr", "--publish")
    tract = Tract.objects.get(slug="non-au-controle-automatise")
    # As an earlier version left it: the file as imported, served, and no original kept.
    tract.archived_pdf_original.delete(save=False)
    tract.archived_pdf.save("archive.pdf", ContentFile(pdfs["french"]), save=True)
    old = tract.archived_pdf.path

    out = io.StringIO()
    call_command("clean_archived_pdfs", stdout=out)
    assert "1 archived PDF(s) cleaned." in out.getvalue()
    tract.refresh_from_db()
    assert personal_metadata(tract.archived_pdf.read()) == []
    assert tract.archived_pdf_original.read() == pdfs["french"]
    assert not Path(old).exists()

    out = io.StringIO()
    call_command("clean_archived_pdfs", stdout=out)  # a second run has nothing to do
    assert "0 archived PDF(s) cleaned." in out.getvalue()
