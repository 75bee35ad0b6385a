"""`newsletter serve` over real HTTP on 127.0.0.1: uvicorn in a thread, urllib as the client."""
from __future__ import annotations

import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import uvicorn

from newsletter.mailing.send import Settings, load_campaign, send
from newsletter.mailing.subscribers import SubscriberStore, database_path
from newsletter.mailing.tokens import make_token, secret_from
from newsletter.mailing.transports import make_transport
from newsletter.project.config import load_config
from newsletter.web.serve import create_app
from tests.conftest import SAMPLE_ISSUE
from tests.test_send_support import (  # noqa: F401
    ENV,
    built_template,
    sending_project,
    smtp_server,
    write_subscribers,
)

ONE_CLICK = b"List-Unsubscribe=One-Click"
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback only, never a proxy


@pytest.fixture
def served(sending_project: Path):
    """The app on an ephemeral 127.0.0.1 port, stopped at the end of the test."""
    rows = write_subscribers(sending_project, 6)
    config = load_config(sending_project)
    secret = secret_from(ENV, config.sending.unsubscribe_secret_env)
    server = uvicorn.Server(uvicorn.Config(create_app(config, secret), host="127.0.0.1", port=0,
                                           log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}", config, secret, rows
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _request(url: str, data: bytes | None = None) -> tuple[int, str]:
    headers = {"Content-Type": "application/x-www-form-urlencoded"} if data is not None else {}
    request = urllib.request.Request(url, data=data, headers=headers, method="POST" if data is not None else "GET")
    try:
        with _OPENER.open(request, timeout=10) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8")


def _status(config, email: str) -> str:
    with SubscriberStore(database_path(config)) as store:
        return next(s.status for s in store.all() if s.email == email)


def _token(config, secret, email: str) -> str:
    with SubscriberStore(database_path(config)) as store:
        subscriber = next(s for s in store.all() if s.email == email)
    return make_token(secret, subscriber.id, subscriber.email)


def test_get_shows_a_bilingual_confirmation_and_changes_nothing(served):
    base, config, secret, rows = served
    email = rows[0]["email"]
    status, page = _request(f"{base}/unsubscribe/{_token(config, secret, email)}")
    assert status == 200
    assert "Stop sending the newsletter" in page and "确定不再向" in page
    assert 'method="post"' in page and "re****" in page and email not in page
    assert _status(config, email) == "active"


def test_one_click_post_unsubscribes_and_replay_is_idempotent(served):
    base, config, secret, rows = served
    email = rows[1]["email"]
    url = f"{base}/unsubscribe/{_token(config, secret, email)}"
    first, page = _request(url, ONE_CLICK)
    assert first == 200 and "no more newsletters" in page and "不会再收到" in page
    assert _status(config, email) == "unsubscribed"
    replay, _ = _request(url, ONE_CLICK)
    assert replay == 200 and _status(config, email) == "unsubscribed"
    with SubscriberStore(database_path(config)) as store:
        assert store.db.execute("SELECT COUNT(*) FROM unsubscribes").fetchone()[0] == 1
    again, page = _request(url)
    assert again == 200 and "no more newsletters" in page


def test_forged_and_altered_tokens_are_rejected(served):
    base, config, secret, rows = served
    target = rows[2]["email"]
    good = _token(config, secret, target)
    forged = make_token(b"not-the-real-secret-at-all", int(good.split("-")[0]), target)
    other = _token(config, secret, rows[3]["email"])
    swapped = f"{good.split('-')[0]}-{other.split('-')[1]}"
    for token in (forged, swapped, "1-AAAAAAAAAAAAAAAAAAAAAA", "garbage", "99999-" + good.split("-")[1]):
        status, page = _request(f"{base}/unsubscribe/{token}", ONE_CLICK)
        assert status == 400 and "not valid" in page and "无效" in page
    assert {_status(config, r["email"]) for r in rows} == {"active"}


def test_later_sends_skip_an_address_unsubscribed_through_the_link(served, smtp_server):
    base, config, secret, rows = served
    server, url = smtp_server
    campaign = load_campaign(config.root / SAMPLE_ISSUE, Settings(), ENV)
    unsubscribe_url = next(j.recipient.unsubscribe_url for j in campaign.jobs
                           if j.recipient.email == rows[4]["email"])
    token = unsubscribe_url.rsplit("/", 1)[1]
    assert _request(f"{base}/unsubscribe/{token}", ONE_CLICK)[0] == 200
    campaign = load_campaign(config.root / SAMPLE_ISSUE, Settings(), ENV)
    send(campaign, make_transport(url, config.root / "outbox", ENV, "X"), Settings())
    assert set(server.recipients()) == {r["email"] for r in rows} - {rows[4]["email"]}


def test_serves_the_web_archive_at_the_view_in_browser_paths(served):
    base, config, *_ = served
    campaign = load_campaign(config.root / SAMPLE_ISSUE, Settings(), ENV)
    for view_url in {j.recipient.view_url for j in campaign.jobs}:
        path = urllib.parse.urlsplit(view_url).path
        status, page = _request(f"{base}{path}")
        assert status == 200 and "<html" in page.lower(), path
