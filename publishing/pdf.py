"""The PDF renderer shared by tracts and articles.

WeasyPrint turns our own HTML templates into PDF. Whatever the content says,
it may read nothing but our static files, our media files and `data:` URLs:
no network, no other file on the machine (several WeasyPrint CVEs were
fetcher bypasses, so the fetcher is ours and refuses by default).

Each PDF has a fingerprint, a hash of everything that shapes it; the store
(`publishing.pdf_store`) keeps it under that name, so a changed tract can
never be served stale and an unchanged one is rendered only once.

Every render runs in a child process with a memory and a wall-clock limit:
hostile content (a table cell spanning a million columns) costs one failed
render, recorded with its reason, never the web process. A failed render is
not tried again by every request: only once its inputs change (a new
fingerprint), after PDF_RENDER_RETRY_AFTER, or by `render_pdfs`.
"""

import ctypes
import hashlib
import logging
import mimetypes
import multiprocessing
import os
import re
import resource
import shutil
import signal
import tempfile
import threading
import weakref
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from posixpath import normpath
from typing import TypeVar
from urllib.parse import unquote, urlsplit

import pydyf
import pyphen
import weasyprint
import weasyprint.text.fonts
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.files.storage import default_storage
from django.db import connections
from django.db.backends.signals import connection_created
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from weasyprint.text.ffi import ffi as weasyprint_ffi
from weasyprint.urls import URLFetcherResponse

from publishing.languages import text_direction

logger = logging.getLogger(__name__)

T = TypeVar("T")  # what a render in a child process hands back (PDF bytes, a page count)

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

# Bump when the renderer's own behaviour changes, to invalidate stored PDFs.
RENDERER_VERSION = "2"

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


# Screen PDFs are tagged for screen readers: structure, title, language.
ACCESSIBLE_VARIANT = "pdf/ua-1"


def lay_out(
    html: str, *, variant: str | None = None, font_config: weasyprint.text.fonts.FontConfiguration | None = None
) -> weasyprint.Document:
    """Lay an HTML document of ours out in pages, without writing the PDF yet.

    Callers that fit a text to its pages read `document.pages`; documents laid
    out with one `font_config` can be written as one PDF (one set of font subsets).
    """
    source = weasyprint.HTML(string=html, base_url=render_base_url(), url_fetcher=LocalFilesFetcher())
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


# What a render child is forked from decides how much it starts with: a
# parent that has never rendered hands every child a cold WeasyPrint (fonts
# to load, the layout machinery to import, the print-shop profile to
# compress), which cost more than laying the leaflet out. So the parent lays
# out one small document of ours, once, before its first fork: Latin and
# Arabic in our fonts, the tract stylesheet and the print-shop output intent.
# Built here, not from a version, so that warming never reads the database.
WARM_UP_DOCUMENT = """<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>Échauffement</title>
<link rel="stylesheet" href="/static/print/tract.css">
<style>
  @page { size: 148mm 210mm; margin: 11mm; bleed: 3mm; }
  @color-profile device-cmyk { src: url("/static/print/icc/ISOcoated_v2_eci.icc"); components: C, M, Y, K; }
</style></head>
<body class="a5 print-shop">
  <div class="kicker"><span>Collectif</span><span>1 janvier 2026</span></div>
  <h1>Non au score</h1><p class="subtitle">Un tract pour <em>chauffer</em> le moteur.</p>
  <div class="body"><p>Les allocataires sont <strong>notés</strong> en secret.</p>
  <p lang="ar" dir="rtl">لا للتنقيط <strong>السري</strong> للمستفيدين.</p>
  <ul><li>Un point</li></ul><blockquote><p>Une citation.</p></blockquote></div>
  <div class="legal">Ne pas jeter sur la voie publique.</div>
</body></html>"""
WARM_UP_VARIANT = "pdf/x-4"

_warm_lock = threading.Lock()
_warmed = False


def warm_renderer() -> None:
    """Render the warm-up document in this process, once (a second call does nothing).

    Called before the first render child is forked (never at import time, so
    that processes and tests that render nothing pay nothing). Threads wait
    for the first one's warm-up, so none forks a child halfway through it.
    A failed warm-up is logged and not tried again: renders then start cold.
    """
    global _warmed
    if _warmed:
        return
    with _warm_lock:
        if _warmed:
            return
        try:
            render_pdf(WARM_UP_DOCUMENT, variant=WARM_UP_VARIANT)
            _load_hyphenation_dictionaries()
            _build_glyph_arrays_without_parsing()
        except Exception:
            logger.exception("The PDF renderer could not be warmed up; renders start cold")
        _warmed = True


def _load_hyphenation_dictionaries() -> None:
    """Load the hyphenation dictionary of every site language (20 ms each,
    kept by pyphen for the process) instead of once in every child."""
    for code, _name in settings.LANGUAGES:
        if pyphen.language_fallback(code):
            pyphen.Pyphen(lang=code)


