"""The pre-send gate and recoverable failures, through the real `newsletter send` command:
an issue `check` fails is not sent, a terminal-less run needs --yes, a config typo stops the
run before the first message and the next run after the fix sends everyone, failures on
our side are retried, and `status` says what happened to whom and what comes next."""
from __future__ import annotations

import mailbox

from tests.conftest import SAMPLE_ISSUE, edit
from tests.test_send_cli import _run
from tests.test_send_support import (  # noqa: F401
    ENV,
    built_template,
    sending_project,
    smtp_server,
    write_subscribers,
)

ARTICLE = f"{SAMPLE_ISSUE}/bike-repair-cafe.en.md"


def _outbox(root) -> int:
    folder = root / "outbox"
    return len(mailbox.Maildir(folder, create=False)) if folder.exists() else 0


def test_an_issue_that_check_fails_is_not_sent(sending_project):
    write_subscribers(sending_project, 6)
    edit(sending_project / ARTICLE, "I will be the one", "Meet us at {{ venue }}. I will be the one")
    refused = _run(sending_project, "send", SAMPLE_ISSUE, "--yes")
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "error:" in refused.stdout and "links.placeholder" in refused.stdout
    assert "bike-repair-cafe.en.md:" in refused.stdout and "--ignore" in refused.stdout
    assert _outbox(sending_project) == 0 and not (sending_project / ".newsletter/ledger/2026-11.sqlite").exists()
    dry = _run(sending_project, "send", SAMPLE_ISSUE, "--dry-run")      # dry runs only warn
    assert dry.returncode == 0 and "a real send would refuse" in dry.stdout
    ignored = _run(sending_project, "send", SAMPLE_ISSUE, "--yes", "--ignore", "links.placeholder")
    assert ignored.returncode == 0, ignored.stdout + ignored.stderr
    assert _outbox(sending_project) == 6


def test_without_a_terminal_send_needs_yes_and_shows_what_would_happen(sending_project):
    write_subscribers(sending_project, 4)
    asked = _run(sending_project, "send", SAMPLE_ISSUE)
    assert asked.returncode == 2 and "add --yes" in asked.stderr and _outbox(sending_project) == 0
    assert "About to send 2026-11 through Maildir outbox" in asked.stdout
    assert "first send of this issue" in asked.stdout and "4 message(s) will go out" in asked.stdout
    sent = _run(sending_project, "send", SAMPLE_ISSUE, "--yes")
    assert sent.returncode == 0 and _outbox(sending_project) == 4
    again = _run(sending_project, "send", SAMPLE_ISSUE, "--yes")
    assert "resumes an earlier send" in again.stdout and "0 message(s) will go out" in again.stdout


def test_a_typo_in_unsubscribe_url_stops_before_the_first_message_then_the_fix_sends_all(sending_project):
    rows = write_subscribers(sending_project, 5)
    config = sending_project / "newsletter.toml"
    edit(config, "[site]", '[sending]\nunsubscribe_url = "https://news.baybridge.example.org/un subscribe"\n\n[site]')
    typo = _run(sending_project, "send", SAMPLE_ISSUE, "--yes")
    assert typo.returncode == 2 and "Traceback" not in typo.stderr
    assert "newsletter.toml: sending.unsubscribe_url: " in typo.stderr and "without spaces" in typo.stderr
    assert _outbox(sending_project) == 0
    edit(config, "/un subscribe", "/unsubscribe")
    fixed = _run(sending_project, "send", SAMPLE_ISSUE, "--yes")
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert _outbox(sending_project) == len(rows)


def test_failures_on_our_side_are_retried_next_run_and_refusals_only_on_request(sending_project, smtp_server):
    server, url = smtp_server
    rows = write_subscribers(sending_project, 4)
    server.refuse_sender = "553 5.7.1 sender address not allowed"   # our configuration's fault
    first = _run(sending_project, "send", SAMPLE_ISSUE, "--yes", "--smtp", url)
    assert first.returncode == 1 and server.messages == []
    status = _run(sending_project, "status", SAMPLE_ISSUE)
    assert "553 5.7.1 sender address not allowed" in status.stdout and "retry" in status.stdout
    server.refuse_sender = None
    server.refuse.add(rows[0]["email"])
    second = _run(sending_project, "send", SAMPLE_ISSUE, "--yes", "--smtp", url)
    assert second.returncode == 1
    assert server.recipients() == {r["email"]: 1 for r in rows[1:]}
    status = _run(sending_project, "status", SAMPLE_ISSUE)
    assert rows[0]["email"] in status.stdout and "--retry-failed" in status.stdout
    server.refuse.clear()
    third = _run(sending_project, "send", SAMPLE_ISSUE, "--yes", "--smtp", url)
    assert third.returncode == 0 and rows[0]["email"] not in server.recipients()
    # the refused address was marked bounced; its mailbox works again, so the volunteer says so
    assert _run(sending_project, "subscribers", "set", rows[0]["email"], "--status", "active").returncode == 0
    fourth = _run(sending_project, "send", SAMPLE_ISSUE, "--yes", "--smtp", url, "--retry-failed")
    assert fourth.returncode == 0, fourth.stdout + fourth.stderr
    assert server.recipients() == {r["email"]: 1 for r in rows}


def _on_a_terminal(root, answer: bytes, *args: str):
    """`newsletter send` with a pseudo-terminal as its keyboard, answering `answer`."""
    import os
    import pty
    import subprocess

    from tests.conftest import NEWSLETTER
    master, slave = pty.openpty()
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSLETTER_")}
    process = subprocess.Popen([*NEWSLETTER, "send", SAMPLE_ISSUE, *args], cwd=root,
                               stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=env | ENV | {"COLUMNS": "200"})
    os.close(slave)
    os.write(master, answer)
    try:
        return process.communicate(timeout=180), process.returncode
    finally:
        os.close(master)


def test_on_a_terminal_send_asks_first(sending_project):
    write_subscribers(sending_project, 3)
    (out, _), code = _on_a_terminal(sending_project, b"n\n")
    assert code == 1 and "Send now?" in out and "Nothing sent." in out and _outbox(sending_project) == 0
    (out, err), code = _on_a_terminal(sending_project, b"y\n")
    assert code == 0, out + err
    assert _outbox(sending_project) == 3
