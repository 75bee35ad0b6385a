"""One sender per issue: an exclusive lock beside the issue's send journal.

Two `newsletter send` runs of the same issue at once (a double-click, a cron overlap)
would each mail everyone. The lock is an `flock` on `<ledger>.lock`: the kernel releases
it when its holder exits in any way, even `kill -9` or a crash, so a stale lock can never
block a later run, and a lock file left behind is taken over safely. The file holds the
holder's pid, host and start time, so a second run can say who is sending.
Project folders on network file systems that do not support `flock` are not supported.
"""
from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import socket
from dataclasses import dataclass
from pathlib import Path

from ..errors import NewsletterError


class SendLocked(NewsletterError):
    """Another run is sending this issue right now."""


@dataclass
class IssueLock:
    path: Path
    fd: int
    taken_over: str = ""   # who held it before and is gone, when the file was left behind

    def release(self) -> None:
        if self.fd >= 0:
            os.ftruncate(self.fd, 0)
            os.close(self.fd)   # closing the descriptor releases the flock
            self.fd = -1

    def __enter__(self) -> IssueLock:
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def acquire(path: Path, issue: str) -> IssueLock:
    """Take the lock at once or raise SendLocked naming the holder; never waits."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _describe(_read(fd))
        os.close(fd)
        raise SendLocked(f"another `newsletter send` of {issue} is running ({holder}); wait for it to "
                         "finish (see `newsletter status`), then run this again if anything is left") from None
    left = _read(fd)
    os.ftruncate(fd, 0)
    os.pwrite(fd, json.dumps(_me()).encode("utf-8"), 0)
    os.fsync(fd)
    return IssueLock(path, fd, _describe(left) if left else "")


def _me() -> dict:
    return {"pid": os.getpid(), "host": socket.gethostname(),
            "since": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}


def _read(fd: int) -> dict:
    try:
        data = json.loads(os.pread(fd, 4096, 0).decode("utf-8") or "{}")
    except (ValueError, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def _describe(holder: dict) -> str:
    if not holder:
        return "holder unknown"
    return f"pid {holder.get('pid', '?')} on {holder.get('host', '?')} since {holder.get('since', '?')} UTC"
