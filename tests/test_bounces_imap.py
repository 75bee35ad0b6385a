"""`newsletter bounces imaps://…` against a real IMAP server: a private Dovecot on
127.0.0.1 (an ephemeral port, TLS with a throwaway CA, its own folders under /tmp).
The folder is opened read-only: no message is flagged, moved or deleted."""
from __future__ import annotations

import mailbox
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from tests.test_bounces import _message, _people
from tests.test_send_cli import _run
from tests.test_send_support import (  # noqa: F401
    ENV,
    built_template,
    free_port,
    sending_project,
    write_subscribers,
)
from tests.test_send_tls import _certificates

pytestmark = pytest.mark.skipif(shutil.which("dovecot") is None or os.geteuid() != 0,
                                reason="needs Debian's dovecot-imapd and root (CI runs as root)")
PASSWORD = "imap-test-password-42"


@pytest.fixture
def dovecot():
    root = Path(tempfile.mkdtemp(prefix="newsletter-dovecot-"))
    root.chmod(0o755)
    owner = pwd.getpwnam("dovenull")
    ca, cert, key = _certificates(root)
    mail = root / "mail" / "news"
    mail.parent.mkdir()
    mailbox.Maildir(mail, create=True)
    (root / "users").write_text(f"news:{{PLAIN}}{PASSWORD}\n", encoding="utf-8")
    port = free_port()
    (root / "dovecot.conf").write_text(f"""
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = required
ssl_cert = <{cert}
ssl_key = <{key}
disable_plaintext_auth = yes
auth_mechanisms = plain
first_valid_uid = {owner.pw_uid}
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid={owner.pw_uid} gid={owner.pw_gid} home={root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    port = 0
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {port}
    ssl = yes
  }}
}}
""", encoding="utf-8")
    server = subprocess.Popen(["dovecot", "-F", "-c", str(root / "dovecot.conf")],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        _wait(port, server, root)
        yield {"url": f"imaps://news@127.0.0.1:{port}/INBOX?ca_file={ca}", "maildir": mail,
               "owner": owner, "root": root}
    finally:
        server.terminate()
        server.wait(timeout=20)
        shutil.rmtree(root, ignore_errors=True)


def _wait(port: int, server: subprocess.Popen, root: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and server.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    log = (root / "dovecot.log").read_text(errors="replace") if (root / "dovecot.log").exists() else ""
    raise AssertionError(f"Dovecot did not start: {server.poll()} {log}")


def test_an_imap_folder_is_read_without_changing_it(sending_project, dovecot):
    rows = write_subscribers(sending_project, 4)
    emails = [r["email"] for r in rows]
    box = mailbox.Maildir(dovecot["maildir"], create=False)
    for raw in (_message(sending_project, "gmail-hard.eml", emails[0]),
                _message(sending_project, "mailto-reply.eml", emails[1]),
                _message(sending_project, "vacation.eml", emails[2])):
        box.add(raw)
    for path in dovecot["root"].joinpath("mail").rglob("*"):
        os.chown(path, dovecot["owner"].pw_uid, dovecot["owner"].pw_gid)
    bodies = sorted(box.get_bytes(k) for k in box.keys())  # noqa: SIM118

    env = ENV | {"NEWSLETTER_IMAP_PASSWORD": PASSWORD}
    wrong = _run(sending_project, "bounces", dovecot["url"], env=ENV | {"NEWSLETTER_IMAP_PASSWORD": "nope"})
    assert wrong.returncode == 2 and "refused the login for news" in wrong.stderr and "nope" not in wrong.stderr
    result = _run(sending_project, "bounces", dovecot["url"], env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 hard bounce" in result.stdout and "1 unsubscribe by email" in result.stdout
    assert "1 not recognised" in result.stdout
    status = {e: s.status for e, s in _people(sending_project).items()}
    assert (status[emails[0]], status[emails[1]], status[emails[2]]) == ("bounced", "unsubscribed", "active")
    box = mailbox.Maildir(dovecot["maildir"], create=False)
    assert sorted(box.get_bytes(k) for k in box.keys()) == bodies          # nothing deleted  # noqa: SIM118
    assert all("S" not in box.get_message(k).get_flags() for k in box.keys())   # not even \\Seen  # noqa: SIM118
