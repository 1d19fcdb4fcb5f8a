"""Print formats of a tract, and the stored PDF of each.

A leaflet (one copy at A4, A5 or A6, for home or print shop) is rendered by
WeasyPrint; everything else (bilingual sheets, two or four copies per sheet)
is made from stored leaflets with pypdf. Every PDF is stored under a hash of
everything that shapes it, so it is rendered once and never served stale.
"""

import io
from dataclasses import dataclass, replace
from functools import lru_cache
from urllib.parse import quote

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from collectif import imposition, pdf
from collectif.imposition import OutputCondition, Sheet
from collectif.languages import text_direction
from collectif.models import SiteSettings
from collectif.pdf import PDFPlan

from .models import FIRST_PAGE_PICTURE_FORMAT, TractPDF, TractVersion


@dataclass(frozen=True)
class LeafletSize:
    name: str
    width_mm: float
    height_mm: float
    font_size_pt: float
    margin_mm: float  # top and sides: print shops want text 3–5 mm inside the trim at least
    margin_bottom_mm: float  # room for the legal footer


A4 = LeafletSize("a4", 210, 297, 13.5, 16, 24)
A5 = LeafletSize("a5", 148, 210, 10, 11, 17)
A6 = LeafletSize("a6", 105, 148, 7.4, 8, 12.5)

# A tract is one sheet: a front, perhaps a back. A third page is an overflow.
MAX_LEAFLET_PAGES = 2

# What print shops ask for in France: 3 mm bleed, marks outside it, PDF/X-4
# for a coated-paper offset press (the profile in static/print/icc/).
BLEED_MM = 3
CROP_MARK_OFFSET_MM = 4
CROP_MARK_LENGTH_MM = 6
PRINT_SHOP_CONDITION = OutputCondition(
    identifier="FOGRA39",
    description="Offset commercial and specialty printing according to ISO 12647-2:2004/Amd 1, paper type 1 or 2",
)


@dataclass(frozen=True)
class PrintFormat:
    name: str
    size: LeafletSize
    label: Promise
    description: Promise
    sheet: Sheet | None = None  # copies per sheet, for home printing
    print_shop: bool = False


PRINT_FORMATS = {
    print_format.name: print_format
    for print_format in [
        PrintFormat(
            "a5",
            A5,
            _("A5 leaflet"),
            _("One leaflet at A5 size (148 × 210 mm), to print on A5 paper."),
        ),
        PrintFormat(
            "a5-2up",
            A5,
            _("Two A5 leaflets on A4"),
            _(
                "For a home or office printer: two copies side by side on an A4 sheet. "
                "Print double-sided (flip on the short edge), then cut once along the dotted line."
            ),
            sheet=Sheet(297, 210, columns=2, rows=1),
        ),
        PrintFormat("a4", A4, _("A4 poster or leaflet"), _("One copy filling an A4 sheet, to pin up or hand out.")),
        PrintFormat("a6", A6, _("A6 flyer"), _("One small flyer at A6 size (105 × 148 mm).")),
        PrintFormat(
            "a6-4up",
            A6,
            _("Four A6 flyers on A4"),
            _("For a home or office printer: four copies on an A4 sheet; cut twice along the dotted lines."),
            sheet=Sheet(210, 297, columns=2, rows=2),
        ),
        PrintFormat(
            "a5-pro",
            A5,
            _("A5 for a print shop"),
            _("PDF/X-4 with 3 mm bleed and crop marks, as print shops ask for a large run."),
            print_shop=True,
        ),
        PrintFormat(
            "a4-pro", A4, _("A4 for a print shop"), _("PDF/X-4 with 3 mm bleed and crop marks."), print_shop=True
        ),
        PrintFormat(
            "a6-pro", A6, _("A6 for a print shop"), _("PDF/X-4 with 3 mm bleed and crop marks."), print_shop=True
        ),
    ]
}


# Offered with another language on the back, on the tract's page.
BILINGUAL_FORMATS = ("a5", "a5-2up")


def qr_code_data_uri(url: str) -> str:
    """A vector QR code for `url`, as an SVG data: URL the renderer accepts.

    Drawn in pure black ink (CMYK), as the rest of the text: print-shop files
    must not mix in RGB colours.
    """
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", border=0, dark="#000", xmldecl=False)
    svg = buffer.getvalue().decode().replace('stroke="#000"', 'stroke="device-cmyk(0 0 0 1)"')
    return "data:image/svg+xml;charset=utf-8," + quote(svg)


