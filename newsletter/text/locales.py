"""The one place where language tags are translated between their three spellings.

Config, HTML `lang` and Content-Language use BCP 47 (`zh-Hans`); Babel wants a `Locale`;
gettext folders under `translations/` use the POSIX form (`zh_Hans`). Babel's own
negotiation ignores scripts, so we never let it guess.
"""
from __future__ import annotations

import datetime as dt
from functools import cache

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.messages.plurals import get_plural
from babel.lists import format_list

RTL_SCRIPTS = {"Arab", "Hebr", "Thaa", "Syrc", "Nkoo", "Adlm", "Rohg"}


@cache
def babel_locale(tag: str) -> Locale:
    """Parse a BCP 47 tag; raises ValueError with the tag when Babel does not know it."""
    try:
        return Locale.parse(tag, sep="-")
    except (UnknownLocaleError, ValueError) as exc:
        raise ValueError(f"unknown language tag {tag!r}") from exc


def is_known(tag: str) -> bool:
    try:
        babel_locale(tag)
    except ValueError:
        return False
    return True


def gettext_folder(tag: str) -> str:
    """`zh-Hans` -> `zh_Hans`: the folder name gettext looks up under translations/."""
    return str(babel_locale(tag))


def text_direction(tag: str) -> str:
    return "rtl" if babel_locale(tag).character_order == "right-to-left" else "ltr"


def is_cjk(tag: str) -> bool:
    """Chinese/Japanese/Korean text wants its own font stack, line height and no italics."""
    return babel_locale(tag).language in {"zh", "ja", "ko"}


def cjk_fonts(tag: str) -> str:
    """Which CJK font stack a text needs: `tc` (Traditional Chinese faces), `sc`, `ja`, `ko`,
    or "" for other scripts. Traditional text drawn with Simplified faces shows the wrong
    glyph shapes, so the script decides, not the language."""
    locale = babel_locale(tag)
    if locale.language == "zh":
        return "tc" if locale.script == "Hant" else "sc"
    return locale.language if locale.language in {"ja", "ko"} else ""


def same_language(tag: str, other: str) -> bool:
    """zh-Hant and zh-Hans: one language in two scripts (a reader of one can read the other)."""
    return babel_locale(tag).language == babel_locale(other).language


def plural_count(tag: str) -> int:
    """How many plural forms the language's catalogs have (1 for Chinese, 2 for English)."""
    return get_plural(babel_locale(tag)).num_plurals


def long_date(day: dt.date, tag: str) -> str:
    return format_date(day, "long", locale=babel_locale(tag))


def join_names(names: list[str], tag: str) -> str:
    """`A, B, and C` / `A、B和C`, as the language writes a list."""
    return format_list(names, locale=babel_locale(tag)) if names else ""


def display_name(tag: str, in_tag: str) -> str:
    """`zh-Hans` named for an `en` reader: `Chinese (Simplified)`; for a `zh-Hans` reader: `简体中文`."""
    return babel_locale(tag).get_display_name(babel_locale(in_tag)) or tag
