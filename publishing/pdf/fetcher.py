"""What a render may read: our static and media files and `data:` URLs, nothing else.

WeasyPrint fetches every stylesheet, font and picture a document names
through this fetcher. Whatever the content says, it reads nothing but our
static files, our media files and `data:` URLs: no network, no other file on
the machine (several WeasyPrint CVEs were fetcher bypasses, so the fetcher is
ours and refuses by default).
"""

import logging
import mimetypes
from pathlib import Path
from posixpath import normpath
from urllib.parse import unquote, urlsplit

import weasyprint
import weasyprint.text.fonts
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.files.storage import default_storage
from weasyprint.urls import URLFetcherResponse

logger = logging.getLogger(__name__)

# Documents are rendered as if they lived at SITE_URL, so that relative
# links in a PDF lead to the site and "/static/..." and "/media/..." resolve
# to URLs the fetcher recognises and reads from disk. The older render-only
# origin (".invalid" can never resolve to a real host) is still recognised.
RENDER_HOST = "render.collectif.invalid"
RENDER_BASE_URL = f"https://{RENDER_HOST}/"

# Print documents name static files "/static/<path>" whatever STATIC_URL is
# (it may point at a CDN, and the manifest storage renames files): the
# fetcher finds them in the project's static folders.
STATIC_PREFIX = "/static/"


class ResourceRefused(ValueError):
    """A document asked for something outside our own static and media files."""


class LocalFilesFetcher(weasyprint.URLFetcher):
    """Serve our static and media files from disk and `data:` URLs; refuse the rest."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols={"data"}, allow_redirects=False, timeout=1)

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        if url.lower().startswith("data:"):
            return super().fetch(url, headers)
        parts = urlsplit(url)
        if _is_render_origin(parts.scheme, parts.netloc):
            content = self._read_local(unquote(parts.path))
            if content is not None:
                content_type = mimetypes.guess_type(parts.path)[0] or "application/octet-stream"
                return URLFetcherResponse(url, body=content, headers={"Content-Type": content_type})
        logger.warning("PDF renderer refused a resource: %.200s", url)
        raise ResourceRefused(f"Refused resource: {url[:200]}")

    def _read_local(self, path: str) -> bytes | None:
        if "\x00" in path or normpath(path) != path or ".." in path.split("/"):
            return None
        if path.startswith(STATIC_PREFIX):
            found = finders.find(path.removeprefix(STATIC_PREFIX))
            return Path(found).read_bytes() if found else None
        if path.startswith(settings.MEDIA_URL):
            name = path.removeprefix(settings.MEDIA_URL)
            if not default_storage.exists(name):
                return None
            with default_storage.open(name, "rb") as stored:
                return stored.read()
        return None


def _is_render_origin(scheme: str, netloc: str) -> bool:
    """True for the site's own origin (SITE_URL) and the render-only one."""
    site = urlsplit(settings.SITE_URL)
    return (scheme, netloc.lower()) in {("https", RENDER_HOST), (site.scheme, site.netloc.lower())}


def render_base_url() -> str:
    """What relative addresses in a rendered document are relative to: the site itself."""
    return settings.SITE_URL.rstrip("/") + "/"
