"""Cleaning of rich text, for every HTML field whatever the editor.

Nothing that comes from the editor or an imported file is trusted: an
organiser's account can be phished, and the same HTML ends up in the public
pages and in the PDF renderer. The allow-list below is the whole of what a
body may contain.
"""

import dataclasses
import re
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from html import unescape
from html.parser import HTMLParser
from posixpath import normpath
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import nh3
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import models
from django.http.request import validate_host
from django.utils.html import escape
from django.utils.safestring import SafeData, SafeString, mark_safe
from django.utils.translation import gettext as _
from django_prose_editor.fields import ProseEditorField

from publishing.html_text import ANY_IMG_TAG
from publishing.languages import text_direction
from publishing.numbers import ascii_digits, whole_number

RICH_TEXT_TAGS = {
    "h2",
    "h3",
    "h4",
    "p",
    "br",
    "strong",
    "em",
    "b",
    "i",
    "u",
    "s",
    "sub",
    "sup",
    "ul",
    "ol",
    "li",
    "a",
    "blockquote",
    "img",
    "hr",
    # A picture with its caption, as the editor's picture button writes it
    # (articles and tracts).
    "figure",
    "figcaption",
}
RICH_TEXT_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    "ol": {"start"},
}
URL_SCHEMES = {"http", "https", "mailto"}
IMG_WITHOUT_SOURCE = re.compile(r"<img(?![^>]*\ssrc=)[^>]*>")

# Long-form articles also hold tables.
ARTICLE_TAGS = RICH_TEXT_TAGS | {"table", "thead", "tbody", "tr", "th", "td", "caption"}
ARTICLE_ATTRIBUTES = RICH_TEXT_ATTRIBUTES | {"th": {"colspan", "rowspan", "scope"}, "td": {"colspan", "rowspan"}}


def is_own_media_url(url: str) -> bool:
    """True for a path inside MEDIA_URL that does not climb out of it."""
    media_url = settings.MEDIA_URL
    if not url.startswith(media_url) or "\\" in url or "%" in url:
        return False
    return normpath(url).startswith(media_url.rstrip("/") + "/")


def own_media_path(url: str) -> str | None:
    """The relative address of one of our media files given by any address
    ("https://our-host/media/x.jpg" -> "/media/x.jpg"); None for anything else."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme in {"http", "https"} and parts.hostname:
        site_host = urlsplit(settings.SITE_URL).hostname
        hosts = [host for host in [*settings.ALLOWED_HOSTS, site_host] if host and host != "*"]
        if validate_host(parts.hostname, hosts):
            url = parts.path
    return url if is_own_media_url(url) else None


# Bounds on what a text may hold. Beyond them the PDF renderer (and the
# browser) is asked for absurd work: a cell spanning a million columns, 200
# quotations inside each other. Saves are refused with a message that says
# which bound; the cleaning clamps spans as a last resort.
MAX_SPAN = 50
MAX_NESTING_DEPTH = 30
MAX_TABLE_CELLS = 500
MAX_TABLE_COLUMNS = 50  # cells of a row, counted with their colspan
MAX_HTML_LENGTH = 500_000
VOID_TAGS = {"br", "hr", "img", "wbr", "col", "source", "input", "meta", "link"}


def _span(value: str) -> str | None:
    """A colspan or rowspan between 1 and MAX_SPAN; anything else goes."""
    number = whole_number(value.strip())
    if number is None or number < 1:
        return None
    return str(min(number, MAX_SPAN))


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    # Images may only come from our own media files: a remote image would
    # leak every reader (and the PDF renderer) to a third party.
    if tag == "img" and attribute == "src":
        return own_media_path(value)
    if attribute in {"colspan", "rowspan"}:
        return _span(value)
    return value


@dataclass
class _Measures:
    depth: int = 0
    deepest: int = 0
    widest_span: int = 0
    table_cells: list[int] = dataclasses.field(default_factory=list)
    largest_table: int = 0
    row_widths: list[int] = dataclasses.field(default_factory=list)
    widest_row: int = 0


class _BoundsParser(HTMLParser):
    """Measures nesting, spans and table sizes without building a tree (no recursion)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.measures = _Measures()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        m = self.measures
        if tag in VOID_TAGS:
            return
        m.depth += 1
        m.deepest = max(m.deepest, m.depth)
        if tag == "table":
            m.table_cells.append(0)
            m.row_widths.append(0)
        elif tag == "tr" and m.row_widths:
            m.row_widths[-1] = 0
        elif tag in {"td", "th"}:
            if m.table_cells:
                m.table_cells[-1] += 1
                m.largest_table = max(m.largest_table, m.table_cells[-1])
            columns = 1
            for name, value in attrs:
                digits = (value or "").strip()
                if name in {"colspan", "rowspan"} and ascii_digits(digits):  # the cleaning drops other values
                    span = int(digits) if len(digits) < 12 else 10**12
                    m.widest_span = max(m.widest_span, span)
                    if name == "colspan":
                        columns = max(1, min(span, MAX_SPAN))
            if m.row_widths:
                m.row_widths[-1] += columns
                m.widest_row = max(m.widest_row, m.row_widths[-1])

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID_TAGS:
            return
        m = self.measures
        m.depth = max(0, m.depth - 1)
        if tag == "table" and m.table_cells:
            m.table_cells.pop()
            m.row_widths.pop()


