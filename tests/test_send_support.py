"""Shared pieces of the sending tests: a built sample project, subscribers, a real SMTP server.

The SMTP server is aiosmtpd's `Controller` on 127.0.0.1 with a handler that records every
message and can be told to refuse, defer, or hang up, the way real servers misbehave.
"""
from __future__ import annotations

import asyncio
import email
import email.policy
import shutil
import socket
import threading
from collections import Counter
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from newsletter.mailing.subscribers import SubscriberStore, database_path, import_csv
from newsletter.project.config import load_config
from tests.conftest import SAMPLE_ISSUE, copy_project

SECRET = "test-secret-0123456789-abcdefghij"
ENV = {"NEWSLETTER_UNSUBSCRIBE_SECRET": SECRET}
NAMES = ["林薇", "Bob O'Brien", "陈美玲 (Meiling)", "Ana", "王小明"]
LANGUAGES = ["en", "zh-Hans", "both"]
SPONSORS = ["hearts", "mhwx", "svwomen"]


@pytest.fixture(scope="session")
def built_template(tmp_path_factory) -> Path:
    """The sample project, built once per test session."""
    from newsletter.build.pipeline import build
    root = copy_project(tmp_path_factory.mktemp("sendbase") / "project")
    build(root / SAMPLE_ISSUE, environ={})
    return root


@pytest.fixture
def sending_project(built_template: Path, tmp_path: Path) -> Path:
    """A private, already built copy: each test has its own subscribers, ledger and outbox."""
    target = tmp_path / "project"
    shutil.copytree(built_template, target)
    return target


def write_subscribers(root: Path, count: int, extra: str = "") -> list[dict]:
    """`count` subscribers spread over every sponsor and language, imported from CSV."""
    rows = [{"email": f"reader{i:03d}@example.com", "name": NAMES[i % len(NAMES)],
             "language": LANGUAGES[i % len(LANGUAGES)], "sponsor": SPONSORS[(i // 3) % len(SPONSORS)]}
            for i in range(count)]
    lines = ["email,name,language,sponsor"]
    lines += [f'{r["email"]},"{r["name"]}",{r["language"]},{r["sponsor"]}' for r in rows]
    path = root / "subscribers.csv"
    path.write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
    config = load_config(root)
    with SubscriberStore(database_path(config)) as store:
        import_csv(config, store, path)
    return rows


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Recorder:
    """aiosmtpd handler: records accepted messages; faults are switched on per test."""

    def __init__(self):
        self.messages: list[tuple[str, str, bytes]] = []   # (mail from, rcpt, raw)
        self.refuse: set[str] = set()          # RCPT answered 550
        self.defer_data: list[str] = []        # replies for the next DATA commands, e.g. 451
        self.drop_after: int | None = None     # hang up instead of accepting message N+1
        self.delay = 0.0
        self.refuse_sender: str | None = None  # MAIL FROM answered with this reply
        self.lose_reply_after: int | None = None  # keep message N+1, then hang up before the 250
        self.connections = 0
        self.lock = threading.Lock()

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.refuse_sender:
            return self.refuse_sender
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.defer_data:
            return self.defer_data.pop(0)
        if self.drop_after is not None and len(self.messages) >= self.drop_after:
            self.drop_after = None
            server.transport.close()
            return "421 4.4.2 connection dropped"
        with self.lock:
            for rcpt in envelope.rcpt_tos:
                self.messages.append((envelope.mail_from, rcpt, envelope.original_content))
        if self.lose_reply_after is not None and len(self.messages) > self.lose_reply_after:
            self.lose_reply_after = None
            server.transport.abort()   # the message is delivered; its 250 never leaves
        return "250 2.0.0 accepted"

    def recipients(self) -> Counter:
        return Counter(rcpt for _, rcpt, _ in self.messages)


@pytest.fixture
def smtp_server():
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield recorder, f"smtp://127.0.0.1:{controller.port}"
    finally:
        controller.stop()


def parse(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)
