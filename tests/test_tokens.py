"""Signed tokens: purpose and expiry are inside the signature; anything odd is simply invalid."""
from __future__ import annotations

import datetime as dt

import pytest

from newsletter.mailing.tokens import (
    CONFIRM,
    LIFETIMES,
    MAX_ID,
    PREFERENCES,
    UNSUBSCRIBE,
    make_token,
    read_claim,
    verify,
)

SECRET = b"0123456789abcdef0123"
NOW = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC)


def test_a_token_verifies_for_its_purpose_address_and_time() -> None:
    token = make_token(SECRET, 7, "Lin.Wei@example.com", CONFIRM, now=NOW)
    assert verify(SECRET, token, "lin.wei@example.com", CONFIRM, now=NOW) == "ok"
    assert read_claim(token).id == 7


def test_cross_purpose_other_address_and_other_secret_are_invalid() -> None:
    token = make_token(SECRET, 7, "a@example.com", CONFIRM, now=NOW)
    assert verify(SECRET, token, "a@example.com", UNSUBSCRIBE, now=NOW) == "invalid"
    assert verify(SECRET, token, "a@example.com", PREFERENCES, now=NOW) == "invalid"
    assert verify(SECRET, token, "b@example.com", CONFIRM, now=NOW) == "invalid"
    assert verify(b"another-secret-entirely", token, "a@example.com", CONFIRM, now=NOW) == "invalid"


def test_expiry_is_signed_and_enforced() -> None:
    token = make_token(SECRET, 7, "a@example.com", CONFIRM, now=NOW)
    later = NOW + LIFETIMES[CONFIRM] + dt.timedelta(seconds=1)
    assert verify(SECRET, token, "a@example.com", CONFIRM, now=later) == "expired"
    ident, expiry, signature = token.split(".")
    stretched = f"{ident}.{int(expiry, 36) * 2:x}.{signature}"
    assert verify(SECRET, stretched, "a@example.com", CONFIRM, now=NOW) == "invalid"
    swapped = f"8.{expiry}.{signature}"
    assert verify(SECRET, swapped, "a@example.com", CONFIRM, now=NOW) == "invalid"


@pytest.mark.parametrize("token", [
    "", "garbage", "0.abc.AAAAAAAAAAAAAAAAAAAAAA", "-1.abc.AAAAAAAAAAAAAAAAAAAAAA",
    f"{2**63}.abc.AAAAAAAAAAAAAAAAAAAAAA", f"{10**19 - 1}.abc.AAAAAAAAAAAAAAAAAAAAAA",
    "1.abc.AAAAAAAAAAAAAAAAAAAAAA" + "A" * 100, "1-AAAAAAAAAAAAAAAAAAAAAA", "1.abc.AAAA\nAAAAAAAAAAAAAAAAAA",
    "１.abc.AAAAAAAAAAAAAAAAAAAAAA",
])
def test_malformed_oversized_and_out_of_range_tokens_are_invalid(token: str) -> None:
    assert read_claim(token) is None
    assert verify(SECRET, token, "a@example.com", UNSUBSCRIBE) == "invalid"


def test_ids_outside_sqlite_integers_cannot_be_signed() -> None:
    assert read_claim(make_token(SECRET, MAX_ID, "a@example.com")).id == MAX_ID
    with pytest.raises(ValueError):
        make_token(SECRET, MAX_ID + 1, "a@example.com")
