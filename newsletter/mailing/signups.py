"""Web sign-ups waiting for confirmation, and the consent each confirmed one gave.

Double opt-in: a form only creates a *pending* sign-up here; the person joins the
subscriber list when they confirm from the email (`confirm`). Pending rows live in their
own table so the subscriber list only ever holds people who said yes from their own
mailbox. The confirmation email goes out at most once per address per hour, however
often the form is sent (the `mailed_at` column), so the form cannot be used to flood
someone's inbox. Consent (when, how, which form, when confirmed) is kept for each
confirmation, as privacy laws ask a list owner to be able to show.
"""
from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from .store import Database
from .subscribers import Subscriber, SubscriberStore, open_database

MAIL_INTERVAL = dt.timedelta(hours=1)
METHOD = "web form, double opt-in"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS signups (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name TEXT NOT NULL DEFAULT '',
    language TEXT NOT NULL,
    sponsor TEXT NOT NULL,
    page_language TEXT NOT NULL,
    form TEXT NOT NULL,
    requested_at TEXT NOT NULL,
    mailed_at TEXT,
    confirmed_at TEXT
);
CREATE TABLE IF NOT EXISTS consents (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL COLLATE NOCASE,
    method TEXT NOT NULL,
    form TEXT NOT NULL,
    language TEXT NOT NULL,
    sponsor TEXT NOT NULL,
    requested_at TEXT NOT NULL,
    confirmed_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS consents_email ON consents (email);
CREATE TABLE IF NOT EXISTS link_mails (
    email TEXT PRIMARY KEY COLLATE NOCASE,
    mailed_at TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class Signup:
    email: str
    name: str
    language: str          # edition choice, as stored for subscribers ("en", "zh-Hans", "both")
    sponsor: str
    page_language: str     # the email and the confirmation page are in it: the chosen one, or the form's
    form: str              # which form: its path and query, e.g. /subscribe?sponsor=hearts
    id: int | None = None
    requested_at: str = ""
    confirmed_at: str | None = None


@dataclass(frozen=True)
class Consent:
    email: str
    method: str
    form: str
    language: str
    sponsor: str
    requested_at: str
    confirmed_at: str


class Signups(Database):
    """The pending sign-ups and consent records, in the subscriber database file."""

    def __init__(self, path: Path):
        self.db = open_database(path, _SCHEMA)
        self.db.row_factory = sqlite3.Row

    def request(self, signup: Signup, now: dt.datetime) -> tuple[Signup, bool]:
        """Record (or refresh) a pending sign-up; True when a confirmation may be mailed now.

        A newer request replaces the choices of an unconfirmed older one; the mail limit
        is per address, whatever the choices.
        """
        stamp = _stamp(now)
        with self.transaction():
            row = self.db.execute("SELECT * FROM signups WHERE email = ?", (signup.email,)).fetchone()
            may_mail = row is None or row["mailed_at"] is None or \
                dt.datetime.fromisoformat(row["mailed_at"]) + MAIL_INTERVAL <= now
            mailed = stamp if may_mail else row["mailed_at"]
            self.db.execute(
                "INSERT INTO signups (email, name, language, sponsor, page_language, form, requested_at, "
                "mailed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(email) DO UPDATE SET "
                "name = excluded.name, language = excluded.language, sponsor = excluded.sponsor, "
                "page_language = excluded.page_language, form = excluded.form, "
                "requested_at = excluded.requested_at, mailed_at = excluded.mailed_at, confirmed_at = NULL",
                (signup.email, signup.name, signup.language, signup.sponsor, signup.page_language,
                 signup.form, stamp, mailed))
        return self.get_by_email(signup.email), may_mail

    def may_mail_link(self, email: str, now: dt.datetime) -> bool:
        """A fresh preference link may go to `email` (at most once an hour); counts it if so."""
        with self.transaction():
            row = self.db.execute("SELECT mailed_at FROM link_mails WHERE email = ?", (email,)).fetchone()
            if row and dt.datetime.fromisoformat(row[0]) + MAIL_INTERVAL > now:
                return False
            self.db.execute("INSERT OR REPLACE INTO link_mails VALUES (?, ?)", (email, _stamp(now)))
        return True

    def forget_mail(self, signup_id: int) -> None:
        """The confirmation could not be sent: allow the next request to mail at once."""
        self.db.execute("UPDATE signups SET mailed_at = NULL WHERE id = ?", (signup_id,))

    def get(self, signup_id: int) -> Signup | None:
        row = self.db.execute("SELECT * FROM signups WHERE id = ?", (signup_id,)).fetchone()
        return _signup(row) if row else None

    def get_by_email(self, email: str) -> Signup | None:
        row = self.db.execute("SELECT * FROM signups WHERE email = ?", (email,)).fetchone()
        return _signup(row) if row else None

    def confirm(self, signup: Signup, store: SubscriberStore, now: dt.datetime) -> Subscriber:
        """Put the person on the list as they asked, then record their consent.

        Idempotent: confirming twice adds nobody twice and records one consent. The list
        is changed first, so a crash in between leaves an active subscriber whose second
        click records the consent, never a consent for someone not on the list.
        """
        subscriber = _join(store, signup)
        with self.transaction():
            done = self.db.execute("UPDATE signups SET confirmed_at = ? WHERE id = ? AND confirmed_at IS NULL",
                                   (_stamp(now), signup.id)).rowcount
            if done:
                self.db.execute(
                    "INSERT INTO consents (email, method, form, language, sponsor, requested_at, confirmed_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)", (signup.email, METHOD, signup.form, signup.language,
                                                     signup.sponsor, signup.requested_at, _stamp(now)))
        return subscriber

    def consents(self, email: str) -> list[Consent]:
        rows = self.db.execute("SELECT email, method, form, language, sponsor, requested_at, confirmed_at "
                               "FROM consents WHERE email = ? ORDER BY id", (email,))
        return [Consent(*row) for row in rows]


def _join(store: SubscriberStore, signup: Signup) -> Subscriber:
    """Add the person, or bring back and update someone already known (they confirmed)."""
    detail = f"confirmed sign-up from {signup.form}"
    wanted = Subscriber(signup.email, signup.name, signup.language, signup.sponsor, "active")
    if store.find(signup.email) is None:
        return store.add(wanted, reason="signup", detail=detail)
    store.update(signup.email, name=signup.name or None, language=signup.language,
                 sponsor=signup.sponsor, reason="signup")
    store.change_status(signup.email, "active", "signup", detail)
    return store.find(signup.email)


def _signup(row: sqlite3.Row) -> Signup:
    return Signup(row["email"], row["name"], row["language"], row["sponsor"], row["page_language"],
                  row["form"], row["id"], row["requested_at"], row["confirmed_at"])


def _stamp(now: dt.datetime) -> str:
    return now.astimezone(dt.UTC).isoformat(timespec="seconds")
