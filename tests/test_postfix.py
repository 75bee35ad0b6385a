"""A real MTA: a private Postfix instance on 127.0.0.1 (an ephemeral port, its own config,
queue and data folders under /tmp) delivers the sample issue to local Maildirs and bounces
an unknown user; the delivered messages are read exactly once each, and the bounce Postfix
writes (and a real mailto unsubscribe reply) go through `newsletter bounces`.

Postfix's daemons run as the `postfix` user, so the instance needs root to start; CI runs
as root and `scripts/test` installs the `postfix` package.
"""
from __future__ import annotations

import mailbox
import os
import pwd
import re
import shutil
import smtplib
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from newsletter.mailing.store import SubscriberStore
from newsletter.mailing.subscribers import database_path
from newsletter.mailing.tokens import find_token, secret_from, verify_address_token
from newsletter.project.config import load_config
from tests.conftest import SAMPLE_ISSUE
from tests.test_send_cli import _run
from tests.test_send_support import (  # noqa: F401
    ENV,
    built_template,
    free_port,
    parse,
    sending_project,
)

pytestmark = pytest.mark.skipif(shutil.which("postfix") is None or os.geteuid() != 0,
                                reason="needs Debian's postfix package and root (CI runs as root)")

READERS = [f"reader{i:03d}@example.com" for i in range(3)]
GONE = "gone@example.com"                      # accepted by SMTP, then bounced: no such mailbox
BOUNCES = "bounces@news.baybridge.example.org"
UNSUBSCRIBE = "unsubscribe@news.baybridge.example.org"


