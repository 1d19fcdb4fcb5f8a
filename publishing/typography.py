"""French spacing: the no-break spaces French typesetting puts inside
guillemets and before high punctuation, where a plain space was typed.

Pango, which lays out our PDFs, breaks a line after the space of "« " and
before the one of " »": a tract printed "«" alone at the end of a line, or
"»" at the start of one. A no-break space there keeps the guillemet with its
word; before ":" it is the same no-break space, before ";", "!" and "?" a
narrow one, as French print has it. Only plain spaces are replaced: nothing
is added where none was typed, and nothing else changes.

Also the rule the interface's French catalogue is held to
(scripts/check_catalogues.py). No Django here: that script imports it.
"""

import re

NO_BREAK_SPACE = "\u00a0"
NARROW_NO_BREAK_SPACE = "\u202f"
# The languages whose texts are spaced this way.
FRENCH_SPACED_LANGUAGES = {"fr"}

# Punctuation is followed by a space, the end, a closing sign or markup: a
# "![" is Markdown, not a "!"; "\\" starts an escape in a PO file.
_AFTER_PUNCTUATION = r"""(?=$|[\s»)"<.,…’\\&])"""
# (what is wrong, where, what replaces the one character at fault)
FRENCH_SPACES = [
    (
        "before a colon or », a space other than a no-break one",
        re.compile(f"[ {NARROW_NO_BREAK_SPACE}](?=[:»]{_AFTER_PUNCTUATION})"),
        NO_BREAK_SPACE,
    ),
    (
        "before ; ! or ?, a space other than a narrow no-break one",
        re.compile(f"[ {NO_BREAK_SPACE}](?=[;!?]{_AFTER_PUNCTUATION})"),
        NARROW_NO_BREAK_SPACE,
    ),
    ("after «, a space other than a no-break one", re.compile(f"(?<=«)[ {NARROW_NO_BREAK_SPACE}]"), NO_BREAK_SPACE),
]

# What is not text to space in an HTML document: a tag, a comment, or an
# element whose text is code or what someone is typing, whole.
_NOT_TEXT = re.compile(r"<(style|script|textarea|pre|code)\b[^>]*>.*?</\1\s*>|<!--.*?-->|<[^>]*>", re.S | re.I)


def french_spacing(text: str) -> str:
    """`text` (plain) with French spacing."""
    for _problem, pattern, space in FRENCH_SPACES:
        text = pattern.sub(space, text)
    return text


# A text that may need spacing (most between two tags is indentation).
_PUNCTUATION = re.compile("[:;!?«»]")


def french_spacing_of_html(html: str) -> str:
    """An HTML document or fragment with French spacing in its text (never
    in its tags, attributes, stylesheets, scripts, code or form fields)."""
    pieces, position = [], 0
    for match in _NOT_TEXT.finditer(html):
        text = html[position : match.start()]
        pieces += [french_spacing(text) if _PUNCTUATION.search(text) else text, match.group()]
        position = match.end()
    pieces.append(french_spacing(html[position:]))
    return "".join(pieces)


def spaced_for(language: str, html: str) -> str:
    """`html` (or plain text) as a text in `language` is shown: French spaced."""
    return french_spacing_of_html(html) if language in FRENCH_SPACED_LANGUAGES else html
