"""Print formats of a tract, and the stored PDF of each.

A leaflet (one copy at A4, A5 or A6, for home or print shop) is rendered by
WeasyPrint and fitted to its page: the type narrows, within readable bounds,
until the text fills exactly one page (or two, front and back). Bilingual
sheets lay both languages out in one pass. Copies on sheets and print-shop
finishing are done on the rendered file (see prepress). Every PDF is stored
under a hash of everything that shapes it, so it is rendered once and never
served stale; fitting depends on nothing but that HTML and our assets, so the
hash still names the result.
"""

import io
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from urllib.parse import quote

import pikepdf
import pypdfium2 as pdfium
import segno
import weasyprint
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from publishing import files, images, pdf, pdf_store
from publishing.images import IMG_TAG
from publishing.models import SiteSettings
from publishing.pdf_store import PDFPlan
from publishing.pictures import ensure_whole_renditions, original_upload_name, responsive_images, stored_names

from . import prepress
from .models import FIRST_PAGE_PICTURE_FORMAT, Tract, TractPDF, TractVersion
from .prepress import OutputCondition, Sheet


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

A4 = LeafletSize("a4", 210, 297, 13.5, 9.5, 16, 24, legal_pt=8, band_text_pt=9.5)
A5 = LeafletSize("a5", 148, 210, 10, 9.5, 11, 17)
A6 = LeafletSize("a6", 105, 148, 9, 8.5, 7.5, 12.5)

# A tract is one sheet: a front, perhaps a back. A third page is an overflow.
MAX_LEAFLET_PAGES = 2

# The leading goes from this (at full size) down by LEADING_SQUEEZE at the
# smallest size: tighter lines win room before the type gets smaller.
LEADING = 1.33
LEADING_SQUEEZE = 0.13
FIT_DEFAULT = "--fit: 1; --leading: 1.33;"
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

    Drawn in pure black ink (CMYK), as the rest of the text, and never filled
    (an SVG path fills in RGB black unless told not to): print-shop files must
    not mix in RGB colours.
    """
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", border=0, dark="#000", xmldecl=False)
    svg = buffer.getvalue().decode().replace('stroke="#000"', 'stroke="device-cmyk(0 0 0 1)" fill="none"')
    return "data:image/svg+xml;charset=utf-8," + quote(svg)


@lru_cache(maxsize=1)
def _print_shop_profile() -> bytes:
    with open(finders.find(PRINT_SHOP_PROFILE), "rb") as profile:
        return profile.read()


CMYK_FOLDER = f"print/cmyk/{CMYK_CONVERSION_VERSION}/"


def print_shop_picture(name: str) -> str:
    """The storage name of the CMYK copy of the picture `name` (its original upload).

    Only named here, so that working out a PDF's fingerprint writes nothing;
    the render makes the copy (`ensure_print_shop_copies`).
    """
    stem = original_upload_name(name).removeprefix("images/").rsplit(".", 1)[0]
    # The version in the name changes with the conversion, so PDFs (whose
    # hash covers this name) are rendered again with the new copies.
    return f"{CMYK_FOLDER}{stem}.jpg"


def ensure_print_shop_copies(html: str) -> None:
    """Make each CMYK copy `html` shows, once; a copy that is not whole (cut
    short by a full disk) is made again, never embedded. Runs in the render's child."""
    for name in stored_names(html):
        if not name.startswith(CMYK_FOLDER) or files.is_whole(name):
            continue
        stem = name.removeprefix(CMYK_FOLDER).rsplit(".", 1)[0]
        originals = [f"images/{stem}.{extension}" for extension in ("jpg", "png", "webp")]
        original = next((candidate for candidate in originals if default_storage.exists(candidate)), None)
        if original is not None:
            files.save_atomically(name, _converted_to_cmyk(original))


def _converted_to_cmyk(original: str) -> bytes:
    with default_storage.open(original, "rb") as upload:
        content = upload.read()
    profile = _print_shop_profile()
    # Converted in a limited child, like every decoding of a picture (run
    # at once when the render's own child calls it).
    return pdf.render_in_child(lambda: images.to_print_cmyk(content, profile))


