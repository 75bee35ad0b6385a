"""The send journal of one issue: who must get which edition, and how far each one got.

Resuming a campaign after a crash is where other tools send people 3–5 copies. Here every
recipient row moves pending → inflight → sent | failed | deferred, and the inflight mark
is committed (WAL, synchronous=FULL) *before* the message is handed to the transport.
After a kill, only rows still in flight can have been delivered without being marked, and
a sender never has more rows in flight than it has connections.

A row is claimed with a conditional update (`… WHERE state IN ('pending', 'deferred')`),
so even two senders that both got past the issue's lock never take the same row. A failed
row remembers whose side the failure was on (`cause`): `ours` (a message we could not
build, a sender the server refused) is retried by the next run, `recipient` (the address
was refused) only with `--retry-failed`. Rows found in flight at the start of a run are
put back to pending with `interrupted` set: their person may get the message twice.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from ..project.config import Config
from .store import Database, open_database

STATES = ("pending", "inflight", "sent", "failed", "deferred", "skipped")
OPEN_STATES = ("pending", "inflight", "deferred")  # still to be (re)sent

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sends (
    email TEXT PRIMARY KEY COLLATE NOCASE,
    edition TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'inflight', 'sent', 'failed', 'deferred', 'skipped')),
    attempts INTEGER NOT NULL DEFAULT 0,
    reply TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL
);
"""
# Columns added after the first release; older journals get them on open.
_ADDED_COLUMNS = {"cause": "TEXT NOT NULL DEFAULT ''", "interrupted": "INTEGER NOT NULL DEFAULT 0"}
CAUSES = ("", "ours", "recipient")


@dataclass(frozen=True)
class Entry:
    email: str
    edition: str
    state: str
    attempts: int
    reply: str
    cause: str = ""
    interrupted: bool = False

    @property
    def next_run(self) -> str:
        """What the next `newsletter send` does with this row, in a volunteer's words."""
        if self.state == "failed":
            return "retry" if self.cause == "ours" else "skip (send --retry-failed to try again)"
        return {"sent": "nothing", "skipped": "nothing"}.get(self.state, "send")


def ledger_path(config: Config, issue: str) -> Path:
    return config.root / config.sending.ledger_dir / f"{issue}.sqlite"


@dataclass(frozen=True)
class Delivery:
    issue: str
    edition: str
    state: str
    at: str


def deliveries(config: Config, email: str) -> list[Delivery]:
    """What each issue's journal says about one address, newest first (`subscribers show`)."""
    found = []
    for path in sorted((config.root / config.sending.ledger_dir).glob("*.sqlite")):
        with Ledger(path) as ledger:
            row = ledger.db.execute("SELECT edition, state, updated_at FROM sends WHERE email = ?",
                                    (email,)).fetchone()
        if row:
            found.append(Delivery(path.stem, *row))
    return sorted(found, key=lambda d: d.at, reverse=True)


def forget(config: Config, email: str) -> int:
    """Erase an address from every journal (`subscribers remove`); how many journals had it."""
    count = 0
    for path in sorted((config.root / config.sending.ledger_dir).glob("*.sqlite")):
        with Ledger(path) as ledger:
            count += ledger.db.execute("DELETE FROM sends WHERE email = ?", (email,)).rowcount
    return count


