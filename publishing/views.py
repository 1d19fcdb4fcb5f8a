import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
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
from django.shortcuts import redirect
from django.template import loader
from django.urls import reverse
from django.utils.translation import gettext as _

from publishing import pdf_store
from publishing.languages import native_name
from publishing.models import Theme

STORED_PDF_FINGERPRINT = re.compile(r"[0-9a-f]{20}")


class NotFoundForVisitor(Http404):
    """A 404 whose message is written for the visitor and shown on the page."""


def gone(request: HttpRequest, message: str) -> HttpResponse:
    """410: what was here was withdrawn on purpose (caches drop it)."""
    template = loader.get_template("404.html")
    return HttpResponse(template.render({"message": message, "title": _("Withdrawn")}, request), status=410)


def stored_pdf_response(request: HttpRequest, fingerprint: str, filename: str, *, public: bool = True) -> HttpResponse:
    """Serve the stored PDF with this fingerprint under a readable file name.

    Behind nginx (`PDF_ACCEL_REDIRECT` set), nginx sends the file itself, with
    `Range` and `sendfile`; the application only says which file.
    """
    name = pdf_store.storage_name(fingerprint)
    if not default_storage.exists(name):
        raise NotFoundForVisitor(_("This PDF is no longer available; go back to the tract to get the current one."))
    quoted_fingerprint = f'"{fingerprint}"'
    if quoted_fingerprint in request.headers.get("If-None-Match", ""):
        response = HttpResponseNotModified()
    elif settings.PDF_ACCEL_REDIRECT:
        response = HttpResponse(content_type="application/pdf")
        response["X-Accel-Redirect"] = settings.PDF_ACCEL_REDIRECT + name.removeprefix(f"{pdf_store.PDF_FOLDER}/")
    else:
        response = FileResponse(default_storage.open(name, "rb"), content_type="application/pdf")
    if response.status_code == 200:
        response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["ETag"] = quoted_fingerprint
    # The address names the exact content: caches and CDNs may keep it forever.
    response["Cache-Control"] = "public, max-age=31536000, immutable" if public else "private, no-store"
    # One file whatever the visitor's browser language (see LanguageNeutralMiddleware).
    response.language_neutral = True
    return response


@dataclass(frozen=True)
class PDFOwner:
    """What a stored PDF's address names: one PDF of a language version, as it is now.

    Apps register a resolver (`register_pdf_owner_resolver`) that reads a
    stored PDF's file name (`<slug>-<lang>….pdf`, see `pdf_file`) back into this.
    """

    is_public: bool
    filename: str
    current_fingerprint: Callable[[], str]
    ensure_stored: Callable[[], pdf_store.PDFPlan]


PDFOwnerResolver = Callable[[str], PDFOwner | None]
_pdf_owner_resolvers: list[PDFOwnerResolver] = []


def register_pdf_owner_resolver(resolver: PDFOwnerResolver) -> None:
    if resolver not in _pdf_owner_resolvers:
        _pdf_owner_resolvers.append(resolver)


def pdf_file(request: HttpRequest, fingerprint: str, stem: str) -> HttpResponse:
    """A stored PDF: `/pdf/<fingerprint>/<file name>.pdf`.

    Served only while it is the current file of its version, and to visitors
    only while that version is public (staff see drafts, never cached); an
    older fingerprint redirects to the current file; a withdrawn publication
    answers 410, a deleted one 404. A damaged file is rendered again first.
    """
    if not STORED_PDF_FINGERPRINT.fullmatch(fingerprint):
        raise NotFoundForVisitor(_("This PDF does not exist."))
    owner = next((found for resolve in _pdf_owner_resolvers if (found := resolve(stem))), None)
    if owner is None:
        raise NotFoundForVisitor(_("This PDF does not exist."))
    if not owner.is_public and not getattr(request.user, "is_staff", False):
        return gone(request, _("This document has been withdrawn."))
    current = owner.current_fingerprint()
    if current != fingerprint:
        return redirect_to_stored_pdf(current, owner.filename)
    if not pdf_store.is_intact(pdf_store.storage_name(fingerprint)):
        current = owner.ensure_stored().fingerprint
        if current != fingerprint:
            return redirect_to_stored_pdf(current, owner.filename)
    return stored_pdf_response(request, fingerprint, owner.filename, public=owner.is_public)


def redirect_to_stored_pdf(fingerprint: str, filename: str) -> HttpResponseRedirect:
    """From a stable PDF address to the address of its current content."""
    response = HttpResponseRedirect(
        reverse("pdf_file", kwargs={"fingerprint": fingerprint, "stem": filename.removesuffix(".pdf")})
    )
    # Short: after an edit, the stable address points to the new file within a minute.
    response["Cache-Control"] = "public, max-age=60"
    return response


def filter_by_theme(request: HttpRequest, publications: models.QuerySet) -> tuple[models.QuerySet, Theme | None]:
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


def redirect_to_current_pdf(fingerprint: str, filename: str, ensure_stored: Callable[[], pdf_store.PDFPlan]):
    """The stable address's answer: a redirect to the stored file with this
    fingerprint, rendered first (`ensure_stored`) if it is not stored yet."""
    if not pdf_store.is_stored(fingerprint):
        fingerprint = ensure_stored().fingerprint
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
