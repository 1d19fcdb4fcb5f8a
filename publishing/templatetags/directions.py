"""Language and direction attributes for content in another language than the page's."""

import re

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language

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


# A run of Latin-script text (an address, a name, an e-mail, a time) inside
# right-to-left text: Latin letters, digits and the punctuation they carry.
_LATIN = "A-Za-z\u00c0-\u024f0-9"
LATIN_RUN = re.compile(rf"[({_LATIN}][{_LATIN}'’.,:;@/()+\-–& ]*[{_LATIN})]|[{_LATIN}]")


@register.filter
def isolate_latin(text: str, language: str) -> SafeString:
    """`text` escaped, its Latin runs in `<bdi dir="ltr">` when it is right-to-left.

    Without it, "12 rue de l'Exemple (Lyon)" inside Arabic text has its
    parts and brackets reordered by the bidirectional algorithm.
    """
    if text_direction(language) != "rtl":
        return conditional_escape(text)
    pieces, last = [], 0
    for run in LATIN_RUN.finditer(text):
        pieces += [conditional_escape(text[last : run.start()]), format_html('<bdi dir="ltr">{}</bdi>', run.group())]
        last = run.end()
    pieces.append(conditional_escape(text[last:]))
    return SafeString("".join(pieces))
