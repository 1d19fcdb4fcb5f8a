"""Print production on rendered leaflets: imposition, crop marks, print-shop files.

WeasyPrint renders one copy of a leaflet; placing copies on sheets (pypdf)
and finishing a print-shop file (pikepdf) is done here, on the rendered PDF.
"""

import io
from dataclasses import dataclass
from functools import cache

import pikepdf
from django.contrib.staticfiles import finders
from fontTools import subset
from fontTools.ttLib import TTFont
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


@dataclass(frozen=True)
class Tiling:
    """A poster printed in pieces on sheets of a home printer, to be glued together.

    Each sheet prints only inside its margins (home printers leave the edge
    blank); neighbouring sheets show the same `overlap_mm` strip of the poster,
    so that one sheet cut along its edge is glued over the next.
    """

    sheet_width_mm: float
    sheet_height_mm: float
    columns: int
    rows: int
    margin_mm: float = 10
    overlap_mm: float = 12

    def scale(self, poster_width_mm: float, poster_height_mm: float) -> float:
        """How much the poster is reduced so that the sheets, overlapped, hold it whole."""
        width = self.columns * self.printable_width_mm - (self.columns - 1) * self.overlap_mm
        height = self.rows * self.printable_height_mm - (self.rows - 1) * self.overlap_mm
        return min(1.0, width / poster_width_mm, height / poster_height_mm)

    @property
    def printable_width_mm(self) -> float:
        return self.sheet_width_mm - 2 * self.margin_mm

    @property
    def printable_height_mm(self) -> float:
        return self.sheet_height_mm - 2 * self.margin_mm


def tile(document: bytes, tiling: Tiling) -> bytes:
    """The first page of `document` (a poster) cut into sheets, with assembly marks.

    The poster is reduced as little as the sheets allow and centred on them.
    On each sheet a solid line (with ticks in the margin) marks the edge to
    cut where a neighbour comes before it (left, above); a dashed line marks
    where the next sheet's cut edge goes (right, below); the sheet's place
    (column and row) is printed in a corner of the margin.
    """
    with Pdf.open(io.BytesIO(document)) as pdf:
        poster = pdf.pages[0]
        left, bottom, right, top = (float(v) for v in poster.trimbox)
        scale = tiling.scale((right - left) / MM, (top - bottom) / MM)
        sheet_w, sheet_h = tiling.sheet_width_mm * MM, tiling.sheet_height_mm * MM
        margin, overlap = tiling.margin_mm * MM, tiling.overlap_mm * MM
        area_w, area_h = tiling.printable_width_mm * MM, tiling.printable_height_mm * MM
        step_w, step_h = area_w - overlap, area_h - overlap
        total_w = tiling.columns * area_w - (tiling.columns - 1) * overlap
        total_h = tiling.rows * area_h - (tiling.rows - 1) * overlap
        # The poster centred in the area the sheets cover together.
        offset_x = (total_w - scale * (right - left)) / 2
        offset_y = (total_h - scale * (top - bottom)) / 2
        form = pdf.make_indirect(poster.as_form_xobject())
        font = _label_font(pdf)
        for row in range(tiling.rows):
            for column in range(tiling.columns):
                page = pikepdf.Page(pdf.add_blank_page(page_size=(sheet_w, sheet_h)))
                name = page.add_resource(form, Name.XObject, prefix="Poster")
                font_name = page.add_resource(font, Name.Font, prefix="F")
                tx = margin - column * step_w + offset_x - scale * left
                ty = sheet_h - margin - offset_y - scale * top + row * step_h
                operators = [
                    f"q {margin:.2f} {margin:.2f} {area_w:.2f} {area_h:.2f} re W n",
                    f"q {scale:.5f} 0 0 {scale:.5f} {tx:.2f} {ty:.2f} cm {name} Do Q Q",
                    _assembly_marks(tiling, column, row, sheet_w, sheet_h, font_name),
                ]
                page.contents_add(pdf.make_stream("\n".join(operators).encode("ascii")))
        del pdf.pages[0]
        output = io.BytesIO()
        pdf.save(output, min_version=MIN_PDF_VERSION)
    return _keep_metadata(output.getvalue(), document)


# A sheet's place is printed in our Noto Sans, embedded (a PDF with a font
# left to the viewer prints in whatever it substitutes), subset to the
# characters a label uses.
LABEL_FONT = "fonts/NotoSans-Regular.ttf"
LABEL_CHARACTERS = " ()/0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_FIRST_CODE, _LAST_CODE = ord(min(LABEL_CHARACTERS)), ord(max(LABEL_CHARACTERS))


