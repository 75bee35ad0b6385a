"""`newsletter bounces MAILBOX`: act on bounces, complaints and mailto unsubscribes."""
from __future__ import annotations

import os
from pathlib import Path

import click
from rich.table import Table

from ..mailing.bounces.classify import COMPLAINT, HARD, MAILTO, SOFT, UNRECOGNISED
from ..mailing.bounces.process import process_mailbox
from ..project.config import load_config
from ..project.root import find_project_root
from .common import console as make_console
from .common import plain, reports_errors

_WORDS = {HARD: "hard bounce", SOFT: "soft bounce", COMPLAINT: "complaint", MAILTO: "unsubscribe by email",
          UNRECOGNISED: "not recognised"}


@click.command()
@click.argument("mailbox")
@click.option("--dry-run", is_flag=True, help="Show what would be done; change and record nothing.")
@reports_errors
def bounces(mailbox: str, dry_run: bool) -> None:
    """Read the bounce mailbox MAILBOX (a Maildir folder, an mbox file, or
    imaps://user@host/folder with the password in NEWSLETTER_IMAP_PASSWORD) and act on
    bounces, complaints and unsubscribe replies. Nothing in the mailbox is moved or deleted."""
    config = load_config(find_project_root(Path.cwd()))
    report = process_mailbox(config, mailbox, os.environ, dry_run=dry_run)
    console = make_console()
    table = Table(title=("Dry run: nothing changed or recorded" if dry_run else "Bounce mailbox"),
                  title_justify="left")
    for column in ("what", "address", "issue", "done", "details"):
        table.add_column(column)
    for d in report.decisions:
        table.add_row(_WORDS[d.kind], plain(d.email) or "–", d.issue or "–",
                      ("would be " if dry_run and d.action.startswith(("marked", "unsub")) else "") + d.action,
                      plain(d.detail if d.kind != UNRECOGNISED else f"{d.detail}; subject: {d.subject!r}"))
    console.print(table)
    counts = ", ".join(f"{report.count(k)} {_WORDS[k]}" for k in (HARD, SOFT, COMPLAINT, MAILTO, UNRECOGNISED))
    console.print(f"{len(report.decisions)} new message(s): {counts}; {report.seen_before} seen in an earlier run.")
    if report.count(UNRECOGNISED):
        console.print(f"{report.count(UNRECOGNISED)} message(s) were not recognised and are left in the mailbox "
                      "untouched: read them yourself (they may be real replies).")