def check_html_bounds(html: str | None) -> None:
    """Raise a ValidationError, in the organiser's language, for a text beyond the bounds."""
    if not html:
        return
    if len(html) > MAX_HTML_LENGTH:
        raise ValidationError(
            _("This text is %(length)d characters long with its formatting; the limit is %(limit)d. Split it up.")
            % {"length": len(html), "limit": MAX_HTML_LENGTH}
        )
    parser = _BoundsParser()
    parser.feed(html)
    parser.close()
    measures = parser.measures
    problems = []
    if measures.widest_span > MAX_SPAN:
        problems.append(
            _("A table cell spans %(span)s rows or columns; at most %(limit)d are possible.")
            % {"span": measures.widest_span if measures.widest_span < 10**12 else "∞", "limit": MAX_SPAN}
        )
    if measures.widest_row > MAX_TABLE_COLUMNS:
        problems.append(
            _("A table row is %(columns)d columns wide; at most %(limit)d fit on a page.")
            % {"columns": measures.widest_row, "limit": MAX_TABLE_COLUMNS}
        )
    if measures.largest_table > MAX_TABLE_CELLS:
        problems.append(
            _("A table has %(cells)d cells; at most %(limit)d are possible: split it into several tables.")
            % {"cells": measures.largest_table, "limit": MAX_TABLE_CELLS}
        )
    if measures.deepest > MAX_NESTING_DEPTH:
        problems.append(
            _(
                "The text nests elements %(depth)d deep (quotations or lists inside each other); "
                "at most %(limit)d levels are possible."
            )
            % {"depth": measures.deepest, "limit": MAX_NESTING_DEPTH}
        )
    if problems:
        raise ValidationError(problems)


