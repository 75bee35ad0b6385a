"""The `send` and `status` commands as a volunteer runs them: plain messages, right exit codes."""
from __future__ import annotations

import mailbox
import os
import subprocess

from tests.conftest import NEWSLETTER, SAMPLE_ISSUE
from tests.test_send_support import (  # noqa: F401
    ENV,
    built_template,
    sending_project,
    smtp_server,
    write_subscribers,
)


def _run(root, *args, env=ENV) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith("NEWSLETTER_")}
    return subprocess.run([*NEWSLETTER, *args], cwd=root, capture_output=True,
                          text=True, timeout=120, env=base | env | {"COLUMNS": "200"})


def test_dry_run_lists_recipients_and_counts_without_sending(sending_project):
    write_subscribers(sending_project, 9)
    result = _run(sending_project, "send", SAMPLE_ISSUE, "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "hearts/en\treader000@example.com" in result.stdout and "nothing sent" in result.stdout
    assert not (sending_project / "outbox").exists() and not (sending_project / ".newsletter").exists()


def test_missing_secret_is_a_plain_error(sending_project):
    write_subscribers(sending_project, 3)
    result = _run(sending_project, "send", SAMPLE_ISSUE, env={})
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "NEWSLETTER_UNSUBSCRIBE_SECRET" in result.stderr and not (sending_project / "outbox").exists()


def test_unknown_only_and_password_in_url_are_plain_errors(sending_project):
    write_subscribers(sending_project, 3)
    only = _run(sending_project, "send", SAMPLE_ISSUE, "--only", "hearts/fr")
    assert only.returncode == 2 and "--only: 'hearts/fr' is not an edition" in only.stderr
    leaked = _run(sending_project, "send", SAMPLE_ISSUE, "--smtp", "smtp://me:hunter22@127.0.0.1:1")
    assert leaked.returncode == 2 and "hunter22" not in leaked.stderr + leaked.stdout
    assert "NEWSLETTER_SMTP_PASSWORD" in leaked.stderr


def test_default_send_fills_the_outbox_and_status_reports_it(sending_project):
    write_subscribers(sending_project, 6)
    assert "Nothing has been sent" in _run(sending_project, "status", SAMPLE_ISSUE).stdout
    result = _run(sending_project, "send", SAMPLE_ISSUE, "--yes")
    assert result.returncode == 0, result.stderr
    assert "Maildir outbox" in result.stdout and "Summary" in result.stdout
    assert len(mailbox.Maildir(sending_project / "outbox", create=False)) == 6
    status = _run(sending_project, "status", SAMPLE_ISSUE)
    assert status.returncode == 0 and "hearts/en" in status.stdout


def test_test_to_over_smtp(sending_project, smtp_server):
    server, url = smtp_server
    result = _run(sending_project, "send", SAMPLE_ISSUE, "--smtp", url, "--test-to", "editor@example.org",
                  "--only", "hearts")
    assert result.returncode == 0, result.stderr
    assert server.recipients() == {"editor@example.org": 3}
    bad = _run(sending_project, "send", SAMPLE_ISSUE, "--test-to", "editor at example.org")
    assert bad.returncode == 2 and "is not an email address" in bad.stderr
