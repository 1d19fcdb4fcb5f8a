"""Our own preflight: what a print shop's RIP and a screen reader check in our PDFs.

No free PDF/X-4 validator exists in the package registries, so the rules a
prepress operator applies to a print-shop file (PDF/X-4, ISO 15930-7) and the
machine-checkable basics of a tagged PDF (PDF/UA-1) are checked here with
pikepdf, which parses content streams; every embedded picture is decoded
to the last pixel, whatever the profile. Each rule yields readable problems;
an empty list means the file passes. `manage.py preflight FILE…` runs it.
"""

import hashlib
import io
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pikepdf
from pikepdf import Array, Dictionary, Matrix, Name, Pdf, PdfImage, Stream
from PIL import ImageFile

MIN_PDFX_VERSION = (1, 6)
MAX_TOTAL_INK = 3.0  # 300 % summed over the four inks
MIN_IMAGE_PPI = 300
# Annotations a PDF/X file may carry, outside the page area only.
PRINTER_ANNOTATIONS = {"/PrinterMark", "/TrapNet"}
# A registration colour: one tint on every plate, exempt from the ink limit.
REGISTRATION_COLORANT = "/All"


@dataclass
class ColourUse:
    """What the content streams of a file paint with."""

    rgb_operators: int = 0
    max_ink: float = 0.0
    images: list[tuple[str, float]] = field(default_factory=list)  # (name, effective ppi)


def _version(pdf: Pdf) -> tuple[int, int]:
    major, _, minor = pdf.pdf_version.partition(".")
    return int(major), int(minor or 0)


def _is_device_rgb(colour_space: object) -> bool:
    """True for DeviceRGB, also under Indexed or as the alternate of a Separation/DeviceN."""
    if isinstance(colour_space, Name):
        return colour_space in (Name.DeviceRGB, Name.RGB)
    if isinstance(colour_space, Array) and len(colour_space) > 0:
        family = colour_space[0]
        if family in (Name.Indexed, Name.I) and len(colour_space) > 1:
            return _is_device_rgb(colour_space[1])
        if family == Name.Separation and len(colour_space) > 2:
            return _is_device_rgb(colour_space[2])
        if family == Name.DeviceN and len(colour_space) > 2:
            return _is_device_rgb(colour_space[2])
    return False


def _is_registration(colour_space: object) -> bool:
    return (
        isinstance(colour_space, Array)
        and len(colour_space) > 1
        and colour_space[0] == Name.Separation
        and str(colour_space[1]) == REGISTRATION_COLORANT
    )


def _resolve_colour_space(name: object, resources: pikepdf.Object) -> object:
    if isinstance(name, Name) and name not in (Name.DeviceRGB, Name.DeviceCMYK, Name.DeviceGray, Name.Pattern):
        spaces = resources.get(Name.ColorSpace)
        if spaces is not None and name in spaces:
            return spaces[name]
    return name


def _walk_content(
    stream_owner: pikepdf.Object, resources: pikepdf.Object | None, matrix: Matrix, usage: ColourUse, seen: set
) -> None:
    """Follow the graphics state through a content stream (and the forms it draws)."""
    resources = resources if resources is not None else Dictionary()
    stack: list[tuple[Matrix, object, object]] = []
    ctm = matrix
    fill_space: object = Name.DeviceGray
    stroke_space: object = Name.DeviceGray
    for instruction in pikepdf.parse_content_stream(stream_owner):
        operands, op = instruction.operands, str(instruction.operator)
        if op == "q":
            stack.append((ctm, fill_space, stroke_space))
        elif op == "Q" and stack:
            ctm, fill_space, stroke_space = stack.pop()
        elif op == "cm":
            ctm = Matrix(*(float(v) for v in operands)) @ ctm
        elif op in ("rg", "RG"):
            usage.rgb_operators += 1
        elif op in ("k", "K"):
            usage.max_ink = max(usage.max_ink, sum(float(v) for v in operands))
        elif op in ("cs", "CS"):
            space = _resolve_colour_space(operands[0], resources)
            if _is_device_rgb(space):
                usage.rgb_operators += 1
            if op == "cs":
                fill_space = space
            else:
                stroke_space = space
        elif op in ("sc", "scn", "SC", "SCN"):
            space = fill_space if op in ("sc", "scn") else stroke_space
            values = [float(v) for v in operands if _is_number(v)]  # a pattern's name is not a tint
            if space == Name.DeviceCMYK or (isinstance(space, Array) and _icc_components(space) == 4):
                usage.max_ink = max(usage.max_ink, sum(values))
        elif op == "Do":
            _draw_xobject(operands[0], resources, ctm, usage, seen)


