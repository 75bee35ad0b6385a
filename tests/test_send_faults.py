"""A misbehaving SMTP server: hang-ups, temporary refusals, a refused address, a wrong password."""
from __future__ import annotations

import pytest

from newsletter.mailing.ledger import Ledger, ledger_path
from newsletter.mailing.send import Settings, load_campaign, send
from newsletter.mailing.subscribers import SubscriberStore, database_path
from newsletter.mailing.transports import TransportError, make_transport, parse_smtp_url
from newsletter.project.config import load_config
from tests.conftest import SAMPLE_ISSUE
from tests.test_send_support import (  # noqa: F401
    ENV,
    built_template,
    sending_project,
    smtp_server,
    write_subscribers,
)

FAST = dict(retry_delay=0.01, max_attempts=4)


def _send(root, url, **settings):
    campaign = load_campaign(root / SAMPLE_ISSUE, Settings(**settings), ENV)
    return send(campaign, make_transport(url, root / "outbox", ENV, "X"), Settings(**settings))


def _states(root) -> dict[str, str]:
    with Ledger(ledger_path(load_config(root), "2026-11")) as ledger:
        return {e.email: e.state for e in ledger.entries()}


def test_connection_dropped_mid_batch_is_retried_without_loss(sending_project, smtp_server):
    server, url = smtp_server
    rows = write_subscribers(sending_project, 12)
    server.drop_after = 5
    summary = _send(sending_project, url, connections=2, **FAST)
    assert server.recipients() == {r["email"]: 1 for r in rows}
    assert sum(summary.sent.values()) == 12 and server.connections >= 3


def test_421_and_451_then_recovery(sending_project, smtp_server):
    server, url = smtp_server
    rows = write_subscribers(sending_project, 8)
    server.defer_data = ["421 4.3.2 too busy, come back later", "451 4.3.0 temporary problem",
                         "451 4.3.0 temporary problem"]
    summary = _send(sending_project, url, connections=1, **FAST)
    assert server.recipients() == {r["email"]: 1 for r in rows}
    assert not summary.failed and not summary.deferred
    assert set(_states(sending_project).values()) == {"sent"}


def test_temporary_failures_beyond_the_limit_are_deferred_and_retried_next_run(sending_project, smtp_server):
    server, url = smtp_server
    rows = write_subscribers(sending_project, 3)
    server.defer_data = ["451 4.3.0 greylisted"] * 4
    first = _send(sending_project, url, connections=1, **FAST)
    assert sum(first.deferred.values()) == 1
    deferred = [e for e, s in _states(sending_project).items() if s == "deferred"]
    assert len(deferred) == 1
    second = _send(sending_project, url, connections=1, **FAST)
    assert sum(second.sent.values()) == 1
    assert server.recipients() == {r["email"]: 1 for r in rows}


def test_550_for_one_address_is_recorded_and_not_retried(sending_project, smtp_server):
    server, url = smtp_server
    rows = write_subscribers(sending_project, 6)
    refused = rows[2]["email"]
    server.refuse.add(refused)
    summary = _send(sending_project, url, connections=2, **FAST)
    assert sum(summary.failed.values()) == 1
    assert summary.failures[0][1] == refused and summary.failures[0][2].startswith("550")
    assert set(server.recipients()) == {r["email"] for r in rows} - {refused}
    assert _states(sending_project)[refused] == "failed"
    with Ledger(ledger_path(load_config(sending_project), "2026-11")) as ledger:
        assert [e.reply for e in ledger.entries(("failed",))] == ["550 5.1.1 mailbox unavailable"]
    with SubscriberStore(database_path(load_config(sending_project))) as store:
        assert {s.email for s in store.all(status="bounced")} == {refused}
    server.refuse.clear()
    again = _send(sending_project, url, **FAST)
    assert sum(again.sent.values()) == 0 and refused not in server.recipients()


def test_auth_is_never_sent_without_tls(sending_project):
    """A server that offers AUTH but no STARTTLS (aiosmtpd, plain TCP): the run stops before
    any credential is sent, the rows stay pending, and the one-line error says why."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    from tests.test_send_support import Recorder, free_port
    write_subscribers(sending_project, 3)
    attempts = []

    def authenticator(*args):
        attempts.append(args)
        return AuthResult(success=True, handled=False)

    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port(), auth_require_tls=False,
                            authenticator=authenticator)
    controller.start()
    try:
        url = f"smtp://volunteer@127.0.0.1:{controller.port}"
        env = dict(ENV, NEWSLETTER_SMTP_PASSWORD="the-password")
        campaign = load_campaign(sending_project / SAMPLE_ISSUE, Settings(), env)
        transport = make_transport(url, sending_project / "outbox", env, "NEWSLETTER_SMTP_PASSWORD")
        with pytest.raises(TransportError) as caught:
            send(campaign, transport, Settings())
    finally:
        controller.stop()
    message = str(caught.value)
    assert "offers no STARTTLS" in message and "unencrypted" in message and "the-password" not in message
    assert attempts == [] and recorder.messages == []
    assert set(_states(sending_project).values()) == {"pending"}


def test_smtp_without_a_user_still_works_in_plain_text(sending_project, smtp_server):
    server, url = smtp_server
    rows = write_subscribers(sending_project, 2)
    assert url.startswith("smtp://127.0.0.1:")
    _send(sending_project, url, **FAST)
    assert server.recipients() == {r["email"]: 1 for r in rows}


def test_smtp_urls_never_carry_a_password():
    with pytest.raises(TransportError, match="environment variable PW"):
        parse_smtp_url("smtp://me:secret@mail.example.org", {}, "PW")
    with pytest.raises(TransportError, match="set the environment variable PW"):
        parse_smtp_url("smtps://me@mail.example.org", {}, "PW")
    settings = parse_smtp_url("smtps://me@mail.example.org", {"PW": "hunter22"}, "PW")
    assert (settings.port, settings.use_tls, settings.password) == (465, True, "hunter22")
    assert "hunter22" not in repr(settings) and "hunter22" not in settings.description
    starttls = parse_smtp_url("smtp+starttls://mail.example.org", {}, "PW")
    assert (starttls.port, starttls.start_tls) == (587, True)


def test_a_reply_lost_after_the_final_dot_is_listed_as_possibly_twice(sending_project, smtp_server):
    server, url = smtp_server
    rows = write_subscribers(sending_project, 5)
    server.lose_reply_after = 2
    summary = _send(sending_project, url, connections=1, **FAST)
    received = server.recipients()
    twice = [email for email, n in received.items() if n == 2]
    assert len(twice) == 1 and set(received) == {r["email"] for r in rows}
    assert [email for _, email in summary.possibly_twice] == twice
    assert sum(summary.sent.values()) == 5
