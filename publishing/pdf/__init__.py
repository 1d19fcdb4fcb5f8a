"""The PDF room shared by tracts and articles (and whatever prints next).

WeasyPrint turns our own HTML templates into PDF:

- `fetcher`: what a render may read (our static and media files, `data:`);
- `render`: laying out and writing a document, and the warm-up before forks;
- `sandbox`: every render in a child process under memory and time limits;
- `fingerprints`: a hash of everything that shapes a PDF;
- `store`: one stored file per fingerprint, rendered once, with its record;
- `preflight`: what a print shop checks in a file before accepting it.

The names below are what the apps use (`from publishing import pdf`,
`pdf.render_pdf(...)`); `store` and `preflight` read the database and are
imported on their own (`from publishing.pdf import store`).
"""

from publishing.pdf.fetcher import RENDER_BASE_URL, RENDER_HOST, LocalFilesFetcher, ResourceRefused, render_base_url
from publishing.pdf.fingerprints import fingerprint, print_assets_digest, render_environment
from publishing.pdf.render import (
    ACCESSIBLE_VARIANT,
    also_warm,
    font_configuration,
    lay_out,
    online_address,
    print_document,
    render_pdf,
    warm_renderer,
    write_pdf,
)
from publishing.pdf.sandbox import (
    DatabaseUsedInRender,
    RenderFailed,
    failure_message,
    in_render_child,
    retrying_time_outs,
)

__all__ = [
    "ACCESSIBLE_VARIANT",
    "RENDER_BASE_URL",
    "RENDER_HOST",
    "DatabaseUsedInRender",
    "LocalFilesFetcher",
    "RenderFailed",
    "ResourceRefused",
    "also_warm",
    "failure_message",
    "fingerprint",
    "font_configuration",
    "in_render_child",
    "lay_out",
    "online_address",
    "print_assets_digest",
    "print_document",
    "render_base_url",
    "render_environment",
    "render_pdf",
    "retrying_time_outs",
    "warm_renderer",
    "write_pdf",
]