def leaflet_html(version: TractVersion, size: LeafletSize, *, print_shop: bool = False) -> str:
    """The HTML document WeasyPrint turns into one leaflet."""
    tract = version.tract
    site_settings = SiteSettings.load()
    online_url = settings.SITE_URL + version.get_absolute_url()
    with translation.override(version.language):
        return render_to_string(
            "tracts/print/tract.html",
            {
                "tract": tract,
                "version": version,
                "size": size,
                "print_shop": print_shop,
                "bleed_mm": BLEED_MM,
                # The print-shop band reaches from the text margin out to the bleed edge.
                "band_mm": size.margin_mm + BLEED_MM,
                "direction": text_direction(version.language),
                "legal_footer": tract.get_legal_footer(site_settings),
                "site_name": site_settings.site_name,
                "online_url": online_url,
                "qr_code": qr_code_data_uri(online_url) if tract.show_qr_code else "",
            },
        )


def _leaflet_plan(version: TractVersion, size: LeafletSize, print_shop: bool) -> PDFPlan:
    html = leaflet_html(version, size, print_shop=print_shop)

    def render() -> bytes:
        if not print_shop:
            return pdf.render_pdf(html)
        return imposition.prepare_for_print_shop(
            pdf.render_pdf(html, variant="pdf/x-4"),
            bleed_mm=BLEED_MM,
            offset_mm=CROP_MARK_OFFSET_MM,
            length_mm=CROP_MARK_LENGTH_MM,
            condition=PRINT_SHOP_CONDITION,
        )

    return PDFPlan(etag=pdf.fingerprint("leaflet", html), filename="", render=render)


def tract_pdf_filename(version: TractVersion, print_format: PrintFormat, verso: TractVersion | None = None) -> str:
    languages = f"{version.language}-{verso.language}" if verso else version.language
    return f"{version.tract.slug}-{languages}-{print_format.name}.pdf"


def tract_pdf_plan(version: TractVersion, print_format: PrintFormat, verso: TractVersion | None = None) -> PDFPlan:
    """The PDF of `version` in `print_format`, with `verso`'s pages after its own if given."""
    leaflets = [_leaflet_plan(v, print_format.size, print_format.print_shop) for v in (version, verso) if v]
    filename = tract_pdf_filename(version, print_format, verso)
    if len(leaflets) == 1 and print_format.sheet is None:
        return replace(leaflets[0], filename=filename)

    def render() -> bytes:
        documents = [pdf.read_stored(leaflet) for leaflet in leaflets]
        document = imposition.concatenate(documents) if len(documents) > 1 else documents[0]
        return imposition.impose(document, print_format.sheet) if print_format.sheet else document

    etag = pdf.fingerprint(print_format.name, *(leaflet.etag for leaflet in leaflets))
    return PDFPlan(etag=etag, filename=filename, render=render)


def ensure_tract_pdf(version: TractVersion, print_format: PrintFormat, verso: TractVersion | None = None) -> PDFPlan:
    """Make sure this PDF is stored (rendering it at most once) and return its plan.

    Single-language PDFs are recorded with their page count, for the admin.
    """
    plan = tract_pdf_plan(version, print_format, verso)
    pdf.ensure_stored(plan)
    if (
        verso is None
        and not TractPDF.objects.filter(version=version, print_format=print_format.name, etag=plan.etag).exists()
    ):
        pages = imposition.page_count(pdf.read_stored(plan))
        if print_format.name == FIRST_PAGE_PICTURE_FORMAT:
            pdf.store_first_page_picture(plan)
        # An upsert: concurrent downloads of a new PDF all record it.
        TractPDF.objects.bulk_create(
            [
                TractPDF(
                    version=version,
                    print_format=print_format.name,
                    etag=plan.etag,
                    page_count=pages,
                    rendered_at=timezone.now(),
                )
            ],
            update_conflicts=True,
            unique_fields=["version", "print_format"],
            update_fields=["etag", "page_count", "rendered_at"],
        )
    return plan


@lru_cache(maxsize=64)
def _page_count_of(html: str) -> int:
    return pdf.page_count(html)


def leaflet_page_counts(version: TractVersion) -> list[tuple[PrintFormat, int]]:
    """How many pages `version` (saved or not) takes in each single-copy format.

    For the editor's live count: rendered in memory, never stored; the same
    text asked again is answered from a small cache.
    """
    single = [f for f in PRINT_FORMATS.values() if f.sheet is None and not f.print_shop]
    return [(print_format, _page_count_of(leaflet_html(version, print_format.size))) for print_format in single]
