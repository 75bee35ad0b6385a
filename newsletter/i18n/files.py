"""Writing catalog files so that editors and git see a change only when there is one.

Babel stamps every .pot/.po with the time it was written and its own version; comparing
without those stamps means an unchanged catalog is left alone (no date-only diffs in
review, and no rewrite because a translator's Babel is newer).
"""
from __future__ import annotations

import re
from pathlib import Path

from ..build.output import write_file as atomic_write

_STAMP = re.compile(rb'^"(?:POT-Creation-Date|PO-Revision-Date|Generated-By): [^"]*\\n"\n', re.M)


def same_ignoring_dates(old: bytes, new: bytes) -> bool:
    return _STAMP.sub(b"", old) == _STAMP.sub(b"", new)


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write `data` unless the file already says the same apart from its date stamps."""
    if path.is_file() and same_ignoring_dates(path.read_bytes(), data):
        return False
    atomic_write(path, data)
    return True
