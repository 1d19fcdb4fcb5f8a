"""Print formats of a tract, and the stored PDF of each.

A leaflet (one copy at A4, A5 or A6, for home or print shop) is rendered by
WeasyPrint and fitted to its page: the type narrows, within readable bounds,
until the text fills exactly one page (or two, front and back). Bilingual
sheets lay both languages out in one pass. Copies on sheets and print-shop
finishing are done on the rendered file (see tracts.prepress). Every PDF is
stored under a hash of everything that shapes it, so it is rendered once
and never served stale; fitting depends on nothing but that HTML and our
assets, so the hash still names the result.

- `formats`: the formats (`PrintFormat`, `PRINT_FORMATS`) and fitting's bounds;
- `leaflet`: a leaflet's HTML and its fitted, tagged layout;
- `print_shop`: the CMYK copies of pictures for print-shop files;
- `plans`: what each PDF is (fingerprints, names, render plans); renders nothing;
- `render`: storing PDFs and recording their renders, the overflow checks,
  and the kind's PDF hook (`TractPDFs`).

The names below are what the rest of the site uses.
"""

from tracts.printing.formats import (
    A5,
    BILINGUAL_FORMATS,
    MAX_LEAFLET_PAGES,
    PICTURE_SHARE_OF_PAGE,
    PRINT_FORMATS,
    PrintFormat,
)
from tracts.printing.leaflet import leaflet_html, small_pictures
from tracts.printing.plans import (
    current_fingerprint,
    pdf_fingerprints,
    tract_pdf_filename,
    tract_pdf_plan,
)
from tracts.printing.print_shop import print_shop_picture
from tracts.printing.render import (
    Overflow,
    TractPDFs,
    bilingual_fits,
    bilingual_offered,
    current_records,
    ensure_tract_pdf,
    fill_warning,
    leaflet_page_counts,
    overflows,
    recorded_overflows,
)

__all__ = [
    "A5",
    "BILINGUAL_FORMATS",
    "MAX_LEAFLET_PAGES",
    "PICTURE_SHARE_OF_PAGE",
    "PRINT_FORMATS",
    "Overflow",
    "PrintFormat",
    "TractPDFs",
    "bilingual_fits",
    "bilingual_offered",
    "current_fingerprint",
    "current_records",
    "ensure_tract_pdf",
    "fill_warning",
    "leaflet_html",
    "leaflet_page_counts",
    "overflows",
    "pdf_fingerprints",
    "print_shop_picture",
    "recorded_overflows",
    "small_pictures",
    "tract_pdf_filename",
    "tract_pdf_plan",
]
