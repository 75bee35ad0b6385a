"""Writing a build's files all at once: into a temporary folder, then swapped into place.

A build that fails or is killed never leaves a half-written `dist/<issue>`: readers see
either the previous build or the new one. A swap interrupted between its two renames is
finished by the next run (`recover`).
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

_OLD = ".old-"
_TMP = ".tmp-"


def write_tree(target: Path, files: dict[str, bytes]) -> None:
    """Replace `target` with a folder holding exactly `files` (relative path -> bytes)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    recover(target)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}{_TMP}", dir=target.parent))
    try:
        for relative, data in sorted(files.items()):
            path = staging / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        _swap(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _swap(staging: Path, target: Path) -> None:
    old = target.parent / f".{target.name}{_OLD}{os.getpid()}"
    if target.exists():
        os.replace(target, old)
    os.replace(staging, target)
    shutil.rmtree(old, ignore_errors=True)


def recover(target: Path) -> None:
    """Undo what a killed build left: restore a moved-away previous build, drop temp folders."""
    leftovers = sorted(target.parent.glob(f".{target.name}{_OLD}*"))
    if leftovers and not target.exists():
        os.replace(leftovers.pop(), target)
    for path in leftovers + sorted(target.parent.glob(f".{target.name}{_TMP}*")):
        shutil.rmtree(path, ignore_errors=True)
