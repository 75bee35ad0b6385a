"""`kill -9` in the middle of `newsletter send`, then the same command again: nobody lost,
nobody who was marked sent gets a second copy, at most --connections × the ledger batch
duplicates, all listed."""
from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest

from newsletter.mailing.send import SEND_BATCH
from tests.conftest import NEWSLETTER, SAMPLE_ISSUE
from tests.test_send_support import (  # noqa: F401
    ENV,
    built_template,
    sending_project,
    smtp_server,
    write_subscribers,
)

pytestmark = pytest.mark.slow
CONNECTIONS = 3


def _command(url: str) -> list[str]:
    return [*NEWSLETTER, "send", SAMPLE_ISSUE, "--smtp", url,
            "--connections", str(CONNECTIONS), "--yes"]


def _env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSLETTER_")}
    return env | ENV | {"COLUMNS": "200"}


def test_sigkill_mid_run_then_resume(sending_project, smtp_server):
    server, url = smtp_server
    rows = write_subscribers(sending_project, 45)
    server.delay = 0.02   # slow enough that the kill lands mid-run
    process = subprocess.Popen(_command(url), cwd=sending_project, env=_env(),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while len(server.messages) < 12 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL
    before = len(server.messages)
    assert 12 <= before < len(rows), "the kill did not land mid-run"

    time.sleep(0.3)  # let the server finish DATA it had already begun
    server.delay = 0
    resumed = subprocess.run(_command(url), cwd=sending_project, env=_env(),
                             capture_output=True, text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stderr + resumed.stdout
    received = server.recipients()
    assert set(received) == {r["email"] for r in rows}              # nobody lost
    twice = {email for email, n in received.items() if n > 1}
    assert len(twice) <= CONNECTIONS * SEND_BATCH and max(received.values()) <= 2
    for email in twice:                                              # every duplicate is reported
        assert email in resumed.stdout
    assert "took over the send lock" in resumed.stdout              # the killed run's lock

    again = subprocess.run(_command(url), cwd=sending_project, env=_env(),
                           capture_output=True, text=True, timeout=120)
    assert again.returncode == 0 and server.recipients() == received  # sent rows are never resent
    status = subprocess.run([*NEWSLETTER, "status", SAMPLE_ISSUE],
                            cwd=sending_project, env=_env(), capture_output=True, text=True, timeout=60)
    assert status.returncode == 0
    assert sum(int(line.split("│")[3]) for line in status.stdout.splitlines()
               if line.count("│") > 3 and line.split("│")[3].strip().isdigit()) == len(rows)
