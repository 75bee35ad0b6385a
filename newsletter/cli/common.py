"""What every command shares: exit codes, turning the library's errors into plain
`file:line: what; how to fix` lines, and the terminal's safety. The only place, with its
siblings, that prints or exits.

Text from outside (titles, subscriber names, SMTP replies, file names) reaches the
terminal only through `plain()`: escape sequences (colours, screen clearing, OSC-8
hyperlinks that disguise where a link goes), other control characters and bidi overrides
are removed. Rich consoles come from `console()`, with markup off, so a `[/]` or
`[link=…]` in such text is printed as typed instead of crashing or styling the output;
styles are applied with `styled()` instead.
"""
from __future__ import annotations

import errno
import functools
import re
import sys

import click
from rich.console import Console
from rich.text import Text

from ..errors import InputError, NewsletterError

EXIT_PROBLEMS = 1
EXIT_BAD_INPUT = 2
GMAIL_CLIP_BYTES = 102_000


# OSC (to BEL or ST: hyperlinks, window titles), CSI (colours, cursor, clearing), other ESC pairs.
_ESCAPES = re.compile(r"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b\[[0-?]*[ -/]*[@-~]?|\x1b[ -~]?")
# C0 but tab and newline, DEL, C1, and the bidi embeddings, overrides and isolates.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_DISK_FIXES = {
    errno.ENOSPC: "the disk is full: free some space, then run the same command again",
    errno.EDQUOT: "your disk quota is used up: free some space, then run the same command again",
    errno.EFBIG: "the file grew beyond what this system allows: free space or raise the limit, then run again",
    errno.EACCES: "you may not write here: make the folder writable, or choose another (e.g. --out)",
    errno.EPERM: "you may not write here: make the folder writable, or choose another (e.g. --out)",
    errno.EROFS: "this disk is read-only: choose a folder on another disk (e.g. --out)",
}


def plain(text: object) -> str:
    """`text` with nothing a terminal would act on: no escape sequences, no control or bidi
    characters (tab and newline stay)."""
    return _CONTROLS.sub("", _ESCAPES.sub("", str(text)))


def echo(text: object, err: bool = False) -> None:
    """click.echo for anything holding text from outside."""
    click.echo(plain(text), err=err)


def console(**options) -> Console:
    """A rich console that never reads markup: user text is shown as typed."""
    return Console(markup=False, highlight=False, **options)


def styled(text: object, style: str) -> Text:
    return Text(plain(text), style=style)


def reports_errors(command):
    """Turn the library's errors into plain messages and exit code 2 — never a traceback.

    An OSError is the machine's answer (disk full, folder read-only); it is reported with
    the file and what to do. Builds write atomically, so nothing half-written is left."""
    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except InputError as exc:
            for problem in exc.problems:
                echo(f"error: {problem}", err=True)
            echo(f"{len(exc.problems)} problem(s); nothing was written.", err=True)
        except NewsletterError as exc:
            echo(f"error: {exc}", err=True)
        except OSError as exc:
            echo(f"error: {os_error(exc)}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    return wrapper


def os_error(exc: OSError) -> str:
    where = exc.filename or "(a file)"
    fix = _DISK_FIXES.get(exc.errno, "check that the folder exists and can be written, then run again")
    return f"{where}: {exc.strerror or exc}; {fix}"
