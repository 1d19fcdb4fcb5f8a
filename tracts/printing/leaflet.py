"""One leaflet's HTML, and its layout fitted to the page by WeasyPrint (tagged, with each language labelled)."""

import io
import re
from dataclasses import dataclass
from urllib.parse import quote

import pikepdf
import segno
import weasyprint
from django.core.files.storage import default_storage
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from publishing import images, pdf
from publishing.html_text import IMG_TAG, plain_text
from publishing.models import SiteSettings
from publishing.pictures import ensure_whole_renditions, original_upload_name, responsive_images
from tracts import prepress
from tracts.models import Tract, TractVersion
from tracts.printing.fill import document_fills, spread_last_page
from tracts.printing.formats import (
    BACK_FILL_GOAL,
    BACK_PAGE_ENLARGE_BELOW,
    BLEED_MM,
    CROP_MARK_LENGTH_MM,
    CROP_MARK_OFFSET_MM,
    ENLARGE_ATTEMPTS,
    FILL_GOAL,
    FIT_DEFAULT,
    FIT_STEPS,
    LEADING,
    LEADING_SQUEEZE,
    MAX_LEAFLET_PAGES,
    ONE_PAGE_MIN_FILL,
    POSTER_FEW_WORDS_CHARACTERS,
    POSTER_MASTHEAD_SHARE,
    POSTER_SOME_WORDS_CHARACTERS,
    POSTER_TEXT_WORDS,
    PRINT_FORMATS,
    PRINT_SHOP_CONDITION,
    PRINT_SHOP_PPI,
    PRINT_SHOP_VARIANT,
    LeafletSize,
)
from tracts.printing.print_shop import ensure_print_shop_copies, media_name, print_shop_body

# A paragraph of the text (its first one may be a poster's short text).
PARAGRAPH = re.compile(r"<p\b[^>]*>(.*?)</p>", re.DOTALL | re.IGNORECASE)


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
        name = media_name(match["src"])
        if name is None:
            continue
        with default_storage.open(original_upload_name(name), "rb") as upload:
            width = images.PillowImage.open(upload).width
        for print_format in PRINT_FORMATS.values():
            if not print_format.print_shop or print_format.poster:  # posters print no picture of the text
                continue
            printed_inches = min(print_format.size.text_width_mm / 25.4, width / 96)
            needed = round(PRINT_SHOP_PPI * printed_inches)
            if width < needed:
                found.append(SmallPicture(print_format.name, width, needed))
    return found


def leaflet_layout(tract: Tract, size: LeafletSize) -> str:
    """The tract's layout in this size: two columns only where the page is wide enough."""
    if tract.layout == Tract.Layout.COLUMNS and not size.columns:
        return Tract.Layout.TEXT
    return tract.layout


def leaflet_html(version: TractVersion, size: LeafletSize, *, print_shop: bool = False) -> str:
    """The HTML document WeasyPrint turns into one leaflet (before fitting)."""
    # Home printers get the largest rendition (enough for 300 ppi at the
    # text's width), print shops a CMYK copy of the original upload.
    body = print_shop_body(version.body) if print_shop else responsive_images(version.body, print_version=True)
    return _print_html(
        "tracts/print/tract.html",
        version,
        size,
        print_shop,
        {
            "layout": leaflet_layout(version.tract, size),
            "body": mark_safe(body),  # noqa: S308 (cleaned on save, see TractVersion.save)
            "qr_code": version.tract.show_qr_code,
        },
    )


def poster_text(version: TractVersion) -> str:
    """The short text of the posters, as the tract chose it (the slogan when a version lacks it)."""
    choice = version.tract.poster_text
    if choice == Tract.PosterText.SUMMARY and version.summary.strip():
        return version.summary.strip()
    if choice == Tract.PosterText.FIRST_PARAGRAPH:
        first = next((paragraph for paragraph in PARAGRAPH.findall(version.body) if plain_text(paragraph)), "")
        if first:
            return Truncator(plain_text(first)).words(POSTER_TEXT_WORDS)
    return version.subtitle


def short_text_size(text: str) -> str:
    """The class that sets a poster's short text: larger the shorter it is."""
    if len(text) <= POSTER_FEW_WORDS_CHARACTERS:
        return "few-words"
    return "some-words" if len(text) <= POSTER_SOME_WORDS_CHARACTERS else ""


def poster_html(version: TractVersion, size: LeafletSize, *, print_shop: bool = False) -> str:
    """The HTML document of a poster: the title very large, a short text, the contact and QR code."""
    short_text = poster_text(version)
    return _print_html(
        "tracts/print/poster.html",
        version,
        size,
        print_shop,
        # A poster always carries the QR code: on a wall, it is the way to the text.
        {
            "layout": "poster",
            "short_text": short_text,
            "short_text_size": short_text_size(short_text),
            "qr_code": True,
            "masthead_mm": round(POSTER_MASTHEAD_SHARE * (size.height_mm - size.margin_mm - size.margin_bottom_mm)),
        },
    )


