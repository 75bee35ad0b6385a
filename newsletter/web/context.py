"""What every subscriber page handler shares: configuration, secret, clock, limits, pages.

Side effects sit behind this one object (the clock, the environment for the mail
transport, the rate limiter's storage), so tests give the app a fixed clock and tight
limits without patching anything.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from email_validator import EmailNotValidError, validate_email
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.requests import Request
from starlette.responses import Response

from ..mailing.campaign import pages_base
from ..mailing.subscribers import BOTH, database_path
from ..mailing.tokens import read_claim, verify
from ..project.config import Config, localized
from ..text import locales
from .pages import Pages

MAX_NAME = 100
T = TypeVar("T")
_FORBIDDEN = ("\r", "\n", "\0", "\t")


@dataclass(frozen=True)
class Limits:
    """Per client address: sign-up forms sent, and all other form posts."""

    signups: str = "20/hour"     # a reading or a class on one Wi-Fi signs up together
    posts: str = "60/minute"


@dataclass
class AppContext:
    config: Config
    secret: bytes
    pages: Pages
    environ: Mapping[str, str]
    clock: Callable[[], dt.datetime]
    limits: Limits = field(default_factory=Limits)
    limiter: MovingWindowRateLimiter = field(default_factory=lambda: MovingWindowRateLimiter(MemoryStorage()))

    @property
    def database(self) -> Path:
        return database_path(self.config)

    def now(self) -> dt.datetime:
        return self.clock()

    def claimed(self, token: str, purpose: str, load: Callable[[int], T | None]) -> tuple[T | None, str]:
        """The record (a subscriber, a pending sign-up) a token was made for, and "ok",
        "expired" or "invalid"; `load` reads it by the id the token carries."""
        claim = read_claim(token)
        if claim is None or not self.database.is_file():
            return None, "invalid"
        record = load(claim.id)
        if record is None:
            return None, "invalid"
        verdict = verify(self.secret, token, record.email, purpose, now=self.now())
        return (record if verdict == "ok" else None), verdict

    def refused_link(self, request: Request, verdict: str, retry_url: str, *, retry_kind: str = "",
                     mailto: str = "") -> Response:
        """The page for a link that failed `claimed`: 410 when it expired, else 400."""
        expired = verdict == "expired"
        return self.pages.render(request, "message.html.j2", 410 if expired else 400,
                                 state="expired_link" if expired else "invalid_link",
                                 retry_url=retry_url, retry_kind=retry_kind, mailto=mailto)

    def allowed(self, request: Request, kind: str) -> bool:
        """One more `kind` request from this client is within its limit (and is counted)."""
        item: RateLimitItem = parse(getattr(self.limits, kind))
        client = request.client.host if request.client else "unknown"
        return self.limiter.hit(item, kind, client)

    def editions(self) -> list[tuple[str, list[str]]]:
        """(stored value, language names) for each edition on offer: "both" for the bilingual one.

        Names are autonyms (English, 简体中文) whatever the page language: a reader finds their own."""
        out = []
        for tag in self.config.edition_languages:
            parts = tag.split("+")
            out.append((BOTH if len(parts) > 1 else tag, [locales.display_name(p, p) for p in parts]))
        return out

    def edition_names(self, language: str) -> list[str]:
        return next((names for value, names in self.editions() if value == language), [language])

    def groups(self, lang: str) -> list[tuple[str, str]]:
        return [(s.id, localized(s.name, lang)) for s in self.config.sponsors]

    def public_url(self, path: str) -> str:
        """An absolute link for an email: always the configured public address."""
        return pages_base(self.config) + path


def clean_email(value: str) -> str | None:
    """The address in its ASCII form, or None when it is not one we can mail."""
    if not value or len(value) > 254 or any(ch in value for ch in _FORBIDDEN):
        return None
    try:
        return validate_email(value.strip(), check_deliverability=False).ascii_email or None
    except EmailNotValidError:
        return None


def clean_name(value: str) -> str | None:
    """A display name of one line and reasonable length; None when it is not."""
    value = value.strip()
    if len(value) > MAX_NAME or any(ch in value for ch in _FORBIDDEN) or not value.isprintable() and value:
        return None
    return value


def masked(email: str) -> str:
    """Enough to recognise one's own address on a shared screen, not enough to harvest it."""
    local, _, domain = email.partition("@")
    return f"{local[:2]}{'*' * max(1, len(local) - 2)}@{domain}"


def field_text(form, name: str) -> str:
    value = form.get(name, "")
    return value if isinstance(value, str) else ""


def root_path(request: Request) -> str:
    """The app's path prefix behind a proxy (uvicorn --root-path); empty when served at /."""
    return request.scope.get("root_path", "").rstrip("/")
