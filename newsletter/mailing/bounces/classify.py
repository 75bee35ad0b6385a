"""What one message in the bounce mailbox is: a bounce (hard or soft), a complaint, a
mailto unsubscribe, or something we do not recognise — and about whom.

Bounce formats are many and mostly non-standard, so delivery status notifications (RFC
3464) and the dozens of vendor formats go to `flufl.bounce`, Mailman's detectors.
Complaints (ARF, RFC 5965) are read with the standard library's email package. Whom a
message is about comes first from a signed token in the address it was sent to (VERP
`bounces+<token>@…`, `unsubscribe+<token>@…`), which cannot be forged or guessed; only
bounces and complaints without one fall back to the addresses the report names.
"""
from __future__ import annotations

import email
import email.errors
import email.header
import email.message
import email.policy
import email.utils
import hashlib
from dataclasses import dataclass

from flufl.bounce import all_failures

from ..tokens import AddressToken, find_token

HARD, SOFT, COMPLAINT, MAILTO, UNRECOGNISED = "hard", "soft", "complaint", "mailto", "unrecognised"
# Where mail servers and mailbox readers record the address a message was delivered to.
_DELIVERY_HEADERS = ("Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To", "To", "Cc")


@dataclass(frozen=True)
class Verdict:
    kind: str
    token: AddressToken | None = None   # the signed token the message was addressed to
    addresses: tuple[str, ...] = ()     # addresses the report names (when there is no token)
    detail: str = ""


@dataclass(frozen=True)
class Message:
    key: str            # sha256 of the raw bytes: the same message is processed once
    message_id: str
    date: str           # ISO, from the Date header when readable, else ""
    subject: str
    verdict: Verdict


def read(raw: bytes, bounce_base: str, mailto_base: str) -> Message:
    msg = email.message_from_bytes(raw)
    return Message(hashlib.sha256(raw).hexdigest(), _header(msg, "Message-ID"), _date(msg),
                   _header(msg, "Subject")[:120], classify(msg, bounce_base, mailto_base))


def classify(msg: email.message.Message, bounce_base: str, mailto_base: str) -> Verdict:
    delivered = _delivered_to(msg)
    complaint = _complaint(msg, bounce_base, mailto_base)
    if complaint:
        return complaint
    mailto = _first_token(delivered, mailto_base)
    if mailto:
        return Verdict(MAILTO, mailto, detail=f"reply to the unsubscribe address: {_header(msg, 'Subject')[:60]}")
    temporary, permanent = _failures(msg)
    verp = _first_token(delivered, bounce_base)
    if permanent and _full_or_temporary(_status(msg)):
        temporary, permanent = permanent, ()   # "failed" after retrying a 4xx, or a full mailbox
    if permanent:
        return Verdict(HARD, verp, permanent, _status_detail(msg, "permanent failure"))
    if temporary:
        return Verdict(SOFT, verp, temporary, _status_detail(msg, "temporary failure"))
    return Verdict(UNRECOGNISED, detail="not a bounce, complaint or unsubscribe request we can read")


def _failures(msg: email.message.Message) -> tuple[tuple[str, ...], tuple[str, ...]]:
    try:
        temporary, permanent = all_failures(msg)
    except Exception:  # noqa: BLE001  (a third-party detector choking on a malformed message)
        return (), ()
    return _addresses(temporary), _addresses(permanent)


def _addresses(found) -> tuple[str, ...]:
    out = []
    for item in found:
        text = item.decode("utf-8", "replace") if isinstance(item, bytes) else str(item)
        address = email.utils.parseaddr(text)[1].strip().lower()
        if "@" in address and address not in out:
            out.append(address)
    return tuple(sorted(out))