def _print_html(template: str, version: TractVersion, size: LeafletSize, print_shop: bool, context: dict) -> str:
    tract = version.tract
    site_settings = SiteSettings.load()
    online_url = pdf.online_address(version)
    return pdf.print_document(
        template,
        version,
        {
            "tract": tract,
            "size": size,
            "print_shop": print_shop,
            "bleed_mm": BLEED_MM,
            # The print-shop band reaches from the text margin out to the bleed edge.
            "band_mm": size.margin_mm + BLEED_MM,
            "legal_footer": tract.get_legal_footer(site_settings),
            # The agenda's events the tract calls to, in its contact block.
            "events": printed_events(tract, version.language),
            "fit_declarations": SafeString(FIT_DEFAULT),
            **context,
            "qr_code": qr_code_data_uri(online_url) if context["qr_code"] else "",
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
    # Tighter lines as the type gets smaller; enlarged type keeps the full leading.
    squeeze = max(0.0, (1 - fit) / (1 - smallest)) if smallest < 1 else 0
    leading = LEADING - LEADING_SQUEEZE * squeeze
    return html.replace(FIT_DEFAULT, f"--fit: {fit:.4f}; --leading: {leading:.4f};", 1)


def fit_leaflet(
    html: str,
    size: LeafletSize,
    *,
    variant: str | None = None,
    font_config: weasyprint.text.fonts.FontConfiguration | None = None,
) -> weasyprint.Document:
    """Lay `html` out at the size that fills one page, else two, both ways.

    A text that fits one page at full size is set larger (up to the format's
    maximum) until it fills it; one that needs two pages even at the smallest
    size is set larger until its back page is filled too. Otherwise the
    largest size (down to the format's minimum, found by bisection) that fits
    one page, else two; failing that, the smallest size, which overflows.
    The room left on the last page is then shared out between its blocks.
    """
    smallest = size.min_font_size_pt / size.font_size_pt

    def lay_out(fit: float) -> weasyprint.Document:
        return pdf.lay_out(_fitted_html(html, size, fit), variant=variant, font_config=font_config)

    full = lay_out(1)
    if len(full.pages) == 1:
        best = _enlarged(full, size, lay_out)
    else:
        tightest = lay_out(smallest)
        target = 1 if len(tightest.pages) == 1 else MAX_LEAFLET_PAGES
        if len(full.pages) <= target:
            best = _enlarged(full, size, lay_out)
        elif len(tightest.pages) > target:
            return tightest
        else:
            low, high, best = smallest, 1.0, tightest
            for _step in range(FIT_STEPS):
                middle = (low + high) / 2
                attempt = lay_out(middle)
                if len(attempt.pages) <= target:
                    low, best = middle, attempt
                else:
                    high = middle
    spread_last_page(best)
    return best


def _enlarged(document: weasyprint.Document, size: LeafletSize, lay_out) -> weasyprint.Document:
    """`document` (laid out at full size) set larger until its last page is
    nearly full, on as many pages: at most ENLARGE_ATTEMPTS more layouts,
    and none when the last page is full enough already (the spread does the rest).

    The text's height grows about as the square of the type's size (more
    lines, each taller): the first attempt aims at the goal, a second one
    (if the first spilled onto another page) half as far.
    """
    largest = size.max_font_size_pt / size.font_size_pt
    pages = len(document.pages)
    last = document_fills(document)[-1]
    enough, goal = (ONE_PAGE_MIN_FILL, FILL_GOAL) if pages == 1 else (BACK_PAGE_ENLARGE_BELOW, BACK_FILL_GOAL)
    if largest <= 1 or last >= enough:
        return document
    fit = min(largest, ((pages - 1 + goal) / (pages - 1 + last)) ** 0.5)
    for _attempt in range(ENLARGE_ATTEMPTS):
        if fit < 1.005:
            break
        attempt = lay_out(fit)
        if len(attempt.pages) == pages:
            return attempt
        fit = 1 + (fit - 1) / 2
    return document


def render_leaflets(htmls: list[str], size: LeafletSize, print_shop: bool, languages: list[str]) -> bytes:
    """One PDF of the fitted leaflets, one after the other, written in one pass.

    One font configuration for all: one subset per font, one ICC profile.
    """
    for html in htmls:
        ensure_whole_renditions(html)
        if print_shop:
            ensure_print_shop_copies(html)
    variant = PRINT_SHOP_VARIANT if print_shop else pdf.ACCESSIBLE_VARIANT
    font_config = pdf.font_configuration()
    documents = [fit_leaflet(html, size, variant=variant, font_config=font_config) for html in htmls]
    document = documents[0].copy([page for document in documents for page in document.pages])
    rendered = pdf.write_pdf(document, variant=variant)
    if len(documents) > 1:
        first_pages = [sum(len(d.pages) for d in documents[:index]) for index in range(len(documents))]
        rendered = _label_languages(rendered, list(zip(first_pages, languages, strict=True)))
    return finish_for_print_shop(rendered) if print_shop else rendered


def finish_for_print_shop(rendered: bytes) -> bytes:
    """A rendered PDF as print shops take it: bleed, crop marks, PDF/X-4 output intent."""
    return prepress.prepare_for_print_shop(
        rendered,
        bleed_mm=BLEED_MM,
        offset_mm=CROP_MARK_OFFSET_MM,
        length_mm=CROP_MARK_LENGTH_MM,
        condition=PRINT_SHOP_CONDITION,
    )


def _label_languages(rendered: bytes, parts: list[tuple[int, str]]) -> bytes:
    """Tell screen readers the language of each part of a bilingual sheet (tags of its pages)."""
    with pikepdf.Pdf.open(io.BytesIO(rendered)) as document:
        page_numbers = {page.obj.objgen: number for number, page in enumerate(document.pages)}
        tree = document.Root.get("/StructTreeRoot")
        if isinstance(tree, pikepdf.Dictionary):
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
        children: object = kid.get("/K", []) if isinstance(kid, pikepdf.Dictionary) else []
        for child in children if isinstance(children, pikepdf.Array) else [children]:
            if isinstance(child, pikepdf.Dictionary):
                found.append(child)
    return found
