"""Writing a build's files all at once: into a staging folder, then swapped into place.

A build that fails or is killed never leaves a half-written `dist/<issue>`: readers see
either the previous build or the new one. On Linux the swap is one atomic
`renameat2(RENAME_EXCHANGE)`, so there is no moment without `dist/<issue>`; elsewhere it
is two renames, and a swap interrupted between them is finished by the next run
(`recover`). Staging folders sit in `dist/.staging/`, two levels down, so nothing that
lists `dist/*/` (the web archive) ever mistakes one for a built issue.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import shutil
import sys
import tempfile
from functools import cache
from pathlib import Path

STAGING_DIR = ".staging"
_OLD = ".old-"
_TMP = ".tmp-"
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def write_tree(target: Path, files: dict[str, bytes]) -> None:
    """Replace `target` with a folder holding exactly `files` (relative path -> bytes)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    recover(target)
    area = target.parent / STAGING_DIR
    area.mkdir(exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f"{target.name}{_TMP}", dir=area))
    try:
        for relative, data in sorted(files.items()):
            path = staging / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        _swap(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        _remove_if_empty(area)


def _swap(staging: Path, target: Path) -> None:
    """Put `staging` at `target`; afterwards `staging` holds the previous build (or nothing)."""
    if target.exists() and exchange(staging, target):
        return
    old = target.parent / STAGING_DIR / f"{target.name}{_OLD}{os.getpid()}"
    if target.exists():
        os.replace(target, old)
    os.replace(staging, target)
    shutil.rmtree(old, ignore_errors=True)


def exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically; False when the system or file system cannot."""
    renameat2 = _renameat2()
    if renameat2 is None:
        return False
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EXDEV):
        return False
    raise OSError(code, os.strerror(code), str(b))


@cache
def _renameat2():
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    function = getattr(libc, "renameat2", None)
    if function is not None:
        function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    return function


def recover(target: Path) -> None:
    """Undo what a killed build left: restore a moved-away previous build, drop staging."""
    area = target.parent / STAGING_DIR
    leftovers = sorted(area.glob(f"{target.name}{_OLD}*")) + sorted(target.parent.glob(f".{target.name}{_OLD}*"))
    if leftovers and not target.exists():
        os.replace(leftovers.pop(), target)
    stale = sorted(area.glob(f"{target.name}{_TMP}*")) + sorted(target.parent.glob(f".{target.name}{_TMP}*"))
    for path in leftovers + stale:
        shutil.rmtree(path, ignore_errors=True)
    _remove_if_empty(area)


def _remove_if_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass  # missing, or another build is staging there


def write_file(path: Path, data: bytes) -> Path:
    """Write one file next to its target, then rename: a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fp:
            fp.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
