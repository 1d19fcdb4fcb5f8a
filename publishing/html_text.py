"""Our HTML read as text: its blocks, its plain text, its pictures.

Every part of the site that reads a rich-text field without rendering it
(the search index, excerpts, the translation diff, pictures for print and
pages, the admin's checks) goes through these, so that a paragraph, a line
break or a picture means the same thing everywhere.
"""

import html
import re

from django.utils.html import strip_tags

# Where a block of rich text ends: a paragraph, heading, list item, quotation,
# caption, table cell or row, preformatted block, or a line break.
BLOCK_END = re.compile(r"</(?:p|h[1-6]|li|blockquote|figcaption|figure|td|th|tr|caption|pre)>|<br\s*/?>", re.I)
# Any picture tag, as written anywhere (imports, pasted HTML, before cleaning).
ANY_IMG_TAG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
# A picture tag as the cleaner writes it: its source first, quoted.
IMG_TAG = re.compile(r'<img src="(?P<src>[^"]+)"(?P<rest>[^>]*)>')
# Where a text ends a sentence (Latin, Arabic and Urdu stops, closing quotes).
SENTENCE_END = re.compile(r"[.!?…:;»”\"')\]؟۔]$")
# Between two fields (a slogan and the text) that does not end a sentence.
FIELD_SEPARATOR = " — "


def text_of(value: str) -> str:
    """The text of an HTML fragment: tags gone, entities read, each block and
    picture followed by a line break (so that words of two blocks never run
    together: "20 novembre. Nous", not "novembre.Nous")."""
    value = BLOCK_END.sub(lambda match: match[0] + "\n", value)
    value = ANY_IMG_TAG.sub(lambda match: match[0] + "\n", value)
    return html.unescape(strip_tags(value))


def text_blocks(value: str) -> list[str]:
    """The paragraphs of a text, HTML or plain, as plain text (empty ones dropped)."""
    if "<" in value:
        value = text_of(value)
    return [" ".join(block.split()) for block in value.splitlines() if block.strip()]


def plain_text(*parts: str) -> str:
    """Text of HTML fragments (fields of a version), for the search index and
    excerpts. A field that does not end a sentence (a slogan, a heading-like
    standfirst) is kept apart from the next by a dash, so that an excerpt
    does not read "belongs to you You may…"."""
    texts = [" ".join(text_of(part).split()) for part in parts if part]
    joined = ""
    for text in filter(None, texts):
        if joined:
            joined += " " if SENTENCE_END.search(joined) else FIELD_SEPARATOR
        joined += text
    return joined
