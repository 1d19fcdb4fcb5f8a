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
import re
import uuid
import warnings
from dataclasses import dataclass
from html import escape

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.utils.translation import gettext as _
from PIL import Image as PillowImage
from PIL import ImageCms, ImageFile, ImageMath, ImageOps, UnidentifiedImageError

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_PIXELS = 50_000_000  # a 50-megapixel photo; more is a decompression bomb
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


def _bomb_error() -> ValidationError:
    return ValidationError(
        _(
            "This image declares far more pixels than a photo has (a “decompression bomb”): it is refused. "
            "Save it below %(limit)d megapixels."
        )
        % {"limit": MAX_PIXELS // 1_000_000}
    )


def _open(file: File) -> PillowImage.Image:
    """Open an upload after checking its size, type and pixel count, without decoding it yet."""
    if file.size and file.size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            _("This file is %(size)d MB; the limit is %(limit)d MB.")
            % {"size": file.size // (1024 * 1024), "limit": MAX_UPLOAD_BYTES // (1024 * 1024)}
        )
    file.seek(0)
    try:
        with warnings.catch_warnings():
            # Between Pillow's warning and error thresholds: our own limit below says it better.
            warnings.simplefilter("ignore", PillowImage.DecompressionBombWarning)
            picture = PillowImage.open(file)
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
    return picture


def check_image(file: File) -> None:
    """Raise a ValidationError, in the organiser's language, for anything but a sound image."""
    picture = _open(file)
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
        file.seek(0)
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


def _to_srgb(picture: PillowImage.Image) -> PillowImage.Image:
    """Convert to plain sRGB, so that no camera or device profile is kept."""
    profile = picture.info.get("icc_profile")
    if profile and picture.mode in {"RGB", "RGBA", "CMYK"}:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
            output_mode = "RGBA" if picture.mode == "RGBA" else "RGB"
            picture = ImageCms.profileToProfile(picture, source, ImageCms.createProfile("sRGB"), outputMode=output_mode)
        except (OSError, ImageCms.PyCMSError):
            pass  # checked by check_image; here only as a last resort: keep the pixels as they are
    if picture.mode not in {"RGB", "RGBA", "L", "LA"}:
        picture = picture.convert("RGBA" if "A" in picture.getbands() or "transparency" in picture.info else "RGB")
    return picture


def clean_image(file: File) -> CleanImage:
    """The upload decoded and saved anew: upright, sRGB, and no metadata at all."""
    check_image(file)
    picture = _open(file)
    stored_format, extension = ALLOWED_FORMATS[picture.format]
    # The primary picture of an MPO, the first frame of an animation.
    animated = getattr(picture, "is_animated", False) and picture.format != "MPO"
    picture.seek(0)
    picture = ImageOps.exif_transpose(picture)  # apply the orientation before the EXIF goes
    picture = _to_srgb(picture)
    if stored_format == "JPEG" and picture.mode != "RGB":
        picture = picture.convert("RGB")
    output = io.BytesIO()
    # A new image object carries no info dict: nothing of the original's
    # metadata can slip through the save.
    fresh = PillowImage.new(picture.mode, picture.size)
    fresh.paste(picture)
    _save(fresh, output, stored_format)
    return CleanImage(output.getvalue(), extension, fresh.width, fresh.height, first_frame_only=animated)


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


def renditions(content: bytes, extension: str, stem: str) -> dict[str, ContentFile]:
    """Smaller copies for `srcset`, one per width narrower than the original."""
    picture = PillowImage.open(io.BytesIO(content))
    stored_format = {"jpg": "JPEG", "png": "PNG", "webp": "WEBP"}[extension]
    copies = {}
    for width in RENDITION_WIDTHS:
        if width >= picture.width:
            break
        height = round(picture.height * width / picture.width)
        output = io.BytesIO()
        _save(picture.resize((width, height), PillowImage.Resampling.LANCZOS), output, stored_format)
        copies[str(width)] = ContentFile(output.getvalue(), name=f"{stem}-{width}.{extension}")
    return copies


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


IMG_TAG = re.compile(r'<img src="(?P<src>[^"]+)"(?P<rest>[^>]*)>')


# Ink limit of CMYK pictures for print shops: 300 % summed over the four inks.
MAX_INK = 3.0


def to_print_cmyk(content: bytes, cmyk_profile: bytes) -> bytes:
    """A JPEG in the print shop's CMYK (converted with its profile), ink limited, no interpolation asked.

    Our stored pictures are sRGB (see `clean_image`); colours are mapped into
    the press profile, then cyan, magenta and yellow are reduced where the
    darkest tones would exceed the total ink a press accepts (black kept).
    """
    picture = PillowImage.open(io.BytesIO(content))
    if picture.mode != "RGB":
        picture = picture.convert("RGB")
    source = ImageCms.createProfile("sRGB")
    target = ImageCms.ImageCmsProfile(io.BytesIO(cmyk_profile))
    cmyk = ImageCms.profileToProfile(
        picture, source, target, renderingIntent=ImageCms.Intent.PERCEPTUAL, outputMode="CMYK"
    )
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
