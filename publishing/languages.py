"""Language helpers shared by the tracts and articles apps."""

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from anyascii import anyascii
from django.conf import settings
from django.core.signals import setting_changed
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import get_language_info

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise


def language_codes() -> list[str]:
    """Codes of the languages content can be written in, default first."""
    return [code for code, _name in settings.LANGUAGES]


def in_language_order(versions: Iterable) -> list:
    """These language versions in the order of settings.LANGUAGES (others last)."""
    order = {code: index for index, code in enumerate(language_codes())}
    return sorted(versions, key=lambda version: order.get(version.language, len(order)))


def is_supported(code: str) -> bool:
    return code in language_codes()


def is_rtl(code: str) -> bool:
    """Written right to left (Django's list: Arabic, Hebrew, Persian, Urdu…)."""
    return code.split("-")[0] in settings.LANGUAGES_BIDI


def text_direction(code: str) -> str:
    return "rtl" if is_rtl(code) else "ltr"


def native_name(code: str) -> str:
    """The language's name in itself ("Français", "العربيّة"), for switchers."""
    return get_language_info(code)["name_local"]


# Open Graph wants a locale (language_TERRITORY); the territory is the one
# link previews most expect for each language.
OPEN_GRAPH_LOCALES = {"fr": "fr_FR", "en": "en_GB", "es": "es_ES", "ar": "ar_AR"}


def open_graph_locale(code: str) -> str:
    return OPEN_GRAPH_LOCALES.get(code, code)


def language_choices() -> "list[tuple[str, _StrPromise]]":
    """settings.LANGUAGES: codes and their names, translated when shown."""
    return list(settings.LANGUAGES)


def slug_from_title(title: str, max_length: int = 100) -> str:
    """A web address part from a title in any script ("" when nothing is left).

    Arabic and other non-Latin titles are transliterated into readable Latin
    letters first: Django's `slugify` alone would drop every letter.
    """
    return slugify(anyascii(title))[:max_length].strip("-")


# Values that reverse() would put in an address as they are.
_PLAIN_VALUE = re.compile(r"[-a-zA-Z0-9_]+")
_url_shapes: dict[tuple, str] = {}


def reverse_in(language: str, viewname: str, **kwargs: str) -> str:
    """The address of a view in `language` (its i18n_patterns prefix), as
    `reverse()` gives it under `translation.override(language)`.

    A list of 30 cards links every version of each: switching the active
    language a hundred times cost more than the rest of the page. Each
    address's shape is reversed once per language with placeholders, then
    filled in; values that would need quoting take the long way.
    """
    if not all(_PLAIN_VALUE.fullmatch(str(value)) for value in kwargs.values()):
        with translation.override(language):
            return reverse(viewname, kwargs=kwargs)
    names = sorted(kwargs)
    key = (get_urlconf(), get_script_prefix(), language, viewname, tuple(names))
    shape = _url_shapes.get(key)
    if shape is None:
        with translation.override(language):
            shape = reverse(viewname, kwargs={name: f"PLACEHOLDER{index}X" for index, name in enumerate(names)})
        _url_shapes[key] = shape
    for index, name in enumerate(names):
        shape = shape.replace(f"PLACEHOLDER{index}X", str(kwargs[name]), 1)
    return shape


def reverse_here(viewname: str, **kwargs: str) -> str:
    """`reverse_in` the active language: `reverse()` for the links of cards."""
    return reverse_in(translation.get_language(), viewname, **kwargs)


def _forget_url_shapes(*, setting: str, **kwargs) -> None:
    if setting in {"ROOT_URLCONF", "LANGUAGES", "LANGUAGE_CODE", "FORCE_SCRIPT_NAME"}:
        _url_shapes.clear()


setting_changed.connect(_forget_url_shapes)
