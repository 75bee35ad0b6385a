"""Unsubscribe tokens: a subscriber id signed with HMAC-SHA256, so links cannot be guessed.

The secret comes from an environment variable (named in `[sending]`), never from a file in
the project, so a leaked repository cannot forge links. The address itself is part of the
signed text, so a token stops working if the id is ever given to someone else.
"""
from __future__ import annotations

import base64
import hashlib
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