@lru_cache(maxsize=2)
def _cleaner(article: bool) -> nh3.Cleaner:
    return nh3.Cleaner(
        tags=ARTICLE_TAGS if article else RICH_TEXT_TAGS,
        clean_content_tags={"script", "style", "iframe", "object", "embed", "template"},
        attributes=ARTICLE_ATTRIBUTES if article else RICH_TEXT_ATTRIBUTES,
        attribute_filter=_filter_attribute,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def clean_rich_text(html: str | None, *, article: bool = False) -> str:
    """Return `html` reduced to the allow-list (the article one: tables and
    figures too); empty editor output gives ""."""
    if not html:
        return ""
    cleaned = _cleaner(article).clean(html).strip()
    # A picture whose address was refused would show as a broken image.
    cleaned = IMG_WITHOUT_SOURCE.sub("", cleaned)
    # ProseMirror always leaves at least one empty paragraph behind.
    if cleaned in {"<p></p>", "<p><br></p>"}:
        return ""
    return cleaned


SRC_ATTRIBUTE = re.compile(r"""\bsrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.IGNORECASE)
HREF_ATTRIBUTE = re.compile(r"""<a\b[^>]*?\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.IGNORECASE)


def refused_content(html: str) -> list[str]:
    """Why the cleaner would silently drop part of `html` (pictures not ours, or
    links it cannot keep), in the organiser's language; [] when nothing is lost."""
    problems = []
    for tag in ANY_IMG_TAG.findall(html or ""):
        match = SRC_ATTRIBUTE.search(tag)
        if match is None:
            continue  # no picture to lose (the cleaner drops the tag)
        address = next(group for group in match.groups() if group is not None)
        name = own_media_path(address)
        if name is None or not default_storage.exists(name.removeprefix(settings.MEDIA_URL)):
            problems.append(
                _(
                    "The picture “%(address)s” is not one of ours: add it with the editor's picture button "
                    "(it can be uploaded there)."
                )
                % {"address": address[:120]}
            )
    for match in HREF_ATTRIBUTE.finditer(html or ""):
        address = next(group for group in match.groups() if group is not None).strip()
        scheme = urlsplit(address).scheme.lower()
        if scheme and scheme not in URL_SCHEMES:
            problems.append(
                _("The link “%(address)s” cannot be kept: use an address starting with https://, http:// or mailto:.")
                % {"address": address[:120]}
            )
    return problems


def checked_rich_text(html: str | None, *, article: bool = False) -> str:
    """The editor's output cleaned, or a ValidationError when cleaning would lose
    something the organiser meant to keep (rather than saving it broken)."""
    if problems := refused_content(html or ""):
        raise ValidationError(problems)
    return clean_rich_text(html, article=article)


def checked_article_text(html: str | None) -> str:
    return checked_rich_text(html, article=True)


# What the rich-text editor offers; everything it produces is in the allow-list.
RICH_TEXT_EDITOR_EXTENSIONS = {
    "Bold": True,
    "Italic": True,
    "Heading": {"levels": [2, 3]},
    "BulletList": True,
    "OrderedList": True,
    "ListItem": True,
    "Blockquote": True,
    "HardBreak": True,
    "Link": {"enableTarget": False, "protocols": sorted(URL_SCHEMES)},
    # Organisers write in French, Arabic…: the browser's spell check helps.
    "NoSpellCheck": False,
    # static/collectif/editor.js: menus in the organiser's language, word count.
    "CollectifEditor": True,
}
# Our figure (static/collectif/editor.js): its button opens a picker of our
# pictures with an upload; a description is required, a caption optional.
PICTURE_EDITOR_EXTENSIONS = {
    "CollectifFigure": True,
    "Caption": True,
    "Image": True,
}
ARTICLE_EDITOR_EXTENSIONS = (
    RICH_TEXT_EDITOR_EXTENSIONS
    | PICTURE_EDITOR_EXTENSIONS
    | {
        "Heading": {"levels": [2, 3, 4]},
        "Table": True,
        "TableRow": True,
        "TableHeader": True,
        "TableCell": True,
        # A button that calls a numbered note and writes its text in the notes.
        "Footnotes": {"notesField": "notes"},
    }
)


def clean_article_text(html: str | None) -> str:
    return clean_rich_text(html, article=True)


# django-prose-editor has no type information: the checker sees the text
# field it is, which tells it the attribute holds a str.
if TYPE_CHECKING:
    RichTextBase = models.TextField
else:
    RichTextBase = ProseEditorField


class RichTextField(RichTextBase):
    """Rich text edited with the editor and stored cleaned, whatever the path
    (admin, import, shell): the cleaning runs on every save, not only in forms."""

    sanitize: Callable[[str], str]  # set by django-prose-editor from the `sanitize` argument

    def __init__(self, *args, article: bool = False, **kwargs) -> None:
        kwargs.setdefault("extensions", ARTICLE_EDITOR_EXTENSIONS if article else RICH_TEXT_EDITOR_EXTENSIONS)
        kwargs.setdefault("sanitize", clean_article_text if article else clean_rich_text)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def clean(self, value, model_instance):
        # In forms (full_clean), what the cleaner would silently drop is
        # refused with a message instead; saves still clean whatever comes.
        if problems := refused_content(value or ""):
            raise ValidationError(problems)
        return super().clean(value, model_instance)

    def pre_save(self, model_instance, add: bool) -> str:
        value = self.sanitize(getattr(model_instance, self.attname))
        setattr(model_instance, self.attname, value)
        return value


def clean_rich_text_fields(instance: models.Model) -> None:
    """Clean the rich-text fields of `instance` now, for what is derived from
    them before the save (search text, word count)."""
    for field in instance._meta.concrete_fields:
        if isinstance(field, RichTextField):
            field.pre_save(instance, add=instance._state.adding)


# Addresses inside text, as print and screen must lay them out: an e-mail, a
# web address or a phone number is one unit, never hyphenated nor split at its
# own hyphen; inside right-to-left text every run of Latin script (a postal
# address, a name in brackets) is isolated left to right, or the bidirectional
# algorithm reorders its parts and turns its brackets at a line end. WeasyPrint
# ignores `unicode-bidi` and the isolating control characters do not survive
# its line breaks, but it lays an element with `dir="ltr"` out left to right
# on every line it spans: hence elements, not characters.
EMAIL = re.compile(r"(?<![\w.%+\-])[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")
WEB_ADDRESS = re.compile(
    r"(?<![\w@.\-/])(?:https?://|www\.|[A-Za-z0-9][A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[a-z]{2,24}(?=[/\s.,;:!?)»”]|$))"
    r"[A-Za-z0-9\-._~:/?#\[\]@!$&()*+,;=%]*"
)
PHONE = re.compile(r"(?<![\w+])(?:\+\d{1,3}|0)[ .\-\u00a0]?\d{1,4}(?:[ .\-\u00a0]\d{1,4}){1,6}(?![\w])")
PHONE_DIGITS = range(9, 16)
# Where a long web address may go to the next line: after a slash of its path,
# before a query (its pieces between never break).
WEB_ADDRESS_BREAKS = re.compile(r"(?<=[^/:]/)(?=[^/])|(?=[?#])")
_LATIN = "A-Za-z\u00c0-\u024f0-9"
LATIN_RUN = re.compile(rf"[({_LATIN}][{_LATIN}'’.,:;@/()+\-–& ]*[{_LATIN})]|[{_LATIN}]")
LATIN_LETTER = re.compile(r"[A-Za-z\u00c0-\u024f]")
# A tag of cleaned HTML (quoted attribute values may hold ">").
HTML_TAG = re.compile(r"""<!--.*?-->|<(?:[^>"']|"[^"]*"|'[^']*')*>""", re.DOTALL)
START_OR_END_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)")
# Text never touched: what is isolated already, and what is not text.
SKIPPED_ELEMENTS = {"bdi", "script", "style", "textarea", "title"}
_TRAILING_PUNCTUATION = ".,;:!?"


