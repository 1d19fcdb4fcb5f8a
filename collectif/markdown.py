"""Markdown files as organisers write them on pads and in text editors."""

import datetime
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from markdown_it import MarkdownIt

from collectif.html import clean_rich_text


class MarkdownImportError(ValueError):
    """A file that cannot be imported; the message is for the organiser."""


@dataclass
class MarkdownDocument:
    metadata: dict[str, str] = field(default_factory=dict)
    body: str = ""


def parse_front_matter(text: str, allowed_keys: set[str]) -> MarkdownDocument:
    """Split optional `key: value` lines between `---` lines from the body.

    Deliberately not YAML: French titles hold colons ("Contrôle : non !")
    that YAML rejects, and organisers should not have to quote anything.
    """
    text = text.lstrip("\ufeff")
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return MarkdownDocument(body=text)
    try:
        end = next(index for index, line in enumerate(lines[1:], start=1) if line.strip() == "---")
    except StopIteration:
        raise MarkdownImportError(_("The front matter opened with “---” on line 1 is never closed."))
    metadata = {}
    for number, line in enumerate(lines[1:end], start=2):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, colon, value = line.partition(":")
        key = key.strip().lower()
        if not colon or not key:
            raise MarkdownImportError(_("Line %(line)d of the front matter is not “key: value”.") % {"line": number})
        if key not in allowed_keys:
            raise MarkdownImportError(
                _("Unknown front matter key “%(key)s” on line %(line)d (known keys: %(known)s).")
                % {"key": key[:40], "line": number, "known": ", ".join(sorted(allowed_keys))}
            )
        metadata[key] = value.strip()
    return MarkdownDocument(metadata=metadata, body="\n".join(lines[end + 1 :]))


def parse_date(value: str, key: str = "date") -> datetime.date:
    try:
        return datetime.date.fromisoformat(value.strip())
    except ValueError:
        raise MarkdownImportError(
            _("“%(key)s” must be a date written YYYY-MM-DD, not “%(value)s”.") % {"key": key, "value": value[:40]}
        )


def split_list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def take_title_heading(body: str) -> tuple[str, str]:
    """Return the first `# ` heading and the body without it ("" if none)."""
    lines = body.splitlines()
    for index, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("# "):
            return stripped[2:].strip().strip("#").strip(), "\n".join(lines[:index] + lines[index + 1 :])
    return "", body


def markdown_to_html(body: str) -> str:
    """Markdown to clean HTML: raw HTML in the file goes through the same cleaning as the editor's."""
    renderer = MarkdownIt("commonmark", {"html": True, "typographer": False}).enable("strikethrough")
    return clean_rich_text(renderer.render(body))
