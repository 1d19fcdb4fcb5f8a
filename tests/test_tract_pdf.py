import http.server
import io
import threading

import pytest
from django.core.files.storage import default_storage
from pypdf import PdfReader

from publishing import pdf
from publishing.pdf import sandbox
from tests.helpers import MM, read_pdf
from tracts.models import TractVersion
from tracts.printing import PRINT_FORMATS, ensure_tract_pdf

pytestmark = pytest.mark.django_db


def embedded_font_names(reader: PdfReader) -> dict[str, bool]:
    """Font name -> whether its font program is embedded in the file."""
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = descendant["/FontDescriptor"].get_object()
            fonts[str(font["/BaseFont"])] = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
    return fonts


@pytest.fixture
def french_version(make_tract):
    tract = make_tract(
        "non-au-score",
        versions={
            "fr": {
                "title": "Non au score des allocataires",
                "subtitle": "Nous ne sommes pas des suspects",
                "body": "<p>Un algorithme note les allocataires.</p><h2>Ce que nous voulons</h2>"
                "<ul><li>La fin du ciblage</li></ul>",
                "contact": "Permanence le mardi",
            }
        },
    )
    return tract.versions.get()


def test_a5_pdf_has_a5_pages_selectable_text_and_embedded_fonts(french_version):
    stored = ensure_tract_pdf(french_version, PRINT_FORMATS["a5"])
    reader = read_pdf(stored)

    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert float(box.width) == pytest.approx(148 * MM, abs=0.5)
    assert float(box.height) == pytest.approx(210 * MM, abs=0.5)

    text = reader.pages[0].extract_text()
    assert "Non au score des allocataires" in text
    assert "Un algorithme note les allocataires." in text
    assert "Permanence le mardi" in text
    assert "IPNS" in text and "Ne pas jeter sur la voie publique" in text

    fonts = embedded_font_names(reader)
    assert fonts and all(fonts.values()), fonts
    assert any("Noto-Serif" in name for name in fonts)
    assert reader.metadata.title == "Non au score des allocataires"
    assert stored.filename == "non-au-score-fr-a5.pdf"


def test_arabic_pdf_uses_the_bundled_arabic_font(make_tract):
    tract = make_tract(
        "arabe", versions={"fr": {}, "ar": {"title": "لا للتنقيط الآلي", "body": "<p>نحن لسنا مشتبها بنا.</p>"}}
    )
    stored = ensure_tract_pdf(tract.versions.get(language="ar"), PRINT_FORMATS["a5"])
    reader = read_pdf(stored)

    fonts = embedded_font_names(reader)
    assert any("Naskh-Arabic" in name or "Sans-Arabic" in name for name in fonts), fonts
    assert all(fonts.values())
    # Shaped Arabic still maps back to Arabic letters for copy and search.
    assert "ل" in reader.pages[0].extract_text()


def test_pdf_is_rendered_once_and_stored(french_version, monkeypatch):
    renders = []
    real_render = sandbox.render_in_child  # each render runs in a child process: count them where they start
    monkeypatch.setattr(sandbox, "render_in_child", lambda render: renders.append(1) or real_render(render))

    first = ensure_tract_pdf(french_version, PRINT_FORMATS["a5"])
    assert len(renders) == 2  # the leaflet, then its first page drawn as a picture
    second = ensure_tract_pdf(TractVersion.objects.get(pk=french_version.pk), PRINT_FORMATS["a5"])

    assert first.storage_name == second.storage_name
    assert len(renders) == 2  # nothing more the second time
    assert default_storage.exists(first.storage_name)


def test_editing_a_tract_gives_a_new_pdf(french_version):
    before = ensure_tract_pdf(french_version, PRINT_FORMATS["a5"])
    french_version.title = "Un autre titre"
    french_version.save()
    after = ensure_tract_pdf(french_version, PRINT_FORMATS["a5"])

    assert after.fingerprint != before.fingerprint
    assert "Un autre titre" in read_pdf(after).pages[0].extract_text()


def test_changing_the_legal_footer_gives_a_new_pdf(french_version):
    before = ensure_tract_pdf(french_version, PRINT_FORMATS["a5"])
    tract = french_version.tract
    tract.legal_footer = "Imprimerie Exemple, 3 rue du Papier, Lyon"
    tract.save()
    after = ensure_tract_pdf(TractVersion.objects.get(pk=french_version.pk), PRINT_FORMATS["a5"])

    assert after.fingerprint != before.fingerprint
    assert "Imprimerie Exemple" in read_pdf(after).pages[0].extract_text()


class CountingHandler(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):
        CountingHandler.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def local_http_server():
    CountingHandler.hits = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), CountingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "FILE:///etc/hostname",
        "http://127.0.0.1:1/x.png",
        "https://example.org/font.ttf",
        "ftp://example.org/x",
        f"https://{pdf.RENDER_HOST}/etc/passwd",
        f"https://{pdf.RENDER_HOST}/static/../../../../etc/passwd",
        f"https://{pdf.RENDER_HOST}/static/%2e%2e/%2e%2e/settings.py",
        f"https://{pdf.RENDER_HOST}/media/../db.sqlite3",
        f"https://{pdf.RENDER_HOST}:8443/static/print/tract.css",
        f"http://{pdf.RENDER_HOST}/static/print/tract.css",
    ],
)
def test_fetcher_refuses_everything_but_our_files(url):
    with pytest.raises(pdf.ResourceRefused):
        pdf.LocalFilesFetcher().fetch(url)


def test_fetcher_serves_our_static_files_media_files_and_data_urls(media_root):
    (media_root / "photos").mkdir(parents=True)
    (media_root / "photos" / "a.png").write_bytes(b"\x89PNG fake")
    fetcher = pdf.LocalFilesFetcher()

    assert b"@font-face" in fetcher.fetch(f"{pdf.RENDER_BASE_URL}static/print/fonts.css").read()
    assert fetcher.fetch(f"{pdf.RENDER_BASE_URL}media/photos/a.png").read() == b"\x89PNG fake"
    assert fetcher.fetch("data:text/plain,bonjour").read() == b"bonjour"


def test_renderer_makes_no_request_and_reads_no_local_file(local_http_server, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-CONTENT")
    html = f"""<html><head>
      <link rel="stylesheet" href="{local_http_server}/style.css">
      <style>@import url("{local_http_server}/import.css");
        body {{ background: url("{local_http_server}/bg.png"); }}
        @font-face {{ font-family: X; src: url("file://{secret}"); }}</style>
      </head><body>
      <img src="{local_http_server}/pixel.png">
      <img src="file://{secret}">
      <object data="file://{secret}"></object>
      <embed src="file://{secret}">
      <iframe src="file://{secret}"></iframe>
      <a rel="attachment" href="file://{secret}">x</a>
      <p>Texte</p></body></html>"""

    document = pdf.render_pdf(html)

    assert CountingHandler.hits == []
    assert document.startswith(b"%PDF")
    assert b"SECRET-CONTENT" not in document
    reader = PdfReader(io.BytesIO(document))
    assert reader.attachments == {}
    assert "SECRET-CONTENT" not in "".join(page.extract_text() for page in reader.pages)
