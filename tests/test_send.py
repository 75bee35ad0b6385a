"""Sending the sample issue to a real aiosmtpd server on 127.0.0.1 and reading what arrived."""
from __future__ import annotations

import html
import json
import mailbox
import re
from email.header import decode_header, make_header
from email.parser import BytesHeaderParser
from email.policy import compat32
from pathlib import Path

from newsletter.mailing.ledger import Ledger, ledger_path
from newsletter.mailing.send import TEST_PREFIX, Settings, dry_run, load_campaign, send
from newsletter.mailing.subscribers import (
    SubscriberStore,
    database_path,
    edition_language,
)
from newsletter.mailing.tokens import (
    PREFERENCES,
    UNSUBSCRIBE,
    find_token,
    secret_from,
    verify,
    verify_address_token,
)
from newsletter.mailing.transports import MaildirTransport, make_transport
from newsletter.project.config import load_config
from newsletter.text.mime import fill, message_id
from tests.conftest import SAMPLE_ISSUE
from tests.test_send_support import (  # noqa: F401
    ENV,
    built_template,
    parse,
    sending_project,
    smtp_server,
    write_subscribers,
)

ISSUE = "2026-11"


def _send(root: Path, url: str | None, **settings) -> object:
    campaign = load_campaign(root / SAMPLE_ISSUE, Settings(**settings), ENV)
    config = campaign.config
    transport = make_transport(url, root / "outbox", ENV, config.sending.smtp_password_env)
    return send(campaign, transport, Settings(**settings))


def _manifest(root: Path) -> dict:
    data = json.loads((root / "dist" / ISSUE / "manifest.json").read_text(encoding="utf-8"))
    return {e["id"]: e for e in data["editions"]}


def test_every_subscriber_gets_their_edition_once_with_every_header(sending_project, smtp_server):
    server, url = smtp_server
    rows = write_subscribers(sending_project, 18)
    summary = _send(sending_project, url, connections=3)
    assert sum(summary.sent.values()) == 18 and not summary.failed
    assert server.recipients() == {r["email"]: 1 for r in rows}
    config, manifest = load_config(sending_project), _manifest(sending_project)
    by_email = {r["email"]: r for r in rows}
    for mail_from, rcpt, raw in server.messages:
        row = by_email[rcpt]
        edition = manifest[f"{row['sponsor']}/{edition_language(config, row['language'])}"]
        _check_message(config, sending_project, edition, row, mail_from, raw)


def _check_message(config, root: Path, edition: dict, row: dict, mail_from: str, raw: bytes) -> None:
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
    assert b"%%" not in raw
    msg = parse(raw)
    sponsor = config.sponsor(edition["sponsor"])
    secret = secret_from(ENV, config.sending.unsubscribe_secret_env)
    verp = find_token(mail_from, "bounces@news.baybridge.example.org")   # VERP: recipient and issue
    assert verp is not None and verp.issue == ISSUE
    assert verify_address_token(secret, verp, "bounce", row["email"])
    assert msg["Subject"] == edition["subject"]
    if not edition["subject"].isascii():
        assert "=?utf-8?" in _raw_header(raw, "Subject").lower()
    assert msg["From"].addresses[0].display_name == sponsor.sender.name
    assert msg["To"].addresses[0].addr_spec == row["email"]
    assert msg["To"].addresses[0].display_name == row["name"]
    assert len(msg.get_all("To")) == 1 and msg["Date"]
    assert msg["Message-ID"] == message_id(ISSUE, edition["id"], row["email"], "news.baybridge.example.org")
    assert msg["Content-Language"] == ", ".join(edition["languages"])
    assert f"<{sponsor.id}.news.baybridge.example.org>" in msg["List-Id"]
    https, mailto = re.findall(r"<([^>]+)>", msg["List-Unsubscribe"])
    assert https.startswith("https://news.baybridge.example.org/unsubscribe/")
    mailto_address = mailto.removeprefix("mailto:").split("?")[0]
    mailto_token = find_token(mailto_address, config.site.unsubscribe_mailto)
    assert mailto_token is not None and verify_address_token(secret, mailto_token, "mailto", row["email"])
    assert not verify_address_token(secret, mailto_token, "bounce", row["email"])
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert msg.get_content_type() == "multipart/alternative"
    text_part, html_part = msg.get_payload()
    assert (text_part.get_content_type(), html_part.get_content_type()) == ("text/plain", "text/html")
    for part in (text_part, html_part):
        assert part["Content-Transfer-Encoding"] == "quoted-printable"
        assert part.get_content_charset() == "utf-8"
    token = https.rsplit("/", 1)[1]
    with SubscriberStore(database_path(config)) as store:
        assert verify(secret_from(ENV, config.sending.unsubscribe_secret_env), token, row["email"],
                      UNSUBSCRIBE) == "ok"
        assert store.get(int(token.split(".")[0])).email == row["email"]
    preferences = re.search(r"https://news\.baybridge\.example\.org/preferences/(\S+)",
                            text_part.get_content()).group(0)
    assert verify(secret_from(ENV, config.sending.unsubscribe_secret_env), preferences.rsplit("/", 1)[1],
                  row["email"], PREFERENCES) == "ok"
    values = {"name": row["name"], "email": row["email"], "unsubscribe_url": https,
              "view_url": edition["view_url"], "preferences_url": preferences}
    folder = root / "dist" / ISSUE
    text = fill((folder / edition["text"]).read_text(encoding="utf-8"), values)
    assert text_part.get_content().replace("\r\n", "\n") == text.replace("\r\n", "\n")
    escaped = {k: html.escape(v, quote=True) for k, v in values.items()}
    body = fill((folder / edition["html"]).read_text(encoding="utf-8"), escaped)
    assert html_part.get_content().replace("\r\n", "\n") == body.replace("\r\n", "\n")
    assert html.escape(row["name"]) in html_part.get_content()