class Postfix:
    """One private Postfix instance; `postconf -c` writes its configuration."""

    def __init__(self):
        self.root = Path(tempfile.mkdtemp(prefix="newsletter-postfix-"))
        self.root.chmod(0o755)        # the postfix user must reach its folders
        self.etc, self.mail = self.root / "etc", self.root / "mail"
        self.port = free_port()
        self.log = self.root / "postfix.log"

    def postconf(self, *args: str) -> None:
        subprocess.run(["postconf", "-c", str(self.etc), *args], check=True, capture_output=True, text=True)

    def configure(self, mailboxes: dict[str, str]) -> None:
        owner = pwd.getpwnam("postfix")
        for folder in (self.etc, self.root / "queue", self.root / "data", self.mail):
            folder.mkdir()
        for folder in (self.root / "data", self.mail):
            os.chown(folder, owner.pw_uid, owner.pw_gid)
        shutil.copy("/etc/postfix/master.cf", self.etc / "master.cf")
        (self.etc / "main.cf").write_text("", encoding="utf-8")
        (self.etc / "mailboxes").write_text("".join(f"{a} {m}\n" for a, m in mailboxes.items()), encoding="utf-8")
        self.postconf("-e", "compatibility_level = 3.6", f"queue_directory = {self.root / 'queue'}",
                      f"data_directory = {self.root / 'data'}", "mail_owner = postfix", "setgid_group = postdrop",
                      "myhostname = mta.test", "mydestination =", "inet_interfaces = 127.0.0.1",
                      "inet_protocols = ipv4", "mynetworks = 127.0.0.0/8",
                      f"maillog_file_prefixes = {self.root}", f"maillog_file = {self.log}",
                      "recipient_delimiter = +",
                      f"virtual_mailbox_domains = example.com, {BOUNCES.split('@')[1]}",
                      f"virtual_mailbox_base = {self.mail}",
                      f"virtual_mailbox_maps = texthash:{self.etc / 'mailboxes'}",
                      f"virtual_uid_maps = static:{owner.pw_uid}", f"virtual_gid_maps = static:{owner.pw_gid}",
                      "smtpd_reject_unlisted_recipient = no")   # accept, then bounce: a real DSN
        self.postconf("-F", "*/*/chroot = n")
        self.postconf("-M#", "smtp/inet")
        self.postconf("-M", f"127.0.0.1:{self.port}/inet = 127.0.0.1:{self.port} inet n - n - - smtpd")

    def start(self) -> None:
        started = subprocess.run(["postfix", "-c", str(self.etc), "start"], capture_output=True, text=True)
        assert started.returncode == 0, started.stderr + self.logs()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=2) as sock:
                    if sock.recv(100).startswith(b"220"):
                        return
            except OSError:
                time.sleep(0.1)
        raise AssertionError("Postfix did not answer\n" + self.logs())

    def stop(self) -> None:
        subprocess.run(["postfix", "-c", str(self.etc), "stop"], capture_output=True, text=True)
        pid_file = self.root / "queue" / "pid" / "master.pid"
        deadline = time.monotonic() + 20
        while pid_file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        shutil.rmtree(self.root, ignore_errors=True)

    def logs(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else "(no log)"

    def wait_for(self, folders: list[str], timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(len(self.box(f)) >= 1 for f in folders):
                return
            time.sleep(0.2)
        raise AssertionError(f"nothing delivered to {folders}\n{self.logs()}")

    def box(self, folder: str) -> mailbox.Maildir:
        path = self.mail / folder
        return mailbox.Maildir(path, create=False) if (path / "new").is_dir() else {}


@pytest.fixture
def postfix():
    server = Postfix()
    mailboxes = {a: f"{a.split('@')[0]}/" for a in READERS} | {BOUNCES: "bounces/", UNSUBSCRIBE: "unsubscribe/"}
    server.configure(mailboxes)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_postfix_delivers_each_message_once_and_its_bounce_is_processed(sending_project, postfix):
    people = READERS + [GONE]
    lines = ["email,name,language,sponsor"] + [f"{a},Reader {i},{('en', 'zh-Hans', 'both', 'en')[i]},hearts"
                                               for i, a in enumerate(people)]
    (sending_project / "people.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert _run(sending_project, "subscribers", "import", "people.csv").returncode == 0

    sent = _run(sending_project, "send", SAMPLE_ISSUE, "--smtp", f"smtp://127.0.0.1:{postfix.port}", "--yes")
    assert sent.returncode == 0, sent.stdout + sent.stderr + postfix.logs()
    postfix.wait_for([a.split("@")[0] for a in READERS] + ["bounces"])
    time.sleep(1)   # let any (wrong) second copy arrive before counting

    secret = secret_from(ENV, "NEWSLETTER_UNSUBSCRIBE_SECRET")
    manifest_subjects = {e["sponsor"] + "/" + e["language"]: e["subject"] for e in _manifest(sending_project)}
    first_mailto = None
    for i, address in enumerate(READERS):
        (message,) = list(postfix.box(address.split("@")[0]))               # exactly one copy each
        msg = parse(message.as_bytes())
        edition = f"hearts/{('en', 'zh-Hans', 'zh-Hans+en')[i]}"
        assert msg["Subject"] == manifest_subjects[edition]
        assert msg["Delivered-To"] == address and msg["To"].addresses[0].addr_spec == address
        verp = find_token(msg["Return-Path"].strip("<>"), BOUNCES)           # the envelope sender
        assert verp and verp.issue == "2026-11" and verify_address_token(secret, verp, "bounce", address)
        assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        text, html = msg.get_body(("plain",)).get_content(), msg.get_body(("html",)).get_content()
        assert f"Reader {i}" in text and f"Reader {i}" in html and "%%" not in text + html
        assert "<html" in html and ("View in browser" in html or "在浏览器中查看" in html)
        # <https://…>, <mailto:…>: read the mailto by its brackets (Python 3.13's strict
        # getaddresses refuses the https part, so it cannot be parsed as an address list)
        mailto = re.findall(r"<mailto:([^>]+)>", msg["List-Unsubscribe"])
        first_mailto = first_mailto or mailto[0].split("?")[0]

    (bounce,) = list(postfix.box("bounces"))
    assert bounce.get_content_type() == "multipart/report"
    # a reader answers the List-Unsubscribe mailto, through the same Postfix
    with smtplib.SMTP("127.0.0.1", postfix.port, timeout=30) as client:
        client.sendmail(READERS[0], [first_mailto], f"From: {READERS[0]}\r\nTo: {first_mailto}\r\n"
                        "Subject: unsubscribe\r\n\r\nunsubscribe\r\n".encode("ascii"))
    postfix.wait_for(["unsubscribe"])

    processed = _run(sending_project, "bounces", str(postfix.mail / "bounces"))
    assert processed.returncode == 0, processed.stderr
    assert "1 hard bounce" in processed.stdout and GONE in processed.stdout
    replies = _run(sending_project, "bounces", str(postfix.mail / "unsubscribe"))
    assert replies.returncode == 0 and "1 unsubscribe by email" in replies.stdout
    with SubscriberStore(database_path(load_config(sending_project))) as store:
        status = {s.email: s.status for s in store.all()}
        assert "5.1.1" in store.history(GONE)[-1].detail
    assert status == {READERS[0]: "unsubscribed", READERS[1]: "active", READERS[2]: "active", GONE: "bounced"}
    assert len(postfix.box("bounces")) == 1 and len(postfix.box("unsubscribe")) == 1   # left in place


def _manifest(root: Path) -> list[dict]:
    import json
    return json.loads((root / "dist/2026-11/manifest.json").read_text(encoding="utf-8"))["editions"]
