"""Language fallback: which language stands in when a text has none in the reader's.

Configured once, in `newsletter.toml` (`[site] fallback = { zh-Hant = ["zh-Hans", "en"] }`);
without it a language falls back to the site's other languages of the same base language
(`zh-Hant → zh-Hans`), then to the default (first) language. Every localized field is
completed through these chains right after it is read, so code that renders a text
simply indexes it by language; `LocalizedText.origin` remembers which language a
filled-in text really is, for the notices, the `lang` attributes and `newsletter check`.
"""
from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass
from typing import Any

from ..text import locales
from .schema import KeyProblem

Localized = dict[str, str]


class LocalizedText(dict):
    """A per-language text completed through the fallback chains: `text[lang]` always
    works for a site language; `origin[lang]` names the language actually written."""

    def __init__(self, written: dict[str, str], filled: dict[str, str] | None = None):
        super().__init__(written)
        self.origin: dict[str, str] = {lang: lang for lang in written}
        for lang, source in (filled or {}).items():
            self[lang] = written[source]
            self.origin[lang] = source

    def source(self, lang: str) -> str:
        """The language `text[lang]` is written in (itself unless it fell back)."""
        return self.origin.get(lang, lang)

    def missing(self) -> dict[str, str]:
        """{language: the language shown instead} for every filled-in language."""
        return {lang: source for lang, source in self.origin.items() if lang != source}


@dataclass(frozen=True)
class Fallbacks:
    """Each site language's chain: itself first, then the languages that stand in."""

    chains: dict[str, tuple[str, ...]]

    def chain(self, lang: str) -> tuple[str, ...]:
        return self.chains.get(lang, (lang,))

    def first(self, available, lang: str) -> str | None:
        """The first language of `lang`'s chain found in `available`."""
        return next((tag for tag in self.chain(lang) if tag in available), None)

    def complete(self, written: dict[str, str], languages) -> tuple[LocalizedText, list[str]]:
        """The text filled in for every language it can be; and the languages it cannot."""
        filled, impossible = {}, []
        for lang in languages:
            if lang in written:
                continue
            source = self.first(written, lang)
            if source is None:
                impossible.append(lang)
            else:
                filled[lang] = source
        return LocalizedText(written, filled), impossible


def default_chain(lang: str, languages: list[str]) -> tuple[str, ...]:
    """`lang`, the site's other scripts of the same language, then the default language."""
    base = locales.babel_locale(lang).language if locales.is_known(lang) else lang
    kin = [t for t in languages if t != lang and locales.is_known(t) and locales.babel_locale(t).language == base]
    chain = [lang, *kin, *languages[:1]]
    return tuple(dict.fromkeys(chain))


def make_fallbacks(languages: list[str], configured: dict[str, list[str]] | None) -> Fallbacks:
    chains = {}
    for lang in languages:
        given = (configured or {}).get(lang)
        chains[lang] = tuple(dict.fromkeys([lang, *given])) if given else default_chain(lang, languages)
    return Fallbacks(chains)


def config_problems(languages: list[str], configured: dict[str, list[str]]) -> list[KeyProblem]:
    """A chain may only name site languages."""
    problems = []
    for lang, chain in configured.items():
        for tag in [lang, *chain]:
            if tag not in languages:
                problems.append(KeyProblem(f"site.fallback.{lang}", f"{tag!r} is not in site.languages",
                                           f"use languages from: {', '.join(languages)}"))
    return problems


def complete_record(record: Any, fallbacks: Fallbacks, languages: list[str], key: str = "",
                    syntax: str = "yaml") -> tuple[Any, list[KeyProblem]]:
    """Complete every localized field of a loaded record (recursively: lists and tables of
    records too). A required text that no language of the chain has is a problem that
    says what to add, in the file's own syntax."""
    if isinstance(record, list):
        pairs = [complete_record(r, fallbacks, languages, f"{key}[{i}]", syntax) for i, r in enumerate(record)]
        return [r for r, _ in pairs], [p for _, ps in pairs for p in ps]
    if isinstance(record, dict) and not isinstance(record, LocalizedText):
        pairs = {k: complete_record(r, fallbacks, languages, _join(key, k), syntax) for k, r in record.items()}
        return {k: r for k, (r, _) in pairs.items()}, [p for _, ps in pairs.values() for p in ps]
    if not dataclasses.is_dataclass(record):
        return record, []
    hints, changes, problems = typing.get_type_hints(type(record)), {}, []
    for f in dataclasses.fields(record):
        value, where = getattr(record, f.name), _join(key, f.name)
        if _is_localized(hints[f.name]) and isinstance(value, dict):
            changes[f.name], impossible = fallbacks.complete(value, languages)
            if _required(f) or value:
                problems += [_no_text(where, lang, fallbacks, syntax) for lang in impossible]
        elif isinstance(value, (list, dict)) or dataclasses.is_dataclass(value):
            changes[f.name], more = complete_record(value, fallbacks, languages, where, syntax)
            problems += more
    return dataclasses.replace(record, **changes), problems


def _is_localized(hint: Any) -> bool:
    """A per-language text, alone or as one choice (`str | Localized`: one name for all)."""
    return hint == Localized or Localized in typing.get_args(hint)


def _required(f: dataclasses.Field) -> bool:
    return f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING


def _no_text(key: str, lang: str, fallbacks: Fallbacks, syntax: str) -> KeyProblem:
    others = [t for t in fallbacks.chain(lang) if t != lang]
    nor = f", nor in {' or '.join(others)} to fall back on" if others else ""
    add = f'{lang}: "…"' if syntax == "yaml" else f'{lang} = "…"'
    return KeyProblem(key, f"no text in {lang}{nor}", f"add {add}")


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else str(name)


def fallback_notes(record: Any, key: str = "") -> list[tuple[str, str, str]]:
    """(key path, language, language shown instead) for every filled-in text of a record:
    what `newsletter check` lists as missing translations."""
    if isinstance(record, LocalizedText):
        return [(key, lang, source) for lang, source in record.missing().items()]
    if isinstance(record, list):
        return [n for i, r in enumerate(record) for n in fallback_notes(r, f"{key}[{i}]")]
    if isinstance(record, dict):
        return [n for k, r in record.items() for n in fallback_notes(r, _join(key, k))]
    if dataclasses.is_dataclass(record) and not isinstance(record, type):
        return [n for f in dataclasses.fields(record) for n in fallback_notes(getattr(record, f.name), _join(key, f.name))]
    return []
