"""Commands for the mailing side: `send`, `status`, `serve` and `subscribers …`.

Printing lives here only; the library modules return summaries and raise typed errors.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from ..mailing import send as sending
from ..mailing.ledger import Ledger, ledger_path
from ..mailing.subscribers import (
    STATUSES,
    SubscriberStore,
    database_path,
    export_csv,
    import_csv,
)
from ..mailing.transports import make_transport
from ..project.config import load_config
from ..project.root import find_project_root
from .common import reports_errors

_LEDGER_COLUMNS = ("sent", "inflight", "pending", "deferred", "failed", "skipped")


class _RateColumn(ProgressColumn):
    def render(self, task) -> Text:
        return Text(f"{task.speed:,.0f} msg/s" if task.speed else "– msg/s")


@click.command()
@click.argument("issue", type=click.Path(path_type=Path))
@click.option("--smtp", metavar="URL", help="smtp://host:port, smtp+starttls://user@host:587 or "
              "smtps://user@host:465 (password from the environment). Default: [sending] smtp, "
              "else the Maildir outbox.")
@click.option("--dry-run", is_flag=True, help="Show who would get which edition; send nothing.")
@click.option("--test-to", metavar="ADDRESS", help="Send every edition once to ADDRESS, marked [TEST].")
@click.option("--only", multiple=True, metavar="SPONSOR/LANG",
              help="Only this edition (e.g. hearts/en) or sponsor (hearts); repeatable.")
@click.option("--rate", type=click.FloatRange(min=0), help="At most N messages per second (0: no limit).")
@click.option("--connections", type=click.IntRange(1, 64), help="SMTP connections at once.")
@reports_errors
def send(issue: Path, smtp: str | None, dry_run: bool, test_to: str | None, only: tuple[str, ...],
         rate: float | None, connections: int | None) -> None:
    """Send ISSUE (e.g. issues/2026-11) to every active subscriber; safe to run again."""
    settings = sending.Settings(only=only, rate=rate, connections=connections)
    if test_to:
        test_to = sending.check_address(test_to)
    if sending.needs_build(load_config(find_project_root(issue)), issue):
        from ..build.pipeline import build as build_issue  # only now: the build's libraries are heavy
        build_issue(issue)
    campaign = sending.load_campaign(issue, settings, os.environ, test_to=test_to)
    console = Console()
    for warning in campaign.warnings:
        console.print(f"[yellow]warning:[/] {warning}", highlight=False)
    if dry_run:
        return _print_plan(console, campaign)
    config = campaign.config
    transport = make_transport(smtp or config.sending.smtp, config.root / config.sending.outbox,
                               os.environ, config.sending.smtp_password_env)
    console.print(f"Sending {campaign.issue} through {transport.description}", highlight=False)
    with _progress(console) as progress:
        task = progress.add_task("sending", total=len(campaign.jobs))
        summary = sending.send(campaign, transport, settings, record=not test_to,
                               report=lambda *_: progress.advance(task))
        progress.update(task, total=progress.tasks[0].completed)
    _print_summary(console, summary)
    if summary.failed or summary.deferred:
        sys.exit(1)


def _progress(console: Console) -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    _RateColumn(), TextColumn("ETA"), TimeRemainingColumn(), console=console,
                    transient=False, disable=not console.is_terminal)


def _print_plan(console: Console, campaign: sending.Campaign) -> None:
    plan = sending.dry_run(campaign)
    for edition, emails in sorted(plan.items()):
        for email in emails:
            click.echo(f"{edition}\t{email}")  # tab-separated: pastes into a spreadsheet
    table = Table(title=f"Dry run: {campaign.issue} (nothing sent)", title_justify="left")
    for column in ("edition", "recipients", "inactive"):
        table.add_column(column, justify="left" if column == "edition" else "right")
    for edition in sorted(set(plan) | set(campaign.skipped)):
        table.add_row(edition, str(len(plan.get(edition, []))), str(campaign.skipped[edition]))
    console.print(table)


def _print_summary(console: Console, summary: sending.Summary) -> None:
    table = Table(title="Summary", title_justify="left")
    for column in ("edition", "sent", "failed", "retry later", "skipped"):
        table.add_column(column, justify="left" if column == "edition" else "right")
    for edition in summary.editions():
        table.add_row(edition, *(str(c[edition]) for c in
                                 (summary.sent, summary.failed, summary.deferred, summary.skipped)))
    console.print(table)
    if summary.possibly_twice:
        console.print(f"[yellow]{len(summary.possibly_twice)} message(s) were being sent when the last "
                      "run stopped and were sent again; these people may have two copies:[/]")
        for edition, email in summary.possibly_twice:
            console.print(f"  {edition}\t{email}", highlight=False)
    for edition, email, reply in summary.failures:
        console.print(f"[red]not delivered:[/] {edition}\t{email}\t{reply}", highlight=False)
    if summary.deferred:
        console.print("Run the same command again later to retry the 'retry later' ones.")


@click.command()
@click.argument("issue", type=click.Path(path_type=Path))
@reports_errors
def status(issue: Path) -> None:
    """Show how far sending ISSUE got, per edition."""
    config = load_config(find_project_root(issue))
    path = ledger_path(config, issue.resolve().name)
    console = Console()
    if not path.is_file():
        console.print(f"Nothing has been sent for {issue.resolve().name} yet.", highlight=False)
        return
    with Ledger(path) as ledger:
        counts = ledger.counts()
    table = Table(title=f"Sending {issue.resolve().name}", title_justify="left")
    table.add_column("edition", no_wrap=True)
    for column in ("total", *_LEDGER_COLUMNS):
        table.add_column(column.replace("inflight", "in flight"), justify="right")
    for edition, c in sorted(counts.items()):
        table.add_row(edition, str(sum(c.values())), *(str(c[s]) for s in _LEDGER_COLUMNS))
    console.print(table)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8025, show_default=True, type=click.IntRange(1, 65535))
@reports_errors
def serve(host: str, port: int) -> None:
    """Run the unsubscribe page (RFC 8058 one-click) and the web archive in dist/."""
    from ..web.serve import run
    config = load_config(find_project_root(Path.cwd()))
    click.echo(f"Serving on http://{host}:{port}/ (unsubscribe links: /unsubscribe/…); Ctrl+C stops.")
    run(config, os.environ, host=host, port=port)


@click.group()
def subscribers() -> None:
    """Manage the subscriber list (import, export, list)."""


def _store() -> tuple:
    config = load_config(find_project_root(Path.cwd()))
    return config, SubscriberStore(database_path(config))


@subscribers.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@reports_errors
def import_(file: Path) -> None:
    """Add or update subscribers from a CSV file (columns: email,name,language,sponsor,status)."""
    config, store = _store()
    with store:
        result = import_csv(config, store, file)
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(f"{result.added} added, {result.updated} updated.")


@subscribers.command()
@click.option("--out", type=click.Path(path_type=Path), help="Write to this file instead of the screen.")
@click.option("--status", type=click.Choice(STATUSES), help="Only subscribers with this status.")
@reports_errors
def export(out: Path | None, status: str | None) -> None:
    """Write the subscriber list as UTF-8 CSV (opens in Excel with a BOM)."""
    _, store = _store()
    with store:
        if out is None:
            export_csv(store, sys.stdout, status)
            return
        tmp = out.with_name(f".{out.name}.tmp")
        with tmp.open("w", encoding="utf-8-sig", newline="") as handle:
            count = export_csv(store, handle, status)
        tmp.replace(out)
    click.echo(f"{count} subscribers written to {out}")


@subscribers.command("list")
@click.option("--status", type=click.Choice(STATUSES), help="Only subscribers with this status.")
@click.option("--sponsor", help="Only subscribers of this sponsor id.")
@reports_errors
def list_(status: str | None, sponsor: str | None) -> None:
    """Show subscribers in a table."""
    _, store = _store()
    table = Table(title_justify="left")
    for column in ("email", "name", "language", "sponsor", "status"):
        table.add_column(column)
    with store:
        rows = list(store.all(status=status, sponsor=sponsor))
    for s in rows:
        table.add_row(s.email, s.name, s.language, s.sponsor, s.status)
    table.title = f"{len(rows)} subscriber(s)"
    Console().print(table)
