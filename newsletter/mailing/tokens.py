"""Unsubscribe tokens: a subscriber id signed with HMAC-SHA256, so links cannot be guessed.

The secret comes from an environment variable (named in `[sending]`), never from a file in
the project, so a leaked repository cannot forge links. The address itself is part of the
signed text, so a token stops working if the id is ever given to someone else.

The same secret signs the two address tokens: `unsubscribe+<token>@…` in the
List-Unsubscribe mailto (a reply identifies who wants to leave) and the VERP envelope
sender `bounces+<token>@…` (a bounce identifies the recipient and the issue). Address
tokens are lowercase letters, digits, '.' and '-' only, since mail servers may change
the case of a local part; each purpose signs a different text, so one cannot stand in
for the other.
"""
from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
import hmac
import re
from collections.abc import Mapping

from ..errors import NewsletterError

_TOKEN = re.compile(r"([1-9][0-9]{0,18})-([A-Za-z0-9_-]{22})")
MIN_SECRET = 16


class MissingSecret(NewsletterError):
    """The unsubscribe secret is not set: links could not be checked later."""


def secret_from(environ: Mapping[str, str], name: str) -> bytes:
    value = environ.get(name, "")
    if len(value) < MIN_SECRET:
        raise MissingSecret(
            f"the environment variable {name} must hold the secret that signs unsubscribe links "
            f"(at least {MIN_SECRET} characters); create one with "
            "`python3 -c \"import secrets; print(secrets.token_urlsafe(32))\"`, keep it private, "
            "and use the same one for `newsletter send` and `newsletter serve`")
    return value.encode("utf-8")


def make_token(secret: bytes, subscriber_id: int, email: str) -> str:
    return f"{subscriber_id}-{_signature(secret, subscriber_id, email)}"


def token_id(token: str) -> int | None:
    """The subscriber id a well-formed token claims; the claim is checked by `verify`."""
    match = _TOKEN.fullmatch(token)
    return int(match.group(1)) if match else None


def verify(secret: bytes, token: str, email: str) -> bool:
    match = _TOKEN.fullmatch(token)
    if not match:
        return False
    expected = _signature(secret, int(match.group(1)), email)
    return hmac.compare_digest(expected, match.group(2))


def _signature(secret: bytes, subscriber_id: int, email: str) -> str:
    message = f"unsubscribe\n{subscriber_id}\n{email.lower()}".encode("utf-8")
    digest = hmac.new(secret, message, hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


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