def _media_name(src: str) -> str | None:
    name = src.removeprefix(settings.MEDIA_URL)
    return name if name != src and default_storage.exists(name) else None


def _print_shop_body(body: str) -> str:
    """The body with each picture replaced by its CMYK copy from the original upload."""

    def rewrite(match: re.Match) -> str:
        name = _media_name(match["src"])
        if name is None:
            return match[0]
        return f'<img src="{settings.MEDIA_URL}{print_shop_picture(name)}"{match["rest"]}>'

    return IMG_TAG.sub(rewrite, body)


@dataclass(frozen=True)
class SmallPicture:
    """A picture too small for a print shop in one format."""

    format_name: str
    width_px: int
    needed_px: int

    def message(self) -> str:
        return _(
            "A picture is %(width)d pixels wide: the %(format)s print-shop file needs %(needed)d "
            "to print it sharp (300 ppi). Upload a larger original."
        ) % {"width": self.width_px, "format": self.format_name.upper(), "needed": self.needed_px}


def small_pictures(version: TractVersion) -> list[SmallPicture]:
    """Pictures of the body that a print-shop format would print under 300 ppi.

    A picture is printed at most at the text's width (its natural size at
    96 px per inch otherwise): at that width it needs 300 pixels per inch.
    """
    found = []
    for match in IMG_TAG.finditer(version.body):
        name = _media_name(match["src"])
        if name is None:
            continue
        with default_storage.open(original_upload_name(name), "rb") as upload:
            width = images.PillowImage.open(upload).width
        for print_format in PRINT_FORMATS.values():
            if not print_format.print_shop:
                continue
            printed_inches = min(print_format.size.text_width_mm / 25.4, width / 96)
            needed = round(PRINT_SHOP_PPI * printed_inches)
            if width < needed:
                found.append(SmallPicture(print_format.name, width, needed))
    return found


def leaflet_html(version: TractVersion, size: LeafletSize, *, print_shop: bool = False) -> str:
    """The HTML document WeasyPrint turns into one leaflet (before fitting)."""
    tract = version.tract
    site_settings = SiteSettings.load()
    online_url = pdf.online_address(version)
    # Home printers get the largest rendition (enough for 300 ppi at the
    # text's width), print shops a CMYK copy of the original upload.
    body = _print_shop_body(version.body) if print_shop else responsive_images(version.body, print_version=True)
    return pdf.print_document(
        "tracts/print/tract.html",
        version,
        {
            "tract": tract,
            "body": mark_safe(body),  # noqa: S308 (cleaned on save, see TractVersion.save)
            "size": size,
            "print_shop": print_shop,
            "bleed_mm": BLEED_MM,
            # The print-shop band reaches from the text margin out to the bleed edge.
            "band_mm": size.margin_mm + BLEED_MM,
            "legal_footer": tract.get_legal_footer(site_settings),
            "qr_code": qr_code_data_uri(online_url) if tract.show_qr_code else "",
            "events": printed_events(tract, version.language),
            "fit_declarations": SafeString(FIT_DEFAULT),
        },
        site_settings,
    )


# Events of the agenda a tract prints in its contact block, at most.
PRINTED_EVENTS = 2


def printed_events(tract: Tract, language: str) -> list[tuple]:
    """The published events of the agenda that name this tract and start on or
    after its date (the rally it calls for), soonest first. Chosen without
    the time of day, so that the tract's PDF stays the same until an event
    changes (which marks the tract's PDFs out of date)."""
    if not tract.pk:
        return []
    events = tract.events.published().filter(date__gte=tract.date).with_versions().order_by("starts_at", "pk")
    return [(event, event.version_for(language)) for event in events[:PRINTED_EVENTS] if event.version_for(language)]


def _fitted_html(html: str, size: LeafletSize, fit: float) -> str:
    smallest = size.min_font_size_pt / size.font_size_pt
    squeeze = (1 - fit) / (1 - smallest) if smallest < 1 else 0
    leading = LEADING - LEADING_SQUEEZE * squeeze
    return html.replace(FIT_DEFAULT, f"--fit: {fit:.4f}; --leading: {leading:.4f};", 1)


