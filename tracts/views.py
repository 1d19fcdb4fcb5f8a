from collections.abc import Callable

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseNotModified
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from publishing.access import may_have, may_see_private
from publishing.models import Theme
from publishing.numbers import whole_number
from publishing.pdf.store import PDFSource
from publishing.pictures import responsive_images
from publishing.views import (
    NotFoundForVisitor,
    filter_by_theme,
    page_of_cards,
    publication_page_context,
    redirect_to_current_pdf,
    redirect_to_original_pdf,
)

from .models import FIRST_PAGE_PICTURE_FORMAT, POSTER_PICTURE_FORMAT, Tract, TractPDF, TractVersion
from .printing import (
    BILINGUAL_FORMATS,
    PRINT_FORMATS,
    PrintFormat,
    bilingual_fits,
    bilingual_offered,
    current_fingerprint,
    current_records,
    recorded_overflows,
    tract_pdf_filename,
)

# Size of the stored first-page pictures (publishing.pdf draws them 320 px wide; A5 is 148 × 210 mm).
PREVIEW_WIDTH, PREVIEW_HEIGHT = 320, 454

# Builds the address of a version's PDF: (version, format name, back-side language).
PDFURL = Callable[[TractVersion, str, str | None], str]

TRACTS_PER_PAGE = 20


def _year_filter(value: str | None) -> int | None:
    return whole_number(value) if value and len(value) == 4 else None


def archive(request: HttpRequest) -> HttpResponse:
    tracts = Tract.objects.published().with_a5_renders()
    tracts, theme = filter_by_theme(request, tracts)
    year = _year_filter(request.GET.get("year"))
    if year:
        tracts = tracts.filter(date__year=year)
    page, on_page = page_of_cards(request, tracts, TRACTS_PER_PAGE)
    language = request.LANGUAGE_CODE
    return render(
        request,
        "tracts/archive.html",
        {
            "page": page,
            "entries": [(tract, tract.version_for(language)) for tract in on_page],
            "themes": Theme.objects.used_by(Tract.objects.published()),
            "years": Tract.objects.published().years(),
            "current_theme": theme,
            "current_year": year,
        },
    )


def download_links(version: TractVersion, pdf_url: PDFURL) -> dict[str, list[dict]]:
    """The tract's PDFs, grouped as the page presents them."""

    def link(print_format: PrintFormat, verso: TractVersion | None = None) -> dict:
        return {
            "format": print_format,
            "url": pdf_url(version, print_format.name, verso.language if verso else None),
            "verso": verso,
        }

    others = version.tract.all_versions()
    # A language on each side of one sheet: only when each fits one page
    # (known from their renders; not offered before those are done).
    one_page = bilingual_fits(others)
    return {
        "home": [link(f) for f in PRINT_FORMATS.values() if not f.print_shop and not f.poster],
        "posters": [link(f) for f in PRINT_FORMATS.values() if not f.print_shop and f.poster],
        "print_shop": [link(f) for f in PRINT_FORMATS.values() if f.print_shop],
        "bilingual": [
            link(PRINT_FORMATS[name], other)
            for other in others
            for name in BILINGUAL_FORMATS
            if bilingual_offered(version, other, PRINT_FORMATS[name], one_page)
        ],
    }


def public_pdf_url(version: TractVersion, format_name: str, verso: str | None) -> str:
    url = version.get_pdf_url(format_name)
    return f"{url}?verso={verso}" if verso else url


def render_tract_page(
    request: HttpRequest,
    tract: Tract,
    *,
    preview: bool = False,
    pdf_url: PDFURL = public_pdf_url,
    page_url: Callable[[TractVersion], str] | None = None,
) -> HttpResponse:
    """The tract's web page; the admin's preview uses it with its own page and PDF links."""
    context = publication_page_context(
        request, tract, missing=_("This tract has no text yet."), preview=preview, page_url=page_url
    )
    version = context["version"]
    # The A5 leaflet's record: its page count and the picture of its first page.
    first_page = TractPDF.objects.filter(version=version, print_format=FIRST_PAGE_PICTURE_FORMAT).first()
    # The A3 poster's, for its picture beside the poster downloads.
    poster_page = TractPDF.objects.filter(version=version, print_format=POSTER_PICTURE_FORMAT).first()
    if poster_page:
        poster_page.version = version
    share_image = None
    if first_page:
        first_page.version = version  # known already: no query to read it
        share_image = {
            "url": request.build_absolute_uri(first_page.first_page_picture_url()),
            "width": PREVIEW_WIDTH,
            "height": PREVIEW_HEIGHT,
            "alt": _("First page of the A5 leaflet"),
        }
    return render(
        request,
        "tracts/detail.html",
        context
        | {
            "tract": tract,
            # Cleaned on save; its pictures get their renditions and descriptions.
            "body": mark_safe(responsive_images(version.body)),  # noqa: S308
            "first_page": first_page,
            "poster_page": poster_page,
            "share_image": share_image,
            "downloads": download_links(version, pdf_url),
            # Staff see what overflows its sheet before they print it.
            "overflows": recorded_overflows([version]) if may_see_private(request) else [],
            "related_events": related_events(tract, request.LANGUAGE_CODE),
        },
    )


