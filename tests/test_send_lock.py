"""One sender per issue: two real `newsletter send` processes started together on 1,200
subscribers deliver every address exactly once, and row claims hold even without the lock."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections import Counter

import pytest

from newsletter.mailing.ledger import Ledger, ledger_path
from newsletter.mailing.lock import SendLocked, acquire
from newsletter.project.config import load_config
from tests.conftest import NEWSLETTER, SAMPLE_ISSUE
from tests.test_send_support import (  # noqa: F401
    ENV,
    built_template,
    sending_project,
    smtp_server,
    write_subscribers,
)

COUNT = 1_200


def _env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSLETTER_")}
    return env | ENV | {"COLUMNS": "200"}


def test_two_processes_at_once_send_each_address_exactly_once(sending_project, smtp_server):
    server, url = smtp_server
    rows = write_subscribers(sending_project, COUNT)
    server.delay = 0.003   # the first run must still be sending when the second one starts
    command = [*NEWSLETTER, "send", SAMPLE_ISSUE, "--smtp", url, "--yes",
               "--connections", "2"]
    first, second = (subprocess.Popen(command, cwd=sending_project, env=_env(), stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True) for _ in range(2))
    outputs = [p.communicate(timeout=300) for p in (first, second)]
    codes = sorted(p.returncode for p in (first, second))
    assert server.recipients() == {r["email"]: 1 for r in rows}
    assert codes == [0, 2], outputs
    refused = next(err for (out, err), p in zip(outputs, (first, second)) if p.returncode == 2)
    assert "another `newsletter send` of 2026-11 is running (pid " in refused and "Traceback" not in refused


def test_the_lock_names_its_holder_and_is_free_after_the_holder_dies(tmp_path):
    path = tmp_path / "2026-11.lock"
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys, time
        from newsletter.mailing.lock import acquire
        lock = acquire(__import__("pathlib").Path({str(path)!r}), "2026-11")
        print("held", flush=True)
        time.sleep(60)
        """)], env=_env(), stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(SendLocked, match=f"pid {holder.pid} on "):
            acquire(path, "2026-11")
    finally:
        holder.kill()
        holder.wait(timeout=10)
    with acquire(path, "2026-11") as lock:                       # killed: taken over at once
        assert f"pid {holder.pid}" in lock.taken_over
    with acquire(path, "2026-11") as lock:                       # released cleanly: nothing to report
        assert lock.taken_over == ""


def test_row_claims_are_conditional_even_without_the_lock(sending_project):
    """Two processes claim from the same journal with no lock at all: no row twice."""
    config = load_config(sending_project)
    path = ledger_path(config, "2026-11")
    emails = [f"p{i:04d}@example.com" for i in range(COUNT)]
    with Ledger(path) as ledger:
        ledger.plan({e: "hearts/en" for e in emails}, {"hearts/en"})
    script = textwrap.dedent(f"""
        import sys
        from newsletter.mailing.ledger import Ledger
        emails = [f"p{{i:04d}}@example.com" for i in range({COUNT})]
        with Ledger(__import__("pathlib").Path({str(path)!r})) as ledger:
            for e in emails:
                if ledger.claim(e):
                    print(e)
                    ledger.mark(e, "sent", "250 ok")
        """)
    procs = [subprocess.Popen([sys.executable, "-c", script], env=_env(), stdout=subprocess.PIPE, text=True)
             for _ in range(2)]
    claimed = Counter(line for p in procs for line in p.communicate(timeout=300)[0].split())
    assert claimed == {e: 1 for e in emails}
    assert all(p.returncode == 0 for p in procs)