def fit_leaflet(
    html: str,
    size: LeafletSize,
    *,
    variant: str | None = None,
    font_config: weasyprint.text.fonts.FontConfiguration | None = None,
) -> weasyprint.Document:
    """Lay out `html` at the largest size that fills one page, else two, else the smallest.

    Full size when the text fits one page; otherwise the largest size (down
    to the format's minimum, found by bisection) that fits one page; failing
    that, the largest that fits two (the contact box keeps a few lines of
    text with it); failing that, the smallest size, which overflows.
    """
    smallest = size.min_font_size_pt / size.font_size_pt

    def lay_out(fit: float) -> weasyprint.Document:
        return pdf.lay_out(_fitted_html(html, size, fit), variant=variant, font_config=font_config)

    full = lay_out(1)
    if len(full.pages) == 1:
        return full
    tightest = lay_out(smallest)
    target = 1 if len(tightest.pages) == 1 else MAX_LEAFLET_PAGES
    if len(full.pages) <= target:
        return full
    if len(tightest.pages) > target:
        return tightest
    low, high, best = smallest, 1.0, tightest
    for _step in range(FIT_STEPS):
        middle = (low + high) / 2
        attempt = lay_out(middle)
        if len(attempt.pages) <= target:
            low, best = middle, attempt
        else:
            high = middle
    return best


def _render_leaflets(htmls: list[str], size: LeafletSize, print_shop: bool, languages: list[str]) -> bytes:
    """One PDF of the fitted leaflets, one after the other, written in one pass.

    One font configuration for all: one subset per font, one ICC profile.
    """
    for html in htmls:
        ensure_whole_renditions(html)
        if print_shop:
            ensure_print_shop_copies(html)
    variant = PRINT_SHOP_VARIANT if print_shop else pdf.ACCESSIBLE_VARIANT
    font_config = weasyprint.text.fonts.FontConfiguration()
    documents = [fit_leaflet(html, size, variant=variant, font_config=font_config) for html in htmls]
    document = documents[0].copy([page for document in documents for page in document.pages])
    rendered = pdf.write_pdf(document, variant=variant)
    if len(documents) > 1:
        first_pages = [sum(len(d.pages) for d in documents[:index]) for index in range(len(documents))]
        rendered = _label_languages(rendered, list(zip(first_pages, languages, strict=True)))
    if print_shop:
        rendered = prepress.prepare_for_print_shop(
            rendered,
            bleed_mm=BLEED_MM,
            offset_mm=CROP_MARK_OFFSET_MM,
            length_mm=CROP_MARK_LENGTH_MM,
            condition=PRINT_SHOP_CONDITION,
        )
    return rendered


def _label_languages(rendered: bytes, parts: list[tuple[int, str]]) -> bytes:
    """Tell screen readers the language of each part of a bilingual sheet (tags of its pages)."""
    with pikepdf.Pdf.open(io.BytesIO(rendered)) as document:
        page_numbers = {page.obj.objgen: number for number, page in enumerate(document.pages)}
        tree = document.Root.get("/StructTreeRoot")
        if tree is not None:
            for element in _structure_elements(tree):
                page = element.get("/Pg")
                if page is None or page.objgen not in page_numbers:
                    continue
                number = page_numbers[page.objgen]
                language = next(lang for first, lang in reversed(parts) if number >= first)
                element.Lang = pikepdf.String(language)
        with document.open_metadata(set_pikepdf_as_editor=False) as xmp:
            xmp["dc:language"] = [language for _, language in parts]
        output = io.BytesIO()
        document.save(output)
        return output.getvalue()


def _structure_elements(tree: pikepdf.Dictionary) -> list[pikepdf.Dictionary]:
    """The structure elements just under the document element (one per block of the page)."""
    found = []
    for kid in tree.get("/K", []):
        children = kid.get("/K", []) if isinstance(kid, pikepdf.Dictionary) else []
        for child in children if isinstance(children, pikepdf.Array) else [children]:
            if isinstance(child, pikepdf.Dictionary):
                found.append(child)
    return found


def _leaflet_plan(version: TractVersion, size: LeafletSize, print_shop: bool) -> PDFPlan:
    html = leaflet_html(version, size, print_shop=print_shop)
    return PDFPlan(
        fingerprint=pdf.fingerprint("leaflet", html),
        filename="",
        render=lambda: _render_leaflets([html], size, print_shop, [version.language]),
    )


