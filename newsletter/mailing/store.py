"""The subscriber store: one SQLite file with who is on the list and every change to them.

A subscriber's status is a promise to a person: once they unsubscribe, bounce hard or
complain, nothing done in bulk (an import of an old spreadsheet) may undo it. So every
status change goes through `change_status` with a reason and lands in `history` with
when and why, and an import only reactivates people when asked to (`resubscribe`).
`remove` erases a person's data but keeps a salted hash of the address in `removed`, so
an old spreadsheet cannot quietly add them back.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Self

from ..errors import NewsletterError

STATUSES = ("active", "unsubscribed", "bounced")
INACTIVE = ("unsubscribed", "bounced")
# Why a status changed. `link`/`one-click`: the unsubscribe page / RFC 8058 POST;
# `mailto`: a reply to the List-Unsubscribe address; `bounce`/`complaint`: `newsletter
# bounces` or a refusal while sending; `admin`: a volunteer's command.
REASONS = ("import", "admin", "link", "one-click", "web", "mailto", "bounce", "complaint", "signup",
           "preferences")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS subscribers (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name TEXT NOT NULL DEFAULT '',
    language TEXT NOT NULL,
    sponsor TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('active', 'unsubscribed', 'bounced')),
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS unsubscribes (
    email TEXT PRIMARY KEY COLLATE NOCASE,
    at TEXT NOT NULL,
    source TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS history (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL COLLATE NOCASE,
    at TEXT NOT NULL,
    old_status TEXT,
    new_status TEXT NOT NULL,
    reason TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS history_email ON history (email);
CREATE TABLE IF NOT EXISTS removed (
    email_hash TEXT PRIMARY KEY,
    at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS mail_events (
    id INTEGER PRIMARY KEY,
    message_key TEXT NOT NULL,
    message_id TEXT NOT NULL DEFAULT '',
    received_at TEXT NOT NULL,
    processed_at TEXT NOT NULL,
    kind TEXT NOT NULL,
    email TEXT NOT NULL DEFAULT '' COLLATE NOCASE,
    issue TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT '',
    action TEXT NOT NULL DEFAULT '',
    UNIQUE (message_key, email)
);
CREATE INDEX IF NOT EXISTS mail_events_email ON mail_events (email, kind);
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""


class UnknownSubscriber(NewsletterError):
    """A command named an address that is not on the list."""


@dataclass(frozen=True)
class Subscriber:
    email: str
    name: str
    language: str   # as the subscriber chose: an edition language or "both"
    sponsor: str
    status: str = "active"
    id: int | None = None


@dataclass(frozen=True)
class Change:
    """One line of a subscriber's history; old_status None means they were added."""

    at: str
    old_status: str | None
    new_status: str
    reason: str
    detail: str


@dataclass(frozen=True)
class SaveResult:
    added: int
    updated: int
    kept_out: list[tuple[str, str]]   # (email, why: their status or "removed")
    reactivated: int


