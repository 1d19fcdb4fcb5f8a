"""Our HTML read as text: the text of rich-text fields for the search index,
excerpts and anything else that needs the words without the markup."""

import html
import re

from django.utils.html import strip_tags

# Where a block ends, the words of two blocks must not run together
# (a caption and the next paragraph: "20 novembre. Nous", not "novembre.Nous").
BLOCK_END = re.compile(
    r"(</(?:p|h[1-6]|li|figcaption|figure|blockquote|td|th|tr|caption)>|<br\s*/?>|<img\b[^>]*>)", re.I
)


# Where a text ends a sentence (Latin, Arabic and Urdu stops, closing quotes).
SENTENCE_END = re.compile(r"[.!?…:;»”\"')\]؟۔]$")
# Between two fields (a slogan and the text) that does not end a sentence.
FIELD_SEPARATOR = " — "


def plain_text(*parts: str) -> str:
    """Text of HTML fragments (fields of a version), for the search index and
    excerpts. A field that does not end a sentence (a slogan, a heading-like
    standfirst) is kept apart from the next by a dash, so that an excerpt
    does not read "belongs to you You may…"."""
    texts = [" ".join(html.unescape(strip_tags(BLOCK_END.sub(r"\1 ", part))).split()) for part in parts if part]
    joined = ""
    for text in filter(None, texts):
        if joined:
            joined += " " if SENTENCE_END.search(joined) else FIELD_SEPARATOR
        joined += text
    return joined
