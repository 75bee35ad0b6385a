"""Size limits, checked before anything is read or parsed.

A pasted 50 MB log or a folder of 10,000 files is a mistake, not an issue; stopping it
with a clear message beats running out of memory halfway through a build. The limits
sit far above any real newsletter (the sample issue's longest article is about 5 KB).
"""
from __future__ import annotations

from pathlib import Path

from ..errors import InputError, Problem

MAX_TEXT_BYTES = 1_000_000        # one article, issue.yaml, authors.yaml or newsletter.toml
MAX_IMAGE_BYTES = 10_000_000      # one hero image or logo
MAX_IMAGE_PIXELS = 40_000_000     # width × height: decoding more costs a phone 160 MB of memory
IMAGE_BUDGET_BYTES = 200_000      # a picture every reader downloads: more is a warning, and scaled down
MAX_ARTICLE_FILES = 500           # Markdown files in one issue folder
MAX_ISSUE_ARTICLES = 100          # slugs listed in issue.yaml


def check_file_size(path: Path, limit: int) -> None:
    """Raise InputError when `path` is larger than `limit` bytes (FileNotFoundError passes)."""
    if problem := size_problem(path, limit):
        raise InputError([Problem(path, None, *problem)])


def size_problem(path: Path, limit: int) -> tuple[str, str] | None:
    """(what is wrong, how to fix it) when `path` is larger than `limit` bytes."""
    size = path.stat().st_size
    if size <= limit:
        return None
    return (f"is {_mb(size)}, more than the limit of {_mb(limit)}",
            "check that this is the right file; split a very long text or shrink the image")


def check_count(path: Path, what: str, count: int, limit: int, fix: str, line: int | None = None) -> None:
    """Raise InputError when an issue holds more `what` than any newsletter needs."""
    if count > limit:
        raise InputError([Problem(path, line, f"{count} {what}, more than the limit of {limit}", fix)])


def _mb(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB" if size >= 100_000 else f"{size:,} bytes"