def _is_number(value: Any) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def _icc_components(space: Array) -> int | None:
    if len(space) > 1 and space[0] == Name.ICCBased:
        return int(space[1].get(Name.N, 0))
    return None


def _draw_xobject(name: pikepdf.Object, resources: pikepdf.Object, ctm: Matrix, usage: ColourUse, seen: set) -> None:
    xobjects = resources.get(Name.XObject)
    if not isinstance(name, Name) or xobjects is None or name not in xobjects:
        return
    xobject = xobjects[name]
    if xobject.get(Name.Subtype) == Name.Image:
        # The image's unit square is drawn through the current matrix.
        width_pt = math.hypot(ctm.a, ctm.b)
        height_pt = math.hypot(ctm.c, ctm.d)
        if width_pt > 0 and height_pt > 0:
            ppi = min(int(xobject.Width) / (width_pt / 72), int(xobject.Height) / (height_pt / 72))
            usage.images.append((str(name), ppi))
    elif xobject.get(Name.Subtype) == Name.Form:
        key = (xobject.objgen, tuple(round(v, 3) for v in ctm.shorthand))
        if key in seen:
            return
        seen.add(key)
        form_matrix = Matrix(*(float(v) for v in xobject.get(Name.Matrix, [1, 0, 0, 1, 0, 0])))
        _walk_content(xobject, xobject.get(Name.Resources, resources), form_matrix @ ctm, usage, seen)


def _all_objects(pdf: Pdf) -> Iterator[pikepdf.Object]:
    for obj in pdf.objects:
        if isinstance(obj, Dictionary | Stream):
            yield obj


def _rect(value: pikepdf.Object | None) -> tuple[float, float, float, float] | None:
    if value is None:
        return None
    x0, y0, x1, y1 = (float(v) for v in value)
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def _inside(inner: tuple, outer: tuple, tolerance: float = 0.01) -> bool:
    return (
        inner[0] >= outer[0] - tolerance
        and inner[1] >= outer[1] - tolerance
        and inner[2] <= outer[2] + tolerance
        and inner[3] <= outer[3] + tolerance
    )


def _overlaps(a: tuple, b: tuple) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _xmp(pdf: Pdf) -> str:
    metadata = pdf.Root.get(Name.Metadata)
    return metadata.read_bytes().decode("utf-8", "replace") if metadata is not None else ""


def _title(pdf: Pdf) -> str:
    title = pdf.docinfo.get(Name.Title) if pdf.trailer.get(Name.Info) is not None else None
    return str(title) if title is not None else ""


def check_metadata(pdf: Pdf) -> list[str]:
    """Title and language, kept by every file we make (impositions and pro files too)."""
    problems = []
    if not _title(pdf).strip():
        problems.append("no document title (Info /Title)")
    if not str(pdf.Root.get(Name.Lang, "")).strip():
        problems.append("no document language (/Lang)")
    if "<x:xmpmeta" not in _xmp(pdf) and "xmpmeta" not in _xmp(pdf):
        problems.append("no XMP metadata stream")
    return problems


def check_tagged(pdf: Pdf) -> list[str]:
    """The machine-checkable basics of a tagged, accessible PDF (PDF/UA-1)."""
    problems = check_metadata(pdf)
    mark_info = pdf.Root.get(Name.MarkInfo)
    if mark_info is None or not bool(mark_info.get(Name.Marked, False)):
        problems.append("not tagged (/MarkInfo /Marked is not true)")
    root = pdf.Root.get(Name.StructTreeRoot)
    if root is None or root.get(Name.K) is None:
        problems.append("no structure tree (/StructTreeRoot)")
    preferences = pdf.Root.get(Name.ViewerPreferences)
    if preferences is None or not bool(preferences.get(Name.DisplayDocTitle, False)):
        problems.append("viewers are not told to show the title (/DisplayDocTitle)")
    if "pdfuaid:part" not in _xmp(pdf):
        problems.append("XMP does not claim PDF/UA (pdfuaid:part)")
    return problems


