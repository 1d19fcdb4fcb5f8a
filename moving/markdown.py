"""Markdown files as organisers write them on pads and in text editors,
and as an exported site writes them (front matter, then the text)."""

import datetime
import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import yaml
from django.db import models
from django.utils.text import slugify
from django.utils.translation import gettext as _
from markdown_it import MarkdownIt
from markdownify import MarkdownConverter

from publishing.html import MAX_NESTING_DEPTH, clean_rich_text
from publishing.languages import is_supported, language_codes, slug_from_title
from publishing.models import Theme
from publishing.publications import Publication


class MarkdownImportError(ValueError):
    """A file that cannot be imported; the message is for the organiser."""


# Keys whose value is a list: YAML lists, or comma-separated on one line.
LIST_KEYS = {"themes", "authors", "old_addresses"}
MetadataValue = str | list[str]


@dataclass
class MarkdownDocument:
    metadata: dict[str, MetadataValue] = field(default_factory=dict)
    body: str = ""


def parse_front_matter(text: str, allowed_keys: set[str]) -> MarkdownDocument:
    """Split optional front matter between `---` lines from the body.

    Pads (HedgeDoc), Jekyll, Hugo and Obsidian write YAML: quoted titles,
    lists, dates. Organisers write `key: value` lines with unquoted colons
    ("Contrôle : non !") that YAML rejects. Valid YAML is read as YAML, the
    rest line by line.
    """
    text = text.lstrip("\ufeff")
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return MarkdownDocument(body=text)
    try:
        end = next(index for index, line in enumerate(lines[1:], start=1) if line.strip() in {"---", "..."})
    except StopIteration:
        raise MarkdownImportError(_("The front matter opened with “---” on line 1 is never closed."))
    front_lines = lines[1:end]
    metadata = _yaml_front_matter(front_lines)
    if metadata is None:
        metadata = _lenient_front_matter(front_lines)
    for key in metadata:
        if key not in allowed_keys:
            line = next((n for n, text in enumerate(front_lines, start=2) if text.lower().startswith(key)), 2)
            raise MarkdownImportError(
                _("Unknown front matter key “%(key)s” on line %(line)d (known keys: %(known)s).")
                % {"key": key[:40], "line": line, "known": ", ".join(sorted(allowed_keys))}
            )
    return MarkdownDocument(metadata=metadata, body="\n".join(lines[end + 1 :]))


def _lenient_front_matter(front_lines: list[str]) -> dict[str, MetadataValue]:
    """One `key: value` per line; the value is everything after the first colon."""
    metadata: dict[str, MetadataValue] = {}
    for number, line in enumerate(front_lines, start=2):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, colon, value = line.partition(":")
        key = key.strip().lower()
        if not colon or not key:
            raise MarkdownImportError(_("Line %(line)d of the front matter is not “key: value”.") % {"line": number})
        metadata[key] = value.strip()
    return metadata


def _yaml_front_matter(front_lines: list[str]) -> dict[str, MetadataValue] | None:
    """The front matter read as YAML, or None when it is not a valid YAML mapping."""
    try:
        data = yaml.safe_load("\n".join(front_lines))
    except yaml.YAMLError:
        return None
    if data is None:
        return {}
    if not isinstance(data, dict):
        return None
    metadata: dict[str, MetadataValue] = {}
    for key, value in data.items():
        key = str(key).strip().lower()
        if value is None:
            metadata[key] = ""
        elif isinstance(value, list):
            metadata[key] = [_yaml_scalar(item) for item in value if item is not None]
        elif isinstance(value, dict):
            raise MarkdownImportError(
                _("“%(key)s” in the front matter must be text, not a group of keys.") % {"key": key[:40]}
            )
        else:
            metadata[key] = _yaml_scalar(value)
        if isinstance(metadata[key], list) and key not in LIST_KEYS:
            raise MarkdownImportError(
                _("“%(key)s” in the front matter must be one value, not a list.") % {"key": key[:40]}
            )
    return metadata


def _yaml_scalar(value: object) -> str:
    # A date or a time stays in ISO form; YAML 1.1 reads "Non" or "yes" as
    # booleans, which are no values of ours: keep the word as written.
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value).strip()