def _leaflet_key(print_format: PrintFormat) -> str:
    """The key of a format's leaflet among a version's stored fingerprints."""
    return f"leaflet-{print_format.size.name}{'-pro' if print_format.print_shop else ''}"


def _format_fingerprint(print_format: PrintFormat, leaflet_fingerprints: list[str]) -> str:
    """A format's fingerprint from its leaflets' (a lone leaflet is its own file)."""
    if len(leaflet_fingerprints) == 1 and print_format.sheet is None:
        return leaflet_fingerprints[0]
    return pdf.fingerprint(print_format.name, *leaflet_fingerprints)


def bilingual_offered(
    version: TractVersion, verso: TractVersion, print_format: PrintFormat, one_page: set[str] | None = None
) -> bool:
    """Whether `verso` may be printed on the back of `version` in this format:
    only when each side's current text is known, from its render, to fit one
    page. `one_page` (the tract's `bilingual_fits()`) spares a query when
    several sheets are asked about."""
    if print_format.name not in BILINGUAL_FORMATS or version.language == verso.language:
        return False
    if one_page is None:
        one_page = bilingual_fits([version, verso])
    return version.language in one_page and verso.language in one_page


def compute_pdf_fingerprints(version: TractVersion) -> dict[str, str]:
    """Every format's fingerprint for `version`, and its leaflets' (for bilingual sheets)."""
    leaflets: dict[str, str] = {}
    for print_format in PRINT_FORMATS.values():
        key = _leaflet_key(print_format)
        if key not in leaflets:
            leaflets[key] = _leaflet_plan(version, print_format.size, print_format.print_shop).fingerprint
    formats = {
        name: _format_fingerprint(print_format, [leaflets[_leaflet_key(print_format)]])
        for name, print_format in PRINT_FORMATS.items()
    }
    return leaflets | formats


def pdf_fingerprints(version: TractVersion) -> dict[str, str]:
    """The fingerprints kept on the version, computed again (and kept) when out of date."""
    kept = version.current_pdf_fingerprints()
    if kept is not None:
        return kept
    return version.keep_pdf_fingerprints(compute_pdf_fingerprints(version))


def current_fingerprint(version: TractVersion, print_format: PrintFormat, verso: TractVersion | None = None) -> str:
    """The fingerprint of this PDF as it is now: a lookup in what the version keeps."""
    fingerprints = pdf_fingerprints(version)
    if verso is None:
        return fingerprints[print_format.name]
    key = _leaflet_key(print_format)
    return _format_fingerprint(print_format, [fingerprints[key], pdf_fingerprints(verso)[key]])


def tract_pdf_filename(version: TractVersion, print_format: PrintFormat, verso: TractVersion | None = None) -> str:
    languages = f"{version.language}-{verso.language}" if verso else version.language
    return f"{version.tract.slug}-{languages}-{print_format.name}.pdf"


def tract_pdf_plan(version: TractVersion, print_format: PrintFormat, verso: TractVersion | None = None) -> PDFPlan:
    """The PDF of `version` in `print_format`, with `verso`'s pages after its own if given.

    Its fingerprint is the one `current_fingerprint` reads from what the
    versions keep: made from the fingerprints of the leaflets it holds.
    """
    filename = tract_pdf_filename(version, print_format, verso)
    size, print_shop = print_format.size, print_format.print_shop
    versions = [v for v in (version, verso) if v]
    leaflets = [_leaflet_plan(v, size, print_shop) for v in versions]
    fingerprint = _format_fingerprint(print_format, [leaflet.fingerprint for leaflet in leaflets])
    if print_format.sheet is not None:
        # Copies on a sheet: imposed from the single copy (or bilingual sheet) of the same size.
        single = tract_pdf_plan(version, PRINT_FORMATS[size.name], verso)
        return PDFPlan(
            fingerprint=fingerprint,
            filename=filename,
            render=lambda: prepress.impose(pdf_store.read_stored(single), print_format.sheet),
            requires=(single,),
        )
    if verso is None:
        return replace(leaflets[0], filename=filename)
    # Both sides laid out in one pass: one set of font subsets, one profile.
    htmls = [leaflet_html(v, size, print_shop=print_shop) for v in versions]
    return PDFPlan(
        fingerprint=fingerprint,
        filename=filename,
        render=lambda: _render_leaflets(htmls, size, print_shop, [v.language for v in versions]),
    )


