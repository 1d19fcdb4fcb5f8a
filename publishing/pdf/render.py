"""Our HTML laid out and written as PDF by WeasyPrint, and the warm-up that
makes a render child start warm.
"""

import hashlib
import logging
import re
import threading
import zlib

import pydyf
import pyphen
import weasyprint
import weasyprint.text.fonts
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from weasyprint.text.ffi import ffi as weasyprint_ffi

from publishing.languages import text_direction
from publishing.pdf.fetcher import LocalFilesFetcher, render_base_url

logger = logging.getLogger(__name__)

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


def print_document(template: str, version, context: dict, site_settings) -> str:
    """The HTML WeasyPrint makes a version's PDF of, rendered in the version's
    language with what every print template uses (`print/document.html`): its
    direction, the site's name (`site_settings`, loaded by the caller, which
    also prints its legal mentions) and the version's address online."""
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
