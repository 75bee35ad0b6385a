"""Which language a subscriber page is shown in: choice, then browser, then site default.

An explicit choice (the switcher's `?lang=`, remembered in a cookie) wins; then the
browser's `Accept-Language`, negotiated by Babel against the configured languages; then
the site's first language. Babel's negotiation compares tags, and `zh-CN` is not
`zh-Hans` as a tag, so every tag is first expanded to language + script with Babel's
likely-subtags data (`zh-CN` → `zh_Hans_CN`, `zh-TW` → `zh_Hant_TW`) and both sides are
compared as `language_Script`. A Traditional Chinese reader is never shown Simplified
Chinese as if it were theirs: they get the default unless `zh-Hant` is configured.
"""
from __future__ import annotations

from babel import Locale, UnknownLocaleError, negotiate_locale
from babel.core import get_global

COOKIE = "newsletter_lang"
MAX_HEADER = 512          # a longer Accept-Language is cut: nobody reads 40 languages
MAX_RANGES = 16


def choose(languages: list[str], asked: str | None, cookie: str | None, accept: str | None) -> str:
    """The page language among `languages` (BCP 47 tags, the first is the default)."""
    for explicit in (asked, cookie):
        if explicit in languages:
            return explicit
    return negotiate(languages, accept or "") or languages[0]


def negotiate(languages: list[str], accept: str) -> str | None:
    keys = {_key(tag): tag for tag in languages}
    keys.pop(None, None)
    preferred = [key for key in (_key(tag) for tag in _ranges(accept)) if key]
    found = negotiate_locale(preferred, list(keys), sep="_")
    return keys.get(found) if found else None


def _ranges(header: str) -> list[str]:
    """Language ranges by descending quality (RFC 9110 §12.5.4); q=0 means "not this"."""
    weighted = []
    for position, item in enumerate(header[:MAX_HEADER].split(",")[:MAX_RANGES]):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        name, _, value = params.strip().partition("=")
        if name.strip().lower() == "q":
            try:
                quality = float(value)
            except ValueError:
                continue
        if tag and tag != "*" and 0 < quality <= 1:
            weighted.append((-quality, position, tag.strip()))
    return [tag for _, _, tag in sorted(weighted)]


def _key(tag: str) -> str | None:
    """`language_Script` with the script Babel finds likely; None for a tag Babel rejects."""
    try:
        locale = Locale.parse(tag.replace("_", "-"), sep="-")
    except (UnknownLocaleError, ValueError, TypeError):
        return None
    script = locale.script or _likely_script(locale.language)
    return f"{locale.language}_{script}" if script else locale.language


def _likely_script(language: str) -> str | None:
    """`zh` alone means Simplified Chinese to CLDR (likely subtags `zh_Hans_CN`)."""
    likely = get_global("likely_subtags").get(language, "")
    parts = likely.split("_")
    return parts[1] if len(parts) > 2 else None