def words_beyond(rendered: bytes, pages: int, footer: str) -> int:
    """How many words a PDF prints after its first `pages` pages (the legal footer not counted)."""
    document = pdfium.PdfDocument(rendered)
    footer_words = len(footer.split())
    words = 0
    for number in range(pages, len(document)):
        text = document[number].get_textpage().get_text_range()
        words += max(0, len(text.split()) - footer_words)
    return words


def ensure_tract_pdf(version: TractVersion, print_format: PrintFormat, verso: TractVersion | None = None) -> PDFPlan:
    """Make sure this PDF is stored (rendering it at most once) and return its plan.

    Single-language PDFs are recorded with their page count (and the words
    past the second page, if any), for the admin and the bilingual sheets.
    The version keeps its fingerprints up to date.
    """
    plan = tract_pdf_plan(version, print_format, verso)
    pdf_store.ensure_stored(plan)
    if verso is None and version.current_pdf_fingerprints() is None:
        version.keep_pdf_fingerprints(compute_pdf_fingerprints(version))
    if (
        verso is None
        and not TractPDF.objects.filter(
            version=version, print_format=print_format.name, fingerprint=plan.fingerprint
        ).exists()
    ):
        rendered = pdf_store.read_stored(plan)
        pages = prepress.page_count(rendered)
        copies_per_sheet = print_format.sheet.columns * print_format.sheet.rows if print_format.sheet else 1
        footer = version.tract.get_legal_footer() + " " + pdf.online_address(version)
        words_over = (
            words_beyond(rendered, MAX_LEAFLET_PAGES, footer) // copies_per_sheet if pages > MAX_LEAFLET_PAGES else 0
        )
        if print_format.name == FIRST_PAGE_PICTURE_FORMAT:
            pdf_store.store_first_page_picture(plan.fingerprint)
        # An upsert: concurrent downloads of a new PDF all record it.
        TractPDF.objects.bulk_create(
            [
                TractPDF(
                    version=version,
                    print_format=print_format.name,
                    fingerprint=plan.fingerprint,
                    page_count=pages,
                    words_over=words_over,
                    rendered_at=timezone.now(),
                )
            ],
            update_conflicts=True,
            unique_fields=["version", "print_format"],
            update_fields=["fingerprint", "page_count", "words_over", "rendered_at"],
        )
    return plan


@lru_cache(maxsize=64)
def _fitted_page_count(html: str, size: LeafletSize) -> int:
    # Laid out under the render limits, as a render is (RenderFailed).
    return pdf.render_in_child(lambda: len(fit_leaflet(html, size).pages))


def leaflet_page_counts(version: TractVersion) -> list[tuple[PrintFormat, int]]:
    """How many pages `version` (saved or not) takes in each single-copy format.

    For the editor's live count: rendered in memory, never stored; the same
    text asked again is answered from a small cache.
    """
    single = [f for f in PRINT_FORMATS.values() if f.sheet is None and not f.print_shop]
    return [
        (print_format, _fitted_page_count(leaflet_html(version, print_format.size), print_format.size))
        for print_format in single
    ]


@dataclass(frozen=True)
class Overflow:
    """A version that does not fit its sheet in one format, even at the smallest type."""

    version: TractVersion
    format_name: str
    pages: int
    words_over: int

    def message(self) -> str:
        return _(
            "The %(language)s version takes %(pages)d pages in %(format)s even at the smallest type: "
            "a tract is one sheet, front and back. Cut about %(words)d words, or choose a larger format."
        ) % {
            "language": self.version.get_language_display(),
            "pages": self.pages,
            "format": self.format_name.upper(),
            "words": max(self.words_over, 1),
        }


# Rendered at once when a tract is saved or imported, to tell an overflow now.
CHECKED_FORMATS = ("a5", "a6")


