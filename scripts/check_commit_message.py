"""A commit message as the project writes them: a subject of at most 72
characters, then a blank line and a body that says why.

    .venv/bin/python scripts/check_commit_message.py .git/COMMIT_EDITMSG

Run by pre-commit at the commit-msg stage (`pre-commit install --hook-type
commit-msg`). Merges and fixups git writes itself are let through.
"""

import sys
from pathlib import Path

MAX_SUBJECT = 72


def problems(message: str) -> list[str]:
    lines = [line for line in message.splitlines() if not line.startswith("#")]
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines or not lines[0].strip():
        return ["the message is empty"]
    subject = lines[0]
    if subject.startswith(("Merge ", "fixup! ", "squash! ", "Revert ")):
        return []
    found = []
    if len(subject) > MAX_SUBJECT:
        found.append(f"the subject has {len(subject)} characters (at most {MAX_SUBJECT})")
    if len(lines) < 3 or lines[1].strip() or not any(line.strip() for line in lines[2:]):
        found.append("a blank line and a body saying why should follow the subject")
    return found


def main() -> int:
    found = problems(Path(sys.argv[1]).read_text(encoding="utf-8"))
    for problem in found:
        print(f"commit message: {problem}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