class _GlyphArrayTypes(dict):
    """cffi's cache of parsed C types, which builds `hb_codepoint_t[N]` itself.

    WeasyPrint subsets each font with arrays typed `hb_codepoint_t[N]`, N
    being that document's glyph count: a new type for cffi, which parses
    each new type string with pycparser (3.4 ms). Every render child paid it
    six to eight times, a fifth of an A5 render; this builds the same array
    type from the element type directly.
    """

    def __init__(self, ffi, parsed: dict) -> None:
        super().__init__(parsed)
        self._ffi = ffi
        self._pointer = ffi._backend.new_pointer_type(ffi.typeof("hb_codepoint_t"))

    def __missing__(self, key):
        match = re.fullmatch(r"hb_codepoint_t\[(\d+)\]", key) if isinstance(key, str) else None
        if match is None:
            raise KeyError(key)
        self[key] = (self._ffi._backend.new_array_type(self._pointer, int(match[1])), False)
        return self[key]


def _build_glyph_arrays_without_parsing() -> None:
    if not isinstance(weasyprint_ffi._parsed_types, _GlyphArrayTypes):
        weasyprint_ffi._parsed_types = _GlyphArrayTypes(weasyprint_ffi, weasyprint_ffi._parsed_types)


def online_address(version) -> str:
    """Where a language version is read online, as its PDF prints it (absolute)."""
    return settings.SITE_URL + version.get_absolute_url()


def print_document(template: str, version, context: dict, site_settings=None) -> str:
    """The HTML WeasyPrint makes a version's PDF of, rendered in the version's
    language with what every print template uses (`print/document.html`): its
    direction, the site's name and the version's address online. A caller that
    has loaded `site_settings` already passes them."""
    from publishing.models import SiteSettings  # the models' module imports this one's users

    site_settings = site_settings or SiteSettings.load()
    with translation.override(version.language):
        return render_to_string(
            template,
            {
                "version": version,
                "direction": text_direction(version.language),
                "site_name": site_settings.site_name,
                "online_url": online_address(version),
            }
            | context,
        )


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


def render_environment() -> str:
    """A short hash of what shapes every PDF besides its content: renderer,
    WeasyPrint, fonts and print stylesheets, the site's address.

    Fingerprints kept on the versions were computed under one environment;
    when it changes (a new stylesheet deployed), they are computed again.
    """
    digest = hashlib.sha256()
    for part in (RENDERER_VERSION, weasyprint.__version__, print_assets_digest(), settings.SITE_URL):
        digest.update(part.encode())
        digest.update(b"\x00")
    return digest.hexdigest()[:16]


class RenderFailed(Exception):
    """A PDF could not be rendered within the limits; `message` says why, for organisers."""

    MEMORY = "memory"
    TIME = "time"
    CRASH = "crash"
    ERROR = "error"

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail

    @property
    def message(self) -> str:
        return failure_message(self.reason, self.detail)


def failure_message(reason: str, detail: str = "") -> str:
    """Why a render failed, in the active language."""
    if reason == RenderFailed.MEMORY:
        return _("it needed more than %(limit)d MB of memory") % {"limit": settings.PDF_RENDER_MEMORY_MB}
    if reason == RenderFailed.TIME:
        return _("it took longer than %(limit)d seconds") % {"limit": settings.PDF_RENDER_TIMEOUT}
    if reason == RenderFailed.CRASH:
        return _("the renderer stopped unexpectedly")
    return _("the renderer gave up (%(detail)s)") % {"detail": detail or "?"}


# Set while the worker renders: a render that ran out of time under load is
# tried again there (never by a web process, which answers from the record).
_retrying_time_outs: ContextVar[bool] = ContextVar("retrying_time_outs", default=False)


@contextmanager
def retrying_time_outs() -> Iterator[None]:
    token = _retrying_time_outs.set(True)
    try:
        yield
    finally:
        _retrying_time_outs.reset(token)


def recent_failure(fingerprint: str):
    """The record of this PDF's failed render, unless it is old enough to try
    again. A time-out is tried again only by the worker (with its back-off),
    never by a web process, however old."""
    from publishing.models import PDFRenderFailure

    since = timezone.now() - timedelta(seconds=settings.PDF_RENDER_RETRY_AFTER)
    failures = PDFRenderFailure.objects.filter(fingerprint=fingerprint)
    if _retrying_time_outs.get():
        failures = failures.filter(failed_at__gte=since).exclude(reason=RenderFailed.TIME)
    else:
        failures = failures.filter(Q(failed_at__gte=since) | Q(reason=RenderFailed.TIME))
    return failures.first()


def record_failure(fingerprint: str, error: RenderFailed) -> None:
    from publishing.models import PDFRenderFailure

    logger.warning("PDF %s failed to render: %s", fingerprint, error)
    PDFRenderFailure.objects.update_or_create(
        fingerprint=fingerprint,
        defaults={"reason": error.reason, "detail": error.detail[:200], "failed_at": timezone.now()},
    )


# True in a render's child process (nested renders run there directly).
_in_render_child = False


