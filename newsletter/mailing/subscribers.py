"""The subscriber list: an embedded SQLite database, filled from CSV files volunteers keep.

Volunteers export these CSVs from spreadsheets, often on Chinese Windows (GBK), often with
the same person twice. An import is checked whole first and written in one transaction,
so a file with one bad row changes nothing. The unsubscribe list is its own table, so
re-importing an old spreadsheet never brings back someone who left.
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from email_validator import EmailNotValidError, validate_email

from ..errors import InputError, Problem
from ..project.config import Config
from ..project.encodings import looks_like_utf16

STATUSES = ("active", "unsubscribed", "bounced")
BOTH = "both"
COLUMNS = ("email", "name", "language", "sponsor", "status")
_FORBIDDEN = ("\r", "\n", "\0")

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
"""


@dataclass(frozen=True)
class Subscriber:
    email: str
    name: str
    language: str   # as the subscriber chose: an edition language or "both"
    sponsor: str
    status: str = "active"
    id: int | None = None


@dataclass(frozen=True)
class ImportResult:
    added: int
    updated: int
    warnings: list[Problem]


def edition_language(config: Config, language: str) -> str | None:
    """The edition a subscriber's language choice maps to; None when none is configured.

    "both" means the bilingual edition (the configured one containing "+").
    """
    if language == BOTH:
        return next((tag for tag in config.edition_languages if "+" in tag), None)
    return language if language in config.edition_languages else None


def database_path(config: Config) -> Path:
    return config.root / config.sending.database


class SubscriberStore:
    """One SQLite file; every change is a single transaction."""

    def __init__(self, path: Path):
        self.path = path
        self.db = open_database(path, _SCHEMA)
        self.db.row_factory = sqlite3.Row

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> SubscriberStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def all(self, status: str | None = None, sponsor: str | None = None) -> Iterator[Subscriber]:
        sql, args = "SELECT * FROM subscribers WHERE 1=1", []
        if status:
            sql, args = sql + " AND status = ?", args + [status]
        if sponsor:
            sql, args = sql + " AND sponsor = ?", args + [sponsor]
        for row in self.db.execute(sql + " ORDER BY id", args):
            yield _subscriber(row)

    def get(self, subscriber_id: int) -> Subscriber | None:
        row = self.db.execute("SELECT * FROM subscribers WHERE id = ?", (subscriber_id,)).fetchone()
        return _subscriber(row) if row else None

    def unsubscribe(self, email: str, source: str) -> bool:
        """Idempotent: True only the first time, so a replayed link changes nothing."""
        now = _now()
        with _transaction(self.db):
            cur = self.db.execute("INSERT OR IGNORE INTO unsubscribes VALUES (?, ?, ?)", (email, now, source))
            self.db.execute("UPDATE subscribers SET status = 'unsubscribed', updated_at = ? "
                            "WHERE email = ? AND status != 'unsubscribed'", (now, email))
        return cur.rowcount == 1

    def mark_bounced(self, email: str) -> None:
        with _transaction(self.db):
            self.db.execute("UPDATE subscribers SET status = 'bounced', updated_at = ? "
                            "WHERE email = ? AND status = 'active'", (_now(), email))

    def save(self, rows: list[Subscriber]) -> tuple[int, int, list[str]]:
        """Insert or update all rows in one transaction; returns (added, updated, kept_out)."""
        added = updated = 0
        kept_out = []
        now = _now()
        with _transaction(self.db):
            left = {r["email"].lower() for r in self.db.execute("SELECT email FROM unsubscribes")}
            for s in rows:
                status = s.status
                if s.email.lower() in left and status == "active":
                    status = "unsubscribed"
                    kept_out.append(s.email)
                cur = self.db.execute(
                    "UPDATE subscribers SET name=?, language=?, sponsor=?, status=?, updated_at=? "
                    "WHERE email=?", (s.name, s.language, s.sponsor, status, now, s.email))
                if cur.rowcount:
                    updated += 1
                    continue
                self.db.execute("INSERT INTO subscribers (email, name, language, sponsor, status, updated_at) "
                                "VALUES (?, ?, ?, ?, ?, ?)", (s.email, s.name, s.language, s.sponsor, status, now))
                added += 1
        return added, updated, kept_out


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


