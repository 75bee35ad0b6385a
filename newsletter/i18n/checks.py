"""What can be wrong with one translated entry, phrased for the translator.

Each check takes the English text and one translated text and returns
(what is wrong, how to fix it) pairs; `report.py` adds the file, line and msgid.
"""
from __future__ import annotations

from collections import Counter

from ..text import hanpunct
from ..text.htmltags import tags as _tags
from ..text.placeholders import mismatches as placeholder_mismatches

Finding = tuple[str, str]


def html_tags(english: str, translation: str) -> list[Finding]:
    want, got = _tags(english), _tags(translation)
    if want == got:
        return []
    return [(f"HTML tags differ: the English text has {_list(want)}, the translation has {_list(got)}",
             "keep exactly the English text's tags, translating only the words between them")]


def _list(tags: Counter) -> str:
    return " ".join(sorted(tags.elements(), key=lambda t: (t.strip("</>"), t.startswith("</")))) or "none"


def edges(english: str, translation: str) -> list[Finding]:
    """Leading/trailing spaces and line breaks are layout: they must match the English."""
    out = []
    for side, want, got in (("starts", _lead(english), _lead(translation)),
                            ("ends", _trail(english), _trail(translation))):
        if want == got:
            continue
        if not want:
            what = f"the translation {side} with {_describe(got)}, the English text does not"
        elif not got:
            what = f"the English text {side} with {_describe(want)}, the translation does not"
        else:
            what = f"the English text {side} with {_describe(want)}, the translation with {_describe(got)}"
        out.append((what, f"make the translation {side[:-1]} like the English text"))
    return out


def _lead(text: str) -> str:
    return text[: len(text) - len(text.lstrip())]


def _trail(text: str) -> str:
    return text[len(text.rstrip()):]


def _describe(space: str) -> str:
    if "\n" in space:
        return "a line break" if space.count("\n") == 1 else f"{space.count(chr(10))} line breaks"
    return "a space" if len(space) == 1 else f"{len(space)} spaces"


def punctuation(english: str, translation: str) -> list[Finding]:
    slips = hanpunct.find(translation)
    if not slips:
        return []
    marks = ", ".join(dict.fromkeys(f'"{s.char}"' for s in slips))
    better = ", ".join(dict.fromkeys(f'"{s.suggestion}"' for s in slips))
    return [(f"half-width punctuation {marks} next to Chinese characters",
             f"use the full-width {better}")]


def placeholders(english: str, translation: str) -> list[Finding]:
    return placeholder_mismatches(english, translation)


ENTRY_CHECKS = (placeholders, html_tags, edges, punctuation)
# What breaks an email (data lost, a crash, markup from a catalog) rather than its looks;
# `newsletter check` reports these as errors, so the send gate refuses them.
BREAKING = (placeholders, html_tags)


def check_text(english: str, translation: str) -> list[Finding]:
    return [finding for check in ENTRY_CHECKS for finding in check(english, translation)]
