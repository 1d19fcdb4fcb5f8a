"""The PDF renderer shared by tracts and articles.

WeasyPrint turns our own HTML templates into PDF. Whatever the content says,
it may read nothing but our static files, our media files and `data:` URLs:
no network, no other file on the machine (several WeasyPrint CVEs were
fetcher bypasses, so the fetcher is ours and refuses by default).

Rendered PDFs are stored under a name that carries a hash of everything that
shapes them, so a changed tract can never be served stale and an unchanged
one is rendered only once.
"""

import fcntl
import hashlib
import io
import logging
import mimetypes
import os
import tempfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from posixpath import normpath
from urllib.parse import unquote, urlsplit

import pydyf
import pypdfium2 as pdfium
import weasyprint
import weasyprint.text.fonts
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import connection, transaction
from weasyprint.urls import URLFetcherResponse

logger = logging.getLogger(__name__)

# Documents are rendered as if they lived on this origin, so that
# "/static/..." and "/media/..." resolve to URLs the fetcher recognises.
# The ".invalid" top-level domain can never resolve to a real host.
RENDER_HOST = "render.collectif.invalid"
RENDER_BASE_URL = f"https://{RENDER_HOST}/"

# Print documents name static files "/static/<path>" whatever STATIC_URL is
# (it may point at a CDN, and the manifest storage renames files): the
# fetcher finds them in the project's static folders.
STATIC_PREFIX = "/static/"

# Bump when the renderer's own behaviour changes, to invalidate stored PDFs.
RENDERER_VERSION = "2"

# Where render locks live when the database cannot hold them (SQLite).
LOCK_DIR = Path(tempfile.gettempdir()) / "collectif-render-locks"

# Static folders whose files shape the PDFs (fonts, print stylesheets).
PRINT_ASSET_DIRS = ("fonts", "print")


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
        if parts.scheme == "https" and parts.hostname == RENDER_HOST and not parts.port:
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


# Screen PDFs are tagged for screen readers: structure, title, language.
ACCESSIBLE_VARIANT = "pdf/ua-1"


def lay_out(
    html: str, *, variant: str | None = None, font_config: weasyprint.text.fonts.FontConfiguration | None = None
) -> weasyprint.Document:
    """Lay an HTML document of ours out in pages, without writing the PDF yet.

    Callers that fit a text to its pages read `document.pages`; documents laid
    out with one `font_config` can be written as one PDF (one set of font subsets).
    """
    source = weasyprint.HTML(string=html, base_url=RENDER_BASE_URL, url_fetcher=LocalFilesFetcher())
    return source.render(font_config=font_config, pdf_variant=variant)


def write_pdf(document: weasyprint.Document, *, variant: str | None = None) -> bytes:
    return document.write_pdf(pdf_variant=variant, finisher=_reuse_compressed_profiles)


_compressed_profiles: dict[bytes, bytes] = {}


def _reuse_compressed_profiles(document: weasyprint.Document, pdf: pydyf.PDF) -> None:
    """Compress each embedded ICC profile once per process, not once per PDF.

    The print-shop profile is 1.8 MB: compressing it at every render cost
    more than laying the leaflet out. Same bytes in, same bytes out.
    """
    for obj in pdf.objects:
        if not (isinstance(obj, pydyf.Stream) and obj.compress and "N" in obj.extra and len(obj.stream) == 1):
            continue
        content = obj.stream[0]
        if not isinstance(content, bytes) or content[36:40] != b"acsp":  # the signature of an ICC profile
            continue
        key = hashlib.sha256(content).digest()
        if key not in _compressed_profiles:
            compressor = zlib.compressobj(level=9)
            _compressed_profiles[key] = compressor.compress(content) + compressor.flush()
        obj.stream = [_compressed_profiles[key]]
        obj.extra["Filter"] = "/FlateDecode"
        obj.compress = False


def render_pdf(html: str, *, variant: str | None = None) -> bytes:
    """Render an HTML document of ours to PDF bytes (`variant`: e.g. "pdf/x-4", "pdf/ua-1")."""
    return write_pdf(lay_out(html, variant=variant), variant=variant)


