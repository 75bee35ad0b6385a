"""The subscriber list: an embedded SQLite database, filled from CSV files volunteers keep.

Volunteers export these CSVs from spreadsheets, often on Chinese Windows (GBK), often with
the same person twice, sometimes with hundreds of thousands of rows. An import is checked
whole first and written in one transaction, so a file with one bad row changes nothing;
the file is streamed, so memory stays flat however large it is. The store (`store.py`) keeps everyone who
unsubscribed, bounced or was removed out of an import unless the volunteer deliberately
asks for `resubscribe`.
"""
from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import chain
from pathlib import Path

from email_validator import EmailNotValidError, validate_email

from ..errors import InputError, Problem
from ..project.config import Config
from ..project.encodings import looks_like_utf16
from .store import STATUSES, Subscriber, SubscriberStore, open_database

__all__ = ["BOTH", "COLUMNS", "STATUSES", "ImportResult", "Subscriber", "SubscriberStore", "database_path",
           "check_subscriber", "edition_language", "export_csv", "import_csv", "open_database", "parse_csv"]

BOTH = "both"
COLUMNS = ("email", "name", "language", "sponsor", "status")
_FORBIDDEN = ("\r", "\n", "\0")


@dataclass(frozen=True)
class ImportResult:
    added: int
    updated: int
    warnings: list[Problem]
    reactivated: int = 0


def edition_language(config: Config, language: str) -> str | None:
    """The edition a subscriber's language choice maps to; None when none is configured.

    "both" means the bilingual edition (the configured one containing "+").
    """
    if language == BOTH:
        return next((tag for tag in config.edition_languages if "+" in tag), None)
    return language if language in config.edition_languages else None


def database_path(config: Config) -> Path:
    return config.root / config.sending.database


# --- CSV ---------------------------------------------------------------------------------

Progress = Callable[[str, int, int], None]   # (stage: "checking" | "saving", done, total)
MAX_REPORTED = 200   # problems (and merged duplicates) listed one by one; the rest are counted


def import_csv(config: Config, store: SubscriberStore, path: Path, resubscribe: bool = False,
               progress: Progress | None = None) -> ImportResult:
    """Check every row, then save them all at once; raises InputError listing bad rows.

    The file is streamed twice over, never held: the rows that pass go to a temporary
    table in the store (where duplicates merge, the later row winning), and only when the
    whole file is clean are they saved, in one transaction. Memory stays flat for any size.
    """
    report = progress or _quiet
    with _Staging(store) as staging:
        problems, warnings = _stage(config, path, staging, report)
        if problems:
            raise InputError(problems)
        total = staging.count()
        result = store.save(staging.rows(), reason="import", detail=path.name, resubscribe=resubscribe,
                            progress=lambda done: report("saving", done, total))
    warnings += [Problem(path, None, _KEPT_OUT[why].format(email=email),
                         "to bring them back on purpose, import with --resubscribe")
                 for email, why in result.kept_out]
    return ImportResult(result.added, result.updated, warnings, result.reactivated)


_KEPT_OUT = {"unsubscribed": "{email} unsubscribed earlier, so stays unsubscribed",
             "bounced": "{email} bounced earlier (the address does not take mail), so stays bounced",
             "removed": "{email} was removed from the list earlier, so was not added again"}


def parse_csv(config: Config, path: Path) -> tuple[list[Subscriber], list[Problem], list[Problem]]:
    """Rows, problems (bad rows) and warnings (merged duplicates), all found in one pass.
    For small files and tests: `import_csv` streams instead."""
    with SubscriberStore(Path(":memory:")) as scratch, _Staging(scratch) as staging:
        problems, warnings = _stage(config, path, staging, _quiet)
        return list(staging.rows()), problems, warnings


def _stage(config: Config, path: Path, staging: _Staging, report: Progress) -> tuple[list[Problem], list[Problem]]:
    """Check every row of the file into `staging`; (problems, merge warnings), each capped."""
    problems, warnings = _Capped(path, "more rows have problems"), _Capped(path, "more rows were merged")
    size = _size(path)
    with _open_csv(path) as (raw, text, utf16):
        first = _decoded(path, text.readline, utf16)
        tabs = "\t" in first and "," not in first   # Excel's "Unicode Text" separates columns by tabs
        reader = csv.reader(chain([first], text), delimiter="\t" if tabs else ",")
        columns = _columns(path, _decoded(path, lambda: next(reader, None), utf16))
        line = reader.line_num + 1
        for record in _decoded_rows(path, reader, utf16):
            start, line = line, reader.line_num + 1
            if start % 1000 == 0:
                report("checking", raw.tell(), size)
            if not any(cell.strip() for cell in record):
                continue
            values = {name: (record[i].strip() if i < len(record) else "") for name, i in columns.items()}
            subscriber, row_problems = _check_row(config, path, start, values)
            problems.extend(row_problems)
            if subscriber is not None and (first := staging.add(subscriber, start)):
                warnings.append(Problem(path, start, f"{subscriber.email} is also on line {first}",
                                        "the two rows were merged; this later row wins"))
        report("checking", size, size)
    return problems.done(), warnings.done()


