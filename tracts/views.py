from collections.abc import Callable

from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseNotModified
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from collectif.models import Theme
from collectif.views import NotFoundForVisitor

from .models import Tract, TractVersion
from .printing import PRINT_FORMATS, tract_pdf

TRACTS_PER_PAGE = 20


def _year_filter(value: str | None) -> int | None:
    if value and value.isdigit() and len(value) == 4:
        return int(value)
    return None


def archive(request: HttpRequest) -> HttpResponse:
    tracts = Tract.objects.published().with_versions().newest_first()
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


def render_tract_page(
    request: HttpRequest,
    tract: Tract,
    *,
    preview: bool = False,
    pdf_url: Callable[[TractVersion, str], str] = TractVersion.get_pdf_url,
) -> HttpResponse:
    """The tract's web page; the admin's preview uses it with its own PDF links."""
    language = request.LANGUAGE_CODE
    version = tract.version_for(language)
    if version is None:
        raise NotFoundForVisitor(_("This tract has no text yet."))
    downloads = [
        {
            "format": print_format,
            "url": pdf_url(version, print_format.name),
            "filename": version.pdf_filename(print_format.name),
        }
        for print_format in PRINT_FORMATS.values()
    ]
    return render(
        request,
        "tracts/detail.html",
        {
            "tract": tract,
            "version": version,
            "is_fallback": version.language != language,
            "versions": tract.all_versions(),
            "downloads": downloads,
            "preview": preview,
        },
    )


def detail(request: HttpRequest, slug: str) -> HttpResponse:
    tract = get_object_or_404(Tract.objects.published().with_versions(), slug=slug)
    return render_tract_page(request, tract)


def serve_tract_pdf(
    request: HttpRequest, version: TractVersion, print_format: str, *, public: bool = True
) -> HttpResponse:
    if print_format not in PRINT_FORMATS:
        raise NotFoundForVisitor(_("There is no “%(format)s” print format.") % {"format": print_format[:20]})
    stored = tract_pdf(version, PRINT_FORMATS[print_format])
    etag = f'"{stored.etag}"'
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponseNotModified()
    else:
        response = FileResponse(default_storage.open(stored.name, "rb"), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{stored.filename}"'
    response["ETag"] = etag
    # The URL stays the same when the tract changes: caches revalidate with
    # the ETag, which names the exact content. Previews of drafts stay private.
    response["Cache-Control"] = "public, max-age=300, must-revalidate" if public else "private, no-store"
    return response


def pdf(request: HttpRequest, slug: str, print_format: str) -> HttpResponse:
    tract = get_object_or_404(Tract.objects.published().with_versions(), slug=slug)
    version = tract.version(request.LANGUAGE_CODE)
    if version is None:
        # No version in this language: send the reader to the one they see
        # on the tract's page rather than a dead end.
        fallback = tract.original_version()
        if fallback is None:
            raise NotFoundForVisitor(_("This tract has no text yet."))
        return redirect(fallback.get_pdf_url(print_format))
    return serve_tract_pdf(request, version, print_format)
