"""`newsletter build ISSUE`: every edition written to dist/, with the checks' summary."""
from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table

from ..build.pipeline import build as build_issue
from ..checks.issue import check_build
from .common import GMAIL_CLIP_BYTES, console, plain, reports_errors, styled


@click.command()
@click.argument("issue", type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(path_type=Path), help="Output root (default: dist/ in the project).")
@reports_errors
def build(issue: Path, out: Path | None) -> None:
    """Build every edition (sponsor × language) of ISSUE, e.g. issues/2026-11."""
    result = build_issue(issue, out)
    checks = check_build(result)
    out = console(stderr=False)
    for warning in result.warnings:
        out.print(styled("warning:", "yellow"), plain(warning))
    out.print(_summary(result, checks))
    out.print(plain(f"{len(result.editions)} editions written to {result.out_dir}"))
    out.print(plain(f"checks: {checks.summary()}; details: newsletter check {issue}"), soft_wrap=True)


def _summary(result, checks) -> Table:
    table = Table(title=plain(f"Issue {result.issue.name}"), title_justify="left")
    for column in ("edition", "subject", "size", "warnings"):
        table.add_column(column, justify="right" if column in ("size", "warnings") else "left")
    for b in result.editions:
        size = styled(f"{b.html_bytes / 1000:.1f} KB", "red" if b.html_bytes > GMAIL_CLIP_BYTES else "")
        table.add_row(plain(b.edition.id), plain(b.subject), size,
                      str(len(b.warnings) + checks.count("warning", b.edition.id)))
    return table
