"""A one-line progress bar for long management commands."""

import sys

from django.core.management.base import OutputWrapper


class ProgressBar:
    """Redraws one line on a terminal; in a log, writes a line every 5 % of the way."""

    def __init__(self, out: OutputWrapper, total: int, width: int = 30) -> None:
        self.out, self.total, self.width = out, total, width
        self.terminal = sys.stdout.isatty()

    def step(self, done: int, label: str) -> None:
        if not self.terminal and done != self.total and done % max(self.total // 20, 1):
            return
        filled = self.width * done // max(self.total, 1)
        line = f"\r[{'#' * filled}{'.' * (self.width - filled)}] {done}/{self.total} {label[:40]:<40}"
        self.out.write(line if self.terminal else line.strip(), ending="" if self.terminal else "\n")
        if done == self.total and self.terminal:
            self.out.write("")
