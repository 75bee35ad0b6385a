"""Turn one rendered edition into complete RFC 5322 messages, one per recipient, quickly.

Sending to thousands of subscribers makes `email.message.EmailMessage` the bottleneck
(~170 messages/s), because it re-folds and re-encodes every constant header and the whole
body for every recipient. Here everything that does not depend on the recipient is encoded
once per edition: the constant headers, and the quoted-printable form of the literal text
between the `%%placeholders%%`. Per message only the recipient's header lines and the few
substituted values are encoded, and the pieces are joined as bytes.

Quoted-printable is line based, so pieces encoded separately are glued with soft line
breaks (`=` CRLF): a decoder removes them, so the decoded body is exactly the filled template.
"""
from __future__ import annotations

import binascii
import hashlib
import html
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email.header import Header
from email.utils import format_datetime, quote
from functools import cached_property

from ..errors import NewsletterError

__all__ = [
    "EditionMail",
    "HeaderInjection",
    "PreparedEdition",
    "Recipient",
    "check_address",
    "check_url",
    "fill",
    "message_id",
]

PLACEHOLDERS = frozenset({"name", "email", "unsubscribe_url", "view_url", "preferences_url"})

# Wider than the documented lowercase syntax on purpose: `%%Name%%` or `%%view-url%%` is a
# typo, and it must fail loudly instead of reaching subscribers verbatim.
_PLACEHOLDER = re.compile(r"%%([A-Za-z_][A-Za-z0-9_.-]*)%%")
_FORBIDDEN = re.compile(r"[\r\n\0]")
_PLAIN_PHRASE = re.compile(r"[ -~]*")  # printable ASCII: may stay unencoded in a header
_SPECIALS = re.compile(r'[][\\()<>@,:;".]')  # same set email.utils.formataddr quotes for
_ADDRESS = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*")
_DOMAIN = re.compile(r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_HTTPS_URL = re.compile(r"https://[!#-;=?-~]+")  # printable ASCII except space, '"', '<', '>'
_MSG_ID = re.compile(r"<[!#-;=?-~]+@[!#-;=?-~]+>")
_LANGUAGE = re.compile(r"[A-Za-z0-9-]+(?: *, *[A-Za-z0-9-]+)*")
_LIST_ID = re.compile(r"(?:(.*?)\s*)?<([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)>")
_NEWLINES = re.compile(r"\r\n?")

_MAX_LINE = 78  # RFC 5322 "SHOULD"; 998 is the hard limit
_MAX_PLAIN_PHRASE = 60  # longer display names go to encoded words, which fold
_MAX_ADDRESS = 254  # RFC 5321 path limit; also keeps a header line under 998 octets
_MAX_URL = 900  # a URL cannot be folded, so it alone must fit in a 998-octet line


@dataclass(frozen=True)
class EditionMail:
    """One sponsor x one language, rendered once; html/text still contain %%placeholders%%."""

    subject: str
    from_name: str
    from_address: str
    reply_to: str | None
    language: str
    list_id: str
    html: str
    text: str
    message_id_domain: str
    unsubscribe_mailto: str
    greeting: str = ""           # the greeting line as rendered, with %%name%% in it
    greeting_neutral: str = ""   # the same line for a subscriber without a name


@dataclass(frozen=True)
class Recipient:
    """Everything that differs between two copies of the same edition."""

    email: str
    name: str
    unsubscribe_url: str
    view_url: str
    preferences_url: str = ""   # required when the edition links to it (every footer does)
    unsubscribe_mailto: str = ""   # unsubscribe+<token>@…; the edition's plain address when empty


class HeaderInjection(NewsletterError, ValueError):
    """A header value contains CR, LF or NUL: never silently produce an extra header."""


def fill(template: str, values: Mapping[str, str]) -> str:
    """One regex pass replacing %%key%% by values[key]; unknown keys raise KeyError.

    A single pass means a value that itself looks like a placeholder (a subscriber named
    `%%email%%`) is inserted literally, never expanded.
    """
    return _PLACEHOLDER.sub(lambda match: values[match.group(1)], template)


def message_id(issue: str, edition: str, recipient_email: str, domain: str) -> str:
    """Stable for (issue, edition, recipient) so a resend after a crash is the same message.

    Only the address's domain is case-folded (the local part is case-sensitive by the RFC).
    32 hex digits keep `Message-ID: <...@domain>` within one 78-character line.
    """
    _check_domain("message_id_domain", domain)
    local, at, host = recipient_email.rpartition("@")
    key = json.dumps([issue, edition, f"{local}{at}{host.lower()}"], ensure_ascii=False)
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    return f"<{digest}@{domain}>"


class PreparedEdition:
    """Built once per edition: pre-encoded constant headers and the two body templates.

    Construction validates every edition-level header value and placeholder name, so a
    broken edition fails before the first message instead of after the thousandth.
    """

    def __init__(self, mail: EditionMail):
        _check_edition(mail)
        self.boundary = _boundary(mail.html, mail.text)
        self.domain = mail.message_id_domain  # for message_id(); decided once per edition
        self._mailto = f"mailto:{mail.unsubscribe_mailto}?subject=unsubscribe"
        self._head = _constant_headers(mail)
        self._tail = _mime_tail(self.boundary)
        self._mail = mail
        self._text = _BodyTemplate(mail.text)
        self._html = _BodyTemplate(mail.html)
        _known_placeholders(mail.greeting_neutral)   # the nameless bodies are made later
        separator = f"\r\n--{self.boundary}\r\n".encode("ascii")
        part = (
            'Content-Type: text/{}; charset="utf-8"\r\n'
            "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        )
        self._text_open = f"--{self.boundary}\r\n{part.format('plain')}".encode("ascii")
        self._html_open = separator + part.format("html").encode("ascii")
        self._close = f"\r\n--{self.boundary}--\r\n".encode("ascii")

    def message(self, recipient: Recipient, *, date: datetime, message_id: str) -> bytes:
        """Validates before encoding anything, so a bad recipient yields no bytes at all."""
        headers = self._recipient_headers(recipient, date, message_id)
        raw = {
            "name": recipient.name,
            "email": recipient.email,
            "unsubscribe_url": recipient.unsubscribe_url,
            "view_url": recipient.view_url,
            "preferences_url": recipient.preferences_url,
        }
        text_values = {key: _qp_piece(value) for key, value in raw.items()}
        html_values = {key: _qp_piece(html.escape(value, quote=True)) for key, value in raw.items()}
        named = bool(recipient.name.strip())
        text, body = (self._text, self._html) if named else (self._text_nameless, self._html_nameless)
        return b"".join((
            self._head, headers, self._tail,
            self._text_open, text.render(text_values),
            self._html_open, body.render(html_values),
            self._close,
        ))

    @cached_property
    def _text_nameless(self) -> _BodyTemplate:
        """The bodies for subscribers without a name, made when the first one comes (a
        build's sample message, for one, has a name)."""
        return _BodyTemplate(_neutral(self._mail.text, self._mail, str))

    @cached_property
    def _html_nameless(self) -> _BodyTemplate:
        return _BodyTemplate(_neutral(self._mail.html, self._mail, html.escape))

    def _recipient_headers(self, recipient: Recipient, date: datetime, msg_id: str) -> bytes:
        """The only header lines that differ per message; all other lines are in _head/_tail."""
        _check_header("recipient name", recipient.name)
        _check_address("recipient email", recipient.email)
        _check_url("unsubscribe_url", recipient.unsubscribe_url)
        if "preferences_url" in self._html.keys or "preferences_url" in self._text.keys:
            _check_url("preferences_url", recipient.preferences_url)
        _check_header("message_id", msg_id)
        if not _MSG_ID.fullmatch(msg_id):
            raise ValueError(f"message_id must look like <id@domain>: {msg_id!r}")
        if not isinstance(date, datetime):
            raise TypeError(f"date must be a datetime, not {type(date).__name__}")
        mailto = self._mailto
        if recipient.unsubscribe_mailto:
            _check_address("unsubscribe_mailto", recipient.unsubscribe_mailto)
            mailto = f"mailto:{recipient.unsubscribe_mailto}?subject=unsubscribe"
        unsubscribe = _join_folded("List-Unsubscribe", f"<{recipient.unsubscribe_url}>,", f"<{mailto}>")
        return b"".join((
            _line("To", _mailbox("To", recipient.name, recipient.email)),
            _line("Date", format_datetime(date)),
            _line("Message-ID", msg_id),
            _line("List-Unsubscribe", unsubscribe),
        ))


def _known_placeholders(template: str) -> None:
    unknown = sorted(set(_PLACEHOLDER.findall(template)) - PLACEHOLDERS)
    if unknown:
        raise KeyError(f"unknown placeholder(s) {unknown}; known: {sorted(PLACEHOLDERS)}")


class _BodyTemplate:
    """A body split at its placeholders once, with the literal text already quoted-printable.

    The literals are ~all of a 40 KB body; encoding them once instead of per message is
    what makes sending fast. Each literal but the last ends at a line start, so the
    separately encoded values can be concatenated without breaking QP line structure.
    """

    __slots__ = ("_keys", "_literals")

    def __init__(self, template: str):
        pieces = _PLACEHOLDER.split(template)
        literals, self._keys = pieces[0::2], pieces[1::2]
        _known_placeholders(template)
        self._literals = [_qp_piece(literal) for literal in literals[:-1]]
        self._literals.append(_qp(literals[-1]))

    @property
    def keys(self) -> frozenset[str]:
        return frozenset(self._keys)

    def render(self, encoded_values: Mapping[str, bytes]) -> bytes:
        out = [self._literals[0]]
        for key, literal in zip(self._keys, self._literals[1:]):
            out.append(encoded_values[key])
            out.append(literal)
        return b"".join(out)


def _neutral(body: str, mail: EditionMail, escape) -> str:
    """The body with its named greeting line swapped for the neutral one: someone without
    a name is never greeted with an empty name or a made-up one."""
    if not mail.greeting or not mail.greeting_neutral:
        return body
    return body.replace(escape(mail.greeting), escape(mail.greeting_neutral))


def _qp(text: str) -> bytes:
    """Quoted-printable with CRLF line ends; b2a_qp wraps at 76, far below the 998 limit.

    Line ends are normalised to LF first, because b2a_qp picks LF or CRLF for its soft
    breaks from the *first* line end it sees, and a body with none would get bare LFs.
    """
    data = _NEWLINES.sub("\n", text).encode("utf-8")
    return binascii.b2a_qp(data, quotetabs=False, istext=True, header=False).replace(b"\n", b"\r\n")


def _qp_piece(text: str) -> bytes:
    """QP text that ends at the start of a line, via a soft break when it does not end in one.

    A sentinel byte is encoded after the text so b2a_qp treats its last real character as
    mid-line (trailing blanks stay literal, the 76-column wrap leaves room for one more
    character); the sentinel is then swapped for the '=' of the soft line break.
    """
    if not text:
        return b""
    encoded = _qp(text + "x")[:-1]
    if encoded.endswith(b"\r\n"):
        return encoded
    return encoded + b"=\r\n"


def _boundary(html_template: str, text_template: str) -> str:
    """Deterministic, and '=_' can never occur in QP output ('=' is only written as =XX)."""
    digest = hashlib.sha256(f"{len(html_template)}:{html_template}{text_template}".encode("utf-8"))
    return "=_" + digest.hexdigest()[:40]


def _constant_headers(mail: EditionMail) -> bytes:
    lines = [_line("From", _mailbox("From", mail.from_name, mail.from_address))]
    if mail.reply_to:
        lines.append(_line("Reply-To", mail.reply_to))
    lines.append(_line("Subject", _unstructured("Subject", mail.subject)))
    lines.append(_line("Content-Language", mail.language))
    lines.append(_line("List-Id", _list_id(mail.list_id)))
    lines.append(_line("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"))
    return b"".join(lines)


def _mime_tail(boundary: str) -> bytes:
    content_type = f'multipart/alternative;\r\n boundary="{boundary}"'
    return _line("MIME-Version", "1.0") + _line("Content-Type", content_type) + b"\r\n"


def _line(name: str, value: str) -> bytes:
    """Values are already folded and 7-bit; ASCII encoding fails loudly if that was not so."""
    return f"{name}: {value}\r\n".encode("ascii")


def _encoded_words(header_name: str, text: str) -> str:
    """RFC 2047 via the standard library, folded to 76 columns with CRLF."""
    return Header(text, "utf-8", header_name=header_name).encode(linesep="\r\n")


def _unstructured(header_name: str, text: str) -> str:
    """Plain ASCII stays readable; anything else, or an unfoldable line, becomes encoded words.

    Literal '=?' is encoded too, or a reader would decode it as an encoded word.
    """
    if _PLAIN_PHRASE.fullmatch(text) and "=?" not in text:
        folded = Header(text, header_name=header_name).encode(linesep="\r\n")
        lines = f"{header_name}: {folded}".split("\r\n")
        if not folded.startswith("\r\n") and all(len(line) <= _MAX_LINE for line in lines):
            return folded
    return _encoded_words(header_name, text)


def _phrase(header_name: str, text: str) -> str:
    """A display name: a (quoted) atom when short printable ASCII, else encoded words."""
    if len(text) <= _MAX_PLAIN_PHRASE and _PLAIN_PHRASE.fullmatch(text) and "=?" not in text:
        return f'"{quote(text)}"' if _SPECIALS.search(text) else text
    return _encoded_words(header_name, text)


def _mailbox(header_name: str, name: str, address: str) -> str:
    if not name:
        return address
    return _join_folded(header_name, _phrase(header_name, name), f"<{address}>")


def _list_id(value: str) -> str:
    match = _LIST_ID.fullmatch(value)
    if match is None:
        raise ValueError(f"list_id must look like 'Name <label.example.org>': {value!r}")
    name, label = match.groups()
    return _join_folded("List-Id", _phrase("List-Id", name), f"<{label}>") if name else f"<{label}>"


def _join_folded(header_name: str, first: str, second: str) -> str:
    """`first second` on one line when it fits in 78 columns, else fold before `second`."""
    last_line = first.rpartition("\r\n")[2]
    column = len(last_line) + (0 if "\r\n" in first else len(header_name) + 2)
    separator = " " if column + 1 + len(second) <= _MAX_LINE else "\r\n "
    return f"{first}{separator}{second}"


def _check_header(field: str, value: str) -> None:
    if _FORBIDDEN.search(value):
        shown = value if len(value) <= 80 else value[:77] + "..."
        raise HeaderInjection(f"{field} contains CR, LF or NUL: {shown!r}")


def check_address(field: str, value: str) -> None:
    """Raise ValueError unless `value` is an address these messages can carry (plain ASCII)."""
    _check_address(field, value)


def check_url(field: str, value: str) -> None:
    """Raise ValueError unless `value` can be an unsubscribe link (ASCII https, no spaces)."""
    _check_url(field, value)


def _check_address(field: str, value: str) -> None:
    """Plain addr-spec only: a '>' or ',' would smuggle a second address into the header."""
    _check_header(field, value)
    if len(value) > _MAX_ADDRESS or not _ADDRESS.fullmatch(value):
        raise ValueError(f"{field} is not a plain ASCII e-mail address: {value!r}")


def _check_domain(field: str, value: str) -> None:
    _check_header(field, value)
    if len(value) > _MAX_ADDRESS or not _DOMAIN.fullmatch(value):
        raise ValueError(f"{field} is not a plain ASCII domain name: {value!r}")


def _check_url(field: str, value: str) -> None:
    """RFC 8058 one-click unsubscribe needs https; no space or '<>' that would end the <...>."""
    _check_header(field, value)
    if len(value) > _MAX_URL or not _HTTPS_URL.fullmatch(value):
        raise ValueError(f"{field} must be an ASCII https:// URL without spaces: {value!r}")


def _check_edition(mail: EditionMail) -> None:
    """Everything that ends up in the constant headers, checked once per edition."""
    for field in ("subject", "from_name", "language", "list_id"):
        _check_header(field, getattr(mail, field))
    for field in ("subject", "from_name"):
        if _PLACEHOLDER.search(getattr(mail, field)):
            raise ValueError(f"{field} has a %%placeholder%%, but headers are not personalised")
    _check_address("from_address", mail.from_address)
    _check_address("unsubscribe_mailto", mail.unsubscribe_mailto)
    if mail.reply_to:
        _check_address("reply_to", mail.reply_to)
    _check_domain("message_id_domain", mail.message_id_domain)
    if not _LANGUAGE.fullmatch(mail.language):
        raise ValueError(f"language must be BCP 47 tags separated by commas: {mail.language!r}")