def print_assets_digest() -> str:
    """Hash of the fonts and print stylesheets.

    Computed once per process in production; on every call with DEBUG on, so
    that a stylesheet edited on a laptop shows in the next PDF.
    """
    if settings.DEBUG:
        return _print_assets_digest.__wrapped__()
    return _print_assets_digest()


@lru_cache(maxsize=1)
def _print_assets_digest() -> str:
    digest = hashlib.sha256()
    for folder in PRINT_ASSET_DIRS:
        for static_dir in settings.STATICFILES_DIRS:
            root = Path(static_dir) / folder
            for path in sorted(p for p in root.rglob("*") if p.is_file()):
                digest.update(str(path.relative_to(static_dir)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def fingerprint(*parts: str) -> str:
    """A short hash of everything that shapes a PDF made from `parts` (its HTML, its format…)."""
    digest = hashlib.sha256()
    for part in (RENDERER_VERSION, weasyprint.__version__, print_assets_digest(), *parts):
        digest.update(part.encode())
        digest.update(b"\x00")
    return digest.hexdigest()[:20]


def storage_name(etag: str) -> str:
    """Where the PDF with this fingerprint is stored."""
    return f"pdfs/{etag[:2]}/{etag}.pdf"


def first_page_picture_name(etag: str) -> str:
    """Where the picture of the first page of the PDF with this fingerprint is stored."""
    return f"previews/{etag[:2]}/{etag}.webp"


def store_first_page_picture(plan: "PDFPlan", width: int = 320) -> str:
    """Draw the first page of a stored PDF as a small picture, once; returns its storage name."""
    name = first_page_picture_name(plan.etag)
    if not default_storage.exists(name):
        _save_atomically(name, first_page_picture(read_stored(plan), width))
    return name


def first_page_picture(data: bytes, width: int = 320) -> bytes:
    """The first page of a PDF drawn as a WebP picture `width` pixels wide."""
    document = pdfium.PdfDocument(data)
    page = document[0]
    picture = page.render(scale=width / page.get_width()).to_pil()
    output = io.BytesIO()
    picture.convert("RGB").save(output, "WEBP", quality=80)
    return output.getvalue()


def _save_atomically(name: str, data: bytes) -> None:
    storage = default_storage
    if isinstance(storage, FileSystemStorage):
        # Write beside the target then rename, so that a reader never sees
        # a half-written file.
        target = Path(storage.path(name))
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=".part")
        try:
            with os.fdopen(handle, "wb") as temporary_file:
                temporary_file.write(data)
            os.chmod(temporary, 0o644)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    else:
        # Object stores (S3 and the like) make an upload visible only once whole.
        storage.save(name, ContentFile(data))


@contextmanager
def render_lock(name: str) -> Iterator[None]:
    """Hold an exclusive lock on `name` across threads, processes and machines.

    PostgreSQL's advisory locks serve every web process and worker that share
    the database; on SQLite (one machine) a file lock does the same.
    """
    key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
    if connection.vendor == "postgresql":
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])
            yield
        return
    LOCK_DIR.mkdir(parents=True, exist_ok=True)
    with open(LOCK_DIR / f"{key & 0xFFFFFFFFFFFF:x}.lock", "w") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


@dataclass(frozen=True)
class PDFPlan:
    """A PDF as it will be stored: its fingerprint, its download name and how to make it."""

    etag: str
    filename: str
    render: Callable[[], bytes]

    @property
    def storage_name(self) -> str:
        return storage_name(self.etag)


def ensure_stored(plan: PDFPlan) -> bool:
    """Store the planned PDF unless it is already; True when this call rendered it."""
    return stored_pdf(plan.storage_name, plan.render)


def read_stored(plan: PDFPlan) -> bytes:
    ensure_stored(plan)
    with default_storage.open(plan.storage_name, "rb") as stored:
        return stored.read()


def stored_pdf(name: str, render: Callable[[], bytes]) -> bool:
    """Make sure the PDF `name` is stored, rendering it once if it is not.

    Concurrent requests for the same missing file wait for the first one's
    render instead of rendering it again. Returns True when this call rendered.
    """
    if default_storage.exists(name):
        return False
    with render_lock(name):
        if default_storage.exists(name):
            return False
        _save_atomically(name, render())
        return True
