"""Writing catalog files so that editors and git see a change only when there is one.

Babel stamps every .pot/.po with the time it was written; comparing without those
stamps means an unchanged catalog is left alone (no date-only diffs in review).
"""
from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

_STAMP = re.compile(rb'^"(?:POT-Creation-Date|PO-Revision-Date): [^"]*\\n"\n', re.M)


def atomic_write(path: Path, data: bytes) -> None:
    """Write next to the target, then rename: a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fp:
            fp.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def same_ignoring_dates(old: bytes, new: bytes) -> bool:
    return _STAMP.sub(b"", old) == _STAMP.sub(b"", new)


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write `data` unless the file already says the same apart from its date stamps."""
    if path.is_file() and same_ignoring_dates(path.read_bytes(), data):
        return False
    atomic_write(path, data)
    return True
