"""Where messages go: the side-effect boundary of sending.

Two real transports share one small interface (connect → send → close): a Maildir outbox,
the default, so a volunteer can try a whole campaign and open it in any mail client
without a server; and SMTP (smtp://, smtp+starttls://, smtps://) through the standard library's smtplib.
Server replies are sorted here into temporary (retry later) and permanent (give up), so
the send loop never looks at SMTP codes itself. The password only ever comes from an
environment variable and is never part of a description or a log line.
"""
from __future__ import annotations

import asyncio
import mailbox
import smtplib
import ssl
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

from ..errors import NewsletterError

_SCHEMES = {"smtp": (587, False, None), "smtp+starttls": (587, False, True), "smtps": (465, True, False)}


class TemporaryFailure(Exception):
    """4xx reply or a dropped connection: the same message may go through later.

    `maybe_delivered`: the connection broke after the message itself was sent and before
    the server's reply, so the server may have taken it; a retry can make a second copy.
    """

    def __init__(self, reply: str, maybe_delivered: bool = False):
        super().__init__(reply)
        self.maybe_delivered = maybe_delivered


class PermanentFailure(Exception):
    """5xx reply: sending again will not help. `refused` means the address itself was refused."""

    def __init__(self, reply: str, refused: bool = False):
        super().__init__(reply)
        self.refused = refused


class TransportError(NewsletterError):
    """Nothing can be sent at all (wrong password, bad URL): stop the whole run."""


class Connection(Protocol):
    async def send(self, sender: str, recipient: str, data: bytes) -> str: ...
    async def close(self) -> None: ...


class Transport(Protocol):
    description: str

    async def connect(self) -> Connection: ...


class MaildirTransport:
    """Each message becomes one file in `outbox/new`, written atomically by mailbox.Maildir."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.description = f"Maildir outbox {folder}"

    async def connect(self) -> MaildirTransport:
        return self

    async def send(self, sender: str, recipient: str, data: bytes) -> str:
        """Stored as a delivery agent would: Return-Path and Delivered-To say the envelope."""
        envelope = f"Return-Path: <{sender}>\r\nDelivered-To: {recipient}\r\n".encode("ascii")
        key = mailbox.Maildir(self.folder, create=True).add(envelope + data)
        return f"saved as {key}"

    async def close(self) -> None:
        return None


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    use_tls: bool
    start_tls: bool | None
    username: str | None
    password: str | None = dataclass_field(default=None, repr=False)
    ca_file: str | None = None
    timeout: float = 60

    @property
    def description(self) -> str:
        scheme = "smtps" if self.use_tls else ("smtp+starttls" if self.start_tls else "smtp")
        user = f"{self.username}@" if self.username else ""
        return f"{scheme}://{user}{self.host}:{self.port}"


def parse_smtp_url(url: str, environ: Mapping[str, str], password_env: str) -> SmtpSettings:
    """smtp[s]://[user@]host[:port][?ca_file=PATH]; the password comes from `password_env`."""
    parts = urlsplit(url)
    if parts.scheme not in _SCHEMES or not parts.hostname:
        raise TransportError(f"{url!r} is not an SMTP address; write smtp://host:587, "
                             "smtp+starttls://user@host:587 or smtps://user@host:465")
    if parts.password is not None:
        raise TransportError("the SMTP address contains a password; remove it from the address and "
                             f"put it in the environment variable {password_env} instead")
    port, use_tls, start_tls = _SCHEMES[parts.scheme]
    if parts.username and not use_tls:
        start_tls = True   # a password never travels before TLS: STARTTLS or stop
    try:
        port = parts.port or port
    except ValueError:
        raise TransportError(f"the port in {url!r} is not a number") from None
    username = unquote(parts.username) if parts.username else None
    password = environ.get(password_env) if username else None
    if username and not password:
        raise TransportError(f"the SMTP server needs a password for {username}; "
                             f"set the environment variable {password_env}")
    query = dict(p.split("=", 1) for p in parts.query.split("&") if "=" in p)
    return SmtpSettings(parts.hostname, port, use_tls, start_tls, username, password,
                        unquote(query["ca_file"]) if "ca_file" in query else None)


