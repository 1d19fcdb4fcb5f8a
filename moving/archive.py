"""The archive of tracts printed before this site: PDFs read as they are.

Each PDF becomes a tract whose print file is that PDF, served byte for byte
(never re-rendered); its page shows a picture of the first page and the
text extracted from it (or recognised by OCR), which search indexes like any
tract's text. The tract itself is made by the tract's adapter
(`moving.kinds.tracts`).
"""

import datetime
import hashlib
import io
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pypdfium2 as pdfium
from django.db.models.fields.files import FieldFile
from django.utils.html import escape
from django.utils.translation import gettext as _
from pypdf import PdfReader
from pypdf.errors import PdfReadError

from tracts.archive import ArchiveError, store_archived_pdf
from tracts.models import Tract

# Tesseract's names of the site's languages (Debian packages tesseract-ocr-fra, -ara…).
OCR_LANGUAGES = {"fr": "fra", "en": "eng", "es": "spa", "ar": "ara"}
OCR_HELP = "install ocrmypdf and Tesseract's data (apt-get install ocrmypdf tesseract-ocr-fra tesseract-ocr-ara)"
FILE_NAME_DATE = re.compile(r"(?<!\d)((?:19|20)\d\d)-?(0[1-9]|1[0-2])-?(0[1-9]|[12]\d|3[01])(?!\d)")
# Titles that tools write in the metadata when the author wrote none.
MEANINGLESS_TITLE = re.compile(
    r"^(untitled|sans titre|document\d*|microsoft word - .*|.*\.(docx?|odt|pdf|indd))$", re.I
)
SENTENCE_END = tuple('.!?:;»"”)؟…')


@dataclass
class PDFReading:
    data: bytes
    checksum: str
    metadata_title: str = ""
    metadata_date: datetime.date | None = None
    large_line: str = ""
    paragraphs: list[str] = field(default_factory=list)
    page_count: int = 0


def read_pdf(data: bytes) -> PDFReading:
    """What an archived PDF holds, or an ArchiveError for an encrypted, broken or non-PDF file."""
    if b"%PDF-" not in data[:1024]:
        raise ArchiveError("not a PDF", _("not a PDF"))
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise ArchiveError("encrypted", _("encrypted: save it again without a password"))
        page_count = len(reader.pages)
        metadata = reader.metadata
        title = (metadata.title or "").strip() if metadata else ""
        created = metadata.creation_date if metadata else None
        large_line = _largest_line(reader.pages[0]) if page_count else ""
    except ArchiveError:
        raise
    except Exception as error:  # pypdf raises many kinds on damaged files
        raise ArchiveError("damaged", _("damaged PDF (%(error)s)") % {"error": str(error)[:80] or type(error).__name__})
    if page_count == 0:
        raise ArchiveError("damaged", _("damaged PDF (no page)"))
    try:
        paragraphs = text_paragraphs(data)
    except pdfium.PdfiumError as error:
        raise ArchiveError("damaged", _("damaged PDF (%(error)s)") % {"error": str(error)[:80]})
    return PDFReading(
        data=data,
        checksum=hashlib.sha256(data).hexdigest(),
        metadata_title="" if MEANINGLESS_TITLE.match(title) else title,
        metadata_date=created.date() if created else None,
        large_line=large_line,
        paragraphs=paragraphs,
        page_count=page_count,
    )


def _largest_line(page) -> str:
    """The first line set in the largest type on the page: the title of most tracts."""
    pieces: list[tuple[float, str]] = []

    def visit(text: str, cm, tm, font_dict, font_size) -> None:
        if text.strip():
            scale = abs(tm[3] * cm[3]) or abs(tm[0] * cm[0]) or 1
            pieces.append((round(font_size * scale, 1), text))

    try:
        page.extract_text(visitor_text=visit)
    except (PdfReadError, KeyError, ValueError, TypeError):
        return ""
    if not pieces:
        return ""
    largest = max(size for size, _text in pieces)
    start = next(index for index, (size, _text) in enumerate(pieces) if size == largest)
    words = []
    for size, text in pieces[start:]:
        if size != largest:
            break
        words.append(text)
    return " ".join(" ".join(words).split())[:200]


