"""Signed tokens for the links we mail and the forms we serve: `<id>.<expiry>.<signature>`.

The signature is HMAC-SHA256 over the purpose, the id, the expiry and the address (or
another subject), so a token cannot be guessed, cannot be stretched past its expiry, and
a token made for one purpose (say, a confirmation link) is worthless for another (say,
unsubscribing). The purpose is not written in the token: it is what the page checking it
expects. The secret comes from an environment variable (named in `[sending]`), never from
a file in the project, so a leaked repository cannot forge links.

The same secret signs the two address tokens: `unsubscribe+<token>@…` in the
List-Unsubscribe mailto (a reply identifies who wants to leave) and the VERP envelope
sender `bounces+<token>@…` (a bounce identifies the recipient and the issue). Address
tokens are lowercase letters, digits, '.' and '-' only, since mail servers may change
the case of a local part; each purpose signs a different text, so one cannot stand in
for the other.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass

from ..errors import NewsletterError

MIN_SECRET = 16
MAX_TOKEN = 64                       # longer input is refused before any parsing
MAX_ID = 2**63 - 1                   # SQLite's INTEGER; anything larger is not one of ours
_TOKEN = re.compile(r"([1-9][0-9]{0,18})\.([0-9a-z]{1,8})\.([A-Za-z0-9_-]{22})")

# How long each kind of link works. Unsubscribe links outlive the issues they came in
# (laws ask for at least 30 days; readers find old emails much later).
CONFIRM, PREFERENCES, UNSUBSCRIBE, CSRF = "confirm", "preferences", "unsubscribe", "csrf"
LIFETIMES = {
    CONFIRM: dt.timedelta(days=2),
    PREFERENCES: dt.timedelta(days=400),
    UNSUBSCRIBE: dt.timedelta(days=800),
    CSRF: dt.timedelta(hours=4),
}


class MissingSecret(NewsletterError):
    """The secret is not set: links could not be checked later."""


@dataclass(frozen=True)
class Claim:
    """What a well-formed token says about itself, before its signature is checked."""

    id: int
    expires: int        # Unix seconds


def secret_from(environ: Mapping[str, str], name: str) -> bytes:
    value = environ.get(name, "")
    if len(value) < MIN_SECRET:
        raise MissingSecret(
            f"the environment variable {name} must hold the secret that signs unsubscribe links "
            f"(at least {MIN_SECRET} characters); create one with "
            "`python3 -c \"import secrets; print(secrets.token_urlsafe(32))\"`, keep it private, "
            "and use the same one for `newsletter send` and `newsletter serve`")
    return value.encode("utf-8")


def make_token(secret: bytes, subscriber_id: int, subject: str, purpose: str = UNSUBSCRIBE,
               now: dt.datetime | None = None) -> str:
    """A token for `purpose` about record `subscriber_id` whose address (subject) is `subject`."""
    if not 0 < subscriber_id <= MAX_ID:
        raise ValueError(f"token id out of range: {subscriber_id}")
    expires = int((_now(now) + LIFETIMES[purpose]).timestamp())
    expiry = _base36(expires)
    return f"{subscriber_id}.{expiry}.{_signature(secret, purpose, subscriber_id, expiry, subject)}"


def read_claim(token: str) -> Claim | None:
    """The id and expiry a token claims; None when it is malformed, oversized or out of range.

    Only `verify` says whether the claim is true.
    """
    if len(token) > MAX_TOKEN:
        return None
    match = _TOKEN.fullmatch(token)
    if not match or int(match.group(1)) > MAX_ID:
        return None
    return Claim(int(match.group(1)), int(match.group(2), 36))


def verify(secret: bytes, token: str, subject: str, purpose: str, now: dt.datetime | None = None) -> str:
    """"ok", "expired" (genuine but too old) or "invalid" (forged, altered, other purpose).

    The signature is compared in constant time before the expiry is looked at, so an
    expired answer is only ever given for a token we really made.
    """
    claim = read_claim(token)
    if claim is None:
        return "invalid"
    _, expiry, signature = token.split(".")
    expected = _signature(secret, purpose, claim.id, expiry, subject)
    if not hmac.compare_digest(expected, signature):
        return "invalid"
    return "ok" if _now(now).timestamp() < claim.expires else "expired"


def _signature(secret: bytes, purpose: str, subscriber_id: int, expiry: str, subject: str) -> str:
    message = f"{purpose}\n{subscriber_id}\n{expiry}\n{subject.lower()}".encode()
    digest = hmac.new(secret, message, hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while number:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
    return out or "0"


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or dt.datetime.now(dt.UTC)


# --- address tokens (VERP bounces, mailto unsubscribes) ------------------------------------

_ADDRESS_TOKEN = re.compile(r"([1-9][0-9]{0,18})\.(?:([a-z0-9-]{1,40})\.)?([a-z2-7]{16})")
_SAFE_ISSUE = re.compile(r"[a-z0-9-]{1,40}")


@dataclass(frozen=True)
class AddressToken:
    subscriber_id: int
    issue: str          # "" in a mailto token
    signature: str


def bounce_base(config) -> str:
    """The bounce mailbox (`[sending] bounce_address`, default bounces@ the domain of
    site.unsubscribe_mailto); each message's envelope sender is it with a +token (VERP)."""
    domain = config.site.unsubscribe_mailto.rpartition("@")[2]
    return config.sending.bounce_address or f"bounces@{domain}"


def tagged_address(base: str, token: str) -> str:
    """`bounces@example.org` + token → `bounces+token@example.org`."""
    local, _, domain = base.rpartition("@")
    return f"{local}+{token}@{domain}"


def verp_token(secret: bytes, subscriber_id: int, issue: str, email: str) -> str:
    """Identifies the recipient and the issue; issue names outside [a-z0-9-] are left out."""
    issue = issue.lower() if _SAFE_ISSUE.fullmatch(issue.lower()) else ""
    middle = f".{issue}" if issue else ""
    return f"{subscriber_id}{middle}.{_address_signature(secret, 'bounce', subscriber_id, issue, email)}"


def mailto_token(secret: bytes, subscriber_id: int, email: str) -> str:
    return f"{subscriber_id}.{_address_signature(secret, 'mailto', subscriber_id, '', email)}"


def find_token(address: str, base: str) -> AddressToken | None:
    """The token in `address` if it is `base` with a +token (any letter case), else None."""
    local, _, domain = base.lower().rpartition("@")
    got_local, _, got_domain = address.strip().strip("<>").lower().rpartition("@")
    if got_domain != domain or not got_local.startswith(local + "+"):
        return None
    match = _ADDRESS_TOKEN.fullmatch(got_local[len(local) + 1:])
    return AddressToken(int(match.group(1)), match.group(2) or "", match.group(3)) if match else None


def verify_address_token(secret: bytes, token: AddressToken, purpose: str, email: str) -> bool:
    expected = _address_signature(secret, purpose, token.subscriber_id, token.issue, email)
    return hmac.compare_digest(expected, token.signature)


def _address_signature(secret: bytes, purpose: str, subscriber_id: int, issue: str, email: str) -> str:
    message = f"{purpose}\n{subscriber_id}\n{issue}\n{email.lower()}".encode()
    digest = hmac.new(secret, message, hashlib.sha256).digest()[:10]
    return base64.b32encode(digest).decode("ascii").lower()