def related_events(tract: Tract, language: str) -> list[tuple]:
    """The published events of the agenda that name this tract, the latest first."""
    events = tract.events.published().with_versions().order_by("-starts_at")
    return [(event, event.version_for(language)) for event in events]


def detail(request: HttpRequest, slug: str) -> HttpResponse:
    tract = get_object_or_404(Tract.objects.published().for_page(), slug=slug)
    return render_tract_page(request, tract)


def resolve_pdf_request(
    tract: Tract, version: TractVersion, format_name: str, verso_language: str | None
) -> tuple[PrintFormat, TractVersion | None]:
    """The format named in an address and the back-side version asked for, or
    a 404 that says what is wrong."""
    if format_name not in PRINT_FORMATS:
        raise NotFoundForVisitor(_("There is no “%(format)s” print format.") % {"format": format_name[:20]})
    print_format = PRINT_FORMATS[format_name]
    verso = None
    if verso_language:
        verso = tract.version(verso_language[:10])
        if verso is None:
            raise NotFoundForVisitor(
                _("This tract has no “%(language)s” version to print on the back.") % {"language": verso_language[:10]}
            )
        if verso == version:
            raise NotFoundForVisitor(_("Choose another language than the front's for the back of the sheet."))
        if print_format.name not in BILINGUAL_FORMATS:
            raise NotFoundForVisitor(_("This print format is not offered with another language on the back."))
        # Known from the renders of the current texts: nothing is rendered here.
        single_copy = print_format.size.name
        longer = {record.version_id for record in current_records([version, verso], [single_copy], page_count__gt=1)}
        for side in (version, verso):
            if side.pk in longer:
                raise NotFoundForVisitor(
                    _(
                        "The %(language)s text takes more than one page in %(format)s, so it cannot share "
                        "a sheet with another language. Print each language on its own."
                    )
                    % {"language": side.get_language_display(), "format": single_copy.upper()}
                )
        if not bilingual_offered(version, verso, print_format):
            raise NotFoundForVisitor(_("This print format is not offered with another language on the back."))
    return print_format, verso


def pdf(request: HttpRequest, slug: str, print_format: str) -> HttpResponse:
    """The stable address of a PDF: one lookup of the fingerprint the version
    keeps, and a redirect to the stored file (rendered first if missing)."""
    published = Tract.objects.published().filter(slug=slug)
    version = (
        TractVersion.objects.filter(tract__in=published, language=request.LANGUAGE_CODE).select_related("tract").first()
    )
    if version is None:
        # No version in this language: send the reader to the one they see
        # on the tract's page rather than a dead end.
        tract = get_object_or_404(Tract.objects.published().with_versions(), slug=slug)
        return redirect_to_original_pdf(
            request,
            tract,
            lambda original: original.get_pdf_url(print_format),
            missing=_("This tract has no text yet."),
            parameters=("verso",),
        )
    # The address names the format (a str); resolved, it is a PrintFormat.
    resolved, verso = resolve_pdf_request(version.tract, version, print_format, request.GET.get("verso"))
    return redirect_to_current_pdf(
        request,
        current_fingerprint(version, resolved, verso),
        tract_pdf_filename(version, resolved, verso),
        PDFSource.of(version, resolved.name, verso),
    )


def _archived_tract(request: HttpRequest, slug: str) -> Tract:
    """
    A tract with an archived PDF, if this request may have its files (a
        draft's only for verified staff: the one rule of `publishing.access`)."""
    tract = Tract.objects.filter(slug=slug).first()
    if tract is None or not tract.archived_pdf or not may_have(request, is_public=tract.is_public):
        raise NotFoundForVisitor(_("This tract has no archived PDF."))
    return tract


def _archived_file_response(
    request: HttpRequest, tract: Tract, field: FieldFile, content_type: str, filename: str
) -> HttpResponseBase:
    picture = content_type != "application/pdf"
    etag = f'"{tract.archived_pdf_checksum}{"-picture" if picture else ""}"'
    response: HttpResponseBase
    if tract.archived_pdf_checksum and etag in request.headers.get("If-None-Match", ""):
        response = HttpResponseNotModified()
    else:
        response = FileResponse(field.open("rb"), content_type=content_type)
        response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["ETag"] = etag
    response["Cache-Control"] = "public, max-age=3600" if tract.is_public else "private, no-store"
    return response


def archived_pdf(request: HttpRequest, slug: str) -> HttpResponseBase:
    """The PDF of a tract printed before this site, byte for byte as it was imported."""
    tract = _archived_tract(request, slug)
    return _archived_file_response(request, tract, tract.archived_pdf, "application/pdf", f"{tract.slug}.pdf")


def archived_preview(request: HttpRequest, slug: str) -> HttpResponseBase:
    """The picture of the archived PDF's first page (served by the site, like the PDF)."""
    tract = _archived_tract(request, slug)
    if not tract.archived_pdf_preview:
        raise NotFoundForVisitor(_("This tract has no archived PDF."))
    return _archived_file_response(request, tract, tract.archived_pdf_preview, "image/webp", f"{tract.slug}.webp")
