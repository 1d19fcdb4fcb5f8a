"""Print production on rendered PDFs: sequences, imposition and crop marks.

WeasyPrint renders one copy of a document; placing copies on sheets and
drawing crop marks is done here, with pypdf, on the rendered file.
"""

import io
from dataclasses import dataclass

from pypdf import PageObject, PdfReader, PdfWriter, Transformation
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    RectangleObject,
    TextStringObject,
)

MM = 72 / 25.4  # PDF points per millimetre


def page_count(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def _to_bytes(writer: PdfWriter) -> bytes:
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def concatenate(documents: list[bytes]) -> bytes:
    """The pages of each document, one document after the other."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(documents[0])))
    for document in documents[1:]:
        writer.append(PdfReader(io.BytesIO(document)))
    return _to_bytes(writer)


@dataclass(frozen=True)
class Sheet:
    """A sheet of paper holding columns × rows copies of a page."""

    width_mm: float
    height_mm: float
    columns: int
    rows: int


def _stream(writer: PdfWriter, operators: str) -> object:
    stream = DecodedStreamObject()
    stream.set_data(operators.encode("ascii"))
    return writer._add_object(stream)


def impose(document: bytes, sheet: Sheet) -> bytes:
    """Each page of `document` repeated on a sheet of its own, with cut lines.

    Every page fills a whole sheet with identical copies, so a two-page tract
    printed double-sided gives fronts backed by their backs whichever way the
    printer turns the sheet, and one cut (two for four copies) finishes it.
    """
    reader = PdfReader(io.BytesIO(document))
    writer = PdfWriter()
    sheet_width, sheet_height = sheet.width_mm * MM, sheet.height_mm * MM
    cell_width, cell_height = sheet_width / sheet.columns, sheet_height / sheet.rows
    for page in reader.pages:
        trim = page.trimbox
        page_width, page_height = float(trim.width), float(trim.height)
        output = PageObject.create_blank_page(width=sheet_width, height=sheet_height)
        for row in range(sheet.rows):
            for column in range(sheet.columns):
                # Centre each copy in its cell; PDF rows count from the bottom.
                x = column * cell_width + (cell_width - page_width) / 2 - float(trim.left)
                y = sheet_height - (row + 1) * cell_height + (cell_height - page_height) / 2 - float(trim.bottom)
                output.merge_transformed_page(page, Transformation().translate(x, y))
        writer.add_page(output)
        _draw(writer, writer.pages[-1], _cut_lines(sheet, sheet_width, sheet_height))
    return _to_bytes(writer)


def _cut_lines(sheet: Sheet, width: float, height: float) -> str:
    """Light grey dashed lines where the sheet is cut, between the copies."""
    lines = []
    for column in range(1, sheet.columns):
        x = width * column / sheet.columns
        lines.append(f"{x:.2f} 0 m {x:.2f} {height:.2f} l S")
    for row in range(1, sheet.rows):
        y = height * row / sheet.rows
        lines.append(f"0 {y:.2f} m {width:.2f} {y:.2f} l S")
    return "q 0.6 G 0.3 w [3 3] 0 d " + " ".join(lines) + " Q"


def _draw(writer: PdfWriter, page: PageObject, operators: str) -> None:
    """Append vector drawing to a page, isolated from the page's own graphics state."""
    contents = page.get("/Contents")
    existing = list(contents.get_object()) if isinstance(contents.get_object(), ArrayObject) else [contents]
    page[NameObject("/Contents")] = ArrayObject(
        [_stream(writer, "q\n"), *existing, _stream(writer, "\nQ\n" + operators + "\n")]
    )


@dataclass(frozen=True)
class OutputCondition:
    """A registered printing condition, named in a PDF/X output intent."""

    identifier: str  # e.g. "FOGRA39"
    description: str
    registry: str = "http://www.color.org"


def prepare_for_print_shop(
    document: bytes, *, bleed_mm: float, offset_mm: float, length_mm: float, condition: OutputCondition
) -> bytes:
    """Widen each page beyond its bleed, draw crop marks there, name the output intent.

    WeasyPrint's own marks sit inside the bleed area, where they would be
    printed on the background that runs into it; print shops want them
    outside. The MediaBox grows around the BleedBox and the marks are drawn
    in registration colour (all four inks) on the trim lines.
    """
    if offset_mm <= bleed_mm:
        raise ValueError("Crop marks must stand outside the bleed.")
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(document)))
    _name_output_intent(writer, condition)
    margin = (offset_mm + length_mm + 2) * MM
    offset, length = offset_mm * MM, length_mm * MM
    for page in writer.pages:
        trim = page.trimbox
        left, bottom, right, top = (float(v) for v in (trim.left, trim.bottom, trim.right, trim.top))
        media = RectangleObject([left - margin, bottom - margin, right + margin, top + margin])
        page.mediabox = media
        page.cropbox = media
        marks = []
        for x in (left, right):
            for y, direction in ((bottom, -1), (top, 1)):
                marks.append(
                    f"{x:.2f} {y + direction * offset:.2f} m {x:.2f} {y + direction * (offset + length):.2f} l"
                )
        for y in (bottom, top):
            for x, direction in ((left, -1), (right, 1)):
                marks.append(
                    f"{x + direction * offset:.2f} {y:.2f} m {x + direction * (offset + length):.2f} {y:.2f} l"
                )
        _draw(writer, page, "q 1 1 1 1 K 0.25 w " + " S ".join(marks) + " S Q")
    return _to_bytes(writer)


def _name_output_intent(writer: PdfWriter, condition: OutputCondition) -> None:
    # WeasyPrint names the intent after the profile's description; print
    # shops' preflight checks look for the registered condition.
    for reference in writer.root_object.get("/OutputIntents", []):
        intent = reference.get_object()
        if isinstance(intent, DictionaryObject):
            intent[NameObject("/OutputConditionIdentifier")] = TextStringObject(condition.identifier)
            intent[NameObject("/OutputCondition")] = TextStringObject(condition.description)
            intent[NameObject("/RegistryName")] = TextStringObject(condition.registry)
