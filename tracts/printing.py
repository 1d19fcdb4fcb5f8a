"""Print formats of a tract and the stored PDF of each."""

from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from collectif import pdf
from collectif.languages import text_direction
from collectif.models import SiteSettings

from .models import TractVersion


@dataclass(frozen=True)
class PrintFormat:
    name: str
    label: str
    width_mm: float
    height_mm: float
    description: str


PRINT_FORMATS = {
    "a5": PrintFormat(
        "a5",
        _("A5 leaflet"),
        148,
        210,
        _("One leaflet at A5 size (148 × 210 mm), to print on A5 paper or to send to a copy shop."),
    ),
}


def tract_print_html(version: TractVersion, print_format: PrintFormat) -> str:
    """The HTML document WeasyPrint turns into the tract's PDF."""
    tract = version.tract
    with translation.override(version.language):
        return render_to_string(
            "tracts/print/tract.html",
            {
                "tract": tract,
                "version": version,
                "format": print_format,
                "direction": text_direction(version.language),
                "legal_footer": tract.get_legal_footer(),
                "site_name": SiteSettings.load().site_name,
                "online_url": settings.SITE_URL + version.get_absolute_url(),
            },
        )


@dataclass(frozen=True)
class StoredPDF:
    name: str  # storage name
    etag: str
    filename: str  # what the visitor's browser saves it as


def tract_pdf(version: TractVersion, print_format: PrintFormat) -> StoredPDF:
    """The stored PDF of this version in this format, rendered if not stored yet."""
    html = tract_print_html(version, print_format)
    etag = pdf.fingerprint(html)
    name = f"pdfs/tracts/{version.tract.slug}/{version.language}-{print_format.name}-{etag}.pdf"
    pdf.stored_pdf(name, lambda: pdf.render_pdf(html))
    return StoredPDF(name=name, etag=etag, filename=version.pdf_filename(print_format.name))
