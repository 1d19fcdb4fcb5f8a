"""What changed in an original since a translation was made from it.

A translation keeps the original's texts as they were when it was last
brought up to date (`LanguageVersion.source_texts`); the admin shows the
original as it is now with the changes since then marked: <ins> for what
was added, <del> for what was removed, paragraph by paragraph and, inside
a changed paragraph, word by word.
"""

import difflib
import re
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from publishing.html_text import text_blocks

WORDS = re.compile(r"\s+|[^\s]+")


def _marked_words(before: str, after: str) -> str:
    old, new = WORDS.findall(before), WORDS.findall(after)
    parts = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag in ("delete", "replace"):
            parts.append(f"<del>{escape(''.join(old[i1:i2]))}</del>")
        if tag in ("insert", "replace"):
            parts.append(f"<ins>{escape(''.join(new[j1:j2]))}</ins>")
        if tag == "equal":
            parts.append(escape("".join(new[j1:j2])))
    return "".join(parts)


def marked_changes(before: str, after: str) -> SafeString:
    """`after` as paragraphs, with what changed since `before` marked."""
    old, new = text_blocks(before), text_blocks(after)
    paragraphs: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "equal":
            paragraphs += [escape(block) for block in new[j1:j2]]
        elif tag == "insert":
            paragraphs += [f"<ins>{escape(block)}</ins>" for block in new[j1:j2]]
        elif tag == "delete":
            paragraphs += [f"<del>{escape(block)}</del>" for block in old[i1:i2]]
        else:
            # Paragraphs rewritten: compare them word by word, pairwise, the
            # extra ones on either side shown as added or removed.
            pairs = max(i2 - i1, j2 - j1)
            for offset in range(pairs):
                before_block = old[i1 + offset] if i1 + offset < i2 else ""
                after_block = new[j1 + offset] if j1 + offset < j2 else ""
                paragraphs.append(_marked_words(before_block, after_block))
    return mark_safe("".join(f"<p>{paragraph}</p>" for paragraph in paragraphs))  # noqa: S308 (escaped above)


@dataclass
class FieldChange:
    name: str
    label: str
    changed: bool
    marked: SafeString


def changes_since(version, original) -> list[FieldChange]:
    """Each translated field of the original now, with its changes since `version` was made from it."""
    labels = {field.name: field.verbose_name for field in original._meta.fields}
    changes = []
    for name, now in original.translated_texts().items():
        then = version.source_texts.get(name, "")
        changes.append(
            FieldChange(
                name=name,
                label=str(labels.get(name, name)),
                changed=text_blocks(then) != text_blocks(now),
                marked=marked_changes(then, now),
            )
        )
    return changes
