"""Our HTML laid out and written as PDF by WeasyPrint, and the warm-up that
makes a render child start warm.
"""

import hashlib
import html as html_entities
import logging
import re
import threading
import weakref
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin

import pydyf
import pyphen
import weasyprint
import weasyprint.text.fonts
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from weasyprint.css.counters import CounterStyle
from weasyprint.text.ffi import ffi as weasyprint_ffi
from weasyprint.urls import URLFetchingError

from publishing.languages import text_direction
from publishing.pdf.fetcher import STATIC_PREFIX, LocalFilesFetcher, render_base_url
from publishing.pdf.fingerprints import print_assets_digest
from publishing.typography import spaced_for

logger = logging.getLogger(__name__)

# Screen PDFs are tagged for screen readers: structure, title, language.
ACCESSIBLE_VARIANT = "pdf/ua-1"


def lay_out(
    html: str, *, variant: str | None = None, font_config: weasyprint.text.fonts.FontConfiguration | None = None
) -> weasyprint.Document:
    """Lay an HTML document of ours out in pages, without writing the PDF yet.

    Callers that fit a text to its pages read `document.pages`; documents laid
    out with one `font_config` can be written as one PDF (one set of font
    subsets), and share the print stylesheets parsed for it.
    """
    font_config = font_config or font_configuration()
    fetcher = LocalFilesFetcher()
    parsed = _parsed_for(font_config)
    color_profiles = dict(parsed.color_profiles)
    page, stylesheets = _own_stylesheets(html, font_config, parsed, color_profiles, fetcher)
    source = weasyprint.HTML(string=page, base_url=render_base_url(), url_fetcher=fetcher)
    return source.render(
        font_config=font_config,
        counter_style=parsed.counter_style,
        color_profiles=color_profiles,
        stylesheets=stylesheets,
        pdf_variant=variant,
    )


# A print stylesheet (2,000 declarations with the fonts it imports) took a
# tenth of an A5 render to parse, again for every layout of a fitting. So the
# stylesheets a document's head names are parsed once per font configuration
# and handed to WeasyPrint with its own <style> blocks, in the head's order.
# All of them as the "user" origin, so that they keep the cascade they had
# between themselves as author sheets (our print documents carry no style
# attribute for them to give way to).
_HEAD_STYLESHEET = re.compile(r'<link rel="stylesheet" href="(?P<href>[^"]+)">|<style>(?P<css>.*?)</style>', re.S)


@dataclass
class _ParsedStylesheets:
    """What the print stylesheets registered while parsed under one font configuration."""

    sheets: dict[tuple[str, str], weasyprint.CSS] = field(default_factory=dict)  # (address, assets digest) →
    counter_style: CounterStyle = field(default_factory=CounterStyle)
    color_profiles: dict = field(default_factory=dict)


_parsed_stylesheets: "weakref.WeakKeyDictionary[weasyprint.text.fonts.FontConfiguration, _ParsedStylesheets]" = (
    weakref.WeakKeyDictionary()
)


def _parsed_for(font_config: weasyprint.text.fonts.FontConfiguration) -> _ParsedStylesheets:
    return _parsed_stylesheets.setdefault(font_config, _ParsedStylesheets())


def _own_stylesheets(
    html: str, font_config, parsed: _ParsedStylesheets, color_profiles: dict, fetcher: LocalFilesFetcher
) -> tuple[str, list[weasyprint.CSS]]:
    """`html` without the stylesheets of its head, and those stylesheets parsed."""
    head_end = html.find("</head>")
    if head_end < 0:
        return html, []
    head = _HEAD_STYLESHEET.sub("", html[:head_end])
    if "<style" in head or "<link" in head:
        # A stylesheet written otherwise: all are left to WeasyPrint, so that
        # none is set apart from the others in the cascade.
        return html, []
    stylesheets = []
    for match in _HEAD_STYLESHEET.finditer(html, 0, head_end):
        if match["href"] is not None:
            sheet = _linked_stylesheet(html_entities.unescape(match["href"]), font_config, parsed, fetcher)
            if sheet is not None:
                stylesheets.append(sheet)
        else:
            stylesheets.append(
                weasyprint.CSS(
                    string=match["css"],
                    base_url=render_base_url(),
                    url_fetcher=fetcher,
                    font_config=font_config,
                    counter_style=parsed.counter_style,
                    color_profiles=color_profiles,
                )
            )
    return head + html[head_end:], stylesheets


