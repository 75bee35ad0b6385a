"""`newsletter bounces`: crafted Gmail, Outlook, legacy Exchange and Yahoo bounces, an ARF
complaint, a mailto unsubscribe, an out-of-office reply and a human reply (all written
here), in a Maildir and an mbox. Hard bounces and complaints act at once, soft bounces
count, unrecognised mail is never touched, every decision is recorded once."""
from __future__ import annotations

import datetime as dt
import hashlib
import mailbox
import sqlite3
from pathlib import Path

import pytest

from newsletter.mailing.bounces.process import process_mailbox
from newsletter.mailing.store import SubscriberStore
from newsletter.mailing.subscribers import database_path
from newsletter.mailing.tokens import mailto_token, secret_from, tagged_address, verp_token
from newsletter.project.config import load_config
from tests.test_send_cli import _run
from tests.test_send_support import (  # noqa: F401
    ENV,
    built_template,
    sending_project,
    write_subscribers,
)

FIXTURES = Path(__file__).parent / "fixtures" / "bounces"
BOUNCES = "bounces@news.baybridge.example.org"
MAILTO = "unsubscribe@news.baybridge.example.org"


def _people(root: Path) -> dict[str, object]:
    with SubscriberStore(database_path(load_config(root))) as store:
        return {s.email: s for s in store.all()}


def _message(root: Path, name: str, email: str, issue: str = "2026-11", **extra: str) -> bytes:
    secret = secret_from(ENV, "NEWSLETTER_UNSUBSCRIBE_SECRET")
    person = _people(root)[email]
    text = (FIXTURES / name).read_text(encoding="utf-8")
    values = {"verp": tagged_address(BOUNCES, verp_token(secret, person.id, issue, email)),
              "mailto": tagged_address(MAILTO, mailto_token(secret, person.id, email)), "rcpt": email,
              "date": "Tue, 24 Nov 2026 09:00:00 +0000", "n": "1"} | extra
    for key, value in values.items():
        text = text.replace(f"%%{key}%%", value)
    return text.replace("\n", "\r\n").encode("utf-8")


def _maildir(folder: Path, messages: list[bytes]) -> Path:
    box = mailbox.Maildir(folder, create=True)
    for raw in messages:
        box.add(raw)
    return folder


def _snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def people(sending_project):
    rows = write_subscribers(sending_project, 9)
    return sending_project, [r["email"] for r in rows]


def test_each_kind_is_recognised_and_acted_on_once(people, tmp_path):
    root, emails = people
    forged = _message(root, "gmail-hard.eml", emails[7]).replace(b"bounces+", b"bounces+1").replace(
        emails[7].encode(), b"someone@example.net")
    folder = _maildir(tmp_path / "Maildir", [
        _message(root, "gmail-hard.eml", emails[0]), _message(root, "outlook-hard.eml", emails[1]),
        _message(root, "exchange-legacy.eml", emails[2]), _message(root, "yahoo-mailbox-full.eml", emails[3]),
        _message(root, "arf-complaint.eml", emails[4]), _message(root, "mailto-reply.eml", emails[5]),
        _message(root, "vacation.eml", emails[6]), (FIXTURES / "human-reply.eml").read_bytes(), forged])
    before = _snapshot(folder)

    dry = _run(root, "bounces", str(folder), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "Dry run" in dry.stdout and "would be marked bounced" in dry.stdout
    assert {s.status for s in _people(root).values()} == {"active"}
    assert _events(root) == []

    real = _run(root, "bounces", str(folder))
    assert real.returncode == 0, real.stderr
    status = {e: s.status for e, s in _people(root).items()}
    assert [status[e] for e in emails[:7]] == ["bounced", "bounced", "bounced", "active",
                                               "unsubscribed", "unsubscribed", "active"]
    assert "3 hard bounce, 1 soft bounce, 1 complaint, 1 unsubscribe by email, 3 not recognised" in real.stdout
    assert "left in the mailbox untouched" in real.stdout
    assert _snapshot(folder) == before                  # nothing moved, flagged or deleted
    with SubscriberStore(database_path(load_config(root))) as store:
        assert store.history(emails[4])[-1].reason == "complaint"
        assert store.history(emails[5])[-1].reason == "mailto"
        assert "5.1.1" in store.history(emails[0])[-1].detail
    kinds = sorted((kind, email) for kind, email, _ in _events(root))
    assert ("hard", emails[0]) in kinds and ("unrecognised", "") in kinds and len(kinds) == 9
    assert {issue for kind, email, issue in _events(root) if kind == "hard" and email == emails[0]} == {"2026-11"}

    again = _run(root, "bounces", str(folder))
    assert again.returncode == 0 and "0 new message(s)" in again.stdout and "9 seen in an earlier run" in again.stdout


def test_soft_bounces_count_once_a_day_and_mark_at_the_limit(people, tmp_path):
    root, emails = people
    config = load_config(root)
    days = ["Mon, 16 Nov 2026 10:00:00 +0000", "Mon, 16 Nov 2026 18:00:00 +0000",   # same day: once
            "Thu, 19 Nov 2026 10:00:00 +0000", "Sun, 01 Nov 2020 10:00:00 +0000"]   # last: out of window
    folder = _maildir(tmp_path / "soft", [_message(root, "yahoo-mailbox-full.eml", emails[0], date=d, n=str(i))
                                          for i, d in enumerate(days)])
    now = lambda: dt.datetime(2026, 11, 24, tzinfo=dt.timezone.utc)  # noqa: E731
    report = process_mailbox(config, str(folder), ENV, now=now)
    assert [d.action.split(" (")[0] for d in report.decisions] == ["counted"] * 4
    assert _people(root)[emails[0]].status == "active"
    third = _maildir(tmp_path / "soft2", [_message(root, "yahoo-mailbox-full.eml", emails[0], n="9",
                                                   date="Sat, 21 Nov 2026 10:00:00 +0000")])
    report = process_mailbox(config, str(third), ENV, now=now)
    assert report.decisions[0].action.startswith("marked bounced (3 of 3 days")
    assert _people(root)[emails[0]].status == "bounced"


def test_an_mbox_works_too_and_an_unsubscribe_is_never_turned_into_a_bounce(people, tmp_path):
    root, emails = people
    with SubscriberStore(database_path(load_config(root))) as store:
        store.unsubscribe(emails[0], "link")
    box = mailbox.mbox(tmp_path / "bounces.mbox", create=True)
    box.add(_message(root, "gmail-hard.eml", emails[0]))
    box.add(_message(root, "outlook-hard.eml", emails[1]))
    box.flush()
    box.close()
    before = (tmp_path / "bounces.mbox").read_bytes()
    report = process_mailbox(load_config(root), str(tmp_path / "bounces.mbox"), ENV)
    assert [d.action for d in report.decisions] == ["no change (already unsubscribed)", "marked bounced"]
    assert (tmp_path / "bounces.mbox").read_bytes() == before
    assert _people(root)[emails[0]].status == "unsubscribed"


def test_a_missing_mailbox_is_a_plain_error(people, tmp_path):
    root, _ = people
    result = _run(root, "bounces", str(tmp_path / "nowhere"))
    assert result.returncode == 2 and "no such Maildir folder or mbox file" in result.stderr
    assert "Traceback" not in result.stderr


def _events(root: Path) -> list[tuple[str, str, str]]:
    db = sqlite3.connect(database_path(load_config(root)))
    try:
        return db.execute("SELECT kind, email, issue FROM mail_events ORDER BY id").fetchall()
    finally:
        db.close()
