"""`newsletter build ISSUE`: every edition written to dist/, with the checks' summary."""
from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from ..build.pipeline import build as build_issue
from ..checks.issue import check_build
from .common import GMAIL_CLIP_BYTES, reports_errors


@click.command()
@click.argument("issue", type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(path_type=Path), help="Output root (default: dist/ in the project).")
@reports_errors
def build(issue: Path, out: Path | None) -> None:
    """Build every edition (sponsor × language) of ISSUE, e.g. issues/2026-11."""
    result = build_issue(issue, out)
    checks = check_build(result)
    console = Console(stderr=False)
    for warning in result.warnings:
        console.print(f"[yellow]warning:[/] {warning}", highlight=False)
    console.print(_summary(result, checks))
    console.print(f"{len(result.editions)} editions written to {result.out_dir}", highlight=False)
    console.print(f"checks: {checks.summary()}; details: newsletter check {issue}", highlight=False, soft_wrap=True)


def _summary(result, checks) -> Table:
    table = Table(title=f"Issue {result.issue.name}", title_justify="left")
    for column in ("edition", "subject", "size", "warnings"):
        table.add_column(column, justify="right" if column in ("size", "warnings") else "left")
    for b in result.editions:
        size = f"{b.html_bytes / 1000:.1f} KB"
        if b.html_bytes > GMAIL_CLIP_BYTES:
            size = f"[red]{size}[/]"
        table.add_row(b.edition.id, b.subject, size, str(len(b.warnings) + checks.count("warning", b.edition.id)))
    return table
