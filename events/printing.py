"""An event on paper: posters (A3, A4) and an A6 flyer, in each language.

Made by the tracts' renderer: the same print stylesheet's fonts, the same
fitting (the type narrows until the poster fills one page), the same copies
on a sheet for home printers and the same print-shop finishing (PDF/X-4,
bleed, crop marks outside it). Stored under a fingerprint of their HTML,
like every PDF: rendered once, never served stale.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from publishing import pdf
from publishing.models import SiteSettings
from publishing.pdf import store
from publishing.pdf.store import PDFOwner, PDFPlan, PDFSource, PublicationPDFs
from publishing.pictures import ensure_whole_renditions, responsive_images
from tracts.prepress import Sheet, impose
from tracts.printing.formats import (
    BLEED_MM,
    FIT_DEFAULT,
    PRINT_SHOP_VARIANT,
    LeafletSize,
)
from tracts.printing.leaflet import finish_for_print_shop, fit_leaflet, qr_code_data_uri

from .models import Event, EventOccurrence, EventVersion

# Sizes: the type of the body before fitting, its floor, the margins (text
# well inside the trim, room at the foot for the legal mentions).
# A poster with little to say is set larger until it fills its sheet.
POSTER_A3 = LeafletSize("a3", 297, 420, 21, 12, 18, 26, legal_pt=9, band_text_pt=12, max_font_size_pt=34)
POSTER_A4 = LeafletSize("a4", 210, 297, 15, 8.5, 13, 19, legal_pt=7, band_text_pt=9, max_font_size_pt=24)
FLYER_A6 = LeafletSize("a6", 105, 148, 8.5, 6, 7, 11, legal_pt=6, band_text_pt=6.5)

# Dates a poster of a recurring event lists.
POSTER_DATES = 4
# The stored posters of an event are kept this long after it is over.
KEEP_POSTERS_AFTER = datetime.timedelta(days=30)


@dataclass(frozen=True)
class PosterFormat:
    name: str
    size: LeafletSize
    label: Promise
    description: Promise
    sheet: Sheet | None = None  # copies per sheet, imposed from the single copy `single`
    single: str = ""
    print_shop: bool = False


POSTER_FORMATS = {
    poster_format.name: poster_format
    for poster_format in [
        PosterFormat("poster-a3", POSTER_A3, _("A3 poster"), _("A poster to pin up (297 × 420 mm).")),
        PosterFormat("poster-a4", POSTER_A4, _("A4 poster"), _("A poster on an A4 sheet, for any printer.")),
        PosterFormat("flyer-a6", FLYER_A6, _("A6 flyer"), _("One small flyer at A6 size (105 × 148 mm).")),
        PosterFormat(
            "flyer-a6-4up",
            FLYER_A6,
            _("Four A6 flyers on A4"),
            _("For a home or office printer: four copies on an A4 sheet; cut twice along the dotted lines."),
            sheet=Sheet(210, 297, columns=2, rows=2),
            single="flyer-a6",
        ),
        PosterFormat(
            "poster-a3-pro",
            POSTER_A3,
            _("A3 poster for a print shop"),
            _("PDF/X-4 with 3 mm bleed and crop marks."),
            print_shop=True,
        ),
        PosterFormat(
            "poster-a4-pro",
            POSTER_A4,
            _("A4 poster for a print shop"),
            _("PDF/X-4 with 3 mm bleed and crop marks."),
            print_shop=True,
        ),
        PosterFormat(
            "flyer-a6-pro",
            FLYER_A6,
            _("A6 flyer for a print shop"),
            _("PDF/X-4 with 3 mm bleed and crop marks."),
            print_shop=True,
        ),
    ]
}


def poster_dates(event: Event) -> list[EventOccurrence]:
    """The occurrences a poster prints: the next ones (the last one once it is over)."""
    occurrences = sorted(event.occurrences.all(), key=lambda occurrence: occurrence.starts_at)
    now = datetime.datetime.now(datetime.UTC)
    coming = [occurrence for occurrence in occurrences if occurrence.ends_at >= now]
    chosen = coming[:POSTER_DATES] if coming else occurrences[-1:]
    for occurrence in chosen:
        occurrence.event = event
    return chosen


def poster_html(version: EventVersion, size: LeafletSize, *, print_shop: bool = False) -> str:
    """The HTML document WeasyPrint turns into a poster or a flyer (before fitting)."""
    event = version.event
    site_settings = SiteSettings.load()
    online_url = pdf.online_address(version)
    dates = poster_dates(event)
    return pdf.print_document(
        "events/print/poster.html",
        version,
        {
            "event": event,
            "dates": dates,
            "more_dates": event.recurrence and len(dates) == POSTER_DATES,
            "body": mark_safe(responsive_images(version.body, print_version=True)),  # noqa: S308 (cleaned on save)
            "size": size,
            "print_shop": print_shop,
            "bleed_mm": BLEED_MM,
            "band_mm": size.margin_mm + BLEED_MM,
            "legal_footer": site_settings.legal_footer,
            "qr_code": qr_code_data_uri(online_url),
            "fit_declarations": SafeString(FIT_DEFAULT),
        },
        site_settings,
    )


def _render_poster(html: str, size: LeafletSize, print_shop: bool) -> bytes:
    ensure_whole_renditions(html)
    variant = PRINT_SHOP_VARIANT if print_shop else pdf.ACCESSIBLE_VARIANT
    font_config = pdf.font_configuration()
    document = fit_leaflet(html, size, variant=variant, font_config=font_config)
    # A poster is one page: what fitting could not fit is cut, never a second sheet.
    document = document.copy(document.pages[:1])
    rendered = pdf.write_pdf(document, variant=variant)
    return finish_for_print_shop(rendered) if print_shop else rendered


def poster_filename(version: EventVersion, poster_format: PosterFormat) -> str:
    return f"{version.event.slug}-{version.language}-{poster_format.name}.pdf"


def poster_plan(version: EventVersion, poster_format: PosterFormat) -> PDFPlan:
    """The PDF of `version` in `poster_format` (copies on a sheet are imposed from the single copy)."""
    filename = poster_filename(version, poster_format)
    if poster_format.sheet is not None:
        single = poster_plan(version, POSTER_FORMATS[poster_format.single])
        sheet = poster_format.sheet
        return PDFPlan(
            fingerprint=pdf.fingerprint(poster_format.name, single.fingerprint),
            filename=filename,
            render=lambda: impose(store.read_stored(single), sheet),
            source=PDFSource.of(version, poster_format.name),
            requires=(single,),
        )
    html = poster_html(version, poster_format.size, print_shop=poster_format.print_shop)
    size, print_shop = poster_format.size, poster_format.print_shop
    return PDFPlan(
        # The size too: its fitting bounds shape the PDF and are not in the HTML.
        fingerprint=pdf.fingerprint("event-poster", html, repr(size)),
        filename=filename,
        render=lambda: _render_poster(html, size, print_shop),
        source=PDFSource.of(version, poster_format.name),
    )


def current_fingerprint(version: EventVersion, poster_format: PosterFormat) -> str:
    """The fingerprint of this PDF as it is now. Never kept on the version: a
    poster prints the next dates, which change as time passes, not only on edits."""
    return poster_plan(version, poster_format).fingerprint


def ensure_poster(version: EventVersion, poster_format: PosterFormat) -> PDFPlan:
    """Make sure this PDF is stored (rendering it at most once) and return its plan."""
    plan = poster_plan(version, poster_format)
    store.ensure_stored(plan)
    return plan


class EventPDFs(PublicationPDFs[Event]):
    """The agenda's PDF hook (`EventVersion.pdf_hook`): posters and flyers.

    Their fingerprints are never kept on the version (a poster prints the
    next dates): each is worked out when asked. The posters of an event over
    for a month are left to the cleanup; asked for again, they are made again.
    """

    def owners(self, sources: list[PDFSource]) -> dict[PDFSource, PDFOwner]:
        versions = (
            EventVersion.objects.filter(pk__in={source.version_id for source in sources})
            .select_related("event")
            .prefetch_related("event__occurrences")
            .in_bulk()
        )
        kept_since = timezone.now() - KEEP_POSTERS_AFTER
        owners = {}
        for source in sources:
            version, poster_format = versions.get(source.version_id), POSTER_FORMATS.get(source.print_format)
            if version is None or poster_format is None:
                continue
            last_end = version.event.last_ends_at
            owners[source] = PDFOwner(
                source=source,
                is_public=version.event.is_public,
                filename=poster_filename(version, poster_format),
                current_fingerprint=partial(current_fingerprint, version, poster_format),
                ensure_stored=partial(ensure_poster, version, poster_format),
                keep_stored=last_end is None or last_end >= kept_since,
            )
        return owners

    def renders(self, event: Event) -> list[Callable[[], object]]:
        """Its posters and flyers in each language, single copies first."""
        return [
            partial(ensure_poster, version, poster_format)
            for poster_format in sorted(POSTER_FORMATS.values(), key=lambda each: each.sheet is not None)
            for version in event.all_versions()
        ]

    def first_renders(self, event: Event) -> list[Callable[[], object]]:
        return []  # nothing holds an event back from publication

    def kept_fingerprints(self, event: Event, versions: list) -> set[str]:
        return self.fingerprints_in_use(event)

    def fingerprints_in_use(self, event: Event) -> set[str]:
        plans = [
            poster_plan(version, poster_format)
            for version in event.all_versions()
            for poster_format in POSTER_FORMATS.values()
        ]
        return {plan.fingerprint for plan in plans}
