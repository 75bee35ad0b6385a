"""`newsletter subscribers …`: the list as volunteers manage it, one person or one file at a time.

Every change made here is recorded in the subscriber's history as an `admin` (or `import`)
change, so `show` can always answer "why is this person (not) getting the newsletter?".
"""
from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from ..errors import NewsletterError
from ..mailing import ledger
from ..mailing.pauses import Pauses
from ..mailing.signups import Signups
from ..mailing.store import UnknownSubscriber
from ..mailing.subscribers import (
    STATUSES,
    SubscriberStore,
    check_subscriber,
    database_path,
    export_csv,
    import_csv,
)
from ..project.config import Config, load_config
from ..project.root import find_project_root
from .common import console as make_console
from .common import echo, plain, reports_errors, styled


@click.group()
def subscribers() -> None:
    """Manage the subscriber list: import, export, list, add, show, set, unsubscribe, remove."""


def _store() -> tuple[Config, SubscriberStore]:
    config = load_config(find_project_root(Path.cwd()))
    return config, SubscriberStore(database_path(config))


def _import_progress(console: Console) -> Progress:
    """A bar per stage (checking: bytes of the file; saving: rows); shown on a terminal only."""
    return Progress(TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
                    TimeRemainingColumn(), console=console, transient=False, disable=not console.is_terminal)


@subscribers.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--resubscribe", is_flag=True,
              help="Make people in FILE active again even if they unsubscribed, bounced or were removed. "
                   "Only when they asked you to.")
