import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.apps import apps
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import DatabaseError
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseForbidden,
    HttpResponseNotFound,
    HttpResponseNotModified,
    HttpResponseRedirect,
    HttpResponseServerError,
)
from django.shortcuts import redirect
from django.template import loader
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from collectif import pdf
from collectif.languages import native_name, text_direction

STORED_PDF_FINGERPRINT = re.compile(r"[0-9a-f]{20}")


class NotFoundForVisitor(Http404):
    """A 404 whose message is written for the visitor and shown on the page."""


# Addresses under a tract's or an article's own: /fr/tracts/<slug>/a3.pdf…
PUBLICATION_PATH = re.compile(r"^/[\w-]+/(?P<section>tracts|articles)/(?P<slug>[-\w]{1,100})/")
PUBLICATION_MODELS = {"tracts": "tracts.Tract", "articles": "articles.Article"}


def publication_named_in(path: str, language: str) -> dict | None:
    """The published tract or article whose address starts `path` (its link and title), if any."""
    match = PUBLICATION_PATH.match(path)
    if not match:
        return None
    model = apps.get_model(PUBLICATION_MODELS[match["section"]])
    try:
        publication = model.objects.published().with_versions().filter(slug=match["slug"]).first()
    except DatabaseError:
        return None
    version = publication.version_for(language) if publication else None
    if version is None:
        return None
    return {"url": publication.get_absolute_url(), "title": version.title, "language": version.language}


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponseNotFound:
    # Django's own 404 messages ("No Tract matches the given query") are for
    # developers; only ours are shown.
    message = str(exception) if isinstance(exception, NotFoundForVisitor) else ""
    language = getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE)
    context = {"message": message, "publication": publication_named_in(request.path_info, language)}
    return HttpResponseNotFound(loader.get_template("404.html").render(context, request))


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponseForbidden:
    """A form sent without its token: the site's page, in the visitor's language."""
    return HttpResponseForbidden(loader.get_template("403_csrf.html").render({}, request))


def server_error(request: HttpRequest) -> HttpResponseServerError:
    """The 500 page in the visitor's language, without touching the database
    (which may be what failed)."""
    language = translation.get_language_from_path(request.path_info) or settings.LANGUAGE_CODE
    with translation.override(language):
        html = loader.get_template("500.html").render({"language": language, "direction": text_direction(language)})
    return HttpResponseServerError(html)


def gone(request: HttpRequest, message: str) -> HttpResponse:
    """410: what was here was withdrawn on purpose (caches drop it)."""
    template = loader.get_template("404.html")
    return HttpResponse(template.render({"message": message, "title": _("Withdrawn")}, request), status=410)


def stored_pdf_response(request: HttpRequest, fingerprint: str, filename: str, *, public: bool = True) -> HttpResponse:
    """Serve the stored PDF with this fingerprint under a readable file name.

    Behind nginx (`PDF_ACCEL_REDIRECT` set), nginx sends the file itself, with
    `Range` and `sendfile`; the application only says which file.
    """
    name = pdf.storage_name(fingerprint)
    if not default_storage.exists(name):
        raise NotFoundForVisitor(_("This PDF is no longer available; go back to the tract to get the current one."))
    quoted_fingerprint = f'"{fingerprint}"'
    if quoted_fingerprint in request.headers.get("If-None-Match", ""):
        response = HttpResponseNotModified()
    elif settings.PDF_ACCEL_REDIRECT:
        response = HttpResponse(content_type="application/pdf")
        response["X-Accel-Redirect"] = settings.PDF_ACCEL_REDIRECT + name.removeprefix(f"{pdf.PDF_FOLDER}/")
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
    ensure_stored: Callable[[], pdf.PDFPlan]


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
    if not pdf.is_intact(pdf.storage_name(fingerprint)):
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
