"""The interface catalogues are complete and in step with the code.

    .venv/bin/python scripts/check_catalogues.py [PROJECT]    (for `make lint`)
    .venv/bin/python scripts/check_catalogues.py --fix-french [PROJECT]

Copies the project's source (not .venv, node_modules, var, .git) into a
temporary folder and runs `manage.py makemessages` there, for the django
and djangojs domains, with the flags of `make messages`. Then, for every
catalogue in locale/ (English's msgstrs may stay empty: its msgids are
English), it lists:

- an entry that is untranslated or fuzzy (a fuzzy one is never shown);
- a msgid makemessages finds in the code that the committed catalogue
  lacks (`make messages` and translate it), or one the committed catalogue
  has that the code no longer uses (`make messages` makes it obsolete);
- for djangojs, a string of our scripts missing from the catalogue: they
  call gettext through `t()` and `tn()`, which makemessages cannot see, so
  xgettext reads them with those keywords (third-party words, such as
  django-prose-editor's menus, are in djangojs.po by hand: makemessages
  finds no string for djangojs and leaves its catalogues as they are).

It also holds French translations to one typography: a no-break space
before ":" and inside « », a narrow one before ";", "!" and "?", and the
typographic apostrophe (’): a line never breaks inside « » (Unicode's
line breaking allows a break after the space of "« "), the spaces before
punctuation keep their width in justified text, and the interface reads
as one text. `--fix-french` sets them in the
French catalogues and checks nothing (character for character: a plain
space becomes a no-break one, ' becomes ’); `make messages` runs it.

Exit status 1 with one line per problem (language, domain, msgid), else 0.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from publishing.typography import FRENCH_SPACES  # noqa: E402 (no Django in it)

# As in the Makefile's `messages` target.
MAKEMESSAGES_IGNORES = ["--ignore=.venv", "--ignore=node_modules", "--ignore=tests", "--ignore=benchmarks"]
DOMAINS = ("django", "djangojs")
NOT_TRANSLATED = {"en"}  # msgids are English
NOT_COPIED = {".venv", "node_modules", "var", ".git"}  # at the top of the project
NEVER_COPIED = ("__pycache__", "*.pyc", "*.mo", ".pytest_cache", ".ruff_cache", ".mypy_cache")
# Our scripts' gettext calls (static/collectif/*.js), and Django's own keywords.
JS_KEYWORDS = ["t", "tn:1,2", "gettext", "gettext_noop", "ngettext:1,2", "pgettext:1c,2", "npgettext:1c,2,3"]
JS_SKIPPED_PARTS = {".venv", "node_modules", "var", "tests", "benchmarks", "staticfiles"}

Key = tuple[str | None, str, str | None]  # msgctxt, msgid, msgid_plural

FIELD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s*"(.*)"$')
ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda match: ESCAPES.get(match.group(1), match.group(1)), text)


def read_po(text: str) -> list[dict]:
    """The entries of a PO file, each a dict of its fields (msgid, msgstr[0]…,
    flags, obsolete). Previous msgids (#|) and other comments are skipped."""
    entries: list[dict] = []
    entry: dict = {}
    field = None

    def close() -> None:
        nonlocal entry, field
        if "msgid" in entry:
            entries.append(entry)
        entry, field = {}, None

    for raw in text.splitlines():
        line = raw.strip()
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()
            if line.startswith("|"):
                continue
        if not line:
            close()
            continue
        if line.startswith("#,"):
            if any(name.startswith("msgstr") for name in entry):
                close()
            entry.setdefault("flags", set()).update(flag.strip() for flag in line[2:].split(","))
            continue
        if line.startswith("#"):
            continue
        match = FIELD.match(line)
        if match:
            name, value = match.groups()
            if name in ("msgctxt", "msgid") and any(key.startswith("msgstr") for key in entry):
                close()
            field = name
            entry[field] = unescape(value)
            entry["obsolete"] = obsolete
        elif line.startswith('"') and field:
            entry[field] += unescape(line[1:-1])
    close()
    return entries


def key(entry: dict) -> Key:
    return entry.get("msgctxt"), entry["msgid"], entry.get("msgid_plural")


def live_keys(path: Path) -> set[Key]:
    """The msgids of a catalogue that are in use (not the header, not obsolete)."""
    entries = read_po(path.read_text(encoding="utf-8"))
    return {key(entry) for entry in entries if entry["msgid"] and not entry["obsolete"]}


def tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise SystemExit(f"{name} not found: install gettext (sudo apt-get install gettext)")
    return found


def run(command: list[str], cwd: Path | None = None, env: dict | None = None) -> str:
    result = subprocess.run(  # noqa: S603 (fixed commands on our own files)
        command, cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stderr.strip()}")
    return result.stdout


def unfinished(path: Path) -> list[tuple[str, Key]]:
    """The entries in use that are fuzzy, or have an empty msgstr or plural
    form (msgattrib --untranslated looks at the first form only, and a
    visitor would be shown an empty one)."""
    found = []
    for entry in read_po(path.read_text(encoding="utf-8")):
        if not entry["msgid"] or entry["obsolete"]:
            continue
        if "fuzzy" in entry.get("flags", ()):
            found.append(("fuzzy", key(entry)))
        elif any(not value for name, value in entry.items() if name.startswith("msgstr")):
            found.append(("untranslated", key(entry)))
    return found


# What French typography asks of a msgstr (its escaped PO text), each with
# what replaces the one character at fault: the spaces of our print
# (publishing.typography), and the typographic apostrophe.
FRENCH = "fr"
FRENCH_TYPOGRAPHY = [
    *FRENCH_SPACES,
    ("a straight apostrophe", re.compile(r"(?<=[^\W\d_])'(?=[^\W\d_])"), "’"),
]


def typography_faults(text: str) -> list[str]:
    """What French typography finds wrong in a translation."""
    return [problem for problem, pattern, _character in FRENCH_TYPOGRAPHY if pattern.search(text)]


def french_typography(path: Path) -> list[tuple[str, Key]]:
    found = []
    for entry in read_po(path.read_text(encoding="utf-8")):
        if not entry["msgid"] or entry["obsolete"]:
            continue
        for name, value in entry.items():
            if name.startswith("msgstr"):
                found += [(f"French typography: {problem}", key(entry)) for problem in typography_faults(value)]
    return sorted(set(found), key=str)


def set_french_typography(text: str) -> str:
    """A PO file's text with its msgstrs set in French typography.

    Each msgstr is mended as one string, across the lines it is wrapped on,
    and cut again where it was: every mend replaces one character with one.
    """
    lines = text.splitlines(keepends=True)
    index = 0
    while index < len(lines):
        if not lines[index].lstrip("#~ ").startswith("msgstr"):
            index += 1
            continue
        block = [index]
        while index + 1 < len(lines) and lines[index + 1].lstrip("#~ ").startswith('"'):
            index += 1
            block.append(index)
        quoted = [re.match(r'^((?:#~ )?[^"]*")(.*)("\s*)$', lines[number], re.S) for number in block]
        joined = "".join(match.group(2) for match in quoted)
        for _problem, pattern, character in FRENCH_TYPOGRAPHY:
            joined = pattern.sub(character, joined)
        offset = 0
        for number, match in zip(block, quoted, strict=True):
            length = len(match.group(2))
            lines[number] = match.group(1) + joined[offset : offset + length] + match.group(3)
            offset += length
        index += 1
    return "".join(lines)


def catalogues(project: Path, domain: str) -> dict[str, Path]:
    """{language: path} of the project's catalogues in this domain."""
    return {path.parent.parent.name: path for path in sorted(project.glob(f"locale/*/LC_MESSAGES/{domain}.po"))}


def copy_project(project: Path, destination: Path) -> None:
    never = shutil.ignore_patterns(*NEVER_COPIED)

    def ignored(folder: str, names: list[str]) -> set[str]:
        skipped = set(never(folder, names))
        if Path(folder) == project:
            skipped |= NOT_COPIED & set(names)
        return skipped

    shutil.copytree(project, destination, ignore=ignored, symlinks=True)


def make_messages(copy: Path) -> None:
    """`make messages` for both domains, in the copy (its catalogues change, not the project's)."""
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    for domain in DOMAINS:
        languages = [option for language in catalogues(copy, domain) for option in ("-l", language)]
        if languages:
            command = [sys.executable, "manage.py", "makemessages", "-d", domain, *MAKEMESSAGES_IGNORES, *languages]
            run(command, cwd=copy, env=env)


def script_msgids(project: Path) -> set[Key]:
    """The strings our JavaScript translates, as xgettext reads them."""
    scripts = []
    for folder, subfolders, files in os.walk(project):
        subfolders[:] = sorted(name for name in subfolders if name not in JS_SKIPPED_PARTS and name[0] != ".")
        scripts += [str(Path(folder, name).relative_to(project)) for name in sorted(files) if name.endswith(".js")]
    if not scripts:
        return set()
    keywords = [f"--keyword={keyword}" for keyword in JS_KEYWORDS]
    command = [tool("xgettext"), "--language=JavaScript", "--from-code=UTF-8", *keywords, "--output=-", *scripts]
    return {key(entry) for entry in read_po(run(command, cwd=project)) if entry["msgid"]}


def describe(language: str, domain: str, problem: str, entry_key: Key) -> str:
    context, msgid, _plural = entry_key
    where = f" (context {context!r})" if context else ""
    return f"{language} {domain}.po: {problem}: {msgid!r}{where}"


def problems(project: Path = ROOT) -> list[str]:
    """Everything wrong with the project's catalogues, one line each."""
    project = project.resolve()
    found = []
    with tempfile.TemporaryDirectory(prefix="catalogues-") as folder:
        copy = Path(folder) / "project"
        copy_project(project, copy)
        make_messages(copy)
        for domain in DOMAINS:
            regenerated = catalogues(copy, domain)
            for language, committed in catalogues(project, domain).items():
                ours, made = live_keys(committed), live_keys(regenerated[language])
                lines = [("not in the catalogue (make messages, then translate)", k) for k in made - ours]
                lines += [("no longer in the code (make messages)", k) for k in ours - made]
                if language not in NOT_TRANSLATED:
                    lines += unfinished(committed)
                if language == FRENCH:
                    lines += french_typography(committed)
                found += sorted(describe(language, domain, problem, k) for problem, k in lines)
        scripts = script_msgids(copy)
    for language, committed in catalogues(project, "djangojs").items():
        missing = scripts - live_keys(committed)
        found += sorted(describe(language, "djangojs", "used by our scripts, not in the catalogue", k) for k in missing)
    return found


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    fixing = "--fix-french" in arguments
    arguments = [argument for argument in arguments if argument != "--fix-french"]
    project = Path(arguments[0]) if arguments else ROOT
    if fixing:
        for domain in DOMAINS:
            path = catalogues(project, domain).get(FRENCH)
            if path is not None:
                path.write_text(set_french_typography(path.read_text(encoding="utf-8")), encoding="utf-8")
        print("French typography set in the French catalogues")
        return 0
    found = problems(project)
    for line in found:
        print(line)
    if found:
        print(f"{len(found)} problem(s) in the catalogues of {project}", file=sys.stderr)
        return 1
    print("catalogues complete and in step with the code")
    return 0


if __name__ == "__main__":
    sys.exit(main())
