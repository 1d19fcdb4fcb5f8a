"""Print production on rendered leaflets: imposition, crop marks, print-shop files.

WeasyPrint renders one copy of a leaflet; placing copies on sheets (pypdf)
and finishing a print-shop file (pikepdf) is done here, on the rendered PDF.
"""

import io
from dataclasses import dataclass

import pikepdf
from pikepdf import Array, Dictionary, Name, Pdf
from pypdf import PageObject, PdfReader, PdfWriter, Transformation
from pypdf.generic import ArrayObject, DecodedStreamObject, NameObject

MM = 72 / 25.4  # PDF points per millimetre
# PDF/X-4 needs 1.6; pypdf would write 1.3.
MIN_PDF_VERSION = "1.6"


def page_count(pdf: bytes) -> int:
    with Pdf.open(io.BytesIO(pdf)) as document:
        return len(document.pages)


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
    The sheets keep the leaflet's title, language and metadata; its links,
    which would point at the wrong places once copies are moved, are dropped.
    """
    reader = PdfReader(io.BytesIO(document))
    writer = PdfWriter()
    sheet_width, sheet_height = sheet.width_mm * MM, sheet.height_mm * MM
    cell_width, cell_height = sheet_width / sheet.columns, sheet_height / sheet.rows
    for page in reader.pages:
        trim = page.trimbox
        page_width, page_height = float(trim.width), float(trim.height)
        sheet_page = PageObject.create_blank_page(width=sheet_width, height=sheet_height)
        for row in range(sheet.rows):
            for column in range(sheet.columns):
                # Centre each copy in its cell; PDF rows count from the bottom.
                x = column * cell_width + (cell_width - page_width) / 2 - float(trim.left)
                y = sheet_height - (row + 1) * cell_height + (cell_height - page_height) / 2 - float(trim.bottom)
                sheet_page.merge_transformed_page(page, Transformation().translate(x, y), over=True)
        writer.add_page(sheet_page)
        _draw(writer, writer.pages[-1], _cut_lines(sheet, sheet_width, sheet_height))
    output = io.BytesIO()
    writer.write(output)
    return _keep_metadata(output.getvalue(), document)


def _keep_metadata(sheets: bytes, leaflet: bytes) -> bytes:
    """Give imposed sheets the leaflet's title, language and XMP, and no annotation."""
    with Pdf.open(io.BytesIO(leaflet)) as source, Pdf.open(io.BytesIO(sheets)) as target:
        for page in target.pages:
            if Name.Annots in page.obj:
                del page.obj[Name.Annots]
        if Name.Lang in source.Root:
            target.Root.Lang = source.Root.Lang
        for key in (Name.Title, Name.Author, Name.Subject, Name.Keywords, Name.Creator, Name.Producer):
            if key in source.docinfo:
                target.docinfo[key] = source.docinfo[key]
        # XMP made from the document information: the leaflet's own XMP would
        # claim PDF/UA, which untagged sheets are not.
        with target.open_metadata(set_pikepdf_as_editor=False) as xmp:
            xmp.load_from_docinfo(target.docinfo)
            if Name.Lang in source.Root:
                xmp["dc:language"] = [str(source.Root.Lang)]
        output = io.BytesIO()
        target.save(output, min_version=max(source.pdf_version, MIN_PDF_VERSION))
        return output.getvalue()


def _cut_lines(sheet: Sheet, width: float, height: float) -> str:
    """Light grey dashed lines where the sheet is cut, between the copies."""
    lines = []
    for column in range(1, sheet.columns):
        x = width * column / sheet.columns
        lines.append(f"{x:.2f} 0 m {x:.2f} {height:.2f} l S")
    for row in range(1, sheet.rows):
        y = height * row / sheet.rows
        lines.append(f"0 {y:.2f} m {width:.2f} {y:.2f} l S")
    return "q 0 0 0 0.4 K 0.3 w [3 3] 0 d " + " ".join(lines) + " Q"


def _draw(writer: PdfWriter, page: PageObject, operators: str) -> None:
    """Append vector drawing to a page, isolated from the page's own graphics state."""
    contents = page.get("/Contents")
    if contents is None:  # a page with nothing drawn on it yet
        existing = []
    else:
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


def _registration_colour(pdf: Pdf) -> Array:
    """The registration colour: one tint on every plate, as `/Separation /All`."""
    tint_transform = pdf.make_indirect(Dictionary(FunctionType=2, Domain=[0, 1], C0=[0, 0, 0, 0], C1=[1, 1, 1, 1], N=1))
    return pdf.make_indirect(Array([Name.Separation, Name("/All"), Name.DeviceCMYK, tint_transform]))


def prepare_for_print_shop(
    document: bytes, *, bleed_mm: float, offset_mm: float, length_mm: float, condition: OutputCondition
) -> bytes:
    """Widen each page beyond its bleed, draw crop marks there, and leave a RIP nothing to refuse.

    WeasyPrint's own marks sit inside the bleed area, where they would be
    printed on the background that runs into it; print shops want them
    outside. The MediaBox grows around the BleedBox and the marks are drawn
    in registration colour on the trim lines. PDF/X forbids annotations and
    actions: links go (their address is printed in the text).
    """
    if offset_mm <= bleed_mm:
        raise ValueError("Crop marks must stand outside the bleed.")
    with Pdf.open(io.BytesIO(document)) as pdf:
        _name_output_intent(pdf, condition)
        for key in (Name.OpenAction, Name.AA):
            if key in pdf.Root:
                del pdf.Root[key]
        registration = _registration_colour(pdf)
        margin = (offset_mm + length_mm + 2) * MM
        offset, length = offset_mm * MM, length_mm * MM
        for page in pdf.pages:
            for key in (Name.Annots, Name.AA):
                if key in page.obj:
                    del page.obj[key]
            left, bottom, right, top = (float(v) for v in page.trimbox)
            media = Array([left - margin, bottom - margin, right + margin, top + margin])
            page.obj.MediaBox = media
            page.obj.CropBox = media
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
            colour = page.add_resource(registration, Name.ColorSpace, prefix="Registration")
            page.contents_coalesce()
            page.contents_add(pdf.make_stream(b"q\n"), prepend=True)
            operators = f"\nQ\nq {colour} CS 1 SCN 0.25 w " + " S ".join(marks) + " S Q\n"
            page.contents_add(pdf.make_stream(operators.encode("ascii")))
        output = io.BytesIO()
        pdf.save(output, min_version=MIN_PDF_VERSION)
        return output.getvalue()


def _name_output_intent(pdf: Pdf, condition: OutputCondition) -> None:
    # WeasyPrint names the intent after the profile's description; print
    # shops' preflight checks look for the registered condition.
    for intent in pdf.Root.get(Name.OutputIntents, []):
        intent.OutputConditionIdentifier = pikepdf.String(condition.identifier)
        intent.OutputCondition = pikepdf.String(condition.description)
        intent.RegistryName = pikepdf.String(condition.registry)