def _complaint(msg: email.message.Message, bounce_base: str, mailto_base: str) -> Verdict | None:
    """An ARF report (multipart/report; report-type=feedback-report): who complained."""
    if msg.get_content_type() != "multipart/report" or \
            (msg.get_param("report-type") or "").lower() != "feedback-report":
        return None
    report, original = None, None
    for part in msg.walk():
        kind = part.get_content_type()
        if kind == "message/feedback-report":
            report = _fields(part)
        elif kind in ("message/rfc822", "text/rfc822-headers") and original is None:
            original = _embedded(part)
    report = report or {}
    feedback = report.get("feedback-type", "abuse")
    token = None
    if original is not None:
        for name in ("Return-Path", "List-Unsubscribe"):
            for value in original.get_all(name, []):
                for address in _addresses_in(value):
                    token = token or find_token(address, bounce_base) or find_token(address, mailto_base)
    named = [a for a in (report.get("original-rcpt-to", ""),
                         *(original.get_all("To", []) if original is not None else [])) if a]
    addresses = tuple(sorted({email.utils.parseaddr(a)[1].lower() for a in named if "@" in a}))
    return Verdict(COMPLAINT, token, addresses, f"complaint ({feedback}) reported by "
                   f"{report.get('reporting-mta', report.get('user-agent', 'a mailbox provider'))}")


def _fields(part: email.message.Message) -> dict[str, str]:
    """The `Name: value` lines of a message/feedback-report part, lower-cased names."""
    payload = part.get_payload()
    if isinstance(payload, list):   # parsed as a message: its headers are the fields
        return {k.lower(): str(v) for sub in payload for k, v in sub.items()}
    text = payload if isinstance(payload, str) else ""
    fields = {}
    for line in text.splitlines():
        name, sep, value = line.partition(":")
        if sep and name.strip() and name.lower().strip() not in fields:
            fields[name.lower().strip()] = value.strip()
    return fields


def _embedded(part: email.message.Message) -> email.message.Message | None:
    payload = part.get_payload()
    if isinstance(payload, list) and payload:
        return payload[0]
    if isinstance(payload, str):
        return email.message_from_string(payload)
    return None


def _addresses_in(value: str) -> list[str]:
    """Addresses in a header such as Return-Path or List-Unsubscribe (`<mailto:…?subject=…>`)."""
    found = []
    for chunk in str(value).replace(",", " ").split():
        chunk = chunk.strip("<>").removeprefix("mailto:").split("?")[0]
        if "@" in chunk:
            found.append(chunk)
    return found


def _delivered_to(msg: email.message.Message) -> list[str]:
    found = []
    for name in _DELIVERY_HEADERS:
        for value in msg.get_all(name, []):
            found += [address for _, address in email.utils.getaddresses([str(value)]) if address]
    return found


def _first_token(addresses: list[str], base: str) -> AddressToken | None:
    return next((t for a in addresses if (t := find_token(a, base))), None)


def _status(msg: email.message.Message) -> str:
    for part in msg.walk():
        if part.get_content_type() == "message/delivery-status":
            status = _fields(part).get("status", "")
            if status:
                return status.split()[0]
    return ""


def _full_or_temporary(status: str) -> bool:
    """RFC 3463: 4.x.x is temporary; x.2.2 is a full mailbox, which usually empties."""
    return status.startswith("4.") or status.endswith(".2.2")


def _status_detail(msg: email.message.Message, fallback: str) -> str:
    """The first Status/Diagnostic-Code a DSN gives, for the audit record."""
    for part in msg.walk():
        if part.get_content_type() == "message/delivery-status":
            fields = _fields(part)
            status, code = fields.get("status", ""), fields.get("diagnostic-code", "")
            if status or code:
                return " ".join(x for x in (status, code) if x)[:200]
    return f"{fallback}: {_header(msg, 'Subject')[:80]}"


def _header(msg: email.message.Message, name: str) -> str:
    value = msg.get(name, "")
    try:
        return str(email.header.make_header(email.header.decode_header(str(value)))).strip()
    except (ValueError, LookupError, email.errors.HeaderParseError):
        return str(value).strip()


def _date(msg: email.message.Message) -> str:
    try:
        when = email.utils.parsedate_to_datetime(msg.get("Date", ""))
    except (TypeError, ValueError, IndexError):
        return ""
    if when is None or when.tzinfo is None:
        return ""
    return when.isoformat(timespec="seconds")