def _raw_header(raw: bytes, name: str) -> str:
    """The header as sent (still encoded and folded), via the compat32 parser."""
    return BytesHeaderParser(policy=compat32).parsebytes(raw)[name]


def test_a_second_run_sends_nothing_and_status_counts_match(sending_project, smtp_server):
    server, url = smtp_server
    write_subscribers(sending_project, 9)
    _send(sending_project, url)
    again = _send(sending_project, url)
    assert len(server.messages) == 9
    assert sum(again.sent.values()) == 0 and sum(again.skipped.values()) == 9
    config = load_config(sending_project)
    with Ledger(ledger_path(config, ISSUE)) as ledger:
        assert sum(c["sent"] for c in ledger.counts().values()) == 9


def test_unsubscribed_and_bounced_are_skipped(sending_project, smtp_server):
    server, url = smtp_server
    rows = write_subscribers(sending_project, 6)
    config = load_config(sending_project)
    with SubscriberStore(database_path(config)) as store:
        store.unsubscribe(rows[0]["email"], "admin")
        store.mark_bounced(rows[1]["email"])
    summary = _send(sending_project, url)
    assert set(server.recipients()) == {r["email"] for r in rows[2:]}
    assert sum(summary.skipped.values()) == 2


def test_only_and_dry_run(sending_project, smtp_server):
    server, url = smtp_server
    write_subscribers(sending_project, 18)
    plan = list(dry_run(load_campaign(sending_project / SAMPLE_ISSUE, Settings(), ENV)))
    assert len(plan) == 18 and not server.messages
    assert not ledger_path(load_config(sending_project), ISSUE).exists()
    _send(sending_project, url, only=("hearts/en",))
    assert set(server.recipients()) == {email for edition, email in plan if edition == "hearts/en"}


def test_test_to_sends_every_edition_once_marked_and_unrecorded(sending_project, smtp_server):
    server, url = smtp_server
    campaign = load_campaign(sending_project / SAMPLE_ISSUE, Settings(), {}, test_to="editor@example.org")
    transport = make_transport(url, sending_project / "outbox", {}, "X")
    send(campaign, transport, Settings(), record=False)
    subjects = [parse(raw)["Subject"] for _, _, raw in server.messages]
    assert len(subjects) == 9 and all(s.startswith(TEST_PREFIX) for s in subjects)
    assert set(server.recipients()) == {"editor@example.org"}
    assert not ledger_path(load_config(sending_project), ISSUE).exists()


def test_maildir_outbox_is_the_default(sending_project):
    write_subscribers(sending_project, 4)
    campaign = load_campaign(sending_project / SAMPLE_ISSUE, Settings(), ENV)
    transport = make_transport(None, sending_project / "outbox", ENV, "X")
    assert isinstance(transport, MaildirTransport)
    send(campaign, transport, Settings())
    box = mailbox.Maildir(sending_project / "outbox", create=False)
    recipients = sorted(str(m["To"]).split("<")[-1].rstrip(">") for m in box)
    assert recipients == [f"reader{i:03d}@example.com" for i in range(4)]


def test_rate_limits_hand_overs(sending_project, smtp_server):
    import time
    server, url = smtp_server
    write_subscribers(sending_project, 6)
    started = time.perf_counter()
    _send(sending_project, url, rate=20, connections=3)
    assert time.perf_counter() - started >= 5 / 20 * 0.9
    assert len(server.messages) == 6


def test_subject_header_is_rfc2047_for_chinese(sending_project, smtp_server):
    server, url = smtp_server
    write_subscribers(sending_project, 2)
    _send(sending_project, url)
    zh = [raw for _, _, raw in server.messages if b"Content-Language: zh-Hans\r\n" in raw][0]
    decoded = str(make_header(decode_header(_raw_header(zh, "Subject"))))
    assert decoded == parse(zh)["Subject"] and not decoded.isascii()