def _linked_stylesheet(
    href: str, font_config, parsed: _ParsedStylesheets, fetcher: LocalFilesFetcher
) -> weasyprint.CSS | None:
    url = urljoin(render_base_url(), href)
    key = (url, print_assets_digest())  # the digest changes when a print stylesheet or font does
    if key not in parsed.sheets:
        try:
            parsed.sheets[key] = weasyprint.CSS(
                url=url,
                url_fetcher=fetcher,
                font_config=font_config,
                counter_style=parsed.counter_style,
                color_profiles=parsed.color_profiles,
                _check_mime_type=True,
            )
        except URLFetchingError:
            logger.error("A print document names a stylesheet that cannot be read: %.200s", url)
            return None
    return parsed.sheets[key]


# A render child is single-threaded and lives for one render: it renders with
# the font configuration its parent warmed, fonts registered and loaded and
# stylesheets parsed. Anywhere else each render makes its own: Pango's font
# map is not to be shared between threads.
_warm_font_config: weasyprint.text.fonts.FontConfiguration | None = None
_warm_font_files: list[Path] = []  # where it keeps our fonts (the temporary folder)
_adopted_font_config: weasyprint.text.fonts.FontConfiguration | None = None


def font_configuration() -> weasyprint.text.fonts.FontConfiguration:
    """The font configuration of one render (the documents written into one PDF share it)."""
    return _adopted_font_config or weasyprint.text.fonts.FontConfiguration()


def adopt_warm_fonts() -> None:
    """In a render child just forked: render with the fonts the parent warmed,
    unless their files have gone (a cleaner of old temporary files): then
    with fonts of its own, as a cold render does."""
    global _adopted_font_config
    if _warm_font_config is not None and all(path.is_file() for path in _warm_font_files):
        _adopted_font_config = _warm_font_config


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


def _print_stylesheets() -> list[str]:
    """The address of every print stylesheet of ours ("/static/print/….css")."""
    found = {
        path.name for static_dir in settings.STATICFILES_DIRS for path in (Path(static_dir) / "print").glob("*.css")
    }
    return [f"{STATIC_PREFIX}print/{name}" for name in sorted(found)]


# What a render child is forked from decides how much it starts with: a
# parent that has never rendered hands every child a cold WeasyPrint (fonts
# to load, the layout machinery to import, the print-shop profile to
# compress), which cost more than laying the leaflet out. So the parent lays
# out one small document of ours, once, before its first fork: Latin and
# Arabic in our fonts, the tract stylesheet and the print-shop output intent,
# with the font configuration its children adopt, under which it also parses
# every print stylesheet. Built here, not from a version, so that warming
# never reads the database.
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
# What the apps add to the warm-up (their ready() registers it): work each of
# their renders would otherwise do again in every child.
_app_warm_ups: list[Callable[[], object]] = []


def also_warm(warm_up: Callable[[], object]) -> None:
    """Have the renderer's warm-up also run `warm_up`, once per process."""
    _app_warm_ups.append(warm_up)


def warm_renderer() -> None:
    """Render the warm-up document in this process, once (a second call does nothing).

    Called before the first render child is forked (never at import time, so
    that processes and tests that render nothing pay nothing). Threads wait
    for the first one's warm-up, so none forks a child halfway through it.
    A failed warm-up is logged and not tried again: renders then start cold.
    """
    global _warmed, _warm_font_config, _warm_font_files
    if _warmed:
        return
    with _warm_lock:
        if _warmed:
            return
        try:
            font_config = weasyprint.text.fonts.FontConfiguration()
            document = lay_out(WARM_UP_DOCUMENT, variant=WARM_UP_VARIANT, font_config=font_config)
            write_pdf(document, variant=WARM_UP_VARIANT)
            fetcher = LocalFilesFetcher()
            for href in _print_stylesheets():
                _linked_stylesheet(href, font_config, _parsed_for(font_config), fetcher)
            folder = getattr(font_config, "_folder", None)  # WeasyPrint's own, made for our @font-face rules
            _warm_font_files = sorted(Path(folder).iterdir()) if folder else []
            _warm_font_config = font_config
            _load_hyphenation_dictionaries()
            _build_glyph_arrays_without_parsing()
            for warm_up in _app_warm_ups:
                warm_up()
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
    also prints its legal mentions) and the version's address online; a
    French text with French spacing (`publishing.typography`)."""
    with translation.override(version.language):
        document = render_to_string(
            template,
            {
                "version": version,
                "direction": text_direction(version.language),
                "site_name": site_settings.site_name,
                "online_url": online_address(version),
            }
            | context,
        )
    # Typed with plain spaces, « citation » would break after its «.
    return spaced_for(version.language, document)