def _web_address_end(text: str, start: int, end: int) -> int:
    """Where a web address found up to `end` really ends: without the sentence's
    punctuation after it, nor a closing bracket it did not open."""
    # Counted once, then as characters are dropped: a long tail stays linear.
    counts = {bracket: text.count(bracket, start, end) for bracket in "()[]"}
    while end > start:
        last = text[end - 1]
        opening = {")": "(", "]": "["}.get(last)
        if last not in _TRAILING_PUNCTUATION and not (opening and counts[opening] < counts[last]):
            return end
        if opening:
            counts[last] -= 1
        end -= 1
    return end


def _address_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, kind) of the e-mails, web addresses and phone numbers in `text`, in order."""
    spans: list[tuple[int, int, str]] = []
    taken = bytearray(len(text))

    def take(start: int, end: int, kind: str) -> None:
        if not any(taken[start:end]):
            taken[start:end] = b"\x01" * (end - start)
            spans.append((start, end, kind))

    # A web address may hold an e-mail (…?to=a@b.org): it is taken first.
    for match in WEB_ADDRESS.finditer(text):
        end = _web_address_end(text, match.start(), match.end())
        if end - match.start() > 4:
            take(match.start(), end, "url")
    for match in EMAIL.finditer(text):
        take(match.start(), match.end(), "email")
    for match in PHONE.finditer(text):
        if sum(c.isdigit() for c in match.group()) in PHONE_DIGITS:
            take(match.start(), match.end(), "phone")
    return sorted(spans)


def _paired_brackets(run: re.Match) -> tuple[int, int]:
    """The run without a bracket it does not close or open: a bracket opened in
    right-to-left text is closed there too (and mirrored with it)."""
    start, end, text = run.start(), run.end(), run.string
    opened, closed = text.count("(", start, end), text.count(")", start, end)
    while end - start > 1 and text[end - 1] == ")" and opened < closed:
        end, closed = end - 1, closed - 1
    while end - start > 1 and text[start] == "(" and opened > closed:
        start, opened = start + 1, opened - 1
    return start, end


def _wrapped_address(text: str, kind: str) -> str:
    """One address in its isolating element; a web address in pieces that never break."""
    if kind == "url":
        pieces = [piece for piece in WEB_ADDRESS_BREAKS.split(text) if piece]
        inner = "".join(f'<span class="url-piece">{escape(piece)}</span>' for piece in pieces)
    else:
        inner = escape(text)
    return f'<bdi dir="ltr" class="ltr-run {kind}">{inner}</bdi>'


def _marked_text(text: str, rtl: bool) -> str | None:
    """`text` (plain) escaped with its addresses wrapped; None when there is nothing to wrap."""
    spans = _address_spans(text)
    starts = [start for start, _end, _kind in spans]
    runs: list[tuple[int, int]] = []
    if rtl:
        # Addresses count as Latin script whatever they hold (`?`, `=`, `_`…).
        masked = list(text)
        for start, end, _kind in spans:
            masked[start:end] = "a" * (end - start)
        runs = [
            (start, end)
            for start, end in map(_paired_brackets, LATIN_RUN.finditer("".join(masked)))
            if LATIN_LETTER.search(text, start, end) or bisect_left(starts, end) > bisect_left(starts, start)
        ]
    if not spans and not runs:
        return None
    pieces, last, index = [], 0, 0

    def up_to(end: int) -> None:
        """The text from `last` to `end`, its addresses wrapped (spans never cross a run's ends)."""
        nonlocal last, index
        while index < len(spans) and spans[index][1] <= end:
            start, stop, kind = spans[index]
            pieces.extend([escape(text[last:start]), _wrapped_address(text[start:stop], kind)])
            last, index = stop, index + 1
        pieces.append(escape(text[last:end]))
        last = end

    for start, end in runs:
        up_to(start)
        if index < len(spans) and spans[index][:2] == (start, end):
            up_to(end)  # the run is one address: wrapped once
        else:
            pieces.append('<bdi dir="ltr" class="ltr-run">')
            up_to(end)
            pieces.append("</bdi>")
    up_to(len(text))
    return "".join(pieces)


def _marked_html(html: str, rtl: bool) -> str:
    """Cleaned HTML with the addresses of its text wrapped; tags, attributes and
    what is already isolated left as they are."""
    pieces, last, skipped_depth = [], 0, 0

    def text_until(end: int) -> None:
        chunk = html[last:end]
        marked = _marked_text(unescape(chunk), rtl) if chunk and not skipped_depth else None
        pieces.append(chunk if marked is None else marked)

    for tag in HTML_TAG.finditer(html):
        text_until(tag.start())
        pieces.append(tag.group())
        last = tag.end()
        name = START_OR_END_TAG.match(tag.group())
        if name and name[2].lower() in SKIPPED_ELEMENTS and not tag.group().endswith("/>"):
            skipped_depth = max(0, skipped_depth + (-1 if name[1] else 1))
    text_until(len(html))
    return "".join(pieces)


def isolate_addresses(value: str, language: str) -> SafeString:
    """`value` with its e-mails, web addresses and phone numbers (and, in a
    right-to-left language, every run of Latin script) in `<bdi dir="ltr"
    class="ltr-run …">`, for print and screen (static/print/tract.css,
    static/css/site.css).

    A string marked safe is taken as cleaned HTML (a rich-text field) and only
    its text between tags is touched; anything else is plain text and escaped.
    Wrapped text is left alone, so applying it twice changes nothing.
    """
    rtl = text_direction(language) == "rtl"
    if isinstance(value, SafeData):
        return mark_safe(_marked_html(str(value), rtl))  # noqa: S308 (tags kept as cleaned, text escaped)
    text = str(value)
    return mark_safe(_marked_text(text, rtl) or escape(text))  # noqa: S308 (escaped above)


# However few its words, an excerpt is never longer than this: a "word" of
# 400,000 characters made the home page 410 kB and the feeds 1.2 MB.
EXCERPT_CHARACTERS = 300


def bounded_excerpt(text: str, words: int, characters: int = EXCERPT_CHARACTERS) -> str:
    """The start of a plain `text`: at most `words` words and `characters` characters, ending in “…” when cut."""
    from django.utils.text import Truncator

    return Truncator(Truncator(" ".join(text.split())).words(words, truncate="…")).chars(characters, truncate="…")