def overflows(versions: list[TractVersion], format_names: tuple[str, ...] = CHECKED_FORMATS) -> list[Overflow]:
    """Render the single copies of `versions` in these formats (once) and list those that overflow."""
    found = []
    for version in versions:
        for name in format_names:
            plan = ensure_tract_pdf(version, PRINT_FORMATS[name])
            record = TractPDF.objects.get(version=version, print_format=name, fingerprint=plan.fingerprint)
            if record.page_count > MAX_LEAFLET_PAGES:
                found.append(Overflow(version, name, record.page_count, record.words_over))
    return found


def current_records(versions: list[TractVersion], format_names: list[str], **conditions) -> list[TractPDF]:
    """The render records of `versions` in these formats that describe their
    texts as they are now (an edit leaves the old record behind until the next
    render); one query. `conditions` filter the records (`page_count=1`).
    Fingerprints are looked up only for the records found: a version never
    rendered costs nothing here."""
    by_pk = {version.pk: version for version in versions}
    records = TractPDF.objects.filter(version__in=versions, print_format__in=format_names, **conditions)
    current = []
    for record in records:
        record.version = by_pk[record.version_id]  # known already: no query to read it
        if record.fingerprint == current_fingerprint(record.version, PRINT_FORMATS[record.print_format]):
            current.append(record)
    return current


def recorded_overflows(versions: list[TractVersion]) -> list[Overflow]:
    """Overflows already known from renders of the current texts (no render here)."""
    single_copies = [name for name, print_format in PRINT_FORMATS.items() if print_format.sheet is None]
    by_pk = {version.pk: version for version in versions}
    return [
        Overflow(by_pk[record.version_id], record.print_format, record.page_count, record.words_over)
        for record in current_records(versions, single_copies, page_count__gt=MAX_LEAFLET_PAGES)
    ]


def one_page_versions(versions: list[TractVersion], format_name: str) -> set[str]:
    """Languages whose current text is known to fit one page of this format (from recorded renders)."""
    by_pk = {version.pk: version for version in versions}
    return {by_pk[record.version_id].language for record in current_records(versions, [format_name], page_count=1)}


def bilingual_fits(versions: list[TractVersion]) -> set[str]:
    """Languages among `versions` known to fit one page of the bilingual sheets' size (one query)."""
    return one_page_versions(versions, PRINT_FORMATS[BILINGUAL_FORMATS[0]].size.name)


def fits_one_page(version: TractVersion, format_name: str) -> bool:
    """Render (once) the single copy of `version` in this format and tell whether it is one page."""
    plan = ensure_tract_pdf(version, PRINT_FORMATS[format_name])
    return TractPDF.objects.get(version=version, print_format=format_name, fingerprint=plan.fingerprint).page_count == 1


def files_named_by(versions: list[TractVersion], fingerprints_of) -> set[str]:
    """Every file these versions' fingerprints (`fingerprints_of(version)`:
    format or leaflet → fingerprint) name: their own, and the bilingual
    sheet of every pair, offered or not."""
    kept = {version.pk: fingerprints_of(version) for version in versions}
    names = {fingerprint for fingerprints in kept.values() for fingerprint in fingerprints.values()}
    for front_pk, front in kept.items():
        for back_pk, back in kept.items():
            for name in BILINGUAL_FORMATS if front_pk != back_pk else ():
                key = _leaflet_key(PRINT_FORMATS[name])
                if key in front and key in back:
                    names.add(_format_fingerprint(PRINT_FORMATS[name], [front[key], back[key]]))
    return names


def referenced_pdf_fingerprints() -> set[str]:
    """Every file a tract version may be served from now: its formats, its
    leaflets (sheets are made from them) and its bilingual sheets.

    Drafts included (staff preview them); out-of-date fingerprints are
    computed again, and kept.
    """
    referenced: set[str] = set()
    for tract in Tract.objects.prefetch_related("versions").order_by("pk").iterator(chunk_size=100):
        versions = tract.all_versions()
        one_page = bilingual_fits(versions)
        for version in versions:
            referenced.update(pdf_fingerprints(version).values())
            for verso in versions:
                for name in BILINGUAL_FORMATS:
                    if bilingual_offered(version, verso, PRINT_FORMATS[name], one_page):
                        referenced.add(current_fingerprint(version, PRINT_FORMATS[name], verso))
    return referenced
