import re
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlencode

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.paginator import Page, Paginator
from django.db import models
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotModified,
    HttpResponseRedirect,
)
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.template import loader
from django.urls import reverse
from django.utils.translation import gettext as _

from publishing import pdf
from publishing.access import may_have
from publishing.languages import native_name
from publishing.models import Theme
from publishing.pdf import store
from publishing.tasks import queue_pdf_render

Q = TypeVar("Q", bound=models.QuerySet[Any])

STORED_PDF_FINGERPRINT = re.compile(r"[0-9a-f]{20}")


class NotFoundForVisitor(Http404):
    """A 404 whose message is written for the visitor and shown on the page."""


def stored_file_response(
    request: HttpRequest, name: str, etag: str, content_type: str, filename: str, *, public: bool
) -> HttpResponseBase:
    """Serve the stored file `name` (a PDF or the picture of its first page) under a readable name.

    Behind nginx (`PDF_ACCEL_REDIRECT` set), nginx sends the file itself, with
    `Range` and `sendfile`; the application only says which file.
    """
    quoted_etag = f'"{etag}"'
    response: HttpResponseBase
    if quoted_etag in request.headers.get("If-None-Match", ""):
        response = HttpResponseNotModified()
    elif settings.PDF_ACCEL_REDIRECT:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = settings.PDF_ACCEL_REDIRECT + name.removeprefix(f"{store.PDF_FOLDER}/")
    else:
        response = FileResponse(default_storage.open(name, "rb"), content_type=content_type)
    if response.status_code == 200:
        response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["ETag"] = quoted_etag
    # The address names the exact content: caches and CDNs may keep it forever.
    response["Cache-Control"] = "public, max-age=31536000, immutable" if public else "private, no-store"
    # One file whatever the visitor's browser language (see LanguageNeutralMiddleware).
    response.language_neutral = True  # type: ignore[union-attr]  # read by LanguageNeutralMiddleware
    return response


def stored_pdf_response(
    request: HttpRequest, fingerprint: str, filename: str, *, public: bool = True
) -> HttpResponseBase:
    """Serve the stored PDF with this fingerprint under a readable file name."""
    name = store.storage_name(fingerprint)
    if not default_storage.exists(name):
        raise NotFoundForVisitor(_("This PDF is no longer available; go back to the tract to get the current one."))
    return stored_file_response(request, name, fingerprint, "application/pdf", filename, public=public)


def no_such_pdf() -> NotFoundForVisitor:
    """The one answer for a PDF that does not exist, is a draft's or was withdrawn."""
    return NotFoundForVisitor(_("This PDF does not exist."))


def stored_file_owner(request: HttpRequest, fingerprint: str, stem: str) -> store.PDFOwner:
    """What `/pdf/<fingerprint>/<stem>.…` is the file of (its record in the
    store), if this request may have it.

    The access rule of every stored file: a public version's files for
    everyone, the others only for verified staff (`may_see_private`). A
    stranger gets the same 404 for a draft, a withdrawn and a non-existent
    publication, so that no answer confirms a draft.
    """
    if not STORED_PDF_FINGERPRINT.fullmatch(fingerprint):
        raise no_such_pdf()
    owner = store.pdf_owner(fingerprint, stem)
    if owner is None or not may_have(request, is_public=owner.is_public):
        raise no_such_pdf()
    return owner


def moved_to(owner: store.PDFOwner, fingerprint: str, stem: str) -> str | None:
    """The current fingerprint when `/pdf/<fingerprint>/<stem>…` no longer names
    the current file (the text edited, the tract renamed), recorded as to be
    stored so that its address, given out now, names it; None when it does."""
    current = owner.current_fingerprint()
    if current == fingerprint and stem == owner.filename.removesuffix(".pdf"):
        return None
    store.expect(current, owner)
    return current


def pdf_file(request: HttpRequest, fingerprint: str, stem: str) -> HttpResponseBase:
    """A stored PDF: `/pdf/<fingerprint>/<file name>.pdf`.

    Served only while it is the current file of its version (an older
    fingerprint redirects to the current file, never serves the old one), to
    whom `stored_file_owner` lets have it. A missing or damaged file is
    queued for rendering, never rendered here.
    """
    owner = stored_file_owner(request, fingerprint, stem)
    if current := moved_to(owner, fingerprint, stem):
        return redirect_to_stored_pdf(current, owner.filename)
    being_made = queue_missing_pdf(request, fingerprint, owner.source)
    if being_made is not None:
        return being_made
    return stored_pdf_response(request, fingerprint, owner.filename, public=owner.is_public)


def first_page_picture(request: HttpRequest, fingerprint: str, stem: str) -> HttpResponseBase:
    """The picture of a stored PDF's first page: `/pdf/<fingerprint>/<file name>.webp`,
    under the same rule as the PDF itself (a draft's only for verified staff)."""
    owner = stored_file_owner(request, fingerprint, stem)
    if not owner.has_first_page_picture:
        raise no_such_pdf()
    if current := moved_to(owner, fingerprint, stem):
        response = HttpResponseRedirect(store.first_page_picture_url(current, owner.filename.removesuffix(".pdf")))
        response["Cache-Control"] = "public, max-age=60" if owner.is_public else "private, no-store"
        return response
    if not store.is_intact(store.storage_name(fingerprint)):
        raise no_such_pdf()  # pages show the picture only once the PDF is rendered
    name = store.store_first_page_picture(fingerprint)
    return stored_file_response(
        request, name, f"{fingerprint}-picture", "image/webp", f"{stem}.webp", public=owner.is_public
    )


