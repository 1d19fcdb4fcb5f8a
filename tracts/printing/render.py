"""Making the PDFs: storing them (once), recording each render's page count for the admin and the
bilingual sheets, the overflow checks, and the hook that tells the store what a stored file is.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache, partial

import pypdfium2 as pdfium
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from publishing import pdf
from publishing.models import StoredPDF
from publishing.pdf import sandbox, store
from publishing.pdf.store import PDFOwner, PDFPlan, PDFSource, PublicationPDFs
from tracts import prepress
from tracts.models import FIRST_PAGE_PICTURE_FORMAT, POSTER_PICTURE_FORMAT, Tract, TractPDF, TractVersion
from tracts.printing.fill import pdf_fills
from tracts.printing.formats import (
    BACK_PAGE_MIN_FILL,
    BILINGUAL_FORMATS,
    CHECKED_FORMATS,
    MAX_LEAFLET_PAGES,
    ONE_PAGE_MIN_FILL,
    OVER_FULL,
    PRINT_FORMATS,
    LeafletSize,
    PrintFormat,
)
from tracts.printing.leaflet import fit_leaflet, leaflet_html
from tracts.printing.plans import (
    compute_pdf_fingerprints,
    current_fingerprint,
    files_named_by,
    pdf_fingerprints,
    tract_pdf_filename,
    tract_pdf_plan,
)


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
    store.ensure_stored(plan)
    if verso is None and version.current_pdf_fingerprints() is None:
        version.keep_pdf_fingerprints(compute_pdf_fingerprints(version))
    if (
        verso is None
        and not TractPDF.objects.filter(
            version=version, print_format=print_format.name, fingerprint=plan.fingerprint
        ).exists()
    ):
        rendered = store.read_stored(plan)
        pages = prepress.page_count(rendered)
        copies_per_sheet = print_format.sheet.columns * print_format.sheet.rows if print_format.sheet else 1
        footer = version.tract.get_legal_footer() + " " + pdf.online_address(version)
        too_long = pages > MAX_LEAFLET_PAGES and print_format.tiles is None  # a poster's pieces are many pages
        words_over = words_beyond(rendered, MAX_LEAFLET_PAGES, footer) // copies_per_sheet if too_long else 0
        # The last page's fill tells an empty-looking leaflet (sheets and pieces: see their single copy).
        fill = pdf_fills(rendered, print_format.size)[-1] if print_format.single_copy else None
        StoredPDF.objects.filter(fingerprint=plan.fingerprint).update(fill=fill)
        if print_format.name in (FIRST_PAGE_PICTURE_FORMAT, POSTER_PICTURE_FORMAT):
            store.store_first_page_picture(plan.fingerprint)
        # An upsert: concurrent downloads of a new PDF all record it.
        TractPDF.objects.bulk_create(
            [
                TractPDF(
                    version=version,
                    print_format=print_format.name,
                    fingerprint=plan.fingerprint,
                    page_count=pages,
                    words_over=words_over,
                    fill=fill,
                    rendered_at=timezone.now(),
                )
            ],
            update_conflicts=True,
            unique_fields=["version", "print_format"],
            update_fields=["fingerprint", "page_count", "words_over", "fill", "rendered_at"],
        )
    return plan


@lru_cache(maxsize=64)
def _fitted_page_count(html: str, size: LeafletSize) -> int:
    # Laid out under the render limits, as a render is (RenderFailed).
    return sandbox.render_in_child(lambda: len(fit_leaflet(html, size).pages))


def leaflet_page_counts(version: TractVersion) -> list[tuple[PrintFormat, int]]:
    """How many pages `version` (saved or not) takes in each single-copy format.

    For the editor's live count: rendered in memory, never stored; the same
    text asked again is answered from a small cache.
    """
    single = [f for f in PRINT_FORMATS.values() if f.single_copy and not f.print_shop and not f.poster]
    return [
        (print_format, _fitted_page_count(leaflet_html(version, print_format.size), print_format.size))
        for print_format in single
    ]


def fill_warning(record: TractPDF) -> str:
    """What looks wrong with how full a render's pages are, in words ("" when nothing)."""
    if record.fill is None:
        return ""
    if record.fill > OVER_FULL:
        return str(_("over-full: the text runs into the legal footer"))
    if record.page_count == 1 and record.fill < ONE_PAGE_MIN_FILL:
        return str(_("under-filled: the page looks empty at the bottom"))
    if record.page_count == MAX_LEAFLET_PAGES and record.fill < BACK_PAGE_MIN_FILL:
        return str(_("under-filled: the back page looks half empty"))
    return ""


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
    current = []
    for record in TractPDF.objects.of_versions(versions, format_names).filter(**conditions):
        record.version = by_pk[record.version_id]  # known already: no query to read it
        if record.fingerprint == current_fingerprint(record.version, PRINT_FORMATS[record.print_format]):
            current.append(record)
    return current