class _transaction:
    """BEGIN IMMEDIATE … COMMIT, or ROLLBACK on any error: nothing half-written."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self):
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind, value, tb):
        self.db.execute("ROLLBACK" if kind else "COMMIT")


def _subscriber(row: sqlite3.Row) -> Subscriber:
    return Subscriber(row["email"], row["name"], row["language"], row["sponsor"], row["status"], row["id"])


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


# --- CSV ---------------------------------------------------------------------------------

def import_csv(config: Config, store: SubscriberStore, path: Path) -> ImportResult:
    """Check every row, then save them all at once; raises InputError listing every bad row."""
    rows, problems, warnings = parse_csv(config, path)
    if problems:
        raise InputError(problems)
    added, updated, kept_out = store.save(rows)
    warnings += [Problem(path, None, f"{email} unsubscribed earlier, so stays unsubscribed",
                         "they can sign up again only by asking you to remove them from the unsubscribe list")
                 for email in kept_out]
    return ImportResult(added, updated, warnings)


def parse_csv(config: Config, path: Path) -> tuple[list[Subscriber], list[Problem], list[Problem]]:
    """Rows, problems (bad rows) and warnings (merged duplicates), all found in one pass."""
    text = _read_text(path)
    first = text.split("\n", 1)[0]
    tabs = "\t" in first and "," not in first   # Excel's "Unicode Text" separates columns by tabs
    reader = csv.reader(io.StringIO(text, newline=""), delimiter="\t" if tabs else ",")
    header = next(reader, None)
    columns = _columns(path, header)
    rows: dict[str, Subscriber] = {}
    first_line: dict[str, int] = {}
    problems, warnings = [], []
    line = reader.line_num + 1
    for record in reader:
        start, line = line, reader.line_num + 1
        if not any(cell.strip() for cell in record):
            continue
        values = {name: (record[i].strip() if i < len(record) else "") for name, i in columns.items()}
        subscriber, row_problems = _check_row(config, path, start, values)
        problems += row_problems
        if subscriber is None:
            continue
        key = subscriber.email.lower()
        if key in rows:
            warnings.append(Problem(path, start, f"{subscriber.email} is also on line {first_line[key]}",
                                    "the two rows were merged; this later row wins"))
        else:
            first_line[key] = start
        rows[key] = subscriber
    return list(rows.values()), problems, warnings


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError([Problem(path, None, f"cannot read the file ({exc.strerror})",
                                  "check the file name and folder")]) from None
    if utf16 := looks_like_utf16(data):  # Excel's "Unicode Text", Notepad's "Unicode": readable as is
        return _decode_utf16(path, data, utf16)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        hint = ("in Excel choose File › Save As › \"CSV UTF-8 (Comma delimited)\"; "
                "in WPS or Numbers export as CSV with encoding UTF-8")
        try:
            data.decode("gb18030")
        except UnicodeDecodeError:
            raise InputError([Problem(path, line, "the file is not saved as UTF-8 text",
                                      f"re-save it as UTF-8: {hint}")]) from None
        raise InputError([Problem(path, line, "the file is saved in the Chinese GBK/GB18030 encoding, "
                                  "not UTF-8", f"re-save it as UTF-8: {hint}")]) from None


def _decode_utf16(path: Path, data: bytes, kind: str) -> str:
    codec = "utf-16" if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) else \
        ("utf-16-be" if "big" in kind else "utf-16-le")
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        raise InputError([Problem(path, data[:exc.start].count(b"\n\x00") + 1, f"the file is saved as {kind} "
                                  "but is damaged here", "re-save it as UTF-8 (\"CSV UTF-8\" in Excel)")]) from None


def _columns(path: Path, header: list[str] | None) -> dict[str, int]:
    if not header:
        raise InputError([Problem(path, 1, "the file is empty",
                                  f"the first line must name the columns: {','.join(COLUMNS)}")])
    names = [cell.strip().lower() for cell in header]
    problems = [Problem(path, 1, f"unknown column {name!r}", f"use only: {', '.join(COLUMNS)}")
                for name in names if name and name not in COLUMNS]
    if "email" not in names:
        problems.append(Problem(path, 1, "there is no email column",
                                f"the first line must name the columns, e.g. {','.join(COLUMNS[:4])}"))
    if problems:
        raise InputError(problems)
    return {name: i for i, name in enumerate(names) if name in COLUMNS}


def _check_row(config: Config, path: Path, line: int, values: dict[str, str]) -> tuple[Subscriber | None, list[Problem]]:
    problems = []

    def bad(message: str, fix: str) -> None:
        problems.append(Problem(path, line, message, fix))

    for column, value in values.items():
        if any(ch in value for ch in _FORBIDDEN):
            bad(f"the {column} has a line break or NUL character in it",
                "put the whole value on one line in the spreadsheet")
    email = _valid_email(values.get("email", ""), bad)
    language = values.get("language") or config.site.languages[0]
    if edition_language(config, language) is None:
        choices = [*config.edition_languages] + ([BOTH] if edition_language(config, BOTH) else [])
        bad(f"language {language!r} is not offered", f"write one of: {', '.join(choices)}")
    sponsor = values.get("sponsor") or (config.sponsors[0].id if len(config.sponsors) == 1 else "")
    if config.sponsor(sponsor) is None:
        bad(f"sponsor {sponsor!r} is not a group in newsletter.toml" if sponsor else "the sponsor is empty",
            f"write one of: {', '.join(s.id for s in config.sponsors)}")
    status = (values.get("status") or "active").lower()
    if status not in STATUSES:
        bad(f"status {status!r} is not known", f"write one of: {', '.join(STATUSES)}, or leave it empty")
    if problems or email is None:
        return None, problems
    return Subscriber(email, values.get("name", ""), language, sponsor, status), []


def _valid_email(value: str, bad) -> str | None:
    if not value:
        bad("the email is empty", "write the address, e.g. lin.wei@example.com, or delete the row")
        return None
    if any(ch in value for ch in _FORBIDDEN):
        return None
    try:
        email = validate_email(value, check_deliverability=False).ascii_email
    except EmailNotValidError as exc:
        bad(f"{value!r} is not an email address: {str(exc).rstrip('.')}",
            "correct the address or delete the row")
        return None
    if not email:
        bad(f"{value!r} has non-ASCII characters, which many mail servers refuse",
            "check for full-width letters or symbols typed with a Chinese input method")
        return None
    return email


# OWASP "CSV Injection": a spreadsheet evaluates a cell starting with one of these as a
# formula (=HYPERLINK(…), =cmd|…); the full-width forms are added as cheap insurance for
# spreadsheets used with a Chinese input method.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def export_csv(store: SubscriberStore, out: io.TextIOBase, status: str | None = None) -> int:
    """Every cell that could start a formula gets a leading apostrophe, as OWASP recommends:
    spreadsheets then show it as text. Quotes and commas are quoted by the csv module."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    count = 0
    for s in store.all(status=status):
        writer.writerow([_as_text(v) for v in (s.email, s.name, s.language, s.sponsor, s.status)])
        count += 1
    return count


def _as_text(cell: str) -> str:
    return f"'{cell}" if cell.startswith(FORMULA_START) else cell