@reports_errors
def import_(file: Path, resubscribe: bool) -> None:
    """Add or update subscribers from a CSV file (columns: email,name,language,sponsor,status)."""
    config, store = _store()
    console = make_console(stderr=True)
    with store, _import_progress(console) as progress:
        tasks: dict[str, int] = {}

        def report(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                label = "checking the file" if stage == "checking" else "saving"
                tasks[stage] = progress.add_task(label, total=total or None)
            progress.update(tasks[stage], completed=done, total=total or None)

        result = import_csv(config, store, file, resubscribe=resubscribe, progress=report)
    for warning in result.warnings:
        echo(f"warning: {warning}", err=True)
    echo(f"{result.added} added, {result.updated} updated.")
    if resubscribe:
        echo(f"{result.reactivated} reactivated (they had unsubscribed, bounced or been removed).")


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
    echo(f"{count} subscribers written to {out}")


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
        table.add_row(*(plain(v) for v in (s.email, s.name, s.language, s.sponsor, s.status)))
    table.title = f"{len(rows)} subscriber(s)"
    make_console().print(table)


@subscribers.command()
@click.argument("email")
@click.option("--name", default="", help="How to greet them; leave out for a neutral greeting.")
@click.option("--language", default="", help="en, zh-Hans or both (default: the site's first language).")
@click.option("--sponsor", default="", help="The group they signed up through (a sponsor id).")
@reports_errors
def add(email: str, name: str, language: str, sponsor: str) -> None:
    """Add one person to the list (e.g. someone who signed up on paper)."""
    config, store = _store()
    with store:
        if store.find(email):
            raise NewsletterError(f"{email} is already on the list; change them with "
                                  f"`newsletter subscribers set {email} --name/--language/--sponsor …`")
        person = check_subscriber(config, "subscribers add",
                                  {"email": email, "name": name, "language": language, "sponsor": sponsor})
        was_removed = store.was_removed(person.email)
        store.add(person, reason="admin")
    echo(f"{person.email} added ({person.language}, {person.sponsor}).")
    if was_removed:
        echo("note: this address had been removed earlier; it is on the list again because you added it.")


@subscribers.command()
@click.argument("email")
@reports_errors
def show(email: str) -> None:
    """Everything about one person: status, history of changes, issues sent to them."""
    config, store = _store()
    with store:
        person = store.find(email)
        if person is None:
            gone = store.was_removed(email)
            raise UnknownSubscriber(f"{email} is not on the subscriber list" + (
                " (it was removed earlier; only a hash of the address is kept)" if gone else
                "; check the spelling, or see everyone with `newsletter subscribers list`"))
        history = store.history(person.email)
    with Signups(database_path(config)) as signups:
        consents = signups.consents(person.email)
    with Pauses(database_path(config)) as pauses:
        paused = pauses.remaining(person.id)
    console = make_console()
    console.print(styled(person.email, "bold"), plain(f" status: {person.status}"))
    console.print(plain(f"name: {person.name or '(none: greeted neutrally)'}   language: {person.language}"
                        f"   sponsor: {person.sponsor}"))
    table = Table(title="History", title_justify="left")
    for column in ("when (UTC)", "change", "why", "detail"):
        table.add_column(column)
    for change in history:
        move = change.new_status if change.old_status is None else (
            change.new_status if change.old_status == change.new_status
            else f"{change.old_status} → {change.new_status}")
        table.add_row(change.at, plain(move if change.old_status else f"added, {move}"), change.reason,
                      plain(change.detail))
    console.print(table)
    if paused:
        console.print(f"paused: skips the next {paused} issue(s) (set on the preference page)")
    _print_consents(console, consents)
    sends = Table(title="Issues", title_justify="left")
    for column in ("issue", "edition", "state", "when (UTC)"):
        sends.add_column(column)
    for d in ledger.deliveries(config, person.email)[:10]:
        sends.add_row(plain(d.issue), plain(d.edition), d.state, d.at)
    console.print(sends)


def _print_consents(console, consents: list) -> None:
    """Consent given through the sign-up form: when asked, how, on which form, when confirmed.

    One line each, never cut to the terminal's width: this is what a list owner shows
    when asked to prove consent."""
    if not consents:
        console.print("consent: no web sign-up recorded (added by import or by a volunteer)")
    for c in consents:
        console.print(plain(f"consent: asked {c.requested_at} on {c.form} ({c.method}; language "
                            f"{c.language}, sponsor {c.sponsor}); confirmed {c.confirmed_at}"), soft_wrap=True)


@subscribers.command("set")
@click.argument("email")
@click.option("--name", help="New name (\"\" for none: a neutral greeting).")
@click.option("--language", help="en, zh-Hans or both.")
@click.option("--sponsor", help="A sponsor id from newsletter.toml.")
@click.option("--status", type=click.Choice(STATUSES),
              help="e.g. active again after they asked to come back or their mailbox works again.")
@reports_errors
def set_(email: str, name: str | None, language: str | None, sponsor: str | None, status: str | None) -> None:
    """Change one person's name, language, sponsor or status (recorded as an admin change)."""
    if name is None and language is None and sponsor is None and status is None:
        raise click.UsageError("say what to change: --name, --language, --sponsor and/or --status")
    config, store = _store()
    with store:
        current = store.find(email)
        if current is None:
            raise UnknownSubscriber(f"{email} is not on the subscriber list; add them with "
                                    f"`newsletter subscribers add {email}`")
        values = {"email": current.email, "name": current.name if name is None else name,
                  "language": language or current.language, "sponsor": sponsor or current.sponsor}
        wanted = check_subscriber(config, "subscribers set", values)
        store.update(current.email, name=wanted.name, language=wanted.language, sponsor=wanted.sponsor)
        if status:
            store.change_status(current.email, status, "admin", "subscribers set --status")
        updated = store.find(current.email)
    echo(f"{updated.email}: {updated.language}, {updated.sponsor}, status {updated.status}.")


@subscribers.command()
@click.argument("email")
@reports_errors
def unsubscribe(email: str) -> None:
    """Unsubscribe one person (e.g. they asked by email); no import will bring them back."""
    _, store = _store()
    with store:
        if store.find(email) is None:
            raise UnknownSubscriber(f"{email} is not on the subscriber list; nothing to do")
        changed = store.unsubscribe(email, "admin")
    echo(f"{email} unsubscribed." if changed else f"{email} was already unsubscribed; nothing changed.")


@subscribers.command()
@click.argument("email")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@reports_errors
def remove(email: str, yes: bool) -> None:
    """Delete everything about one person (name, history, send journals); keep only a hash
    of the address so an old spreadsheet does not add them back."""
    config, store = _store()
    with store:
        if store.find(email) is None and not store.history(email):
            raise UnknownSubscriber(f"{email} is not on the subscriber list; nothing to remove")
        if not yes and not sys.stdin.isatty():
            raise click.UsageError("removing deletes data for good; add --yes to confirm")
        if not yes:
            click.confirm(f"Delete everything about {email}?", abort=True)
        store.remove(email)
    journals = ledger.forget(config, email)
    echo(f"{email} removed: their data is deleted (also from {journals} send journal(s)); "
               "an import will not add them again.")