def parse_date(value: str, key: str = "date") -> datetime.date:
    try:
        return datetime.date.fromisoformat(value.strip())
    except ValueError:
        pass
    try:  # a date and time, as Jekyll and Hugo write them
        return datetime.datetime.fromisoformat(value.strip()).date()
    except ValueError:
        raise MarkdownImportError(
            _("“%(key)s” must be a date written YYYY-MM-DD, not “%(value)s”.") % {"key": key, "value": value[:40]}
        )


def split_list(value: MetadataValue) -> list[str]:
    """A YAML list as it is, or a comma-separated line split."""
    items = value if isinstance(value, list) else value.split(",")
    return [item.strip() for item in items if item.strip()]


def take_title_heading(body: str) -> tuple[str, str]:
    """Return the first `# ` heading and the body without it ("" if none)."""
    lines = body.splitlines()
    for index, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("# "):
            return stripped[2:].strip().strip("#").strip(), "\n".join(lines[:index] + lines[index + 1 :])
    return "", body


def render_markdown(body: str) -> str:
    """Markdown to HTML, not cleaned yet.

    Past `maxNesting` levels markdown-it drops the rest of the text without a
    word. Its limit is set just past the admin's bound (MAX_NESTING_DEPTH),
    and a text that comes near it, beyond the bound anyway, is refused
    instead. (An "inline" token is no element: its paragraph is counted.)
    """
    renderer = MarkdownIt(
        "commonmark", {"html": True, "typographer": False, "maxNesting": MAX_NESTING_DEPTH + 2}
    ).enable(["strikethrough", "table"])
    tokens = renderer.parse(body)
    if any(
        (token.type != "inline" and token.level > MAX_NESTING_DEPTH)
        or any(child.level > MAX_NESTING_DEPTH for child in token.children or [])
        for token in tokens
    ):
        raise MarkdownImportError(
            _(
                "The text nests quotations or lists more than %(limit)d levels deep; at most %(limit)d are "
                "possible. Nothing was imported."
            )
            % {"limit": MAX_NESTING_DEPTH}
        )
    return renderer.renderer.render(tokens, renderer.options, {})


def markdown_to_html(body: str, *, article: bool = False) -> str:
    """Markdown to clean HTML: raw HTML in the file goes through the same cleaning as the editor's."""
    return clean_rich_text(render_markdown(body), article=article)


FOOTNOTE_DEFINITION = re.compile(r"^\[\^([^\]\s]+)\]:[ \t]?(.*)$")
FOOTNOTE_REFERENCE = re.compile(r"\[\^([^\]\s]+)\]")
IMAGE = re.compile(r'!\[(?P<alt>[^\]]*)\]\((?P<path>[^)\s]+)(?:\s+"(?P<caption>[^"]*)")?\)')


def extract_footnotes(body: str) -> tuple[str, list[str]]:
    """Take the `[^label]: text` definitions out of the body, and number the calls.

    Notes are numbered in the order they are first called, as readers meet
    them; the body keeps "[^1]", "[^2]"… where they are called.
    """
    definitions: dict[str, list[str]] = {}
    kept, current = [], None
    for line in body.splitlines():
        if match := FOOTNOTE_DEFINITION.match(line):
            current = match[1]
            definitions[current] = [match[2].strip()]
        elif current and line[:1] in {" ", "\t"} and line.strip():
            definitions[current].append(line.strip())  # an indented continuation
        else:
            current = None
            kept.append(line)
    numbers: dict[str, int] = {}

    def number(match: re.Match) -> str:
        label = match[1]
        if label not in definitions:
            raise MarkdownImportError(_("The note [^%(label)s] is called but never written.") % {"label": label[:30]})
        numbers.setdefault(label, len(numbers) + 1)
        return f"[^{numbers[label]}]"

    text = FOOTNOTE_REFERENCE.sub(number, "\n".join(kept))
    for label in definitions:  # written but never called: kept, after the others
        numbers.setdefault(label, len(numbers) + 1)
    return text, [" ".join(definitions[label]) for label in sorted(numbers, key=numbers.__getitem__)]


def replace_images(body: str, figure: Callable[[str, str, str], str]) -> str:
    """Replace each `![alt](path "caption")` by what `figure(alt, path, caption)` returns."""
    return IMAGE.sub(lambda match: figure(match["alt"], match["path"], match["caption"] or ""), body)


def check_language(language: str) -> None:
    if not is_supported(language):
        raise MarkdownImportError(
            _("Unknown language “%(language)s” (available: %(available)s).")
            % {"language": language[:20], "available": ", ".join(language_codes())}
        )


