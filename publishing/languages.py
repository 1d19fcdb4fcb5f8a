"""Language helpers shared by the tracts and articles apps."""

from anyascii import anyascii
from django.conf import settings
from django.utils.text import slugify
from django.utils.translation import get_language_info


def language_codes() -> list[str]:
    """Codes of the languages content can be written in, default first."""
    return [code for code, _name in settings.LANGUAGES]


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


def language_choices() -> list[tuple[str, str]]:
    return list(settings.LANGUAGES)


def slug_from_title(title: str, max_length: int = 100) -> str:
    """A web address part from a title in any script ("" when nothing is left).

    Arabic and other non-Latin titles are transliterated into readable Latin
    letters first: Django's `slugify` alone would drop every letter.
    """
    return slugify(anyascii(title))[:max_length].strip("-")
