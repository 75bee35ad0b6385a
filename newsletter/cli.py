"""The `newsletter` command. The only module that prints or exits: the library raises
typed errors; here they become `file:line: what; how to fix` lines and exit code 2."""
from __future__ import annotations

import functools
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from .build import build as build_issue
from .errors import NewsletterError, InputError

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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="newsletter")
def main() -> None:
    """Build, check, preview and send bilingual community newsletters."""


@main.command()
@click.argument("issue", type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(path_type=Path), help="Output root (default: dist/ in the project).")
@reports_errors
def build(issue: Path, out: Path | None) -> None:
    """Build every edition (sponsor × language) of ISSUE, e.g. issues/2026-11."""
    result = build_issue(issue, out)
    console = Console(stderr=False)
    for warning in result.warnings:
        console.print(f"[yellow]warning:[/] {warning}", highlight=False)
    console.print(_summary(result))
    console.print(f"{len(result.editions)} editions written to {result.out_dir}", highlight=False)
    console.print(f"checks: {result.checks.summary()}; details: newsletter check {issue}", highlight=False, soft_wrap=True)


def _summary(result) -> Table:
    table = Table(title=f"Issue {result.issue.name}", title_justify="left")
    for column in ("edition", "subject", "size", "warnings"):
        table.add_column(column, justify="right" if column in ("size", "warnings") else "left")
    for b in result.editions:
        size = f"{b.html_bytes / 1000:.1f} KB"
        if b.html_bytes > GMAIL_CLIP_BYTES:
            size = f"[red]{size}[/]"
        table.add_row(b.edition.id, b.subject, size, str(len(b.warnings) + result.checks.count("warning", b.edition.id)))
    return table
from .cli_preview import preview, snapshot  # noqa: E402
main.add_command(preview); main.add_command(snapshot)


from .cli_send import send, serve, status, subscribers  # noqa: E402
main.add_command(send); main.add_command(status); main.add_command(serve); main.add_command(subscribers)


from .cli_i18n import i18n  # noqa: E402
main.add_command(i18n)


from .cli_check import check  # noqa: E402
main.add_command(check)