def _check_output_intent(pdf: Pdf) -> list[str]:
    intents = [i for i in pdf.Root.get(Name.OutputIntents, []) if i.get(Name.S) == Name.GTS_PDFX]
    if not intents:
        return ["no GTS_PDFX output intent"]
    profile = intents[0].get(Name.DestOutputProfile)
    if profile is None:
        return ["the output intent embeds no ICC profile (/DestOutputProfile)"]
    if int(profile.get(Name.N, 0)) != 4:
        return ["the output intent's profile is not a CMYK profile"]
    return []


def _check_boxes(pdf: Pdf) -> list[str]:
    problems = []
    for number, page in enumerate(pdf.pages, start=1):
        media = _rect(page.obj.get(Name.MediaBox))
        trim = _rect(page.obj.get(Name.TrimBox)) or _rect(page.obj.get(Name.ArtBox))
        bleed = _rect(page.obj.get(Name.BleedBox))
        if trim is None:
            problems.append(f"page {number}: no TrimBox")
        if bleed is None:
            problems.append(f"page {number}: no BleedBox")
        if media and bleed and not _inside(bleed, media):
            problems.append(f"page {number}: BleedBox extends beyond MediaBox")
        if trim and bleed and not _inside(trim, bleed):
            problems.append(f"page {number}: TrimBox extends beyond BleedBox")
    return problems


def _check_annotations_and_actions(pdf: Pdf) -> list[str]:
    problems = []
    for key in (Name.OpenAction, Name.AA):
        if key in pdf.Root:
            problems.append(f"document action {key}")
    names = pdf.Root.get(Name.Names)
    if names is not None and Name.JavaScript in names:
        problems.append("document JavaScript")
    for number, page in enumerate(pdf.pages, start=1):
        if Name.AA in page.obj:
            problems.append(f"page {number}: page action /AA")
        area = _rect(page.obj.get(Name.BleedBox)) or _rect(page.obj.get(Name.MediaBox))
        for annotation in page.obj.get(Name.Annots, []):
            kind = str(annotation.get(Name.Subtype, "?"))
            rect = _rect(annotation.get(Name.Rect))
            if kind not in PRINTER_ANNOTATIONS or (rect and area and _overlaps(rect, area)):
                problems.append(f"page {number}: {kind} annotation in the page area")
            if Name.A in annotation or Name.AA in annotation:
                problems.append(f"page {number}: {kind} annotation carries an action")
    return problems


def check_fonts(pdf: Pdf) -> list[str]:
    """Every font embedded (those of placed pages too), each subset tag naming one program."""
    problems = []
    programs_by_tag: dict[str, set[str]] = {}
    for obj in _all_objects(pdf):
        if obj.get(Name.Type) != Name.Font or obj.get(Name.Subtype) in (Name.Type0, Name.Type3):
            continue
        base_font = str(obj.get(Name.BaseFont, ""))
        descriptor = obj.get(Name.FontDescriptor)
        program = None
        if descriptor is not None:
            program = next(
                (descriptor[k] for k in (Name.FontFile, Name.FontFile2, Name.FontFile3) if k in descriptor), None
            )
        if program is None:
            problems.append(f"font {base_font} is not embedded")
            continue
        tag, plus, _ = base_font.lstrip("/").partition("+")
        if plus:
            programs_by_tag.setdefault(tag, set()).add(hashlib.sha256(program.read_bytes()).hexdigest())
    for tag, programs in sorted(programs_by_tag.items()):
        if len(programs) > 1:
            problems.append(f"subset tag {tag} names {len(programs)} different font programs")
    return problems


def _check_icc_profiles(pdf: Pdf) -> list[str]:
    profiles = {obj.objgen for obj in _all_objects(pdf) if isinstance(obj, Stream) and _looks_like_icc(obj)}
    if len(profiles) > 1:
        return [f"{len(profiles)} ICC profiles embedded (one expected)"]
    return []


def _looks_like_icc(stream: Stream) -> bool:
    if Name.N not in stream or stream.get(Name.Type) is not None or Name.Subtype in stream:
        return False
    try:
        return stream.read_bytes()[36:40] == b"acsp"
    except pikepdf.PdfError:
        return False


