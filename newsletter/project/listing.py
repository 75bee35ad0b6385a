"""The issue file's article list against the article files in the folder: every slug
listed once, every listed slug backed by a file, with "did you mean" for near misses.

A volunteer types slugs by hand (often with a Chinese IME at hand), so a typo must name
the file it probably meant, and a file that failed to read must not also be reported as
missing.
"""
from __future__ import annotations

import difflib
import re
from pathlib import Path

from ..errors import Problem
from ..text import locales

_SLUG_AND_LANG = re.compile(r"^(?P<slug>[^.]+)\.(?P<lang>[^.]+)\.md$")


def did_you_mean(word: str, candidates) -> str | None:
    """The candidate closest to `word` (letter case ignored), or None when none is close."""
    by_fold = {c.casefold(): c for c in sorted(candidates)}
    if word.casefold() in by_fold:
        return by_fold[word.casefold()]
    close = difflib.get_close_matches(word.casefold(), list(by_fold), n=1, cutoff=0.6)
    return by_fold[close[0]] if close else None


def slug_of(path: Path) -> str:
    """The slug a Markdown file name starts with (`hip-hinge.zh-hans.md` → `hip-hinge`)."""
    return path.name.split(".", 1)[0]


def listing_problems(issue_path: Path, listed: list[str], lines: dict[str, int], found: set[str],
                     unreadable: set[str]) -> list[Problem]:
    """Duplicates and slugs without a file; `found`: slugs with a readable file,
    `unreadable`: slugs whose files have problems of their own (already reported)."""
    problems, first = [], {}
    for i, slug in enumerate(listed):
        line = lines.get(f"articles[{i}]")
        if slug in first:
            where = f" (first at line {first[slug]})" if first[slug] else ""
            problems.append(Problem(issue_path, line, f"articles[{i}]: {slug!r} is listed twice{where}",
                                    "remove one of the two lines: an article appears once in an issue"))
            continue
        first[slug] = line
        if slug not in found and slug not in unreadable:
            problems.append(Problem(issue_path, line, f"articles[{i}]: no article file for {slug!r}",
                                    _missing_fix(slug, issue_path.parent, found - set(listed))))
    return problems


def _missing_fix(slug: str, folder: Path, unlisted: set[str]) -> str:
    guess = did_you_mean(slug, unlisted) or did_you_mean(slug, {slug_of(p) for p in folder.glob("*.md")})
    if guess and guess != slug:
        return f"did you mean {guess!r}? (a file {guess}.<language>.md is in {folder.name}/)"
    return f"create {slug}.<language>.md in {folder}, or fix the slug"


def language_fix(path: Path, languages: list[str]) -> str:
    """How to rename a file whose language suffix is not a site language: `zh-hans` and
    `zh_Hans` differ only in spelling, `zh-CN` and `zh` name the same script."""
    match = _SLUG_AND_LANG.match(path.name)
    written = match["lang"] if match else ""
    tag = _same_language(written, languages)
    if tag:
        return f"rename the file to {match['slug']}.{tag}.md"
    return f"use one of: {', '.join(languages)} (see newsletter.toml)"


def _same_language(written: str, languages: list[str]) -> str | None:
    for tag in languages:
        if written.replace("_", "-").casefold() == tag.casefold():
            return tag
    try:
        locale = locales.babel_locale(written.replace("_", "-"))
    except ValueError:
        return None
    same = [t for t in languages if locales.babel_locale(t).language == locale.language]
    scripted = [t for t in same if locale.script and locales.babel_locale(t).script == locale.script]
    return (scripted or (same if len(same) == 1 else []) or [None])[0]