class Database:
    """One SQLite file held open for a `with` block; the subscriber list, the sign-ups, the
    pauses and each send journal are one of these."""

    db: sqlite3.Connection

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """BEGIN IMMEDIATE … COMMIT, or ROLLBACK on any error: nothing half-written."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")


class SubscriberStore(Database):
    """One SQLite file; every change is a single transaction."""

    def __init__(self, path: Path):
        self.path = path
        self.db = open_database(path, _SCHEMA)
        self.db.execute("PRAGMA secure_delete=ON")   # `remove` must not leave the data in free pages
        self.db.row_factory = sqlite3.Row

    # --- reading ---------------------------------------------------------------------

    def all(self, status: str | None = None, sponsor: str | None = None) -> Iterator[Subscriber]:
        sql, args = "SELECT * FROM subscribers WHERE 1=1", []
        if status:
            sql, args = sql + " AND status = ?", args + [status]
        if sponsor:
            sql, args = sql + " AND sponsor = ?", args + [sponsor]
        for row in self.db.execute(sql + " ORDER BY id", args):
            yield _subscriber(row)

    def batches(self, size: int = 500) -> Iterator[list[Subscriber]]:
        """Everyone, in id order, `size` at a time: each batch is one short read, so a long
        send neither holds the list in memory nor keeps a read transaction open."""
        last = 0
        while rows := self.db.execute("SELECT * FROM subscribers WHERE id > ? ORDER BY id LIMIT ?",
                                      (last, size)).fetchall():
            yield [_subscriber(row) for row in rows]
            last = rows[-1]["id"]

    def tally(self) -> dict[tuple[str, str, str], int]:
        """(sponsor, language, status) -> how many: the list's shape without reading it."""
        return {(r[0], r[1], r[2]): r[3] for r in self.db.execute(
            "SELECT sponsor, language, status, COUNT(*) FROM subscribers GROUP BY sponsor, language, status")}

    def get(self, subscriber_id: int) -> Subscriber | None:
        row = self.db.execute("SELECT * FROM subscribers WHERE id = ?", (subscriber_id,)).fetchone()
        return _subscriber(row) if row else None

    def find(self, email: str) -> Subscriber | None:
        row = self.db.execute("SELECT * FROM subscribers WHERE email = ?", (email,)).fetchone()
        return _subscriber(row) if row else None

    def history(self, email: str) -> list[Change]:
        rows = self.db.execute("SELECT at, old_status, new_status, reason, detail FROM history "
                               "WHERE email = ? ORDER BY id", (email,))
        return [Change(*row) for row in rows]

    def was_removed(self, email: str) -> bool:
        return self.db.execute("SELECT 1 FROM removed WHERE email_hash = ?",
                               (self._hash_of(email),)).fetchone() is not None

    # --- changing one person ---------------------------------------------------------

    def change_status(self, email: str, status: str, reason: str, detail: str = "") -> bool:
        """Set one subscriber's status and record why; True only when it changed.

        Idempotent, so a replayed link, a second bounce report or a repeated command
        changes nothing and adds no history line.
        """
        _check(status, STATUSES, "status")
        _check(reason, REASONS, "reason")
        with self.transaction():
            return self._change(email, status, reason, detail, _now())

    def unsubscribe(self, email: str, reason: str, detail: str = "") -> bool:
        """Idempotent: True only the first time, so a replayed link changes nothing."""
        _check(reason, REASONS, "reason")
        now = _now()
        with self.transaction():
            first = self.db.execute("INSERT OR IGNORE INTO unsubscribes VALUES (?, ?, ?)",
                                    (email, now, reason)).rowcount == 1
            changed = self._change(email, "unsubscribed", reason, detail, now)
        return first or changed

    def mark_bounced(self, email: str, reason: str = "bounce", detail: str = "") -> bool:
        """Only an active subscriber becomes bounced: an unsubscribe is never overwritten."""
        _check(reason, REASONS, "reason")
        with self.transaction():
            row = self.db.execute("SELECT status FROM subscribers WHERE email = ?", (email,)).fetchone()
            if row is None or row[0] != "active":
                return False
            return self._change(email, "bounced", reason, detail, _now())

    def add(self, subscriber: Subscriber, reason: str = "admin", detail: str = "") -> Subscriber:
        """Add one new person; an address already on the list is an error, not an update."""
        _check(reason, REASONS, "reason")
        if self.find(subscriber.email):
            raise NewsletterError(f"{subscriber.email} is already on the list; change them with "
                                  f"`newsletter subscribers set {subscriber.email} …`")
        now = _now()
        with self.transaction():
            self.db.execute("DELETE FROM removed WHERE email_hash = ?", (self._hash_of(subscriber.email),))
            self.db.execute("DELETE FROM unsubscribes WHERE email = ?", (subscriber.email,))
            self._insert(subscriber, subscriber.status, now)
            self._record(subscriber.email, None, subscriber.status, reason, detail, now)
        return self.find(subscriber.email)

    def update(self, email: str, *, name: str | None = None, language: str | None = None,
               sponsor: str | None = None, reason: str = "admin") -> Subscriber:
        """Change name, language or sponsor; each change is a history line (status unchanged)."""
        _check(reason, REASONS, "reason")
        current = self._require(email)
        wanted = {"name": name, "language": language, "sponsor": sponsor}
        changes = {k: v for k, v in wanted.items() if v is not None and v != getattr(current, k)}
        now = _now()
        with self.transaction():
            for column, value in changes.items():
                self.db.execute(f"UPDATE subscribers SET {column} = ?, updated_at = ? WHERE email = ?",
                                (value, now, email))
                shown = "name" if column == "name" else f"{column} {getattr(current, column)} → {value}"
                self._record(email, current.status, current.status, reason, f"changed {shown}", now)
        return self.find(email)

    def remove(self, email: str) -> bool:
        """Delete everything about this person; keep only a salted hash of the address."""
        now = _now()
        with self.transaction():
            gone = self.db.execute("DELETE FROM subscribers WHERE email = ?", (email,)).rowcount
            gone += self.db.execute("DELETE FROM unsubscribes WHERE email = ?", (email,)).rowcount
            gone += self.db.execute("DELETE FROM history WHERE email = ?", (email,)).rowcount
            self.db.execute("UPDATE mail_events SET email = '', detail = 'removed' WHERE email = ?", (email,))
            self.db.execute("INSERT OR IGNORE INTO removed VALUES (?, ?)", (self._hash_of(email), now))
        return gone > 0

    # --- many people at once ---------------------------------------------------------

    def save(self, rows: Iterable[Subscriber], reason: str = "import", detail: str = "",
             resubscribe: bool = False, progress: Callable[[int], None] | None = None) -> SaveResult:
        """Insert or update all rows in one transaction; `rows` may be a stream (an import
        of 700,000 people): each row is looked up by its indexes, nothing is preloaded.

        Someone unsubscribed, bounced or removed keeps that status whatever the row says,
        unless `resubscribe` (a volunteer's deliberate choice, counted in `reactivated`).
        `progress(rows saved so far)` is called every few hundred rows.
        """
        _check(reason, REASONS, "reason")
        added = updated = reactivated = done = 0
        kept_out: list[tuple[str, str]] = []
        now = _now()
        with self.transaction():
            salt = self._salt()
            for s in rows:
                old = self._status_of(s.email)
                held = ("removed" if self._was_removed(_hash(salt, s.email)) else
                        old if old in INACTIVE else "unsubscribed" if self._left(s.email) else None)
                status = s.status
                done += 1
                if progress and done % 500 == 0:
                    progress(done)
                if held and (status == "active" or held == "removed"):
                    if not resubscribe:
                        kept_out.append((s.email, held))
                        if held == "removed":
                            continue
                        status = old if old in INACTIVE else "unsubscribed"
                    else:
                        self._forget_suppression(s.email)
                        reactivated += status == "active"
                if old is None:
                    self._insert(s, status, now)
                    self._record(s.email, None, status, reason, detail, now)
                    added += 1
                    continue
                self.db.execute("UPDATE subscribers SET name=?, language=?, sponsor=?, updated_at=? "
                                "WHERE email=?", (s.name, s.language, s.sponsor, now, s.email))
                self._change(s.email, status, reason, detail, now)
                updated += 1
        if progress:
            progress(done)
        return SaveResult(added, updated, kept_out, reactivated)

    def _status_of(self, email: str) -> str | None:
        row = self.db.execute("SELECT status FROM subscribers WHERE email = ?", (email,)).fetchone()
        return row[0] if row else None

    def _left(self, email: str) -> bool:
        return self.db.execute("SELECT 1 FROM unsubscribes WHERE email = ?", (email,)).fetchone() is not None

    def _was_removed(self, email_hash: str) -> bool:
        return self.db.execute("SELECT 1 FROM removed WHERE email_hash = ?", (email_hash,)).fetchone() is not None

    # --- inside a transaction ----------------------------------------------------------

    def _change(self, email: str, status: str, reason: str, detail: str, now: str) -> bool:
        row = self.db.execute("SELECT status FROM subscribers WHERE email = ?", (email,)).fetchone()
        if row is None or row[0] == status:
            return False
        self.db.execute("UPDATE subscribers SET status = ?, updated_at = ? WHERE email = ?", (status, now, email))
        if status == "active":
            self._forget_suppression(email)
        self._record(email, row[0], status, reason, detail, now)
        return True

    def _insert(self, s: Subscriber, status: str, now: str) -> None:
        self.db.execute("INSERT INTO subscribers (email, name, language, sponsor, status, updated_at) "
                        "VALUES (?, ?, ?, ?, ?, ?)", (s.email, s.name, s.language, s.sponsor, status, now))

    def _record(self, email: str, old: str | None, new: str, reason: str, detail: str, now: str) -> None:
        self.db.execute("INSERT INTO history (email, at, old_status, new_status, reason, detail) "
                        "VALUES (?, ?, ?, ?, ?, ?)", (email, now, old, new, reason, detail))

    def _forget_suppression(self, email: str) -> None:
        self.db.execute("DELETE FROM unsubscribes WHERE email = ?", (email,))
        self.db.execute("DELETE FROM removed WHERE email_hash = ?", (self._hash_of(email),))

    def _require(self, email: str) -> Subscriber:
        found = self.find(email)
        if found is None:
            raise UnknownSubscriber(f"{email} is not on the subscriber list; check the spelling, "
                                    "or see everyone with `newsletter subscribers list`")
        return found

    def _hash_of(self, email: str) -> str:
        return _hash(self._salt(), email)

    def _salt(self) -> str:
        """Random per database, so a hash of an address is useless outside this file."""
        row = self.db.execute("SELECT value FROM meta WHERE key = 'salt'").fetchone()
        if row is None:
            self.db.execute("INSERT OR IGNORE INTO meta VALUES ('salt', ?)", (secrets.token_hex(16),))
            row = self.db.execute("SELECT value FROM meta WHERE key = 'salt'").fetchone()
        return row[0]


def open_database(path: Path, schema: str, threads: bool = False) -> sqlite3.Connection:
    """Autocommit connection, WAL + synchronous=FULL: a committed row survives a power cut.

    `threads`: the connection is handed to one writer thread (never used by two at once).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=not threads)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.executescript(schema)
    return db


def _check(value: str, allowed: tuple[str, ...], what: str) -> None:
    if value not in allowed:
        raise ValueError(f"{what} {value!r} is not one of {allowed}")


def _hash(salt: str, email: str) -> str:
    return hashlib.sha256(f"{salt}\n{email.lower()}".encode()).hexdigest()


def _subscriber(row: sqlite3.Row) -> Subscriber:
    return Subscriber(row["email"], row["name"], row["language"], row["sponsor"], row["status"], row["id"])


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
