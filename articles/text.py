"""How an article's stored text is shown: footnotes, quotations, pictures.

The stored HTML stays what the editor can load again (footnote markers are
plain "[^1]" text, an attribution is the quotation's last paragraph); these
functions add the reading markup when a page or a PDF is made, so nothing an
organiser wrote is lost on the next edit.
"""

import re
from dataclasses import dataclass

from django.utils.safestring import SafeString, mark_safe

from publishing.pictures import responsive_images

NOTE_REFERENCE = re.compile(r"\[\^(\d{1,3})\]")
NOTE_ITEM = re.compile(r"<li>(.*?)</li>|<p>(.*?)</p>", re.DOTALL)
# A quotation's last paragraph, or its last line, that names its source:
# "— A union" or "(A report, 2026)".
ATTRIBUTION = re.compile(
    r"(?:<p>(?P<paragraph>(?:—|–|\()[^<]*?)</p>|(?:<br>|\n)(?P<line>(?:—|–|\()[^<]*?)</p>)\s*</blockquote>"
)


@dataclass
class Note:
    number: int
    html: SafeString


def note_items(notes_html: str) -> list[str]:
    """The notes, one per list item (or per paragraph when written as paragraphs)."""
    return [item or paragraph for item, paragraph in NOTE_ITEM.findall(notes_html or "")]


def link_notes(body_html: str, notes_html: str) -> tuple[str, list[Note]]:
    """Turn "[^n]" markers into numbered links to the notes, which link back."""
    # The notes come from a field cleaned on save.
    notes = [Note(number, mark_safe(html)) for number, html in enumerate(note_items(notes_html), start=1)]  # noqa: S308
    linked: set[int] = set()

    def reference(match: re.Match) -> str:
        number = int(match[1])
        if not 1 <= number <= len(notes):
            return match[0]
        # Only the first reference carries the anchor the note links back to.
        anchor = f' id="note-ref-{number}"' if number not in linked else ""
        linked.add(number)
        return f'<sup class="note-ref"{anchor}><a href="#note-{number}">{number}</a></sup>'

    return NOTE_REFERENCE.sub(reference, body_html), notes


def mark_attributions(body_html: str) -> str:
    """Set a quotation's source apart from its words."""

    def attribution(match: re.Match) -> str:
        if match["paragraph"] is not None:
            return f'<footer class="attribution">{match["paragraph"]}</footer></blockquote>'
        return f'</p><footer class="attribution">{match["line"]}</footer></blockquote>'

    return ATTRIBUTION.sub(attribution, body_html)


SECTION_HEADING = re.compile(r"<h2>(.*?)</h2>", re.DOTALL)
TAG = re.compile(r"<[^>]+>")


@dataclass
class Section:
    anchor: str
    title: SafeString


def anchor_sections(body_html: SafeString) -> tuple[SafeString, list[Section]]:
    """Give each section heading (h2) an anchor, and list them: the page's
    table of contents. Anchors are numbered, the same in every language."""
    sections: list[Section] = []

    def anchored(match: re.Match) -> str:
        anchor = f"section-{len(sections) + 1}"
        # The heading's text, already escaped in the cleaned HTML, without its tags.
        sections.append(Section(anchor, mark_safe(TAG.sub("", match[1]).strip())))  # noqa: S308
        return f'<h2 id="{anchor}">{match[1]}</h2>'

    body = SECTION_HEADING.sub(anchored, body_html)
    return mark_safe(body), sections  # noqa: S308 (built from cleaned HTML)


def render_body(body_html: str, notes_html: str, *, print_version: bool = False) -> tuple[SafeString, list[Note]]:
    """The body ready to show, and its numbered notes."""
    body, notes = link_notes(body_html, notes_html)
    body = responsive_images(mark_attributions(body), print_version=print_version)
    return mark_safe(body), notes  # noqa: S308 (built from cleaned HTML)
