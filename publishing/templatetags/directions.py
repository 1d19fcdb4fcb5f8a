"""Language and direction attributes for content in another language than the page's."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from publishing.html import isolate_addresses
from publishing.languages import text_direction

register = template.Library()


@register.simple_tag
def lang_attrs(language: str) -> SafeString:
    """` lang="…" dir="…"` when `language` is not the page's, else nothing.

    Put it on the element holding the other language's text only (a title,
    an excerpt), never on a frame that also holds the interface's words
    (dates, themes), which would then be read and laid out wrongly.
    """
    if not language or language == get_language():
        return SafeString("")
    return format_html(' lang="{}" dir="{}"', language, text_direction(language))


@register.filter(name="isolate_addresses")
def isolate_addresses_filter(value: str, language: str) -> SafeString:
    """Addresses, e-mails, web addresses and phone numbers kept whole and left
    to right (see publishing.html.isolate_addresses): a safe value is cleaned
    HTML, anything else plain text, escaped."""
    return isolate_addresses(value, language)