def text_paragraphs(data: bytes) -> list[str]:
    """The text of every page as paragraphs, joining the lines of each."""
    document = pdfium.PdfDocument(data)
    lines: list[str] = []
    for page in document:
        lines.extend(page.get_textpage().get_text_range().replace("\r\n", "\n").replace("\r", "\n").split("\n"))
        lines.append("")
    return paragraphs_from_lines(lines)


def paragraphs_from_lines(lines: list[str]) -> list[str]:
    """Join lines into paragraphs: a blank line, or a short line ending a sentence, closes one."""
    lengths = sorted(len(line.strip()) for line in lines if line.strip())
    typical = lengths[len(lengths) * 3 // 4] if lengths else 0
    paragraphs, current = [], ""
    for raw in lines:
        line = " ".join(raw.split())
        if not line:
            if current:
                paragraphs.append(current)
            current = ""
            continue
        if current.endswith("-") and not current.endswith(" -"):
            current = current[:-1] + line  # a word cut at the end of a line
        else:
            current = f"{current} {line}".strip()
        if line.endswith(SENTENCE_END) and len(line) < typical * 0.8:
            paragraphs.append(current)
            current = ""
    if current:
        paragraphs.append(current)
    return paragraphs


def ocr_available() -> bool:
    return shutil.which("ocrmypdf") is not None


def recognise_text(data: bytes, language: str) -> list[str]:
    """The paragraphs OCR finds in a scanned PDF (the archived file itself is kept as it was)."""
    with tempfile.TemporaryDirectory() as folder:
        source, output = Path(folder, "in.pdf"), Path(folder, "out.pdf")
        source.write_bytes(data)
        subprocess.run(  # noqa: S603 (fixed arguments, our own temporary files)
            [
                shutil.which("ocrmypdf") or "ocrmypdf",
                "--quiet",
                "--skip-text",
                "-l",
                OCR_LANGUAGES.get(language, "eng"),
                str(source),
                str(output),
            ],
            check=True,
            capture_output=True,
            timeout=600,
        )
        return text_paragraphs(output.read_bytes())


def date_of(reading: PDFReading, path: Path) -> datetime.date:
    """From the metadata, else the file name (2023-12-01, 20231201), else the file's date."""
    if reading.metadata_date:
        return reading.metadata_date
    if match := FILE_NAME_DATE.search(path.stem):
        try:
            return datetime.date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            pass
    return datetime.datetime.fromtimestamp(path.stat().st_mtime, tz=datetime.UTC).date()


def title_of(reading: PDFReading, path: Path) -> str:
    """From the metadata, else the first large line, else the file name."""
    title = reading.metadata_title or reading.large_line
    if not title:
        words = FILE_NAME_DATE.sub(" ", path.stem).replace("_", " ").replace("-", " ").split()
        title = " ".join(words).capitalize() or path.stem
    return title[:200]


def paragraphs_html(paragraphs: list[str]) -> str:
    return "".join(f"<p>{escape(paragraph)}</p>" for paragraph in paragraphs)


@dataclass
class ArchiveResult:
    tract: Tract
    ocr_skipped: bool = False
    without_text: bool = False


def pdf_paragraphs(reading: PDFReading, language: str, use_ocr: bool | None) -> tuple[list[str], bool]:
    """The PDF's paragraphs, recognised by OCR when it has no text; and whether OCR was skipped."""
    if reading.paragraphs:
        return reading.paragraphs, False
    if not (use_ocr if use_ocr is not None else ocr_available()):
        return [], True
    try:
        return recognise_text(reading.data, language), False
    except (subprocess.SubprocessError, OSError):
        return [], True


def keep_archived_pdf(tract: Tract, reading: PDFReading) -> list[FieldFile]:
    """Store the PDF read as the tract's archived PDF unless it is already; returns the files written."""
    if tract.archived_pdf_checksum == reading.checksum:
        return []
    store_archived_pdf(tract, reading.data)
    return [tract.archived_pdf, tract.archived_pdf_preview, tract.archived_pdf_original]
