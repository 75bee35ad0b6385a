"""Where messages go: the side-effect boundary of sending.

Two real transports share one small interface (connect → send → close): a Maildir outbox,
the default, so a volunteer can try a whole campaign and open it in any mail client
without a server; and SMTP (smtp://, smtp+starttls://, smtps://) through aiosmtplib.
Server replies are sorted here into temporary (retry later) and permanent (give up), so
the send loop never looks at SMTP codes itself. The password only ever comes from an
environment variable and is never part of a description or a log line.
"""
from __future__ import annotations

import asyncio
import mailbox
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

import aiosmtplib

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
    def __init__(self, settings: SmtpSettings):
        self.settings = settings
        self.description = settings.description

    async def connect(self) -> SmtpConnection:
        s = self.settings
        context = ssl.create_default_context(cafile=s.ca_file) if (s.use_tls or s.start_tls is not False) else None
        client = aiosmtplib.SMTP(hostname=s.host, port=s.port, use_tls=s.use_tls, start_tls=s.start_tls,
                                 username=s.username, password=s.password, tls_context=context,
                                 timeout=s.timeout)
        try:
            await client.connect()
        except aiosmtplib.SMTPAuthenticationError as exc:
            raise TransportError(f"the SMTP server refused the login for {s.username}: "
                                 f"{exc.code} {exc.message}; check the user name and the password "
                                 "in the environment variable") from None
        except aiosmtplib.SMTPException as exc:
            refused_tls = "STARTTLS" in str(exc).upper()
            if s.username and not s.use_tls and refused_tls:
                raise TransportError(
                    f"{self.description} offers no STARTTLS, so the password for {s.username} would be "
                    "sent unencrypted; nothing was sent. Use smtps://…:465 or your provider's "
                    "STARTTLS port (587)") from None
            if isinstance(exc, aiosmtplib.SMTPNotSupported) or refused_tls:
                raise TransportError(f"{self.description}: {exc}; check the address's scheme "
                                     "(smtp, smtp+starttls, smtps) and port with your mail provider") from None
            raise TemporaryFailure(f"cannot connect to {self.description}: {_reason(exc)}") from None
        except (OSError, asyncio.TimeoutError) as exc:
            raise TemporaryFailure(f"cannot connect to {self.description}: {_reason(exc)}") from None
        return SmtpConnection(client)


class SmtpConnection:
    def __init__(self, client: aiosmtplib.SMTP):
        self.client = client

    async def send(self, sender: str, recipient: str, data: bytes) -> str:
        """MAIL, RCPT and DATA one by one, so a break during DATA is told apart: only
        then may the server have the message without our knowing."""
        try:
            await self.client.mail(sender)
            try:
                await self.client.rcpt(recipient)
            except aiosmtplib.SMTPResponseException as exc:
                raise _classify(exc.code, exc.message, refused=True) from None
        except aiosmtplib.SMTPResponseException as exc:
            await self._reset()
            raise _classify(exc.code, exc.message) from None
        except (aiosmtplib.SMTPException, OSError, asyncio.TimeoutError) as exc:
            raise TemporaryFailure(f"connection dropped: {_reason(exc)}") from None
        except (TemporaryFailure, PermanentFailure):
            await self._reset()
            raise
        try:
            response = await self.client.data(data)
            return f"{response.code} {response.message}".strip()
        except aiosmtplib.SMTPResponseException as exc:   # a reply: the server did not take it
            raise _classify(exc.code, exc.message) from None
        except (aiosmtplib.SMTPException, OSError, asyncio.TimeoutError) as exc:
            raise TemporaryFailure(f"connection dropped after the message was sent: {_reason(exc)}",
                                   maybe_delivered=True) from None

    async def _reset(self) -> None:
        """RSET after a refused MAIL or RCPT, so the connection can carry the next message."""
        try:
            if self.client.is_connected:
                await self.client.rset()
        except (aiosmtplib.SMTPException, OSError, asyncio.TimeoutError):
            self.client.close()

    async def close(self) -> None:
        try:
            if self.client.is_connected:
                await self.client.quit()
        except (aiosmtplib.SMTPException, OSError, asyncio.TimeoutError):
            self.client.close()


def _classify(code: int, message: str, refused: bool = False) -> Exception:
    reply = f"{code} {message}".strip()
    return PermanentFailure(reply, refused) if 500 <= code < 600 else TemporaryFailure(reply)


def _reason(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


def make_transport(smtp_url: str | None, outbox: Path, environ: Mapping[str, str],
                   password_env: str) -> Transport:
    if not smtp_url:
        return MaildirTransport(outbox)
    return SmtpTransport(parse_smtp_url(smtp_url, environ, password_env))