def recorded_overflows(versions: list[TractVersion]) -> list[Overflow]:
    """Overflows already known from renders of the current texts (no render here)."""
    single_copies = [name for name, print_format in PRINT_FORMATS.items() if print_format.single_copy]
    return [
        Overflow(record.version, record.print_format, record.page_count, record.words_over)
        for record in current_records(versions, single_copies, page_count__gt=MAX_LEAFLET_PAGES)
    ]


def one_page_versions(versions: list[TractVersion], format_name: str) -> set[str]:
    """Languages whose current text is known to fit one page of this format (from recorded renders)."""
    return {record.version.language for record in current_records(versions, [format_name], page_count=1)}


def bilingual_fits(versions: list[TractVersion]) -> set[str]:
    """Languages among `versions` known to fit one page of the bilingual sheets' size (one query)."""
    return one_page_versions(versions, PRINT_FORMATS[BILINGUAL_FORMATS[0]].size.name)


class TractPDFs(PublicationPDFs):
    """The tracts' PDF hook (`TractVersion.pdf_hook`)."""

    def owners(self, sources: list[PDFSource]) -> dict[PDFSource, PDFOwner]:
        ids = {source.version_id for source in sources} | {source.verso_id for source in sources if source.verso_id}
        versions = TractVersion.objects.filter(pk__in=ids).select_related("tract").in_bulk()
        owners = {}
        for source in sources:
            version, verso = versions.get(source.version_id), versions.get(source.verso_id)
            print_format = PRINT_FORMATS.get(source.print_format)
            if version is None or print_format is None or (source.verso_id and verso is None):
                continue
            if verso is not None and not bilingual_offered(version, verso, print_format):
                continue
            owners[source] = PDFOwner(
                source=source,
                is_public=version.tract.is_public,
                filename=tract_pdf_filename(version, print_format, verso),
                current_fingerprint=partial(current_fingerprint, version, print_format, verso),
                ensure_stored=partial(ensure_tract_pdf, version, print_format, verso),
                has_first_page_picture=verso is None
                and print_format.name in (FIRST_PAGE_PICTURE_FORMAT, POSTER_PICTURE_FORMAT),
            )
        return owners

    def renders(self, tract: Tract) -> list[Callable[[], object]]:
        # Format by format, the A5 leaflet first (PRINT_FORMATS' order): the share
        # picture of every language is ready before the rest.
        return [
            partial(ensure_tract_pdf, version, print_format)
            for print_format in PRINT_FORMATS.values()
            for version in tract.all_versions()
        ]

    def first_renders(self, tract: Tract) -> list[Callable[[], object]]:
        # The A5 leaflet, whose render also draws the first-page (share) picture.
        a5 = PRINT_FORMATS[FIRST_PAGE_PICTURE_FORMAT]
        return [partial(ensure_tract_pdf, version, a5) for version in tract.all_versions()]

    def kept_fingerprints(self, tract: Tract, versions: list[TractVersion]) -> set[str]:
        return files_named_by(versions, lambda version: version.pdf_fingerprints)

    def fingerprints_in_use(self, tract: Tract) -> set[str]:
        return files_named_by(tract.all_versions(), pdf_fingerprints)
