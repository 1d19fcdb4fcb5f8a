"""Pictures for the print shop: CMYK copies of the originals, made once and kept beside them."""

import re
from functools import lru_cache

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import default_storage

from publishing import files, images
from publishing.html_text import IMG_TAG
from publishing.pdf import sandbox
from publishing.pictures import original_upload_name, stored_names
from tracts.printing.formats import CMYK_CONVERSION_VERSION, PRINT_SHOP_PROFILE


@lru_cache(maxsize=1)
def _print_shop_profile() -> bytes:
    path = finders.find(PRINT_SHOP_PROFILE)
    if not isinstance(path, str):
        raise ImproperlyConfigured(
            f"The print shop's colour profile {PRINT_SHOP_PROFILE} is missing from the static files."
        )
    with open(path, "rb") as profile:
        return profile.read()


CMYK_FOLDER = f"print/cmyk/{CMYK_CONVERSION_VERSION}/"


def print_shop_picture(name: str) -> str:
    """The storage name of the CMYK copy of the picture `name` (its original upload).

    Only named here, so that working out a PDF's fingerprint writes nothing;
    the render makes the copy (`ensure_print_shop_copies`).
    """
    stem = original_upload_name(name).removeprefix("images/").rsplit(".", 1)[0]
    # The version in the name changes with the conversion, so PDFs (whose
    # hash covers this name) are rendered again with the new copies.
    return f"{CMYK_FOLDER}{stem}.jpg"


def ensure_print_shop_copies(html: str) -> None:
    """Make each CMYK copy `html` shows, once; a copy that is not whole (cut
    short by a full disk) is made again, never embedded. Runs in the render's child."""
    for name in stored_names(html):
        if not name.startswith(CMYK_FOLDER) or files.is_whole(name):
            continue
        stem = name.removeprefix(CMYK_FOLDER).rsplit(".", 1)[0]
        originals = [f"images/{stem}.{extension}" for extension in ("jpg", "png", "webp")]
        original = next((candidate for candidate in originals if default_storage.exists(candidate)), None)
        if original is not None:
            files.save_atomically(name, _converted_to_cmyk(original))


def _converted_to_cmyk(original: str) -> bytes:
    with default_storage.open(original, "rb") as upload:
        content = upload.read()
    profile = _print_shop_profile()
    # Converted in a limited child, like every decoding of a picture (run
    # at once when the render's own child calls it).
    return sandbox.render_in_child(lambda: images.to_print_cmyk(content, profile))


def media_name(src: str) -> str | None:
    name = src.removeprefix(settings.MEDIA_URL)
    return name if name != src and default_storage.exists(name) else None


def print_shop_body(body: str) -> str:
    """The body with each picture replaced by its CMYK copy from the original upload."""

    def rewrite(match: re.Match) -> str:
        name = media_name(match["src"])
        if name is None:
            return match[0]
        return f'<img src="{settings.MEDIA_URL}{print_shop_picture(name)}"{match["rest"]}>'

    return IMG_TAG.sub(rewrite, body)
