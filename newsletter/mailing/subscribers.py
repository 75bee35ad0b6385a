"""The subscriber list: an embedded SQLite database, filled from CSV files volunteers keep.

Volunteers export these CSVs from spreadsheets, often on Chinese Windows (GBK), often with
the same person twice. An import is checked whole first and written in one transaction,
so a file with one bad row changes nothing. The store (`store.py`) keeps everyone who
unsubscribed, bounced or was removed out of an import unless the volunteer deliberately
asks for `resubscribe`.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from email_validator import EmailNotValidError, validate_email

from ..errors import InputError, Problem
from ..project.config import Config
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

def import_csv(config: Config, store: SubscriberStore, path: Path, resubscribe: bool = False) -> ImportResult:
    """Check every row, then save them all at once; raises InputError listing every bad row."""
    rows, problems, warnings = parse_csv(config, path)
    if problems:
        raise InputError(problems)
    result = store.save(rows, reason="import", detail=path.name, resubscribe=resubscribe)
    warnings += [Problem(path, None, _KEPT_OUT[why].format(email=email),
                         "to bring them back on purpose, import with --resubscribe")
                 for email, why in result.kept_out]
    return ImportResult(result.added, result.updated, warnings, result.reactivated)


_KEPT_OUT = {"unsubscribed": "{email} unsubscribed earlier, so stays unsubscribed",
             "bounced": "{email} bounced earlier (the address does not take mail), so stays bounced",
             "removed": "{email} was removed from the list earlier, so was not added again"}


def parse_csv(config: Config, path: Path) -> tuple[list[Subscriber], list[Problem], list[Problem]]:
    """Rows, problems (bad rows) and warnings (merged duplicates), all found in one pass."""
    reader = csv.reader(io.StringIO(_read_text(path), newline=""))
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


def export_csv(store: SubscriberStore, out: io.TextIOBase, status: str | None = None) -> int:
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    count = 0
    for s in store.all(status=status):
        writer.writerow([s.email, s.name, s.language, s.sponsor, s.status])
        count += 1
    return count
