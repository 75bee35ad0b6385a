"""Pausing: a subscriber skips their next N issues and then gets mail again by themselves.

A pause counts issues, not days, because issues come irregularly. Which issues were
skipped is written down by name when a real send plans them (never by a dry run), so
sending the same issue again after a crash skips the same people, and the pause ends
after exactly N different issues.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from .store import Database, open_database

MAX_ISSUES = 12

_SCHEMA = """
CREATE TABLE IF NOT EXISTS pauses (
    subscriber_id INTEGER PRIMARY KEY,
    issues INTEGER NOT NULL CHECK (issues BETWEEN 1 AND 12),
    since TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS paused_issues (
    subscriber_id INTEGER NOT NULL,
    issue TEXT NOT NULL,
    PRIMARY KEY (subscriber_id, issue)
);
"""


class Pauses(Database):
    def __init__(self, path: Path):
        self.db = open_database(path, _SCHEMA)

    def pause(self, subscriber_id: int, issues: int, now: dt.datetime) -> None:
        """Start (or restart) a pause of `issues` issues from now."""
        if not 1 <= issues <= MAX_ISSUES:
            raise ValueError(f"a pause is 1 to {MAX_ISSUES} issues, not {issues}")
        self.db.execute("BEGIN IMMEDIATE")
        try:
            self.db.execute("DELETE FROM paused_issues WHERE subscriber_id = ?", (subscriber_id,))
            self.db.execute("INSERT OR REPLACE INTO pauses VALUES (?, ?, ?)",
                            (subscriber_id, issues, now.isoformat(timespec="seconds")))
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def resume(self, subscriber_id: int) -> None:
        self.db.execute("DELETE FROM pauses WHERE subscriber_id = ?", (subscriber_id,))
        self.db.execute("DELETE FROM paused_issues WHERE subscriber_id = ?", (subscriber_id,))

    def remaining(self, subscriber_id: int) -> int:
        """Issues still to skip (0: not paused)."""
        row = self.db.execute("SELECT issues FROM pauses WHERE subscriber_id = ?", (subscriber_id,)).fetchone()
        if row is None:
            return 0
        return max(0, row[0] - len(self._skipped(subscriber_id)))

    def holds(self, subscriber_id: int, issue: str) -> bool:
        """Does the pause keep `issue` from this subscriber? (Read only.)"""
        row = self.db.execute("SELECT issues FROM pauses WHERE subscriber_id = ?", (subscriber_id,)).fetchone()
        if row is None:
            return False
        skipped = self._skipped(subscriber_id)
        return issue in skipped or len(skipped) < row[0]

    def holding(self, issue: str) -> set[int]:
        """Ids of everyone whose pause keeps `issue` from them (the pauses table is small)."""
        ids = [r[0] for r in self.db.execute("SELECT subscriber_id FROM pauses")]
        return {sid for sid in ids if self.holds(sid, issue)}

    def record(self, issue: str, subscriber_ids: list[int]) -> None:
        """Write down that these subscribers skip `issue` (called when sending for real)."""
        self.db.executemany("INSERT OR IGNORE INTO paused_issues VALUES (?, ?)",
                            [(sid, issue) for sid in subscriber_ids])

    @staticmethod
    def record_skips(path: Path, issue: str, subscriber_ids: list[int]) -> None:
        if subscriber_ids:
            with Pauses(path) as pauses:
                pauses.record(issue, subscriber_ids)

    def _skipped(self, subscriber_id: int) -> set[str]:
        rows = self.db.execute("SELECT issue FROM paused_issues WHERE subscriber_id = ?", (subscriber_id,))
        return {r[0] for r in rows}
