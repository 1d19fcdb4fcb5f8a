from collections.abc import Callable

from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseNotModified
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from collectif.models import Theme
from collectif.views import NotFoundForVisitor, preview_language_links, redirect_to_stored_pdf, version_links

from .models import Tract, TractVersion
from .printing import (
    BILINGUAL_FORMATS,
    PRINT_FORMATS,
    PrintFormat,
    ensure_tract_pdf,
    fits_one_page,
    one_page_versions,
    recorded_overflows,
)

# Builds the address of a version's PDF: (version, format name, back-side language).
PDFURL = Callable[[TractVersion, str, str | None], str]

TRACTS_PER_PAGE = 20


def _year_filter(value: str | None) -> int | None:
    if value and value.isdigit() and len(value) == 4:
        return int(value)
    return None


def archive(request: HttpRequest) -> HttpResponse:
    tracts = Tract.objects.published().for_cards()
    theme = None
    if theme_slug := request.GET.get("theme"):
        theme = Theme.objects.filter(slug=theme_slug[:80]).first()
        tracts = tracts.filter(themes=theme) if theme else tracts.none()
    year = _year_filter(request.GET.get("year"))
    if year:
        tracts = tracts.filter(date__year=year)
    page = Paginator(tracts, TRACTS_PER_PAGE).get_page(request.GET.get("page"))
    language = request.LANGUAGE_CODE
    return render(
        request,
        "tracts/archive.html",
        {
            "page": page,
            "entries": [(tract, tract.version_for(language)) for tract in page],
            "themes": Theme.objects.filter(tracts__in=Tract.objects.published()).distinct(),
            "years": Tract.objects.published().dates("date", "year", order="DESC"),
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

    versions = version.tract.all_versions()
    # A language on each side of one sheet: only when each fits one page
    # (known from their renders; not offered before those are done).
    one_page = one_page_versions(versions, PRINT_FORMATS[BILINGUAL_FORMATS[0]].size.name)
    others = [o for o in versions if o.language != version.language and {o.language, version.language} <= one_page]
    return {
        "home": [link(f) for f in PRINT_FORMATS.values() if not f.print_shop],
        "print_shop": [link(f) for f in PRINT_FORMATS.values() if f.print_shop],
        "bilingual": [link(PRINT_FORMATS[name], other) for other in others for name in BILINGUAL_FORMATS],
    }


def public_pdf_url(version: TractVersion, print_format: str, verso: str | None) -> str:
    url = version.get_pdf_url(print_format)
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
    language = request.LANGUAGE_CODE
    version = tract.version_for(language)
    if version is None:
        raise NotFoundForVisitor(_("This tract has no text yet."))
    versions = tract.all_versions()
    extra = {"language_links": preview_language_links(versions, version.language, page_url)} if page_url else {}
    return render(
        request,
        "tracts/detail.html",
        extra
        | {
            "tract": tract,
            "version": version,
            "is_fallback": version.language != language,
            "versions": versions,
            "version_links": version_links(versions, page_url),
            "downloads": download_links(version, pdf_url),
            "preview": preview,
            # Staff see what overflows its sheet before they print it.
            "overflows": recorded_overflows([version]) if request.user.is_staff else [],
        },
    )


def detail(request: HttpRequest, slug: str) -> HttpResponse:
    tract = get_object_or_404(Tract.objects.published().for_page(), slug=slug)
    return render_tract_page(request, tract)


def resolve_pdf_request(tract: Tract, version: TractVersion, print_format: str, verso_language: str | None):
    """The format and back-side version asked for, or a 404 that says what is wrong."""
    if print_format not in PRINT_FORMATS:
        raise NotFoundForVisitor(_("There is no “%(format)s” print format.") % {"format": print_format[:20]})
    verso = None
    if verso_language:
        verso = tract.version(verso_language[:10])
        if verso is None:
            raise NotFoundForVisitor(
                _("This tract has no “%(language)s” version to print on the back.") % {"language": verso_language[:10]}
            )
        if verso == version:
            raise NotFoundForVisitor(_("Choose another language than the front's for the back of the sheet."))
        single_copy = PRINT_FORMATS[print_format].size.name
        for side in (version, verso):
            if not fits_one_page(side, single_copy):
                raise NotFoundForVisitor(
                    _(
                        "The %(language)s text takes more than one page in %(format)s, so it cannot share "
                        "a sheet with another language. Print each language on its own."
                    )
                    % {"language": side.get_language_display(), "format": single_copy.upper()}
                )
    return PRINT_FORMATS[print_format], verso


def pdf(request: HttpRequest, slug: str, print_format: str) -> HttpResponse:
    tract = get_object_or_404(Tract.objects.published().for_page(), slug=slug)
    version = tract.version(request.LANGUAGE_CODE)
    if version is None:
        # No version in this language: send the reader to the one they see
        # on the tract's page rather than a dead end.
        fallback = tract.original_version()
        if fallback is None:
            raise NotFoundForVisitor(_("This tract has no text yet."))
        return redirect(public_pdf_url(fallback, print_format, request.GET.get("verso")))
    chosen_format, verso = resolve_pdf_request(tract, version, print_format, request.GET.get("verso"))
    plan = ensure_tract_pdf(version, chosen_format, verso)
    return redirect_to_stored_pdf(plan.etag, plan.filename)


def archived_pdf(request: HttpRequest, slug: str) -> HttpResponse:
    """The PDF of a tract printed before this site, byte for byte as it was imported."""
    tract = get_object_or_404(Tract.objects.published(), slug=slug)
    if not tract.archived_pdf:
        raise NotFoundForVisitor(_("This tract has no archived PDF."))
    etag = f'"{tract.archived_pdf_checksum}"'
    if tract.archived_pdf_checksum and etag in request.headers.get("If-None-Match", ""):
        response = HttpResponseNotModified()
    else:
        response = FileResponse(tract.archived_pdf.open("rb"), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{tract.slug}.pdf"'
    response["ETag"] = etag
    response["Cache-Control"] = "public, max-age=3600"
    return response
