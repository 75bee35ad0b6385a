"""Writing a build's files all at once: into a staging folder, then swapped into place.

A build that fails or is killed never leaves a half-written `dist/<issue>`: readers see
either the previous build or the new one. On Linux the swap is one atomic
`renameat2(RENAME_EXCHANGE)`, so there is no moment without `dist/<issue>`; elsewhere it
is two renames, and a swap interrupted between them is finished by the next run
(`recover`). Staging folders sit in `dist/.staging/`, two levels down, so nothing that
lists `dist/*/` (the web archive) ever mistakes one for a built issue.

Builds into the same output folder take turns (`build_lock`), so one build's clean-up
never deletes another's staging folder. Everything is created like any normal file write
(the umask decides), never private like `mkdtemp`/`mkstemp` make it: a web server running
as another user must be able to read what is published.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import secrets
import shutil
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from ..errors import NewsletterError

try:
    import fcntl
except ImportError:  # Windows: builds there do not take turns
    fcntl = None

STAGING_DIR = ".staging"
_OLD = ".old-"
_TMP = ".tmp-"
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
LOCK_WAIT_SECONDS = 600.0


@contextmanager
def build_lock(folder: Path, wait: float = LOCK_WAIT_SECONDS) -> Iterator[None]:
    """Hold the output folder's lock: builds writing into `folder` take turns.

    An advisory `flock` on the folder itself: no lock file to leave behind, and the kernel
    releases it when a build dies, however it dies. Where the system or file system has no
    such locks (Windows, some network shares) builds run as before, without turns.
    """
    folder.mkdir(parents=True, exist_ok=True)
    if fcntl is None:
        yield
        return
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        _wait_for_turn(fd, folder, wait)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _wait_for_turn(fd: int, folder: Path, wait: float) -> None:
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() > deadline:
                raise NewsletterError(f"{folder}: another build has been writing here for over "
                                      f"{wait:.0f} s; wait for it to finish, or stop it") from None
            time.sleep(0.05)
        except OSError as exc:
            if exc.errno in (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EINVAL):
                return  # no locks on this file system
            raise


def write_tree(target: Path, files: dict[str, bytes]) -> None:
    """Replace `target` with a folder holding exactly `files` (relative path -> bytes).

    The caller holds `build_lock(target.parent)`."""
    target.parent.mkdir(parents=True, exist_ok=True)
    recover(target)
    area = target.parent / STAGING_DIR
    area.mkdir(exist_ok=True)
    staging = _new_folder(area, f"{target.name}{_TMP}")
    try:
        for relative, data in sorted(files.items()):
            path = staging / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        _swap(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        _remove_if_empty(area)


def _new_folder(parent: Path, prefix: str) -> Path:
    """A folder of this build's own, with the umask's permissions (mkdtemp's are 0700)."""
    while True:
        path = parent / f"{prefix}{os.getpid()}-{secrets.token_hex(4)}"
        try:
            path.mkdir()
            return path
        except FileExistsError:
            continue


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
    """Undo what a killed build left: restore a moved-away previous build, drop staging.

    Only safe under `build_lock`: then every staging folder found belongs to a dead build."""
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
    while True:
        tmp = path.parent / f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}"
        try:  # mode 0o666 less the umask, as open() gives; mkstemp would make it 0600
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            break
        except FileExistsError:
            continue
    try:
        with os.fdopen(fd, "wb") as fp:
            fp.write(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path
