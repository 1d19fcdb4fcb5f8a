"""The print formats of a tract: leaflet sizes, sheets of copies, print-shop finishing, and the bounds of fitting."""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tracts.prepress import OutputCondition, Sheet, Tiling


@dataclass(frozen=True)
class LeafletSize:
    name: str
    width_mm: float
    height_mm: float
    font_size_pt: float  # the body's size before fitting
    min_font_size_pt: float  # fitting never goes below
    margin_mm: float  # top and sides: print shops want text 3–5 mm inside the trim at least
    margin_bottom_mm: float  # room for the legal footer
    legal_pt: float = 6  # legal footer and QR caption, never scaled
    band_text_pt: float = 7  # text knocked out of the print-shop band
    max_font_size_pt: float = 0  # fitting enlarges a short text up to this (0: never)
    columns: bool = False  # wide enough for the two-column layout

    @property
    def text_width_mm(self) -> float:
        return self.width_mm - 2 * self.margin_mm

    @property
    def picture_max_height_rem(self) -> float:
        """The tallest a picture of the text is printed: a share of the page's
        text area, in rem so that fitting narrows it with the type."""
        text_height_mm = self.height_mm - self.margin_mm - self.margin_bottom_mm
        return round(PICTURE_SHARE_OF_PAGE * text_height_mm / (self.font_size_pt * MM_PER_POINT), 2)


# A picture never takes more than this share of a page's height, so that it
# never stands alone on a page and leaves room for the text around it.
PICTURE_SHARE_OF_PAGE = 0.4


MM_PER_POINT = 25.4 / 72


A4 = LeafletSize("a4", 210, 297, 13.5, 9.5, 16, 24, legal_pt=8, band_text_pt=9.5, max_font_size_pt=14, columns=True)


A5 = LeafletSize("a5", 148, 210, 10, 9.5, 11, 17, max_font_size_pt=12)


A6 = LeafletSize("a6", 105, 148, 9, 8.5, 7.5, 12.5, max_font_size_pt=10)


# Posters: sizes of the short text; the title is set several times larger.
A3_POSTER = LeafletSize("poster-a3", 297, 420, 20, 12, 15, 24, legal_pt=9, band_text_pt=12, max_font_size_pt=36)


A2_POSTER = LeafletSize("poster-a2", 420, 594, 28, 17, 20, 32, legal_pt=12, band_text_pt=16, max_font_size_pt=50)


# The title's colour block takes this share of a poster's text area at least.
POSTER_MASTHEAD_SHARE = 0.5


# The short text of a poster, when it is the text's first paragraph, is cut to this.
POSTER_TEXT_WORDS = 45
# A poster's short text of at most this many characters is set larger (few, then some words).
POSTER_FEW_WORDS_CHARACTERS = 60
POSTER_SOME_WORDS_CHARACTERS = 140


# Posters on A4 sheets for home printers: A3 on two landscape sheets, A2 on four portrait ones.
A3_TILES = Tiling(297, 210, columns=1, rows=2)


A2_TILES = Tiling(210, 297, columns=2, rows=2)


# A tract is one sheet: a front, perhaps a back. A third page is an overflow.
MAX_LEAFLET_PAGES = 2


# The leading goes from this (at full size) down by LEADING_SQUEEZE at the
# smallest size: tighter lines win room before the type gets smaller.
LEADING = 1.33


LEADING_SQUEEZE = 0.13


FIT_DEFAULT = "--fit: 1; --leading: 1.33;"


# Fitting both ways: a short text whose page is filled under
# ONE_PAGE_MIN_FILL (a back under BACK_PAGE_ENLARGE_BELOW) is set larger (up
# to the size's maximum) to fill it to FILL_GOAL (BACK_FILL_GOAL), in at most
# ENLARGE_ATTEMPTS more layouts; what is left is shared out between the blocks
# of the last page (SPREAD_GAP_LINES at most between two blocks), the rest
# above the call to action, which then sits at the foot of the page.
FILL_GOAL = 0.95


BACK_PAGE_ENLARGE_BELOW = 2 / 3


# Lower than a single page's: the front's breaks (widows, blocks kept whole) waste some room.
BACK_FILL_GOAL = 0.85


ENLARGE_ATTEMPTS = 2


SPREAD_GAP_LINES = 1.0


# Below these, the admin warns that a format looks empty: a one-page leaflet
# filled under ONE_PAGE_MIN_FILL, a back page under BACK_PAGE_MIN_FILL.
ONE_PAGE_MIN_FILL = 0.85


BACK_PAGE_MIN_FILL = 0.6


# Past this, something is drawn into the bottom margin, over the legal footer.
OVER_FULL = 1.02


# Bisection steps between the smallest and the full size: 4 steps find the
# size within 1/16 of the range.
FIT_STEPS = 4


# What print shops ask for in France: 3 mm bleed, marks outside it, PDF/X-4
# for a coated-paper offset press (the profile in static/print/icc/), with
# pictures at 300 ppi at their printed size.
BLEED_MM = 3


CROP_MARK_OFFSET_MM = 4


CROP_MARK_LENGTH_MM = 6


PRINT_SHOP_VARIANT = "pdf/x-4"


PRINT_SHOP_PROFILE = "print/icc/ISOcoated_v2_eci.icc"


PRINT_SHOP_PPI = 300


CMYK_CONVERSION_VERSION = "v1"


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
    poster: bool = False
    tiles: Tiling | None = None  # a poster in pieces on A4 sheets

    @property
    def single_copy(self) -> bool:
        """One leaflet or poster per page (neither copies on a sheet nor pieces of a poster)."""
        return self.sheet is None and self.tiles is None


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
        PrintFormat("a3-poster", A3_POSTER, _("A3 poster"), _("A poster at A3 size (297 × 420 mm)."), poster=True),
        PrintFormat("a2-poster", A2_POSTER, _("A2 poster"), _("A poster at A2 size (420 × 594 mm)."), poster=True),
        PrintFormat(
            "a3-poster-tiles",
            A3_POSTER,
            _("A3 poster on two A4 sheets"),
            _(
                "For a home printer: print at actual size, cut the second sheet along its solid line "
                "and glue it over the first up to the dashed line."
            ),
            poster=True,
            tiles=A3_TILES,
        ),
        PrintFormat(
            "a2-poster-tiles",
            A2_POSTER,
            _("A2 poster on four A4 sheets"),
            _(
                "For a home printer: print at actual size, cut each sheet along its solid lines "
                "and glue it over its neighbours up to their dashed lines (A1, A2 on top; B1, B2 below)."
            ),
            poster=True,
            tiles=A2_TILES,
        ),
        PrintFormat(
            "a3-poster-pro",
            A3_POSTER,
            _("A3 poster for a print shop"),
            _("PDF/X-4 with 3 mm bleed and crop marks."),
            print_shop=True,
            poster=True,
        ),
        PrintFormat(
            "a2-poster-pro",
            A2_POSTER,
            _("A2 poster for a print shop"),
            _("PDF/X-4 with 3 mm bleed and crop marks."),
            print_shop=True,
            poster=True,
        ),
    ]
}


# Offered with another language on the back, on the tract's page.
BILINGUAL_FORMATS = ("a5", "a5-2up")


# Rendered at once when a tract is saved or imported, to tell an overflow now.
CHECKED_FORMATS = ("a5", "a6")
