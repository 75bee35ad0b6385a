"""Commands for the mailing side: `send`, `status` and `serve` (`subscribers …` is beside it).

Printing lives here only; the library modules return summaries and raise typed errors.
"""
from __future__ import annotations

import os
import sys
from collections import Counter
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

from ..checks.issue import check_dist
from ..checks.online import fetch as online_fetch
from ..errors import NewsletterError
from ..mailing import send as sending
from ..mailing.ledger import Ledger, ledger_path
from ..mailing.transports import make_transport
from ..project.config import load_config
from ..project.root import find_project_root
from .check import _print as print_report
from .check import _valid_ids
from .common import EXIT_PROBLEMS, echo, plain, reports_errors, styled
from .common import console as make_console

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
@click.option("--ignore", multiple=True, metavar="CHECK_ID", callback=_valid_ids,
              help="Send even though this check (or area) reports errors; repeatable. See `newsletter check --list`.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation (needed when not run from a terminal).")
@click.option("--retry-failed", is_flag=True,
              help="Also try again the addresses that failed for good last time (e.g. after a 550).")
@reports_errors
def send(issue: Path, smtp: str | None, dry_run: bool, test_to: str | None, only: tuple[str, ...],
         rate: float | None, connections: int | None, ignore: tuple[str, ...], yes: bool,
         retry_failed: bool) -> None:
    """Send ISSUE (e.g. issues/2026-11) to every active subscriber; safe to run again."""
    settings = sending.Settings(only=only, rate=rate, connections=connections, retry_failed=retry_failed)
    if test_to:
        test_to = sending.check_address(test_to)
    if sending.needs_build(load_config(find_project_root(issue)), issue):
        from ..build.pipeline import build as build_issue  # only now: the build's libraries are heavy
        build_issue(issue)
    console = make_console()
    _gate(console, issue, ignore, real=not (dry_run or test_to))
    campaign = sending.load_campaign(issue, settings, os.environ, test_to=test_to)
    for warning in campaign.warnings:
        console.print(styled("warning:", "yellow"), plain(warning))
    if dry_run:
        return _print_plan(console, campaign)
    config = campaign.config
    transport = make_transport(smtp or config.sending.smtp, config.root / config.sending.outbox,
                               os.environ, config.sending.smtp_password_env)
    if test_to:
        return _deliver(console, campaign, transport, settings, record=False)
    with sending.acquire_lock(campaign) as lock:
        _confirm(console, campaign, transport.description, retry_failed, yes)
        _deliver(console, campaign, transport, settings, lock=lock)


def _gate(console: Console, issue: Path, ignore: tuple[str, ...], real: bool) -> None:
    """`newsletter check` on the very build about to be sent, online for a real send (a
    picture the server answers 404 for is an error; a host out of reach only a warning);
    errors stop a real send."""
    report = check_dist(issue, ignore, fetch=online_fetch if real else None)
    if not report.failed():
        return
    if real:
        print_report(report, strict=False)
        console.print(styled("Not sent:", "red"), f"{report.count('error')} error(s) in the issue. Fix them and "
                      "run this again, or skip a check on purpose with --ignore CHECK_ID.")
        sys.exit(EXIT_PROBLEMS)
    console.print(styled("warning:", "yellow"), f"`newsletter check` finds {report.count('error')} error(s); "
                  "a real send would refuse. Run `newsletter check` to see them.")


def _confirm(console: Console, campaign: sending.Campaign, transport: str, retry_failed: bool,
             yes: bool) -> None:
    """What is about to happen, then a yes/no on a terminal; --yes without one."""
    plan = sending.preview(campaign, retry_failed)
    table = Table(title=plain(f"About to send {campaign.issue} through {transport}"), title_justify="left")
    for column in ("edition", "to send", "of which resumed", "already done", "inactive"):
        table.add_column(column, justify="left" if column == "edition" else "right")
    for edition in sorted(set(plan) | set(campaign.skipped)):
        c = plan.get(edition, Counter())
        table.add_row(plain(edition), str(c["new"] + c["resume"]), str(c["resume"]), str(c["done"]),
                      str(campaign.skipped[edition]))
    console.print(table)
    resumed = sum(c["resume"] + c["done"] for c in plan.values())
    total = sum(c["new"] + c["resume"] for c in plan.values())
    console.print(("This resumes an earlier send. " if resumed else "This is the first send of this issue. ")
                  + f"{total} message(s) will go out.")
    if yes:
        return
    if not sys.stdin.isatty():
        raise NewsletterError("not sending without a confirmation: run it in a terminal to answer the "
                              "question, or add --yes (e.g. in a script or cron job)")
    if not click.confirm("Send now?", default=False):
        console.print("Nothing sent.")
        sys.exit(EXIT_PROBLEMS)