class SmtpTransport:
    """SMTP through the standard library's smtplib, one thread per connection.

    Why not an asyncio client: our messages leave PreparedEdition with CRLF line ends
    already, so dot-stuffing is one `bytes.replace`. aiosmtplib (and smtplib's own `data()`)
    normalise line ends and dot-stuff every ~100 KB message with regular expressions, which
    cost more client CPU per message than everything else in a send together
    (benchmarks/send.py). smtplib's public `docmd`, `send` and `getreply` let DATA carry the
    bytes as they are; a connection's calls run in order on its own thread, so the event
    loop, the ledger and the other connections go on meanwhile.
    """

    def __init__(self, settings: SmtpSettings):
        self.settings = settings
        self.description = settings.description

    async def connect(self) -> SmtpConnection:
        thread = ThreadPoolExecutor(1, "smtp")
        try:
            client = await asyncio.get_running_loop().run_in_executor(thread, self._open)
        except BaseException:
            thread.shutdown(wait=False)
            raise
        return SmtpConnection(client, thread)

    def _open(self) -> smtplib.SMTP:
        """Connect, greet, TLS, log in: blocking, on the connection's thread."""
        s = self.settings
        try:
            client = _client(s)
        except (smtplib.SMTPException, OSError) as exc:
            raise TemporaryFailure(f"cannot connect to {self.description}: {_reason(exc)}") from None
        try:
            self._secure_and_log_in(client)
        except BaseException:
            client.close()
            raise
        return client

    def _secure_and_log_in(self, client: smtplib.SMTP) -> None:
        s = self.settings
        try:
            client.ehlo()
            offers_tls = client.has_extn("starttls")
            if not s.use_tls and s.start_tls and not offers_tls:
                raise self._no_starttls()
            if not s.use_tls and (s.start_tls or (s.start_tls is None and offers_tls)):
                client.starttls(context=_tls_context(s))
                client.ehlo()
            if s.username:
                client.login(s.username, s.password or "")
        except smtplib.SMTPAuthenticationError as exc:
            raise TransportError(f"the SMTP server refused the login for {s.username}: "
                                 f"{exc.smtp_code} {_text(exc.smtp_error)}; check the user name and the "
                                 "password in the environment variable") from None
        except smtplib.SMTPNotSupportedError as exc:
            raise TransportError(f"{self.description}: {exc}; check the address's scheme "
                                 "(smtp, smtp+starttls, smtps) and port with your mail provider") from None
        except (smtplib.SMTPException, OSError) as exc:
            raise TemporaryFailure(f"cannot connect to {self.description}: {_reason(exc)}") from None

    def _no_starttls(self) -> TransportError:
        s = self.settings
        if s.username:
            return TransportError(
                f"{self.description} offers no STARTTLS, so the password for {s.username} would be "
                "sent unencrypted; nothing was sent. Use smtps://…:465 or your provider's "
                "STARTTLS port (587)")
        return TransportError(f"{self.description} offers no STARTTLS; check the address's scheme "
                              "(smtp, smtp+starttls, smtps) and port with your mail provider")


def _client(s: SmtpSettings) -> smtplib.SMTP:
    if s.use_tls:
        return smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=_tls_context(s))
    return smtplib.SMTP(s.host, s.port, timeout=s.timeout)


def _tls_context(s: SmtpSettings) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=s.ca_file)


class SmtpConnection:
    def __init__(self, client: smtplib.SMTP, thread: ThreadPoolExecutor):
        self.client = client
        self.thread = thread

    async def send(self, sender: str, recipient: str, data: bytes) -> str:
        return await asyncio.get_running_loop().run_in_executor(
            self.thread, self._send, sender, recipient, data)

    def _send(self, sender: str, recipient: str, data: bytes) -> str:
        """MAIL, RCPT and DATA one by one, so a break after the message is told apart:
        only then may the server have it without our knowing. The addresses are plain
        addr-specs already (checked when the message was made), and smtplib refuses a
        command with CR or LF in it, so they go in as they are."""
        try:
            self._expect(self.client.docmd("MAIL", f"FROM:<{sender}>"), 250)
            self._expect(self.client.docmd("RCPT", f"TO:<{recipient}>"), 250, 251, refused=True)
            self._expect(self.client.docmd("DATA"), 354)
        except (TemporaryFailure, PermanentFailure):
            self._reset()
            raise
        except (smtplib.SMTPException, OSError) as exc:
            raise TemporaryFailure(f"connection dropped: {_reason(exc)}") from None
        body = data.replace(b"\r\n.", b"\r\n..")   # dot-stuffing; data starts with a header
        try:
            self.client.send(body + (b"" if body.endswith(b"\r\n") else b"\r\n") + b".\r\n")
            code, reply = self.client.getreply()
        except (smtplib.SMTPException, OSError) as exc:
            raise TemporaryFailure(f"connection dropped after the message was sent: {_reason(exc)}",
                                   maybe_delivered=True) from None
        if code != 250:   # a reply: the server did not take it
            raise _classify(code, _text(reply))
        return f"{code} {_text(reply)}".strip()

    @staticmethod
    def _expect(answer: tuple[int, bytes], *codes: int, refused: bool = False) -> None:
        code, reply = answer
        if code not in codes:
            raise _classify(code, _text(reply), refused=refused)

    def _reset(self) -> None:
        """RSET after a refused MAIL or RCPT, so the connection can carry the next message."""
        try:
            self.client.rset()
        except (smtplib.SMTPException, OSError):
            self.client.close()

    async def close(self) -> None:
        try:
            await asyncio.get_running_loop().run_in_executor(self.thread, self._quit)
        finally:
            self.thread.shutdown(wait=False)

    def _quit(self) -> None:
        try:
            self.client.quit()
        except (smtplib.SMTPException, OSError):
            self.client.close()


def _classify(code: int, message: str, refused: bool = False) -> Exception:
    reply = f"{code} {message}".strip()
    return PermanentFailure(reply, refused) if 500 <= code < 600 else TemporaryFailure(reply)


def _reason(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply


def make_transport(smtp_url: str | None, outbox: Path, environ: Mapping[str, str],
                   password_env: str) -> Transport:
    if not smtp_url:
        return MaildirTransport(outbox)
    return SmtpTransport(parse_smtp_url(smtp_url, environ, password_env))
