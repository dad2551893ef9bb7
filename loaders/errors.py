"""Exceptions raised by the loaders. Every message says what was wrong and where."""
from __future__ import annotations

from dataclasses import dataclass


class BorderwatchError(Exception):
    """Base class: an error a user can act on (the CLI prints it as one line, no traceback)."""


class FeedError(BorderwatchError):
    """A source could not be fetched or its payload could not be read.

    ``source`` names the file or URL; ``detail`` says what is wrong (and which crossing/field, when known).
    """

    def __init__(self, source: str, detail: str):
        self.source = str(source)
        self.detail = detail
        super().__init__(f"{self.source}: {detail}")


@dataclass(frozen=True)
class Problem:
    """One validation problem: the file, the 1-based line (None when not tied to a line) and the message."""

    source: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line is not None else self.source
        return f"{where}: {self.message}"


class ValidationError(BorderwatchError):
    """A table failed validation. ``problems`` holds *every* problem found, not only the first."""

    def __init__(self, problems: list[Problem]):
        if not problems:
            raise ValueError("ValidationError needs at least one problem")
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
