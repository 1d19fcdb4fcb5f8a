import re
from collections.abc import Callable

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotFound,
    HttpResponseNotModified,
    HttpResponseRedirect,
    HttpResponseServerError,
)
from django.template import loader
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from collectif import pdf
from collectif.languages import native_name, text_direction

STORED_PDF_ETAG = re.compile(r"[0-9a-f]{20}")


class NotFoundForVisitor(Http404):
    """A 404 whose message is written for the visitor and shown on the page."""


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponseNotFound:
    # Django's own 404 messages ("No Tract matches the given query") are for
    # developers; only ours are shown.
    message = str(exception) if isinstance(exception, NotFoundForVisitor) else ""
    template = loader.get_template("404.html")
    return HttpResponseNotFound(template.render({"message": message}, request))


def server_error(request: HttpRequest) -> HttpResponseServerError:
    """The 500 page in the visitor's language, without touching the database
    (which may be what failed)."""
    language = translation.get_language_from_path(request.path_info) or settings.LANGUAGE_CODE
    with translation.override(language):
        html = loader.get_template("500.html").render({"language": language, "direction": text_direction(language)})
    return HttpResponseServerError(html)


def stored_pdf_response(request: HttpRequest, etag: str, filename: str, *, public: bool = True) -> HttpResponse:
    """Serve the stored PDF with this fingerprint under a readable file name."""
    name = pdf.storage_name(etag)
    if not default_storage.exists(name):
        raise NotFoundForVisitor(_("This PDF is no longer available; go back to the tract to get the current one."))
    quoted_etag = f'"{etag}"'
    if quoted_etag in request.headers.get("If-None-Match", ""):
        response = HttpResponseNotModified()
    else:
        response = FileResponse(default_storage.open(name, "rb"), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["ETag"] = quoted_etag
    # The address names the exact content: caches and CDNs may keep it forever.
    response["Cache-Control"] = "public, max-age=31536000, immutable" if public else "private, no-store"
    return response


def pdf_file(request: HttpRequest, etag: str, stem: str) -> HttpResponse:
    if not STORED_PDF_ETAG.fullmatch(etag):
        raise NotFoundForVisitor(_("This PDF does not exist."))
    return stored_pdf_response(request, etag, f"{stem}.pdf")


def redirect_to_stored_pdf(etag: str, filename: str) -> HttpResponseRedirect:
    """From a tract's stable PDF address to the address of its current content."""
    response = HttpResponseRedirect(reverse("pdf_file", kwargs={"etag": etag, "stem": filename.removesuffix(".pdf")}))
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