def redirect_to_stored_pdf(fingerprint: str, filename: str) -> HttpResponseRedirect:
    """From a stable PDF address to the address of its current content."""
    response = HttpResponseRedirect(
        reverse("pdf_file", kwargs={"fingerprint": fingerprint, "stem": filename.removesuffix(".pdf")})
    )
    # Short: after an edit, the stable address points to the new file within a minute.
    response["Cache-Control"] = "public, max-age=60"
    return response


def _raise_recorded_failure(fingerprint: str) -> None:
    failure = store.recent_failure(fingerprint)
    if failure is not None:
        # Answered with a page that says so (website.middleware).
        raise pdf.RenderFailed(failure.reason, failure.detail)


def queue_missing_pdf(request: HttpRequest, fingerprint: str, source: store.PDFSource) -> HttpResponse | None:
    """None when the PDF with this fingerprint is stored, whole; otherwise its
    render is queued (a web process never renders for a visitor) and the
    answer is a small page saying it is being made, which reloads itself."""
    name = store.storage_name(fingerprint)
    if store.is_intact(name):
        return None
    _raise_recorded_failure(fingerprint)
    queued = queue_pdf_render(fingerprint, source)
    if store.is_intact(name):  # a queue that runs tasks at once (tests, development)
        return None
    _raise_recorded_failure(fingerprint)
    # When the queue is full, the visitor comes back a little later.
    refresh = settings.PDF_BEING_MADE_REFRESH * (1 if queued else 3)
    match = request.resolver_match
    context = {
        "refresh": refresh,
        "page_url": request.path.rsplit("/", 1)[0] + "/" if match and match.namespaces else "",
    }
    response = HttpResponse(loader.get_template("pdf_being_made.html").render(context, request), status=503)
    response["Retry-After"] = str(refresh)
    response["Cache-Control"] = "no-store"
    return response


def filter_by_theme(request: HttpRequest, publications: Q) -> tuple[Q, Theme | None]:
    """The publications on the theme `?theme=` names (none for an unknown
    theme), and that theme; all of them, and None, without the parameter."""
    slug = request.GET.get("theme")
    if not slug:
        return publications, None
    theme = Theme.objects.filter(slug=slug[:80]).first()
    return (publications.filter(themes=theme) if theme else publications.none()), theme


def page_of_cards(request: HttpRequest, publications: models.QuerySet, per_page: int) -> tuple[Page, list]:
    """The page `?page=` asks for of these publications (ordered, loaded as
    cards), and the publications on it.

    The page is cut from their ids alone, then only its rows are loaded:
    PostgreSQL reads ids in order from the newest-first index, where whole
    rows had to be sorted (the last of 500 pages: 3 ms instead of 10).
    """
    page = Paginator(publications.values_list("pk", flat=True), per_page).get_page(request.GET.get("page"))
    return page, list(publications.filter(pk__in=page.object_list))


def redirect_to_current_pdf(
    request: HttpRequest, fingerprint: str, filename: str, source: store.PDFSource
) -> HttpResponse:
    """The stable address's answer: a redirect to the stored file with this
    fingerprint (the PDF of `source`), or, while it is not stored yet, the
    page saying it is being made."""
    if not store.is_stored(fingerprint):
        being_made = queue_missing_pdf(request, fingerprint, source)
        if being_made is not None:
            return being_made
    return redirect_to_stored_pdf(fingerprint, filename)


def publication_page_context(
    request: HttpRequest, publication, *, missing: str, preview: bool = False, page_url: Callable | None = None
) -> dict:
    """What every publication's page shows: the version in the reader's
    language (else the original, with `is_fallback`), the list of versions and,
    in the admin's preview (`page_url`), a language switcher to the previews.
    A publication with no version yet is a 404 saying `missing`."""
    language = request.LANGUAGE_CODE
    version = publication.version_for(language)
    if version is None:
        raise NotFoundForVisitor(missing)
    versions = publication.all_versions()
    context = {
        "version": version,
        "is_fallback": version.language != language,
        "versions": versions,
        "version_links": version_links(versions, page_url),
        "preview": preview,
    }
    if page_url:
        context["language_links"] = preview_language_links(versions, version.language, page_url)
    return context


def version_links(versions: list, page_url: Callable | None = None) -> list[tuple]:
    """Each version with the address of its page (the admin's preview has its own)."""
    return [(version, page_url(version) if page_url else version.get_absolute_url()) for version in versions]


def preview_language_links(versions: list, current: str, page_url: Callable) -> list[dict]:
    """The header's language switcher in a preview: the draft's own versions only,
    each to its preview (the public addresses of a draft are 404s)."""
    return [
        {"code": v.language, "name": native_name(v.language), "url": page_url(v), "current": v.language == current}
        for v in versions
    ]


def redirect_to_original_pdf(
    request: HttpRequest,
    publication,
    pdf_url: Callable[[Any], str],
    *,
    missing: str,
    parameters: tuple[str, ...] = (),
) -> HttpResponseRedirect:
    """No version in the visitor's language: the original's PDF rather than a dead end.

    Only the named query parameters are passed on, encoded anew.
    """
    original = publication.original_version()
    if original is None:
        raise NotFoundForVisitor(missing)
    query = urlencode({name: request.GET[name][:20] for name in parameters if request.GET.get(name)})
    return redirect(pdf_url(original) + (f"?{query}" if query else ""))
