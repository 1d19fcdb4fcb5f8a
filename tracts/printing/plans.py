"""What each PDF of a version is: its fingerprint (kept on the version), its download name and its render plan.

Nothing here renders: a plan says how, `render.ensure_tract_pdf()` does it.
"""

from dataclasses import replace

from publishing import pdf
from publishing.pdf import store
from publishing.pdf.store import PDFPlan, PDFSource
from tracts import prepress
from tracts.models import TractVersion
from tracts.printing.formats import BILINGUAL_FORMATS, PRINT_FORMATS, LeafletSize, PrintFormat
from tracts.printing.leaflet import leaflet_html, poster_html, render_leaflets


def _leaflet_plan(version: TractVersion, size: LeafletSize, print_shop: bool, poster: bool = False) -> PDFPlan:
    html = (poster_html if poster else leaflet_html)(version, size, print_shop=print_shop)
    return PDFPlan(
        # The size too: its fitting bounds shape the PDF and are not in the HTML.
        fingerprint=pdf.fingerprint("poster" if poster else "leaflet", html, repr(size)),
        filename="",
        render=lambda: render_leaflets([html], size, print_shop, [version.language]),
    )


def _leaflet_key(print_format: PrintFormat) -> str:
    """The key of a format's leaflet among a version's stored fingerprints."""
    return f"leaflet-{print_format.size.name}{'-pro' if print_format.print_shop else ''}"


def _format_fingerprint(print_format: PrintFormat, leaflet_fingerprints: list[str]) -> str:
    """A format's fingerprint from its leaflets' (a lone leaflet is its own file)."""
    if len(leaflet_fingerprints) == 1 and print_format.single_copy:
        return leaflet_fingerprints[0]
    return pdf.fingerprint(print_format.name, *leaflet_fingerprints)


def _single_of(print_format: PrintFormat) -> PrintFormat:
    """The single copy (home printing) that a sheet of copies or a tiled poster is made from."""
    return next(
        other
        for other in PRINT_FORMATS.values()
        if other.size == print_format.size and other.single_copy and not other.print_shop
    )


def compute_pdf_fingerprints(version: TractVersion) -> dict[str, str]:
    """Every format's fingerprint for `version`, and its leaflets' (for bilingual sheets)."""
    leaflets: dict[str, str] = {}
    for print_format in PRINT_FORMATS.values():
        key = _leaflet_key(print_format)
        if key not in leaflets:
            leaflets[key] = _leaflet_plan(
                version, print_format.size, print_format.print_shop, print_format.poster
            ).fingerprint
    formats = {
        name: _format_fingerprint(print_format, [leaflets[_leaflet_key(print_format)]])
        for name, print_format in PRINT_FORMATS.items()
    }
    return leaflets | formats


def pdf_fingerprints(version: TractVersion) -> dict[str, str]:
    """The fingerprints kept on the version, computed again (and kept) when out of date."""
    kept = version.current_pdf_fingerprints()
    if kept is not None:
        return kept
    return version.keep_pdf_fingerprints(compute_pdf_fingerprints(version))


def current_fingerprint(version: TractVersion, print_format: PrintFormat, verso: TractVersion | None = None) -> str:
    """The fingerprint of this PDF as it is now: a lookup in what the version keeps."""
    fingerprints = pdf_fingerprints(version)
    if verso is None:
        return fingerprints[print_format.name]
    key = _leaflet_key(print_format)
    return _format_fingerprint(print_format, [fingerprints[key], pdf_fingerprints(verso)[key]])


def tract_pdf_filename(version: TractVersion, print_format: PrintFormat, verso: TractVersion | None = None) -> str:
    return version.pdf_filename(print_format.name, verso)


def tract_pdf_plan(version: TractVersion, print_format: PrintFormat, verso: TractVersion | None = None) -> PDFPlan:
    """The PDF of `version` in `print_format`, with `verso`'s pages after its own if given.

    Its fingerprint is the one `current_fingerprint` reads from what the
    versions keep: made from the fingerprints of the leaflets it holds.
    """
    filename = tract_pdf_filename(version, print_format, verso)
    source = PDFSource.of(version, print_format.name, verso)
    size, print_shop = print_format.size, print_format.print_shop
    versions = [v for v in (version, verso) if v]
    leaflets = [_leaflet_plan(v, size, print_shop, print_format.poster) for v in versions]
    fingerprint = _format_fingerprint(print_format, [leaflet.fingerprint for leaflet in leaflets])
    if not print_format.single_copy:
        # Copies on a sheet (imposed) or a poster in pieces (tiled): made from
        # the single copy (or bilingual sheet) of the same size.
        single = tract_pdf_plan(version, _single_of(print_format), verso)

        def finish() -> bytes:
            rendered = store.read_stored(single)
            if print_format.tiles is not None:
                return prepress.tile(rendered, print_format.tiles)
            assert print_format.sheet is not None  # not a single copy: tiled or on a sheet
            return prepress.impose(rendered, print_format.sheet)

        return PDFPlan(fingerprint=fingerprint, filename=filename, render=finish, source=source, requires=(single,))
    if verso is None:
        return replace(leaflets[0], filename=filename, source=source)
    # Both sides laid out in one pass: one set of font subsets, one profile.
    htmls = [leaflet_html(v, size, print_shop=print_shop) for v in versions]
    return PDFPlan(
        fingerprint=fingerprint,
        filename=filename,
        render=lambda: render_leaflets(htmls, size, print_shop, [v.language for v in versions]),
        source=source,
    )


def files_named_by(versions: list[TractVersion], fingerprints_of) -> set[str]:
    """Every file these versions' fingerprints (`fingerprints_of(version)`:
    format or leaflet → fingerprint) name: their own, and the bilingual
    sheet of every pair, offered or not."""
    kept = {version.pk: fingerprints_of(version) for version in versions}
    names = {fingerprint for fingerprints in kept.values() for fingerprint in fingerprints.values()}
    for front_pk, front in kept.items():
        for back_pk, back in kept.items():
            for name in BILINGUAL_FORMATS if front_pk != back_pk else ():
                key = _leaflet_key(PRINT_FORMATS[name])
                if key in front and key in back:
                    names.add(_format_fingerprint(PRINT_FORMATS[name], [front[key], back[key]]))
    return names