def _deliver(console: Console, campaign: sending.Campaign, transport, settings: sending.Settings, *,
             record: bool = True, lock=None) -> None:
    console.print(plain(f"Sending {campaign.issue} through {transport.description}"))
    if lock is not None and lock.taken_over:
        console.print(styled("note:", "yellow"), plain(f"took over the send lock left by a run that stopped ({lock.taken_over})."))
    with _progress(console) as progress:
        task = progress.add_task("sending", total=len(campaign.jobs))
        summary = sending.send(campaign, transport, settings, record=record, lock=lock,
                               report=lambda *_: progress.advance(task))
        progress.update(task, total=progress.tasks[0].completed)
    _print_summary(console, summary)
    if summary.failed or summary.deferred:
        sys.exit(EXIT_PROBLEMS)


def _progress(console: Console) -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    _RateColumn(), TextColumn("ETA"), TimeRemainingColumn(), console=console,
                    transient=False, disable=not console.is_terminal)


def _print_plan(console: Console, campaign: sending.Campaign) -> None:
    counts: Counter = Counter()
    for edition, email in sending.dry_run(campaign):   # streamed, in list order
        echo(f"{edition}\t{email}")  # tab-separated: pastes into a spreadsheet
        counts[edition] += 1
    table = Table(title=plain(f"Dry run: {campaign.issue} (nothing sent)"), title_justify="left")
    for column in ("edition", "recipients", "inactive"):
        table.add_column(column, justify="left" if column == "edition" else "right")
    for edition in sorted(set(counts) | set(campaign.skipped)):
        table.add_row(plain(edition), str(counts[edition]), str(campaign.skipped[edition]))
    console.print(table)


def _print_summary(console: Console, summary: sending.Summary) -> None:
    table = Table(title="Summary", title_justify="left")
    for column in ("edition", "sent", "failed", "retry later", "skipped"):
        table.add_column(column, justify="left" if column == "edition" else "right")
    for edition in summary.editions():
        table.add_row(plain(edition), *(str(c[edition]) for c in
                                 (summary.sent, summary.failed, summary.deferred, summary.skipped)))
    console.print(table)
    if summary.possibly_twice:
        console.print(styled(f"{len(summary.possibly_twice)} message(s) may have arrived twice: they were "
                             "being sent when a run stopped, or the connection broke after the server got them "
                             "and before it confirmed; they were sent again:", "yellow"))
        for edition, email in summary.possibly_twice:
            console.print(plain(f"  {edition}\t{email}"))
    for edition, email, reply in summary.failures:
        console.print(styled("not delivered:", "red"), plain(f"{edition}\t{email}\t{reply}"))
    if summary.deferred or summary.retry_next_run:
        console.print("Run the same command again later: it retries the 'retry later' ones and the "
                      "failures on our side (see `newsletter status`).")


@click.command()
@click.argument("issue", type=click.Path(path_type=Path))
@reports_errors
def status(issue: Path) -> None:
    """Show how far sending ISSUE got, per edition."""
    config = load_config(find_project_root(issue))
    path = ledger_path(config, issue.resolve().name)
    console = make_console()
    if not path.is_file():
        console.print(plain(f"Nothing has been sent for {issue.resolve().name} yet."))
        return
    with Ledger(path) as ledger:
        counts = ledger.counts()
        problems = ledger.entries(("failed", "deferred", "inflight"))
    table = Table(title=plain(f"Sending {issue.resolve().name}"), title_justify="left")
    table.add_column("edition", no_wrap=True)
    for column in ("total", *_LEDGER_COLUMNS):
        table.add_column(column.replace("inflight", "in flight"), justify="right")
    for edition, c in sorted(counts.items()):
        table.add_row(plain(edition), str(sum(c.values())), *(str(c[s]) for s in _LEDGER_COLUMNS))
    console.print(table)
    if problems:
        rows = Table(title="Not delivered yet", title_justify="left")
        for column in ("edition", "address", "state", "why", "next run"):
            rows.add_column(column)
        for e in problems:
            rows.add_row(plain(e.edition), plain(e.email), e.state, plain(e.reply), e.next_run)
        console.print(rows)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8025, show_default=True, type=click.IntRange(1, 65535))
@click.option("--forwarded-allow-ips", default="127.0.0.1", show_default=True,
              help="Reverse-proxy addresses whose X-Forwarded-For/-Proto headers are trusted (comma-separated).")
@click.option("--root-path", default="", help="Path prefix when the proxy serves the app below /, e.g. /news.")
@reports_errors
def serve(host: str, port: int, forwarded_allow_ips: str, root_path: str) -> None:
    """Run the subscriber pages (sign-up, preferences, unsubscribe) and the web archive in dist/."""
    from ..web.serve import run
    config = load_config(find_project_root(Path.cwd()))
    echo(f"Serving on http://{host}:{port}/ (sign-up: /subscribe); Ctrl+C stops.")
    run(config, os.environ, host=host, port=port, forwarded_allow_ips=forwarded_allow_ips,
        root_path=root_path.rstrip("/"))
