"""Shared pieces of the subscriber web app tests: the app on a real 127.0.0.1 port, and a
small HTTP client (urllib + a cookie jar) that fills in the CSRF token as a browser would."""
from __future__ import annotations

import datetime as dt
import email
import email.policy
import http.cookiejar
import mailbox
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn

from newsletter.mailing.subscribers import SubscriberStore, database_path
from newsletter.mailing.tokens import PREFERENCES, UNSUBSCRIBE, make_token, secret_from
from newsletter.project.config import Config, load_config
from newsletter.web.app import create_app
from newsletter.web.context import Limits
from newsletter.web.serve import serve_in_thread, server_config
from tests.test_send_support import ENV, write_subscribers

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


class Clock:
    """A clock the test moves by hand."""

    def __init__(self):
        self.now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += dt.timedelta(**delta)


@dataclass
class Reply:
    status: int
    body: str
    headers: dict
    url: str


class Client:
    """One browser: its own cookies; never follows a proxy; follows redirects like a browser."""

    def __init__(self, base: str, language: str | None = None):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}),
                                                  urllib.request.HTTPCookieProcessor(self.jar))
        self.language = language

    def request(self, path: str, data: dict | bytes | None = None, method: str | None = None,
                headers: dict | None = None) -> Reply:
        body = urllib.parse.urlencode(data).encode() if isinstance(data, dict) else data
        headers = dict(headers or {})
        if self.language:
            headers.setdefault("Accept-Language", self.language)
        if body is not None:
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        url = path if path.startswith("http") else self.base + path
        req = urllib.request.Request(url, data=body, headers=headers, method=method)
        try:
            with self.opener.open(req, timeout=20) as response:
                return Reply(response.status, response.read().decode("utf-8"), _lower(response.headers), response.url)
        except urllib.error.HTTPError as error:
            return Reply(error.code, error.read().decode("utf-8"), _lower(error.headers), url)

    def get(self, path: str, **kw) -> Reply:
        return self.request(path, **kw)

    def submit(self, path: str, fields: dict, page: str | None = None) -> Reply:
        """POST a form from `path` (opened first unless its HTML is given), with its CSRF token."""
        html = page if page is not None else self.get(path).body
        token = CSRF.search(html)
        assert token, f"no CSRF field on {path}"
        return self.request(path, {"csrf": token.group(1), **fields})


@dataclass
class Served:
    base: str
    config: Config
    secret: bytes
    rows: list[dict]
    clock: Clock
    root: Path

    def client(self, language: str | None = None) -> Client:
        return Client(self.base, language)

    def person(self, email_address: str):
        with SubscriberStore(database_path(self.config)) as store:
            return store.find(email_address)

    def token(self, email_address: str, purpose: str = UNSUBSCRIBE) -> str:
        person = self.person(email_address)
        return make_token(self.secret, person.id, person.email, purpose, now=self.clock())

    def preferences(self, email_address: str) -> str:
        return f"/preferences/{self.token(email_address, PREFERENCES)}"

    def outbox(self) -> list[email.message.EmailMessage]:
        folder = self.root / self.config.sending.outbox
        if not folder.exists():
            return []
        try:
            return [email.message_from_bytes(m.as_bytes(), policy=email.policy.default)
                    for m in mailbox.Maildir(folder, create=False)]
        except FileNotFoundError:  # the transport is still making new/, cur/ and tmp/: none yet
            return []


def _lower(headers) -> dict:
    return {key.lower(): value for key, value in headers.items()}


def start(app, **options) -> tuple[uvicorn.Server, threading.Thread, str]:
    """The app as `newsletter serve` runs it (same uvicorn settings), on an ephemeral port."""
    return serve_in_thread(server_config(app, "127.0.0.1", 0, **options))


@pytest.fixture
def served(sending_project: Path):
    """The app over the built sample with 6 subscribers, a hand-moved clock and small limits."""
    rows = write_subscribers(sending_project, 6)
    config = load_config(sending_project)
    secret = secret_from(ENV, config.sending.unsubscribe_secret_env)
    clock = Clock()
    app = create_app(config, secret, environ=ENV, clock=clock, limits=Limits(signups="6/hour", posts="30/minute"))
    server, thread, base = start(app)
    try:
        yield Served(base, config, secret, rows, clock, sending_project)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def wait_for_mail(served: Served, count: int, timeout: float = 10) -> list:
    """The confirmation email leaves after the response (a background task)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = served.outbox()
        if len(found) >= count:
            return found
        time.sleep(0.05)
    return served.outbox()
