"""The mailboxes `newsletter bounces` reads: a Maildir folder, an mbox file, or an IMAP
folder over TLS. Every one is opened read-only and nothing in it is moved, flagged or
deleted: the record of what was processed lives in the subscriber database instead, so
mail we do not recognise is always left exactly where it was for a person to read.
"""
from __future__ import annotations

import imaplib
import mailbox
import ssl
from collections.abc import Iterator, Mapping
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ...errors import NewsletterError


class MailboxError(NewsletterError):
    """The mailbox cannot be opened or read."""


def messages(where: str, environ: Mapping[str, str], password_env: str) -> Iterator[bytes]:
    """Every message's raw bytes, oldest first where the mailbox keeps an order."""
    if where.startswith("imaps://"):
        yield from _imap(where, environ, password_env)
        return
    path = Path(where)
    if path.is_dir():
        if not all((path / sub).is_dir() for sub in ("cur", "new")):
            raise MailboxError(f"{path} is a folder but not a Maildir (no cur/ and new/ inside); "
                               "give the Maildir folder itself, or an mbox file")
        box = mailbox.Maildir(path, factory=None, create=False)
        for key in sorted(box.keys()):
            yield box.get_bytes(key)
    elif path.is_file():
        box = mailbox.mbox(path, factory=None, create=False)
        for key in box.keys():  # noqa: SIM118  (keys first: get_bytes by key, in file order)
            yield box.get_bytes(key)
    else:
        raise MailboxError(f"{where}: no such Maildir folder or mbox file; give its path, or "
                           "imaps://user@host/folder")


def _imap(url: str, environ: Mapping[str, str], password_env: str) -> Iterator[bytes]:
    """imaps://user@host[:port]/folder[?ca_file=PATH]; read-only SELECT and BODY.PEEK, so
    not even the \\Seen flag changes."""
    parts = urlsplit(url)
    if parts.password is not None:
        raise MailboxError(f"the IMAP address contains a password; remove it and put it in {password_env}")
    if not parts.hostname or not parts.username:
        raise MailboxError(f"{url!r}: write imaps://user@host/folder (e.g. imaps://news@mail.example.org/INBOX)")
    password = environ.get(password_env)
    if not password:
        raise MailboxError(f"set the environment variable {password_env} to the password of {parts.username}")
    query = dict(p.split("=", 1) for p in parts.query.split("&") if "=" in p)
    context = ssl.create_default_context(cafile=unquote(query["ca_file"]) if "ca_file" in query else None)
    folder = unquote(parts.path.lstrip("/")) or "INBOX"
    try:
        client = imaplib.IMAP4_SSL(parts.hostname, parts.port or 993, ssl_context=context, timeout=60)
    except (OSError, ssl.SSLError) as exc:
        raise MailboxError(f"cannot connect to {parts.hostname}: {exc}") from None
    try:
        try:
            client.login(unquote(parts.username), password)
        except imaplib.IMAP4.error:
            raise MailboxError(f"the IMAP server refused the login for {unquote(parts.username)}; "
                               f"check the user name and {password_env}") from None
        status, _ = client.select(_quoted(folder), readonly=True)
        if status != "OK":
            raise MailboxError(f"there is no folder {folder!r} on {parts.hostname}")
        _, data = client.uid("SEARCH", None, "ALL")
        for uid in (data[0] or b"").split():
            _, fetched = client.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = next((item[1] for item in fetched if isinstance(item, tuple)), None)
            if raw:
                yield raw
    finally:
        try:
            client.logout()
        except (imaplib.IMAP4.error, OSError):
            pass


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'
