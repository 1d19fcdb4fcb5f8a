"""Uploaded pictures: checked, stripped of their metadata, resized once.

Photos from demonstrations must not tell who took them, where, or with which
phone: every upload is decoded by Pillow, turned upright, converted to sRGB
and saved anew without EXIF, GPS, XMP, comments or camera profile. Pages then
serve renditions made once at upload, never on a request.

Phones store some photos as multi-picture JPEG (MPO): the primary picture is
kept. Animations (GIF, PNG, WebP) keep their first frame, and the organiser
is told. Anything that cannot be read gets its own message, never an error
page.
"""

import io
import uuid
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.utils.translation import gettext as _
from PIL import Image as PillowImage
from PIL import ImageCms, ImageFile, ImageMath, ImageOps, UnidentifiedImageError

from publishing import pdf
from publishing.pdf import sandbox

T = TypeVar("T")

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_PIXELS = 50_000_000  # a 50-megapixel photo; more is a decompression bomb
# Pillow's own guard, set on purpose: it warns above our limit and refuses
# twice as much before decoding anything, whoever opens a picture
# (Django's ImageField, WeasyPrint, the preflight).
PillowImage.MAX_IMAGE_PIXELS = MAX_PIXELS
# Longest side over shortest side: a 20000 × 1 strip has no smaller copies.
MAX_ASPECT_RATIO = 20
RENDITION_WIDTHS = (480, 800, 1200, 1600)
# Pillow's format name -> (stored format, file extension).
ALLOWED_FORMATS = {
    "JPEG": ("JPEG", "jpg"),
    "MPO": ("JPEG", "jpg"),
    "PNG": ("PNG", "png"),
    "WEBP": ("WEBP", "webp"),
    "GIF": ("PNG", "png"),
}


@dataclass
class CleanImage:
    content: bytes
    extension: str
    width: int
    height: int
    first_frame_only: bool = False  # an animation reduced to its first frame
    renditions: dict[int, bytes] = field(default_factory=dict)  # width -> smaller copy, same format


