"""Whole numbers read from what people send: addresses, forms, imported files.

`str.isdigit()` is true of digits `int()` cannot read ("²", "٣" reads, "①"
does not) and of numbers longer than it reads (4,300 digits): a year, a page
or an id checked with it and read with `int()` gave a server error. These
read ASCII digits only.
"""

import re

_ASCII_DIGITS = re.compile(r"[0-9]+")


def ascii_digits(text: str) -> bool:
    """True when `text` is made of ASCII digits only (and is not empty)."""
    return _ASCII_DIGITS.fullmatch(text) is not None


def whole_number(text: str | None, *, max_digits: int = 18) -> int | None:
    """The number `text` writes in ASCII digits (at most `max_digits`), else None."""
    if text is None or len(text) > max_digits or not ascii_digits(text):
        return None
    return int(text)
