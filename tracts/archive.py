"""A tract's archived PDF (printed before this site, imported as it is): kept
as it was for staff, served without its authors' personal metadata, shown by
a picture of its first page. Reading and importing such PDFs is
`moving.archive`'s.
"""

import hashlib
import io

import pikepdf
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from publishing.pdf.store import first_page_picture

from .models import Tract


class ArchiveError(ValueError):
    """A file that cannot be imported; the message says why, for the report."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind  # not a PDF, encrypted, damaged, duplicate: counted in the summary


def without_personal_metadata(data: bytes) -> bytes:
    """The PDF without what its authors' tools wrote about them: the document
    information (Author, Creator, Producer…), the XMP packets (with their
    editing history) of the document and its pages, and the private data of
    the application that made it (PieceInfo). The pages are left as they are."""
    try:
        document = pikepdf.open(io.BytesIO(data))
    except pikepdf.PdfError as error:
        raise ArchiveError("damaged", _("damaged PDF (%(error)s)") % {"error": str(error)[:80]})
    with document:
        if "/Info" in document.trailer:
            del document.trailer["/Info"]
        for holder in [document.Root, *(page.obj for page in document.pages)]:
            for key in ("/Metadata", "/PieceInfo"):
                if key in holder:
                    del holder[key]
        output = io.BytesIO()
        document.save(output, deterministic_id=True)
    return output.getvalue()


def store_archived_pdf(tract: Tract, data: bytes) -> None:
    """Keep `data` as the tract's archived PDF: served without its personal
    metadata, kept as it was for staff only (PRIVATE_MEDIA_ROOT), with its
    checksum (of the original, to find duplicates) and first-page picture."""
    tract.archived_pdf_checksum = hashlib.sha256(data).hexdigest()
    tract.archived_pdf.save("archive.pdf", ContentFile(without_personal_metadata(data)), save=False)
    tract.archived_pdf_original.save("original.pdf", ContentFile(data), save=False)
    tract.archived_pdf_preview.save("preview.webp", ContentFile(first_page_picture(data, 480)), save=False)