class _Staging:
    """Checked rows waiting in a temporary table of the store's connection (SQLite keeps
    it on disk when large), keyed by address: a later row replaces an earlier one."""

    def __init__(self, store: SubscriberStore):
        self.db = store.db
        self.pending: list[tuple] = []

    def __enter__(self) -> _Staging:
        self.db.execute("CREATE TEMP TABLE IF NOT EXISTS incoming (email TEXT PRIMARY KEY COLLATE NOCASE, "
                        "name TEXT, language TEXT, sponsor TEXT, status TEXT, first_line INTEGER)")
        self.db.execute("DELETE FROM temp.incoming")
        return self

    def __exit__(self, *exc) -> None:
        self.db.execute("DROP TABLE IF EXISTS temp.incoming")

    def add(self, s: Subscriber, line: int) -> int | None:
        """Stage a row; the line it first appeared on when it is a duplicate."""
        row = self.db.execute("SELECT first_line FROM temp.incoming WHERE email = ?", (s.email,)).fetchone()
        self.db.execute("INSERT INTO temp.incoming VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(email) DO UPDATE SET "
                        "name = excluded.name, language = excluded.language, sponsor = excluded.sponsor, "
                        "status = excluded.status", (s.email, s.name, s.language, s.sponsor, s.status, line))
        return row[0] if row else None

    def count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM temp.incoming").fetchone()[0]

    def rows(self) -> Iterator[Subscriber]:
        """In file order (of first appearance), a batch at a time."""
        last = 0
        while batch := self.db.execute("SELECT rowid, email, name, language, sponsor, status FROM temp.incoming "
                                       "WHERE rowid > ? ORDER BY rowid LIMIT 500", (last,)).fetchall():
            for _, email, name, language, sponsor, status in batch:
                yield Subscriber(email, name, language, sponsor, status)
            last = batch[-1][0]


class _Capped:
    """A list of problems that keeps the first MAX_REPORTED and counts the rest."""

    def __init__(self, path: Path, more: str):
        self.path, self.more, self.items, self.dropped = path, more, [], 0

    def append(self, problem: Problem) -> None:
        if len(self.items) < MAX_REPORTED:
            self.items.append(problem)
        else:
            self.dropped += 1

    def extend(self, problems: list[Problem]) -> None:
        for problem in problems:
            self.append(problem)

    def done(self) -> list[Problem]:
        if not self.dropped:
            return self.items
        return self.items + [Problem(self.path, None, f"{self.dropped:,} {self.more} like these",
                                     "fix the ones listed and run the import again to see the rest")]


@contextmanager
def _open_csv(path: Path):
    try:
        raw = path.open("rb")
    except OSError as exc:
        raise InputError([Problem(path, None, f"cannot read the file ({exc.strerror})",
                                  "check the file name and folder")]) from None
    with raw:
        utf16 = looks_like_utf16(raw.read(4096))  # Excel's "Unicode Text", Notepad's "Unicode": readable as is
        raw.seek(0)
        with io.TextIOWrapper(raw, encoding=_utf16_codec(raw, utf16) if utf16 else "utf-8-sig", newline="") as text:
            yield raw, text, utf16


def _utf16_codec(raw, kind: str) -> str:
    start = raw.read(2)
    raw.seek(0)
    if start in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return "utf-16"
    return "utf-16-be" if "big" in kind else "utf-16-le"


def _utf16_problem(path: Path, kind: str) -> Problem:
    data = path.read_bytes()  # only to place the error
    try:
        data.decode(_utf16_codec(io.BytesIO(data), kind))
        start = len(data)
    except UnicodeDecodeError as exc:
        start = exc.start
    return Problem(path, data[:start].count(b"\n\x00") + 1, f"the file is saved as {kind} but is damaged here",
                   "re-save it as UTF-8 (\"CSV UTF-8\" in Excel)")


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _decoded(path: Path, read, utf16: str | None):
    try:
        return read()
    except UnicodeDecodeError:
        raise InputError([_utf16_problem(path, utf16) if utf16 else _encoding_problem(path)]) from None


def _decoded_rows(path: Path, reader, utf16: str | None) -> Iterator[list[str]]:
    while True:
        record = _decoded(path, lambda: next(reader, None), utf16)
        if record is None:
            return
        yield record


def _encoding_problem(path: Path) -> Problem:
    """Where the file stops being UTF-8, and whether it is GBK instead (read in chunks)."""
    utf8, gbk = codecs.getincrementaldecoder("utf-8")(), codecs.getincrementaldecoder("gb18030")()
    line, bad_line, is_gbk = 1, None, True
    with path.open("rb") as raw:
        while chunk := raw.read(1 << 20):
            if bad_line is None:
                try:
                    utf8.decode(chunk)
                except UnicodeDecodeError as exc:
                    bad_line = line + chunk[:exc.start].count(b"\n")
            line += chunk.count(b"\n")
            try:
                gbk.decode(chunk)
            except UnicodeDecodeError:
                is_gbk = False
                break
        else:
            try:
                gbk.decode(b"", final=True)
            except UnicodeDecodeError:
                is_gbk = False
    hint = ("in Excel choose File › Save As › \"CSV UTF-8 (Comma delimited)\"; "
            "in WPS or Numbers export as CSV with encoding UTF-8")
    if is_gbk:
        return Problem(path, bad_line, "the file is saved in the Chinese GBK/GB18030 encoding, not UTF-8",
                       f"re-save it as UTF-8: {hint}")
    return Problem(path, bad_line, "the file is not saved as UTF-8 text", f"re-save it as UTF-8: {hint}")


def _quiet(stage: str, done: int, total: int) -> None:
    return None


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


def check_subscriber(config: Config, where: str, values: dict[str, str]) -> Subscriber:
    """One person typed on the command line (or a web form), checked like a CSV row;
    raises InputError naming `where` with every problem."""
    subscriber, problems = _check_row(config, where, None, values)
    if problems:
        raise InputError(problems)
    return subscriber


def _check_row(config: Config, path: Path | str, line: int | None, values: dict[str, str]) -> tuple[Subscriber | None, list[Problem]]:
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
