"""Python %-format placeholders, as Jinja2's newstyle gettext fills them in.

A translation must use exactly the placeholders of its English text: a renamed or
dropped `%(name)s` loses data or crashes the build, and a lone `%` crashes rendering.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

_SPEC = re.compile(r"%(?:\((?P<name>[^)]*)\))?[#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?(?P<type>[diouxXeEfFgGcrsa%])")
_PERCENT = re.compile(r"%")
# `％(name)s`, `%（name）s`: a placeholder typed while a Chinese input method was in
# full-width mode. It looks right on screen, but Python sees no placeholder at all.
_FULL_WIDTH = re.compile(r"[%％][(（](?P<name>[^)）\s]{1,40})[)）](?P<type>[a-zA-Z])")


@dataclass(frozen=True)
class Placeholders:
    named: Counter            # "%(name)s" -> count
    positional: list[str]     # ["%d", "%s"] in order
    stray: list[int]          # offsets of a "%" that starts no valid placeholder


def parse(text: str) -> Placeholders:
    named, positional, covered = Counter(), [], set()
    for m in _SPEC.finditer(text):
        covered.update(range(m.start(), m.end()))
        if m["type"] == "%":
            continue
        if m["name"] is not None:
            named[f"%({m['name']}){m['type']}"] += 1
        else:
            positional.append(f"%{m['type']}")
    stray = [m.start() for m in _PERCENT.finditer(text) if m.start() not in covered]
    return Placeholders(named, positional, stray)


def mismatches(english: str, translation: str) -> list[tuple[str, str]]:
    """(what is wrong, how to fix it) for each placeholder difference."""
    typed, translation = _full_width(translation)
    if typed:
        return typed + mismatches(english, translation)
    want, got = parse(english), parse(translation)
    out = [(f"a lone \"%\" (character {i + 1}) would stop the email from being built",
            "write %% for a percent sign") for i in got.stray if not want.stray]
    out += _named(want.named, got.named)
    if want.positional != got.positional:
        out.append((f"placeholders {' '.join(got.positional) or '(none)'} do not match the English "
                    f"{' '.join(want.positional) or '(none)'}", "use the same placeholders in the same order"))
    return out


def _full_width(text: str) -> tuple[list[tuple[str, str]], str]:
    """Placeholders typed with full-width ％（）, and the text with them typed right."""
    found = []

    def fix(m: re.Match) -> str:
        if not any(c in m.group() for c in "％（）"):
            return m.group()
        right = f"%({m['name']}){m['type']}"
        found.append((f"placeholder {m.group()} is typed with full-width characters (a Chinese input "
                      "method in full-width mode), so it is not filled in",
                      f"switch the input method to half-width (English) and type {right}"))
        return right

    return found, _FULL_WIDTH.sub(fix, text)


def _named(want: Counter, got: Counter) -> list[tuple[str, str]]:
    missing, extra = sorted((want - got).elements()), sorted((got - want).elements())
    out = []
    for old in list(missing):
        new = next((p for p in extra if _name(p) == _name(old)), None)
        if new:
            out.append((f"placeholder {old} became {new}", f"keep the letter after the name: {old}"))
            missing.remove(old), extra.remove(new)
    for old, new in zip(list(missing), list(extra)):
        out.append((f"placeholder {old} was renamed to {new}",
                    f"copy {old} exactly; only the words around it are translated"))
        missing.remove(old), extra.remove(new)
    out += [(f"placeholder {p} is missing", f"copy {p} from the English text into the translation")
            for p in missing]
    known = ", ".join(sorted(want)) or "none"
    out += [(f"placeholder {p} is not in the English text", f"use only the English text's placeholders ({known})")
            for p in extra]
    return out


def _name(spec: str) -> str:
    return spec[2:spec.index(")")]
