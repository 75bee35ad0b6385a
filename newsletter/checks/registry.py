"""The check registry: ids, levels and the Finding every check returns.

Checks are plain functions wrapped in an immutable `Check` by the `check` decorator; each
area module lists its checks in a tuple, so there is no global table to mutate.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable, Iterable

LEVELS = ("error", "warning", "info")  # info never fails a check, even with --strict


@dataclass(frozen=True)
class Finding:
    """One problem, located where the volunteer can fix it: a source `file:line` when it
    comes from a source file, else the edition(s) and the element."""

    level: str
    message: str
    fix: str
    path: str | None = None
    line: int | None = None
    element: str | None = None
    editions: tuple[str, ...] = ()
    check: str = ""

    @property
    def location(self) -> str:
        if self.path:
            where = f"{self.path}:{self.line}" if self.line else self.path
            return f"{where}: {self.element}" if self.element else where
        where = ", ".join(self.editions) or "issue"
        return f"{where}: {self.element}" if self.element else where

    def __str__(self) -> str:
        fix = f"; {self.fix}" if self.fix else ""
        return f"{self.location}: {self.message}{fix} [{self.check}]"

    def as_dict(self) -> dict:
        return {"check": self.check, "level": self.level, "path": self.path, "line": self.line,
                "element": self.element, "editions": list(self.editions), "message": self.message,
                "fix": self.fix, "location": self.location}


def error(message: str, fix: str, **where) -> Finding:
    return Finding("error", message, fix, **where)


def warning(message: str, fix: str, **where) -> Finding:
    return Finding("warning", message, fix, **where)


def info(message: str, fix: str, **where) -> Finding:
    return Finding("info", message, fix, **where)


@dataclass(frozen=True)
class Check:
    """`scope` says what the function takes: "edition" → (ctx, doc), "issue" → (ctx)."""

    id: str
    why: str
    scope: str
    function: Callable[..., Iterable[Finding]]

    @property
    def area(self) -> str:
        return self.id.split(".", 1)[0]

    def run(self, ctx, doc=None) -> list[Finding]:
        found = self.function(ctx) if self.scope == "issue" else self.function(ctx, doc)
        stamp = {"editions": (doc.id,)} if doc is not None else {}
        return [replace(f, check=self.id, **({} if f.editions else stamp)) for f in found]


def check(check_id: str, why: str, scope: str = "edition") -> Callable[[Callable], Check]:
    """Register a function under a stable id; `why` is the one line README shows."""
    assert scope in ("edition", "issue"), scope
    return lambda function: Check(check_id, why, scope, function)
