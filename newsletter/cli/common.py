"""What every command shares: exit codes and turning the library's errors into plain
`file:line: what; how to fix` lines. The only place, with its siblings, that prints or exits."""
from __future__ import annotations

import functools
import sys

import click

from ..errors import InputError, NewsletterError

EXIT_PROBLEMS = 1
EXIT_BAD_INPUT = 2
GMAIL_CLIP_BYTES = 102_000


def reports_errors(command):
    """Turn the library's errors into plain messages and exit code 2 — never a traceback."""
    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except InputError as exc:
            for problem in exc.problems:
                click.echo(f"error: {problem}", err=True)
            click.echo(f"{len(exc.problems)} problem(s); nothing was written.", err=True)
        except NewsletterError as exc:
            click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    return wrapper
