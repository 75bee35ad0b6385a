"""The exceptions the library raises; only the CLI turns them into messages and exit codes.

Every user-facing problem carries a location (`file:line`, or `file: key.path`) and a fix,
so a volunteer can act on it without reading Python.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one input, phrased for the person who can fix it."""

    path: Path | str
    line: int | None
    message: str
    fix: str = ""

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else f"{self.path}"
        return f"{where}: {self.message}" + (f"; {self.fix}" if self.fix else "")


class NewsletterError(Exception):
    """Base of everything the library raises on purpose."""


class InputError(NewsletterError):
    """Raised by the readers (config, sources, catalogs) when input files are wrong.

    Holds every problem found, not just the first, so one run shows them all.
    """

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class BuildError(NewsletterError):
    """Raised by render/inline/output when a correct-looking input still cannot be built."""