def in_render_child() -> bool:
    return _in_render_child


# SQLite's own rule: never carry an open database connection across fork().
# A render child is forked from one thread of a threaded server or worker;
# the connections of the other threads come along in its memory, unreachable
# once the child has only the forking thread. Left to the child's garbage
# collector, such a connection is closed there, and closing a connection
# rolls back its open transaction: SQLite played the parent's rollback
# journal back into the shared database file and deleted it, so the
# parent's COMMIT failed with "disk I/O error" (SQLITE_IOERR_DELETE_NOENT).
# So every connection of the parent is referenced (pinned) across the fork,
# never closed nor used in the child, and the child opens none of its own.
_open_wrappers: "weakref.WeakSet" = weakref.WeakSet()
_inherited_connections: list = []
_fork_lock = threading.Lock()


def _remember_wrapper(sender, connection, **kwargs) -> None:
    _open_wrappers.add(connection)


connection_created.connect(_remember_wrapper)


class DatabaseUsedInRender(RuntimeError):
    """A render child tried to reach the database (it must get everything from its parent)."""


def _refuse_connection(*args, **kwargs):
    raise DatabaseUsedInRender("a PDF render may not use the database")


# How long a child may take to hand back its result once it has said it is done.
_RESULT_GRACE_SECONDS = 5


def render_in_child(render: Callable[[], T]) -> T:
    """Run `render` in a forked child under PDF_RENDER_MEMORY_MB and PDF_RENDER_TIMEOUT.

    Forking keeps the render callable as it is (a closure over its HTML) and
    costs a few milliseconds; the parent only waits, reads the bytes and
    kills the child when time is up. `render` must not use the database.
    """
    if _in_render_child:
        return render()
    warm_renderer()
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(
        target=_child_main, args=(render, sender, receiver, os.getpid()), name="collectif-pdf-render"
    )
    with _fork_lock:
        _inherited_connections[:] = [wrapper.connection for wrapper in list(_open_wrappers) if wrapper.connection]
        try:
            child.start()
        finally:
            _inherited_connections.clear()
    sender.close()
    try:
        if not receiver.poll(settings.PDF_RENDER_TIMEOUT):
            raise RenderFailed(RenderFailed.TIME)
        try:
            status, payload = receiver.recv()
        except (EOFError, OSError):
            child.join(_RESULT_GRACE_SECONDS)
            # Killed by the kernel (memory) or by a signal: no result at all.
            raise RenderFailed(RenderFailed.CRASH, f"exit code {child.exitcode}")
    finally:
        receiver.close()
        if child.is_alive():
            child.join(0.1 if child.exitcode is None else 0)
        if child.is_alive():
            child.kill()
        child.join()
    if status != "ok":
        raise RenderFailed(status, payload)
    return payload


def _child_main(render: Callable[[], bytes], sender, receiver, parent_pid: int) -> None:
    global _in_render_child
    _in_render_child = True
    # A child outlives no parent (a worker killed with SIGKILL left one at
    # 300 MB for ever), and holds only its own end of the pipe.
    _die_with_parent(parent_pid)
    receiver.close()
    # The parent's connections stay referenced in `_inherited_connections`
    # (copied with the memory); this thread's wrappers forget theirs and may
    # not open another.
    for wrapper in connections.all():
        wrapper.connection = None
        wrapper.connect = _refuse_connection
    # WeasyPrint keeps a font folder in the temporary directory and removes it
    # when its objects are finalised, which a child ending with os._exit never
    # does: 18,712 folders of 4.2 MB filled a disk. The child's temporary files
    # go in a folder of its own, removed before it ends.
    own_temp = tempfile.mkdtemp(prefix="collectif-render-")
    tempfile.tempdir = own_temp
    _limit_memory(settings.PDF_RENDER_MEMORY_MB)
    try:
        result = ("ok", render())
    except MemoryError:
        result = (RenderFailed.MEMORY, "")
    except BaseException as error:  # everything is reported to the parent
        result = (RenderFailed.ERROR, f"{type(error).__name__}: {str(error)[:150]}")
    finally:
        shutil.rmtree(own_temp, ignore_errors=True)
    try:
        sender.send(result)
    except MemoryError:
        sender.send((RenderFailed.MEMORY, ""))
    sender.close()


_PR_SET_PDEATHSIG = 1


def _die_with_parent(parent_pid: int) -> None:
    """Ask Linux to kill this process when its parent dies; exit now if it already has."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)  # the C library already loaded (no lookup, no subprocess)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass  # not Linux: the wall-clock limit in the parent still applies
    if os.getppid() != parent_pid:
        os._exit(1)


def _limit_memory(megabytes: int) -> None:
    """Cap the child's address space at what it inherited plus `megabytes`."""
    try:
        with open("/proc/self/statm") as statm:
            inherited = int(statm.read().split()[0]) * resource.getpagesize()
    except OSError:
        return  # not Linux: the wall-clock limit still applies
    limit = inherited + megabytes * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