@cache
def label_font_program() -> tuple[bytes, dict]:
    """The subset font file, and what its PDF font dictionary says of it
    (once per process: the renderer's warm-up makes it, see tracts.apps)."""
    font = TTFont(finders.find(LABEL_FONT))
    options = subset.Options()
    options.name_IDs, options.notdef_outline = ["*"], True
    # Capitals, digits and three signs need no kerning, ligature or hinting: 5 kB, not 14.
    options.layout_features, options.hinting = [], False
    options.drop_tables += ["GSUB", "GPOS", "GDEF"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=LABEL_CHARACTERS)
    subsetter.subset(font)
    program = io.BytesIO()
    font.save(program)
    per_unit = 1000 / font["head"].unitsPerEm
    cmap, metrics = font.getBestCmap(), font["hmtx"].metrics
    widths = [
        round(metrics[cmap[code]][0] * per_unit) if chr(code) in LABEL_CHARACTERS else 0
        for code in range(_FIRST_CODE, _LAST_CODE + 1)
    ]
    head, os2 = font["head"], font["OS/2"]
    measures = {
        "name": f"COLLTL+{font['name'].getDebugName(6)}",  # a subset is named with a six-letter tag
        "widths": widths,
        "bbox": [round(value * per_unit) for value in (head.xMin, head.yMin, head.xMax, head.yMax)],
        "ascent": round(os2.sTypoAscender * per_unit),
        "descent": round(os2.sTypoDescender * per_unit),
        "cap_height": round(os2.sCapHeight * per_unit),
    }
    return program.getvalue(), measures


def _label_font(pdf: Pdf) -> Dictionary:
    program, measures = label_font_program()
    name = Name("/" + measures["name"])
    descriptor = Dictionary(
        Type=Name.FontDescriptor,
        FontName=name,
        Flags=32,  # non-symbolic: its characters are read through WinAnsiEncoding
        FontBBox=Array(measures["bbox"]),
        ItalicAngle=0,
        Ascent=measures["ascent"],
        Descent=measures["descent"],
        CapHeight=measures["cap_height"],
        StemV=80,
        FontFile2=pdf.make_stream(program),
    )
    return pdf.make_indirect(
        Dictionary(
            Type=Name.Font,
            Subtype=Name.TrueType,
            BaseFont=name,
            FirstChar=_FIRST_CODE,
            LastChar=_LAST_CODE,
            Widths=Array(measures["widths"]),
            Encoding=Name.WinAnsiEncoding,
            FontDescriptor=pdf.make_indirect(descriptor),
        )
    )


def _assembly_marks(tiling: Tiling, column: int, row: int, width: float, height: float, font: Name) -> str:
    margin, overlap = tiling.margin_mm * MM, tiling.overlap_mm * MM
    area_right, area_bottom = width - margin, margin
    tick = margin * 0.8
    solid, dashed = [], []
    if column > 0:  # cut along the left edge, glue over the sheet on the left
        solid += [f"{margin:.2f} {margin - tick:.2f} m {margin:.2f} {height - margin + tick:.2f} l"]
    if row > 0:  # cut along the top edge, glue over the sheet above
        solid += [f"{margin - tick:.2f} {height - margin:.2f} m {width - margin + tick:.2f} {height - margin:.2f} l"]
    if column < tiling.columns - 1:  # the next sheet's cut edge goes here
        x = area_right - overlap
        dashed += [f"{x:.2f} {margin - tick:.2f} m {x:.2f} {height - margin + tick:.2f} l"]
    if row < tiling.rows - 1:
        y = area_bottom + overlap
        dashed += [f"{margin - tick:.2f} {y:.2f} m {width - margin + tick:.2f} {y:.2f} l"]
    label = f"{chr(ord('A') + row)}{column + 1}  ({row * tiling.columns + column + 1}/{tiling.columns * tiling.rows})"
    parts = ["q 0 0 0 1 K 0.4 w"]
    if solid:
        parts.append(" ".join(line + " S" for line in solid))
    if dashed:
        parts.append("[4 3] 0 d " + " ".join(line + " S" for line in dashed))
    parts.append(f"Q q 0 0 0 1 k BT {font} 8 Tf {margin:.2f} {margin * 0.45:.2f} Td ({label}) Tj ET Q")
    return " ".join(parts)


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
