"""The per-language catalog report behind `newsletter i18n status` and `newsletter check`.

Counts follow msgfmt, not `pybabel compile --statistics`: a fuzzy entry is not used by
the build, so it is not counted as translated.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.plurals import get_plural

from ..build.catalogs import effective_po_path, read_catalog
from ..project.theme import is_theme_file, theme_relative
from ..errors import InputError, Problem
from ..text import locales
from .checks import BREAKING, ENTRY_CHECKS

_PLURAL_HEADER = re.compile(r'^"Plural-Forms:\s*(.*?)(?:\\n)?"\s*$')
_HEADER_START = re.compile(r'^msgid ""\s*$')


@dataclass(frozen=True)
class CatalogStats:
    language: str
    path: str
    translated: int
    fuzzy: int
    untranslated: int
    obsolete: int
    broken: int = 0  # translated, but with a placeholder, tag or layout defect: not counted as done

    @property
    def total(self) -> int:
        return self.translated + self.broken + self.fuzzy + self.untranslated

    @property
    def percent(self) -> int:
        """Rounded down, so 100 means every entry is really done."""
        return 100 * self.translated // self.total if self.total else 100

    def as_dict(self) -> dict:
        return {"language": self.language, "path": self.path, "translated": self.translated,
                "broken": self.broken, "fuzzy": self.fuzzy, "untranslated": self.untranslated, "obsolete": self.obsolete,
                "percent": self.percent}


def catalog_stats(root: Path, language: str) -> CatalogStats:
    """Counts for one language's catalog; raises InputError when it is missing or broken."""
    return language_findings(root, language)[0]


def catalog_problems(root: Path, language: str) -> list[Problem]:
    """Every problem of one language's catalog (untranslated and fuzzy entries included),
    as `file:line: msgid "…": what; how to fix`. A missing or broken catalog is one problem."""
    try:
        return language_report(root, language)[1]
    except InputError as exc:
        return exc.problems


def language_report(root: Path, language: str) -> tuple[CatalogStats, list[Problem]]:
    stats, leveled = language_findings(root, language)
    return stats, [p for _, p in leveled]


def language_findings(root: Path, language: str) -> tuple[CatalogStats, list[tuple[str, Problem]]]:
    """The counts and every problem with its level: "error" for what breaks an email
    (placeholders, HTML tags, the plural header), "warning" for the rest. `newsletter
    check` and `i18n status` both read this, so they can never disagree."""
    path = effective_po_path(root, language)
    catalog = read_catalog(path, language)
    where = _relative(root, language)
    found = [("error", p) for p in _header_problems(where, path.read_text(encoding="utf-8"), language)]
    broken = set()
    for message in catalog:
        if message.id:
            entry = _entry_problems(where, message, catalog.num_plurals)
            found += entry
            if any(level == "error" for level, _ in entry) and _is_translated(message) and not message.fuzzy:
                broken.add(message.lineno)
    stats = _stats(where, language, catalog, len(broken))
    return stats, sorted(found, key=lambda f: f[1].line or 0)


def _relative(root: Path, language: str) -> str:
    """How a translator finds the file: relative to the project, or in the default theme."""
    path = effective_po_path(root, language)
    if is_theme_file(path):
        return f"(default theme) {theme_relative(path)}"
    return path.relative_to(root).as_posix()


def _stats(where: str, language: str, catalog: Catalog, broken: int = 0) -> CatalogStats:
    entries = [m for m in catalog if m.id]
    fuzzy = sum(1 for m in entries if m.fuzzy)
    translated = sum(1 for m in entries if not m.fuzzy and _is_translated(m))
    return CatalogStats(language, where, translated - broken, fuzzy, len(entries) - fuzzy - translated,
                        len(catalog.obsolete), broken)


def _is_translated(message: Message) -> bool:
    forms = message.string if isinstance(message.string, (list, tuple)) else [message.string]
    return bool(forms) and all(forms)


def _entry_problems(where: str, message: Message, num_plurals: int) -> list[tuple[str, Problem]]:
    label = f'msgid "{_short(message.id)}"'
    if message.fuzzy:
        return [("warning", Problem(where, message.lineno, f"{label}: is marked fuzzy (needs work), so emails "
                                    "show the English text", "check the translation, then clear the fuzzy flag "
                                    "(Poedit: turn off 'Needs work')"))]
    if not _is_translated(message):
        return [("warning", Problem(where, message.lineno, f"{label}: has no translation yet, so emails show "
                                    "the English text", "translate it in Poedit or Weblate"))]
    return [("error" if check in BREAKING else "warning", Problem(where, message.lineno, f"{label}: {what}", fix))
            for english, text in _pairs(message, num_plurals)
            for check in ENTRY_CHECKS for what, fix in check(english, text)]


def _pairs(message: Message, num_plurals: int) -> list[tuple[str, str]]:
    """(English, translation) to compare: plural forms are compared with the English plural,
    except form 0 of a language that has more than one form."""
    if not message.pluralizable:
        return [(message.id, message.string)]
    singular, plural = message.id[0], message.id[1]
    return [(singular if i == 0 and num_plurals > 1 else plural, text) for i, text in enumerate(message.string)]


def _header_problems(where: str, text: str, language: str) -> list[Problem]:
    expected = str(get_plural(locales.babel_locale(language)))
    header_line, found = 1, None
    for number, line in enumerate(text.splitlines(), 1):
        if _HEADER_START.match(line) and header_line == 1:
            header_line = number
        match = _PLURAL_HEADER.match(line)
        if match:
            found = (number, match.group(1).strip())
            break
    name = locales.display_name(language, "en")
    fix = f'set it to "{expected}" (Poedit: Translation → Properties → Plural forms)'
    if found is None:
        return [Problem(where, header_line, f"header: Plural-Forms is missing; {name} needs it", fix)]
    if _squash(found[1]) != _squash(expected):
        return [Problem(where, found[0], f'header: Plural-Forms is "{found[1]}", which is wrong for {name}', fix)]
    return []


def _squash(value: str) -> str:
    return re.sub(r"\s+", "", value).rstrip(";")


def _short(msgid) -> str:
    text = msgid[0] if isinstance(msgid, (tuple, list)) else msgid
    text = text.replace("\n", "\\n")
    return text if len(text) <= 40 else text[:39] + "…"
