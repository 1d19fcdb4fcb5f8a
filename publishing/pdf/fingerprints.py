"""A PDF's fingerprint: a hash of everything that shapes it.

The store (`publishing.pdf.store`) keeps each PDF under its fingerprint, so a
changed tract can never be served stale and an unchanged one is rendered
only once.
"""

import hashlib
import logging
from functools import lru_cache
from pathlib import Path

import weasyprint
import weasyprint.text.fonts
from django.conf import settings

logger = logging.getLogger(__name__)

# Bump when the renderer's own behaviour changes, to invalidate stored PDFs.
RENDERER_VERSION = "4"  # 4: tiled posters label their sheets in an embedded font

# Static folders whose files shape the PDFs (fonts, print stylesheets).
PRINT_ASSET_DIRS = ("fonts", "print")


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
