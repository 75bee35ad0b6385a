"""`newsletter check ISSUE`: every problem before sending. Exit 0 clean, 1 problems, 2 bad input."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich.table import Table

from ..checks.issue import check_issue
from ..checks.online import fetch as online_fetch
from ..checks.runner import ALL_CHECKS, CheckReport, check_ids
from .common import EXIT_PROBLEMS, console, echo, plain, reports_errors, styled

_STYLE = {"error": "red", "warning": "yellow", "info": "cyan"}


def _valid_ids(ctx, param, values):
    areas = {c.area for c in ALL_CHECKS}
    unknown = [v for v in values if v not in areas and v not in check_ids()]
    if unknown:
        raise click.BadParameter(f"unknown check id {', '.join(map(repr, unknown))}; "
                                 f"see `newsletter check --list`")
    return values


def _list_checks(ctx, param, value):
    if value and not ctx.resilient_parsing:
        for c in ALL_CHECKS:
            click.echo(f"{c.id:30} {c.why}")
        ctx.exit(0)


@click.command()
@click.argument("issue", type=click.Path(path_type=Path))
@click.option("--strict", is_flag=True, help="Warnings fail too (exit 1).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="json: one machine-readable report on standard output.")
@click.option("--ignore", multiple=True, metavar="ID", callback=_valid_ids,
              help="Skip a check (e.g. a11y.link-text) or a whole area (e.g. i18n); repeatable.")
@click.option("--online", is_flag=True,
              help="Also fetch every picture and 'View in browser' address at base_url (HEAD, 5 s timeout).")
@click.option("--list", "list_", is_flag=True, expose_value=False, is_eager=True, callback=_list_checks,
              help="List every check id with why it matters, then exit.")
@reports_errors
def check(issue: Path, strict: bool, fmt: str, ignore: tuple[str, ...], online: bool) -> None:
    """Check every edition of ISSUE for size, accessibility, links, mail, language and image problems."""
    report = check_issue(issue, ignore, fetch=online_fetch if online else None)
    if fmt == "json":
        echo(json.dumps(report.as_dict(strict), ensure_ascii=False, indent=2))
    else:
        _print(report, strict)
    sys.exit(EXIT_PROBLEMS if report.failed(strict) else 0)


def _print(report: CheckReport, strict: bool) -> None:
    out = console()
    for f in report.findings:
        out.print(styled(f"{f.level}:", _STYLE[f.level]), plain(f), soft_wrap=True)
        if f.path and len(f.editions) > 1:
            every = " (every edition)" if len(f.editions) == len(report.sizes) else ""
            out.print(styled(f"  in {len(f.editions)} editions{every}: {', '.join(f.editions)}", "dim"),
                      soft_wrap=True)
    table = Table(title="Editions", title_justify="left")
    for column in ("edition", "HTML size", "errors", "warnings"):
        table.add_column(column, justify="left" if column == "edition" else "right")
    for edition, size in report.sizes.items():
        table.add_row(plain(edition), f"{size:,} bytes", str(report.count("error", edition)),
                      str(report.count("warning", edition)))
    out.print(table)
    verdict = "problems found" if report.failed(strict) else "ok"
    out.print(f"{report.summary()}{' (strict)' if strict else ''}: {verdict}")