def _check_colours(pdf: Pdf) -> list[str]:
    problems = []
    for obj in _all_objects(pdf):
        if isinstance(obj, Stream) and obj.get(Name.Subtype) == Name.Image:
            if obj.get(Name.ImageMask, False):
                continue
            space = obj.get(Name.ColorSpace)
            if _is_device_rgb(space):
                problems.append("an image is in DeviceRGB")
            if bool(obj.get(Name.Interpolate, False)):
                problems.append("an image asks for interpolation (/Interpolate true)")
        if obj.get(Name.ShadingType) is not None and _is_device_rgb(obj.get(Name.ColorSpace)):
            problems.append("a shading is in DeviceRGB")
        group = obj.get(Name.Group)
        if isinstance(group, Dictionary) and _is_device_rgb(group.get(Name.CS)):
            problems.append("a transparency group blends in DeviceRGB")
        if obj.get(Name.Type) == Name.Group and _is_device_rgb(obj.get(Name.CS)):
            problems.append("a transparency group blends in DeviceRGB")
    usage = ColourUse()
    for page in pdf.pages:
        _walk_content(page.obj, page.obj.get(Name.Resources), Matrix(), usage, set())
    if usage.rgb_operators:
        problems.append(f"{usage.rgb_operators} DeviceRGB colour operators in content streams")
    if usage.max_ink > MAX_TOTAL_INK + 1e-6:
        problems.append(f"total ink {usage.max_ink * 100:.0f} % (limit {MAX_TOTAL_INK * 100:.0f} %)")
    for name, ppi in usage.images:
        if ppi < MIN_IMAGE_PPI - 0.5:
            problems.append(f"image {name} at {ppi:.0f} ppi (at least {MIN_IMAGE_PPI} needed)")
    return sorted(set(problems), key=problems.index)


def check_print_shop(pdf: Pdf) -> list[str]:
    """Every rule of our print-shop files (PDF/X-4 as French print shops ask for it)."""
    problems = []
    if _version(pdf) < MIN_PDFX_VERSION:
        problems.append(f"header %PDF-{pdf.pdf_version} (PDF/X-4 needs 1.6 or later)")
    problems += _check_output_intent(pdf)
    xmp = _xmp(pdf)
    if "GTS_PDFXVersion" not in xmp:
        problems.append("XMP does not name the PDF/X version (pdfxid:GTS_PDFXVersion)")
    trapped = pdf.docinfo.get(Name.Trapped) if pdf.trailer.get(Name.Info) is not None else None
    if str(trapped) not in ("/True", "/False") and "pdf:Trapped" not in xmp:
        problems.append("Trapped is not set to True or False")
    problems += check_metadata(pdf)
    problems += _check_boxes(pdf)
    problems += check_fonts(pdf)
    problems += _check_annotations_and_actions(pdf)
    problems += _check_colours(pdf)
    problems += _check_icc_profiles(pdf)
    return problems


def check_images(pdf: Pdf) -> list[str]:
    """Every embedded picture decodes completely: a JPEG stream cut short (a
    copy written on a full disk, say) prints half a picture, and a RIP's
    preflight says nothing of it."""
    problems = []
    # WeasyPrint lets Pillow accept truncated pictures, for the whole process.
    lenient = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        for obj in pdf.objects:
            if not (isinstance(obj, Stream) and obj.get(Name.Subtype) == Name.Image):
                continue
            try:
                PdfImage(obj).as_pil_image().load()
            except NotImplementedError:
                continue  # a kind of picture Pillow cannot draw (JBIG2…): not ours to judge
            except Exception as error:  # pikepdf, zlib and Pillow each raise their own
                number, _generation = obj.objgen
                problems.append(f"image (object {number}) does not decode completely: {str(error)[:120]}")
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = lenient
    return problems


def is_print_shop_file(pdf: Pdf) -> bool:
    return any(i.get(Name.S) == Name.GTS_PDFX for i in pdf.Root.get(Name.OutputIntents, []))


def preflight(data: bytes, profile: str = "auto") -> list[str]:
    """The problems of the PDF `data`: `profile` is "print-shop", "tagged", "metadata" or "auto"."""
    try:
        pdf = Pdf.open(io.BytesIO(data))
    except pikepdf.PdfError as error:
        return [f"not a readable PDF: {error}"]
    with pdf:
        if profile == "auto":
            profile = "print-shop" if is_print_shop_file(pdf) else "tagged"
        checks = {"print-shop": check_print_shop, "tagged": check_tagged, "metadata": check_metadata}
        return checks[profile](pdf) + check_images(pdf)