def title_and_body(document: MarkdownDocument) -> tuple[str, str]:
    """The title (front matter, else the first `# ` heading) and the rest of the text."""
    title, body = str(document.metadata.get("title") or ""), document.body
    if not title:
        title, body = take_title_heading(body)
    if not title:
        raise MarkdownImportError(
            _("No title: add “title:” to the front matter or start the text with a “# ” heading.")
        )
    return title, body


def checked_length(value: str, model: type[models.Model], field_name: str) -> str:
    max_length = getattr(model._meta.get_field(field_name), "max_length", None)
    if max_length and len(value) > max_length:
        raise MarkdownImportError(
            _("“%(field)s” is %(length)d characters long; the limit is %(max)d.")
            % {"field": field_name, "length": len(value), "max": max_length}
        )
    return value


def existing_or_new_slug(model: type[Publication], slug: str | None, title: str) -> tuple[Publication | None, str]:
    """The publication `slug` names (None if new) and the slug to use.

    Without --slug the title gives the slug, and an existing one is refused
    rather than overwritten.
    """
    if slug:
        if slugify(slug) != slug:
            raise MarkdownImportError(
                _("“%(slug)s” is not a valid slug: use lowercase letters, digits and hyphens.") % {"slug": slug[:100]}
            )
        return model._default_manager.filter(slug=slug).first(), slug
    slug = slug_from_title(title)
    if not slug:
        raise MarkdownImportError(_("Cannot make a web address from this title; pass --slug."))
    if model._default_manager.filter(slug=slug).exists():
        raise MarkdownImportError(
            _("“%(slug)s” already exists: pass --slug %(slug)s to add or replace this language version.")
            % {"slug": slug}
        )
    return None, slug


def named_themes(metadata: dict[str, str]) -> list[Theme]:
    """The themes of the `themes:` line, created when new."""
    names = [checked_length(name, Theme, "name") for name in split_list(metadata.get("themes", ""))]
    return Theme.from_names(names)


# Writing and reading exported files -------------------------------------------

FIGURE = re.compile(r"<figure>\s*(<img\b[^>]*>)\s*(?:<figcaption>(.*?)</figcaption>)?\s*</figure>", re.S | re.I)


class _Converter(MarkdownConverter):
    """Markdown for what Markdown has; underline, sub- and superscript kept as HTML (the imports accept it)."""

    def convert_u(self, el, text, parent_tags):
        return f"<u>{text}</u>"

    def convert_sub(self, el, text, parent_tags):
        return f"<sub>{text}</sub>"

    def convert_sup(self, el, text, parent_tags):
        return f"<sup>{text}</sup>"


def html_to_markdown(body: str) -> str:
    # A figure becomes ![description](picture "caption"), as the Markdown imports read it.
    body = FIGURE.sub(lambda m: _with_title(m[1], m[2] or ""), body)
    return _Converter(heading_style="ATX", bullets="-").convert(body).strip() + "\n"


def _with_title(img: str, caption: str) -> str:
    caption = html.unescape(re.sub(r"<[^>]+>", "", caption)).replace('"', "”")
    return f'<p>{img[:-1].rstrip("/")} title="{html.escape(caption)}"></p>' if caption else f"<p>{img}</p>"


def front_matter(metadata: dict) -> str:
    """The metadata between `---` lines, empty values left out."""
    data = {key: value for key, value in metadata.items() if value not in ("", None, [])}
    return "---\n" + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000) + "---\n\n"


def split_exported(text: str) -> tuple[dict, str]:
    """The front matter (strict YAML, as an export writes it) and the body of an exported file."""
    _start, _dashes, rest = text.partition("---\n")
    front, _dashes, body = rest.partition("\n---\n")
    try:
        metadata = yaml.safe_load(front) or {}
    except yaml.YAMLError as error:
        raise MarkdownImportError(f"front matter is not valid YAML ({str(error).splitlines()[0]})")
    if not isinstance(metadata, dict):
        raise MarkdownImportError("the front matter is not a list of “key: value” lines")
    return metadata, body


def with_front_matter(metadata: dict, keys: set[str], body: str) -> str:
    """A Markdown file of the body whose front matter keeps only `keys` (those a Markdown import reads)."""
    return front_matter({key: value for key, value in metadata.items() if key in keys}) + body