class Ledger(Database):
    def __init__(self, path: Path):
        self.path = path
        self.db = open_database(path, _SCHEMA, threads=True)
        have = {row[1] for row in self.db.execute("PRAGMA table_info(sends)")}
        for column, kind in _ADDED_COLUMNS.items():
            if column not in have:
                self.db.execute(f"ALTER TABLE sends ADD COLUMN {column} {kind}")

    def plan(self, wanted: Mapping[str, str] | Iterable[tuple[str, str]], editions: set[str],
             retry_failed: bool = False) -> list[str]:
        """Record who should get which edition ((email, edition id) pairs, streamed, or a
        mapping), in one transaction; memory stays flat however long the list is.

        Open rows follow a changed language choice; open rows of the given editions whose
        subscriber is gone (unsubscribed, bounced) become skipped. Sent rows never change.
        Rows left in flight by a stopped run, and failures on our side (all failures with
        `retry_failed`), become pending again. Returns the addresses that were in flight.
        Call it only while holding the issue's lock.
        """
        pairs = wanted.items() if isinstance(wanted, Mapping) else wanted
        now = _now()
        self.db.execute("BEGIN IMMEDIATE")
        try:
            interrupted = [r[0] for r in self.db.execute("SELECT email FROM sends WHERE state = 'inflight'")]
            self.db.execute("UPDATE sends SET state = 'pending', interrupted = 1, updated_at = ? "
                            "WHERE state = 'inflight'", (now,))
            retry = "" if retry_failed else " AND cause = 'ours'"
            self.db.execute(f"UPDATE sends SET state = 'pending', updated_at = ? WHERE state = 'failed'{retry}",
                            (now,))
            # who is wanted now, kept by SQLite (a temporary table), not in a Python set
            self.db.execute("CREATE TEMP TABLE IF NOT EXISTS wanted (email TEXT PRIMARY KEY COLLATE NOCASE)")
            self.db.execute("DELETE FROM temp.wanted")
            for chunk in _chunks(pairs, 500):
                self.db.executemany(
                    "INSERT INTO sends (email, edition, state, updated_at) VALUES (?, ?, 'pending', ?) "
                    "ON CONFLICT(email) DO UPDATE SET edition = excluded.edition, "
                    "state = CASE state WHEN 'skipped' THEN 'pending' ELSE state END "
                    "WHERE state IN ('pending', 'deferred', 'skipped')", [(e, ed, now) for e, ed in chunk])
                self.db.executemany("INSERT OR IGNORE INTO temp.wanted VALUES (?)", [(e,) for e, _ in chunk])
            if editions:
                marks = ",".join("?" * len(editions))
                self.db.execute(f"UPDATE sends SET state = 'skipped', updated_at = ? "
                                f"WHERE state IN ('pending', 'deferred') AND edition IN ({marks}) "
                                f"AND email NOT IN (SELECT email FROM temp.wanted)", (now, *editions))
            self.db.execute("DELETE FROM temp.wanted")
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return interrupted

    def entries(self, states: tuple[str, ...] = STATES) -> list[Entry]:
        marks = ",".join("?" * len(states))
        rows = self.db.execute(f"SELECT email, edition, state, attempts, reply, cause, interrupted FROM sends "
                               f"WHERE state IN ({marks}) ORDER BY rowid", states)
        return [Entry(*row) for row in rows]

    def entries_for(self, emails: list[str]) -> dict[str, Entry]:
        """The rows of these addresses (at most a few hundred), keyed by lower-case email."""
        found = {}
        for chunk in _chunks(emails, 500):
            marks = ",".join("?" * len(chunk))
            for row in self.db.execute(f"SELECT email, edition, state, attempts, reply, cause, interrupted "
                                       f"FROM sends WHERE email IN ({marks})", chunk):
                found[row[0].lower()] = Entry(*row)
        return found

    def state(self, email: str) -> str | None:
        row = self.db.execute("SELECT state FROM sends WHERE email = ?", (email,)).fetchone()
        return row[0] if row else None

    def claim(self, email: str) -> bool:
        """Mark the row in flight if, and only if, it is still waiting; False when another
        sender took it or it is finished. Committed before the transport sees the message
        (autocommit + synchronous=FULL)."""
        return self.db.execute(
            "UPDATE sends SET state = 'inflight', attempts = attempts + 1, updated_at = ? "
            "WHERE email = ? AND state IN ('pending', 'deferred')", (_now(), email)).rowcount == 1

    def claim_many(self, emails: list[str]) -> set[str]:
        """`claim` for a group of rows in one transaction (one fsync instead of one per row);
        returns the lower-case addresses this sender now holds."""
        now, claimed = _now(), set()
        with self.transaction():
            for email in emails:
                if self.db.execute("UPDATE sends SET state = 'inflight', attempts = attempts + 1, updated_at = ? "
                                   "WHERE email = ? AND state IN ('pending', 'deferred')",
                                   (now, email)).rowcount == 1:
                    claimed.add(email.lower())
        return claimed

    def mark_many(self, outcomes: list[tuple[str, str, str, str]]) -> None:
        """`mark` for a group of (email, state, reply, cause), committed together."""
        now = _now()
        for _, state, _, cause in outcomes:
            assert state in ("pending", "sent", "failed", "deferred") and cause in CAUSES, (state, cause)
        with self.transaction():
            self.db.executemany("UPDATE sends SET state = ?, reply = ?, cause = ?, updated_at = ? WHERE email = ?",
                                [(state, reply, cause, now, email) for email, state, reply, cause in outcomes])

    def mark_inflight(self, email: str) -> None:
        """Unconditional form of `claim`, kept for callers that hold the only claim."""
        self.claim(email)

    def mark(self, email: str, state: str, reply: str = "", cause: str = "") -> None:
        assert state in ("pending", "sent", "failed", "deferred"), state
        assert cause in CAUSES, cause
        self.db.execute("UPDATE sends SET state = ?, reply = ?, cause = ?, updated_at = ? WHERE email = ?",
                        (state, reply, cause, _now(), email))

    def counts(self) -> dict[str, Counter]:
        """Per edition id: how many rows are in each state."""
        result: dict[str, Counter] = defaultdict(Counter)
        for edition, state, n in self.db.execute(
                "SELECT edition, state, COUNT(*) FROM sends GROUP BY edition, state ORDER BY edition"):
            result[edition][state] = n
        return dict(result)


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")