def _bomb_error() -> ValidationError:
    return ValidationError(
        _(
            "This image declares far more pixels than a photo has (a “decompression bomb”): it is refused. "
            "Save it below %(limit)d megapixels."
        )
        % {"limit": MAX_PIXELS // 1_000_000}
    )


def _read_upload(file: File) -> bytes:
    """The upload's bytes, after checking its size (nothing is decoded here, in the web process)."""
    if file.size and file.size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            _("This file is %(size)d MB; the limit is %(limit)d MB.")
            % {"size": file.size // (1024 * 1024), "limit": MAX_UPLOAD_BYTES // (1024 * 1024)}
        )
    file.seek(0)
    data = file.read()
    file.seek(0)
    return data


def _open(data: bytes) -> PillowImage.Image:
    """Open a picture after checking its type, pixel count and shape, without decoding it yet."""
    try:
        with warnings.catch_warnings():
            # Between Pillow's warning and error thresholds: our own limit below says it better.
            warnings.simplefilter("ignore", PillowImage.DecompressionBombWarning)
            picture = PillowImage.open(io.BytesIO(data))
    except PillowImage.DecompressionBombError:
        raise _bomb_error()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationError(_("This file is not an image Pillow can read (use JPEG, PNG or WebP)."))
    if picture.format not in ALLOWED_FORMATS:
        raise ValidationError(
            _("%(format)s images are not accepted: use JPEG, PNG or WebP.") % {"format": picture.format}
        )
    if picture.width * picture.height > MAX_PIXELS:
        raise ValidationError(
            _("This image is %(width)d × %(height)d pixels; the limit is %(limit)d megapixels.")
            % {"width": picture.width, "height": picture.height, "limit": MAX_PIXELS // 1_000_000}
        )
    if max(picture.size) > MAX_ASPECT_RATIO * min(picture.size):
        # Its smaller copies would be less than a pixel thin.
        raise ValidationError(
            _(
                "This image is %(width)d × %(height)d pixels: one side is more than %(ratio)d times the other, "
                "too thin to show. Crop it and upload it again."
            )
            % {"width": picture.width, "height": picture.height, "ratio": MAX_ASPECT_RATIO}
        )
    return picture


def _decode_strictly(picture: PillowImage.Image) -> None:
    """Decode every pixel, refusing a truncated or damaged file and an unreadable colour profile."""
    # WeasyPrint tells Pillow to accept truncated images, for the whole
    # process; an upload is checked strictly all the same.
    lenient = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", PillowImage.DecompressionBombWarning)
            picture.load()
    except (PillowImage.DecompressionBombError, PillowImage.DecompressionBombWarning):
        raise _bomb_error()
    except (OSError, SyntaxError, ValueError, EOFError):
        raise ValidationError(_("This image is damaged or truncated and cannot be read."))
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = lenient
    profile = picture.info.get("icc_profile")
    if profile:
        try:
            ImageCms.ImageCmsProfile(io.BytesIO(profile))
        except (OSError, ImageCms.PyCMSError):
            raise ValidationError(
                _(
                    "This image's colour profile is damaged and cannot be read. Save it again as sRGB "
                    "(“export for the web” in most editors) and upload that copy."
                )
            )


@dataclass
class _Refusal:
    """A ValidationError's messages, handed back by the child process that decoded the picture."""

    messages: list[str]


def _yield_to_the_oom_killer() -> None:
    # Should the machine run out of memory anyway, the kernel kills this
    # child first, never a web worker.
    try:
        with open("/proc/self/oom_score_adj", "w") as score:
            score.write("1000")
    except OSError:
        pass


def in_limited_child(work: Callable[[], T]) -> T:
    """Run picture work (decoding, converting) in a forked child under the render limits.

    A picture can take far more memory decoded than as a file (a 214 kB PNG
    of 50 megapixels needs 200 MB per copy): a web worker never decodes
    one. `work` gets bytes from its closure and must not use the database;
    its ValidationError comes back as one, and so does a child that ran out
    of memory or time.
    """

    def guarded() -> T | _Refusal:
        _yield_to_the_oom_killer()
        try:
            return work()
        except ValidationError as error:
            return _Refusal(error.messages)

    try:
        outcome = sandbox.render_in_child(guarded)
    except pdf.RenderFailed as error:
        raise ValidationError(
            _("This image cannot be read within the server's limits (%(reason)s): save it with fewer pixels.")
            % {"reason": error.message}
        )
    if isinstance(outcome, _Refusal):
        raise ValidationError(outcome.messages)
    return outcome


def _to_srgb(picture: PillowImage.Image) -> PillowImage.Image:
    """Convert to plain sRGB, so that no camera or device profile is kept."""
    profile = picture.info.get("icc_profile")
    if profile and picture.mode in {"RGB", "RGBA", "CMYK"}:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
            output_mode = "RGBA" if picture.mode == "RGBA" else "RGB"
            converted = ImageCms.profileToProfile(
                picture, source, ImageCms.createProfile("sRGB"), outputMode=output_mode
            )
            assert converted is not None  # None only for a conversion in place
            picture = converted
        except (OSError, ImageCms.PyCMSError):
            pass  # checked by _decode_strictly; here only as a last resort: keep the pixels as they are
    if picture.mode not in {"RGB", "RGBA", "L", "LA"}:
        picture = picture.convert("RGBA" if "A" in picture.getbands() or "transparency" in picture.info else "RGB")
    return picture


def _clean(data: bytes) -> CleanImage:
    """Decode, check and save anew (in the child process): upright, sRGB, no metadata, with renditions."""
    picture = _open(data)
    assert picture.format is not None  # _open checked it is one of ALLOWED_FORMATS
    stored_format, extension = ALLOWED_FORMATS[picture.format]
    # The primary picture of an MPO, the first frame of an animation.
    animated = getattr(picture, "is_animated", False) and picture.format != "MPO"
    picture.seek(0)
    _decode_strictly(picture)
    picture = ImageOps.exif_transpose(picture)  # apply the orientation before the EXIF goes
    picture = _to_srgb(picture)
    if stored_format == "JPEG" and picture.mode != "RGB":
        picture = picture.convert("RGB")
    # A new image object carries no info dict: nothing of the original's
    # metadata can slip through the save.
    fresh = PillowImage.new(picture.mode, picture.size)
    fresh.paste(picture)
    del picture
    output = io.BytesIO()
    _save(fresh, output, stored_format)
    return CleanImage(
        output.getvalue(),
        extension,
        fresh.width,
        fresh.height,
        first_frame_only=animated,
        renditions=_rendition_bytes(fresh, stored_format),
    )


def clean_image(file: File) -> CleanImage:
    """The upload decoded and saved anew, in a limited child process; ValidationError if refused."""
    data = _read_upload(file)
    return in_limited_child(lambda: _clean(data))


def check_image(file: File) -> None:
    """Raise a ValidationError, in the organiser's language, for anything but a sound image."""
    clean_image(file)


def _save(picture: PillowImage.Image, output: io.BytesIO, stored_format: str) -> None:
    if stored_format == "JPEG":
        picture.save(output, "JPEG", quality=86, optimize=True, progressive=True)
    elif stored_format == "WEBP":
        picture.save(output, "WEBP", quality=84, method=4)
    else:
        picture.save(output, "PNG", optimize=True)


def random_name(extension: str) -> str:
    """A name that says nothing of the original file (often a date and a phone model)."""
    return f"images/{uuid.uuid4().hex}.{extension}"


def _rendition_bytes(picture: PillowImage.Image, stored_format: str) -> dict[int, bytes]:
    """Smaller copies for `srcset`, one per width narrower than the original."""
    copies = {}
    for width in RENDITION_WIDTHS:
        if width >= picture.width:
            break
        height = max(1, round(picture.height * width / picture.width))
        output = io.BytesIO()
        _save(picture.resize((width, height), PillowImage.Resampling.LANCZOS), output, stored_format)
        copies[width] = output.getvalue()
    return copies


def remake_renditions(content: bytes, extension: str) -> dict[int, bytes]:
    """The renditions of a stored (already cleaned) picture, made again in a limited child."""
    stored_format = {"jpg": "JPEG", "png": "PNG", "webp": "WEBP"}[extension]
    return in_limited_child(lambda: _rendition_bytes(PillowImage.open(io.BytesIO(content)), stored_format))


@dataclass(frozen=True)
class Rendition:
    url: str
    width: int


def img_attributes(sources: list[Rendition], *, width: int, height: int, sizes: str) -> str:
    """`srcset`, `sizes`, dimensions and lazy loading for an <img> tag."""
    srcset = ", ".join(f"{escape(r.url)} {r.width}w" for r in sources)
    return (
        f'srcset="{srcset}" sizes="{escape(sizes)}" width="{width}" height="{height}" loading="lazy" decoding="async"'
    )


# Ink limit of CMYK pictures for print shops: 300 % summed over the four inks.
MAX_INK = 3.0


def to_print_cmyk(content: bytes, cmyk_profile: bytes) -> bytes:
    """A JPEG in the print shop's CMYK (converted with its profile), ink limited, no interpolation asked.

    Our stored pictures are sRGB (see `clean_image`); colours are mapped into
    the press profile, then cyan, magenta and yellow are reduced where the
    darkest tones would exceed the total ink a press accepts (black kept).
    """
    picture: PillowImage.Image = PillowImage.open(io.BytesIO(content))
    if picture.mode != "RGB":
        picture = picture.convert("RGB")
    source = ImageCms.createProfile("sRGB")
    target = ImageCms.ImageCmsProfile(io.BytesIO(cmyk_profile))
    cmyk = ImageCms.profileToProfile(
        picture, source, target, renderingIntent=ImageCms.Intent.PERCEPTUAL, outputMode="CMYK"
    )
    assert cmyk is not None  # None only for a conversion in place
    limit = 255 * MAX_INK
    cyan, magenta, yellow, black = cmyk.split()

    def reduce(channel: PillowImage.Image) -> PillowImage.Image:
        def expression(a: dict) -> object:
            ink = a["float"](a["c"]) + a["float"](a["m"]) + a["float"](a["y"])
            room = (a["float"](a["k"]) * -1 + limit) / a["max"](ink, 1.0)
            return a["convert"](a["float"](a["channel"]) * a["min"](room, 1.0), "L")

        return ImageMath.lambda_eval(expression, channel=channel, c=cyan, m=magenta, y=yellow, k=black)

    limited = [reduce(channel) for channel in (cyan, magenta, yellow)]
    output = io.BytesIO()
    PillowImage.merge("CMYK", (*limited, black)).save(output, "JPEG", quality=92)
    return output.getvalue()
