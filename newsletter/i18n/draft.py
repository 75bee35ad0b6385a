"""`newsletter i18n draft zh-Hant --from zh-Hans`: a first Traditional Chinese draft made by
OpenCC from the Simplified Chinese work, so a translator reviews instead of typing.

OpenCC converts phrase by phrase (`s2twp` also swaps Mainland words for Taiwan ones:
软件 → 軟體, 鼠标 → 滑鼠; `s2hk` writes Hong Kong forms). Every converted catalog entry is
marked fuzzy (the build leaves fuzzy entries out, so nothing unreviewed reaches a
reader through the catalog), and every converted article gets `draft: true`, shown with
a notice or hidden per the issue's `drafts:` policy. Nothing a translator already wrote
is overwritten: reviewed catalog entries and existing article files are kept.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..build.catalogs import po_path, read_catalog
from ..errors import InputError, Problem
from ..project.config import Config
from ..project.sources import ISSUE_FILE
from ..text import locales
from .extract import po_bytes
from .files import atomic_write, write_if_changed
from .workflow import init_language

DEFAULT_CONVERSIONS = {"TW": "s2twp", "HK": "s2hk", "MO": "s2hk"}  # by territory; else s2twp
CONVERSIONS = ("s2twp", "s2tw", "s2hk", "s2t")
_FRONT_START = re.compile(r"\A(\ufeff?---[ \t]*\r?\n)")


@dataclass(frozen=True)
class Drafted:
    path: Path
    what: str   # "catalog: 12 entries" / "article"


def conversion_for(language: str, chosen: str | None) -> str:
    """The OpenCC configuration: the one asked for, else by the target's territory."""
    if chosen:
        if chosen not in CONVERSIONS:
            raise InputError([Problem("newsletter i18n draft", None, f"unknown conversion {chosen!r}",
                                      f"use one of: {', '.join(CONVERSIONS)}")])
        return chosen
    return DEFAULT_CONVERSIONS.get(locales.babel_locale(language).territory or "", "s2twp")


def converter(conversion: str):
    import opencc  # imported here: only this command needs it
    return opencc.OpenCC(conversion)


def draft_language(config: Config, language: str, source: str, conversion: str | None = None,
                   issues: list[Path] | None = None) -> list[Drafted]:
    """Draft `language`'s catalog and articles from `source`'s; returns what was written."""
    _check_pair(language, source)
    missing = [t for t in (language, source) if t not in config.site.languages]
    if missing:
        raise InputError([Problem(config.root / "newsletter.toml", None,
                                  f"site.languages: {', '.join(map(repr, missing))} is not listed",
                                  "add it to site.languages (and site.editions) first, then run the draft again")])
    convert = converter(conversion_for(language, conversion)).convert
    written = [_draft_catalog(config.root, language, source, convert)]
    for folder in issues if issues is not None else _issue_folders(config.root):
        written += _draft_articles(folder, language, source, convert)
    return [w for w in written if w is not None]


def _check_pair(language: str, source: str) -> None:
    target, origin = locales.babel_locale(language), locales.babel_locale(source)
    if target.language != "zh" or origin.language != "zh" or target.script != "Hant" or origin.script != "Hans":
        raise InputError([Problem("newsletter i18n draft", None,
                                  f"drafting converts Simplified to Traditional Chinese, not {source} to {language}",
                                  "use: newsletter i18n draft zh-Hant --from zh-Hans")])


def _draft_catalog(root: Path, language: str, source: str, convert) -> Drafted | None:
    path = po_path(root, language)
    if not path.exists():
        init_language(root, language)
    target, origin = read_catalog(path, language), read_catalog(po_path(root, source), source)
    count = 0
    for message in target:
        if not message.id or (_done(message.string) and not message.fuzzy):
            continue  # a translator's reviewed work stays
        found = origin.get(message.id, context=message.context)
        if found is None or not _done(found.string) or found.fuzzy:
            continue
        message.string = _convert(found.string, convert, target.num_plurals)
        message.flags.add("fuzzy")
        count += 1
    changed = write_if_changed(path, po_bytes(target, ignore_obsolete=False))
    return Drafted(path, f"catalog: {count} entries converted, marked fuzzy") if changed or count else None


def _convert(string, convert, forms: int):
    if isinstance(string, (tuple, list)):
        converted = [convert(s) for s in string]
        return tuple((converted + [converted[-1]] * forms)[:forms])
    return convert(string)


def _done(string) -> bool:
    return all(string) if isinstance(string, (tuple, list)) else bool(string)


def _issue_folders(root: Path) -> list[Path]:
    return sorted(p.parent for p in (root / "issues").glob(f"*/{ISSUE_FILE}"))


def _draft_articles(folder: Path, language: str, source: str, convert) -> list[Drafted]:
    written = []
    for path in sorted(folder.glob(f"*.{source}.md")):
        target = path.with_name(path.name[: -len(f"{source}.md")] + f"{language}.md")
        if target.exists():
            continue  # a translator's file stays
        text = path.read_text(encoding="utf-8-sig")
        if not _FRONT_START.match(text):
            continue  # no front matter: the build reports the source itself
        converted = _FRONT_START.sub(lambda m: m.group(1) + "draft: true\n", convert(text), count=1)
        atomic_write(target, converted.encode("utf-8"))
        written.append(Drafted(target, "article (draft: true)"))
    return written
