"""Invisible characters in what the inbox shows: the subject, the sender's name, titles.

Bidi controls reorder what follows them (a subject can be made to read backwards, or a
name to hide its real ending), and zero-width characters make two texts that look alike
differ, which filters and readers both notice too late. Both arrive unseen with pasted
text, so `check` names the file and line holding them.
"""
from __future__ import annotations

import unicodedata

from ..project.sources import ISSUE_FILE
from .registry import check, error, warning

BIDI = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C)}
ZERO_WIDTH = {chr(c) for c in (0x200B, 0x200C, 0x200D, 0x2060, 0x2061, 0x2062, 0x2063, 0x2064, 0xFEFF, 0x180E)}
_EMOJI_JOIN = {"So", "Sk", "Mn"}   # 👩‍💻: a zero-width joiner between symbols is how emoji are built


def found(text: str) -> tuple[list[str], list[str]]:
    """(bidi controls, zero-width characters) in `text`, as U+XXXX names."""
    bidi, hidden = [], []
    for i, char in enumerate(text):
        if char in BIDI:
            bidi.append(_name(char))
        elif char in ZERO_WIDTH and not (char == "\u200d" and _between_symbols(text, i)):
            hidden.append(_name(char))
    return bidi, hidden


def _between_symbols(text: str, i: int) -> bool:
    return 0 < i < len(text) - 1 and all(unicodedata.category(text[j]) in _EMOJI_JOIN for j in (i - 1, i + 1))


def _name(char: str) -> str:
    return f"U+{ord(char):04X} {unicodedata.name(char, 'CONTROL').title()}"


def _fields(ctx):
    """(what, text, where) for every text shown in an inbox or as an article's title."""
    issue_file = ctx.issue.folder / ISSUE_FILE
    for lang, title in ctx.issue.meta.title.items():
        yield f"title.{lang} (the subject)", title, ctx.locate(title) or _yaml_line(ctx, issue_file, lang)
    for sponsor in ctx.config.sponsors:
        after = f'id = "{sponsor.id}"'
        yield "sender name", sponsor.sender.name, ctx.config_line("sender", after=after)
        for lang, name in sponsor.name.items():
            yield f"sponsor name ({lang})", name, ctx.config_line("name", after=after)
    for article in ctx.issue.articles:
        for v in article.versions.values():
            yield "title", v.meta.title, {"path": ctx.rel(v.path), "line": v.line("title")}


def _yaml_line(ctx, path, lang: str) -> dict:
    lines = ctx.sources.get(path, [])
    start = next((i for i, line in enumerate(lines) if line.startswith("title:")), 0)
    number = next((i for i in range(start, len(lines)) if lines[i].strip().startswith(f"{lang}:")), start)
    return {"path": ctx.rel(path), "line": number + 1}


@check("headers.invisible-characters", "Bidi controls and zero-width characters in a subject, sender name "
       "or title reorder or disguise what readers see, and make mail filters suspicious.", scope="issue")
def invisible_characters(ctx):
    for what, text, where in _fields(ctx):
        bidi, hidden = found(text)
        if bidi:
            yield error(f"{what} holds invisible text-direction controls ({', '.join(bidi)}) that reorder "
                        "what the reader sees", "retype the text instead of pasting it", **where)
        if hidden:
            yield warning(f"{what} holds zero-width characters ({', '.join(hidden)}) that nobody can see",
                          "delete them: retype the text around them instead of pasting it", **where)


CHECKS = (invisible_characters,)
