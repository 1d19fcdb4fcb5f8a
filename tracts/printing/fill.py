"""How full a leaflet's pages are, and the last page's leftover room shared out.

The fill of a page is how far down its text area the lowest content box
reaches (the legal footer, in the bottom margin, not counted): 1 is a page
filled to the foot of its text area. It is measured twice: on WeasyPrint's
laid-out document while fitting (`document_fills`), and on the written PDF
for the render record and the tests (`pdf_fills`).
"""

from collections.abc import Iterator

import pypdfium2 as pdfium
import weasyprint
from weasyprint.formatting_structure import boxes

from tracts.printing.formats import MM_PER_POINT, SPREAD_GAP_LINES, LeafletSize

# Pixels are CSS pixels in WeasyPrint's boxes, points in the PDF.
POINTS_PER_MM = 1 / MM_PER_POINT


def _in_flow(box: boxes.Box) -> Iterator[boxes.Box]:
    """The content boxes of a page (its margin boxes, which hold the legal footer, left out)."""
    for child in box.all_children():
        if isinstance(child, boxes.MarginBox):
            continue
        yield child
        yield from _in_flow(child)


def _lowest(page_box: boxes.PageBox) -> float:
    lowest = page_box.content_box_y()
    for box in _in_flow(page_box):
        if box.height == "auto" or isinstance(box, boxes.TextBox):
            continue
        bottom = box.position_y + box.margin_height() - box.margin_bottom
        lowest = max(lowest, bottom)
    return lowest


def document_fills(document: weasyprint.Document) -> list[float]:
    """The fill of each page of a laid-out document (may pass 1 on an overfull page)."""
    fills = []
    for page in document.pages:
        page_box = page._page_box  # WeasyPrint keeps the box tree of each page here
        fills.append((_lowest(page_box) - page_box.content_box_y()) / page_box.height)
    return fills


def pdf_fills(rendered: bytes, size: LeafletSize) -> list[float]:
    """The fill of each page of a leaflet's PDF, measured on its drawn objects
    within the trim box (crop marks and the bleed left out)."""
    document = pdfium.PdfDocument(rendered)
    fills = []
    for page in document:
        left, bottom, right, top = page.get_trimbox()
        area_top = top - size.margin_mm * POINTS_PER_MM
        area_bottom = bottom + size.margin_bottom_mm * POINTS_PER_MM
        lowest = area_top
        for drawn in page.get_objects():
            x0, y0, x1, y1 = drawn.get_bounds()
            outside = x1 <= left or x0 >= right or y1 <= bottom or y0 >= top
            in_footer = y1 <= area_bottom + 0.5
            if not outside and not in_footer:
                lowest = min(lowest, y0)
        fills.append(round((area_top - lowest) / (area_top - area_bottom), 3))
    return fills


def _has_class(box: boxes.Box, name: str) -> bool:
    element = getattr(box, "element", None)
    return element is not None and name in (element.get("class") or "").split()


def _blocks_of_last_page(page_box: boxes.PageBox) -> list[boxes.Box]:
    """The blocks one under the other on a page: the body's paragraphs
    (headings, lists, pictures) and the call to action."""
    found: list[boxes.Box] = []
    for box in _in_flow(page_box):
        # Paragraphs in columns are not moved: each column would drift on its own.
        if _has_class(box, "body") and box.style["column_count"] == "auto":
            found.extend(child for child in box.children if isinstance(child, boxes.BlockLevelBox))
        elif _has_class(box, "contact") and isinstance(box, boxes.BlockLevelBox):
            found.append(box)
    return found


def spread_last_page(document: weasyprint.Document) -> None:
    """Share the room left at the foot of the last page between its blocks.

    Each gap between two blocks grows by at most SPREAD_GAP_LINES lines; what
    is left goes above the call to action, which then ends at the foot of the
    text area. Moves the laid-out boxes: no new layout.
    """
    page_box = document.pages[-1]._page_box
    leftover = page_box.content_box_y() + page_box.height - _lowest(page_box) - 0.5
    blocks = _blocks_of_last_page(page_box)
    if leftover <= 0 or len(blocks) < 2:
        return
    root_style = page_box.children[0].style
    line = root_style["font_size"] * 1.33
    contact_last = _has_class(blocks[-1], "contact")
    gaps = len(blocks) - 1 - (1 if contact_last else 0)
    per_gap = min(SPREAD_GAP_LINES * line, leftover / max(gaps, 1)) if gaps else 0
    shift = 0.0
    for index, block in enumerate(blocks[1:], start=1):
        if contact_last and index == len(blocks) - 1:
            shift = leftover
        else:
            shift += per_gap
        block.translate(0, shift)
