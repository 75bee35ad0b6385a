"""UI-string catalogs: `translations/<folder>/LC_MESSAGES/messages.po`, compiled at build time.

A project's catalog comes first and the default theme's catalog of the same language
supplies every string the project's does not translate (`project/theme.py`).

Compiling in memory means no stale `.mo` is ever committed or used. Fuzzy entries are
left out (as msgfmt does) and reported, because `pybabel compile --statistics` would
count them as translated. So are translations whose placeholders differ from the
English (a lone `%` would crash rendering): the English text is shown instead.
"""
from __future__ import annotations

import gettext
import io
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileError, read_po

from ..errors import InputError, Problem
from ..project.theme import TRANSLATIONS_DIR, is_theme_file, translation_dirs
from ..text import htmltags, locales
from ..text.placeholders import mismatches

SOURCE_LANGUAGE = "en"  # the language the templates' msgids are written in
DOMAIN = "messages"


@dataclass(frozen=True)
class LoadedCatalog:
    language: str
    translations: gettext.NullTranslations
    warnings: list[Problem]


def po_path(root: Path, language: str) -> Path:
    """The project's own catalog of `language` (it may not exist)."""
    return root / TRANSLATIONS_DIR / _relative_po(language)


def catalog_paths(root: Path, language: str) -> list[Path]:
    """Every catalog of `language` that applies, the project's first, then the theme's."""
    return [p for folder in translation_dirs(root) if (p := folder / _relative_po(language)).is_file()]


def effective_po_path(root: Path, language: str) -> Path:
    """The catalog a translator of this project edits: the project's own when it has one,
    else the theme's (reported as missing by `read_catalog` when neither exists)."""
    return next(iter(catalog_paths(root, language)), po_path(root, language))


def _relative_po(language: str) -> Path:
    return Path(locales.gettext_folder(language), "LC_MESSAGES", f"{DOMAIN}.po")


def load_catalog(root: Path, language: str) -> LoadedCatalog:
    """Compile one language's catalogs; the source language needs none. Problems of the
    installed theme's own catalogs are not the volunteer's, so only the project's are reported."""
    paths = catalog_paths(root, language)
    if language == SOURCE_LANGUAGE and not paths:
        return LoadedCatalog(language, gettext.NullTranslations(), [])
    if not paths:
        read_catalog(po_path(root, language), language)  # raises the plain-words error
    chain, warnings = None, []
    for path in reversed(paths):  # the theme's first, so the project's ends up in front
        translations, found = _compile(path, language)
        if chain is not None:
            translations.add_fallback(chain)
        chain = translations
        warnings += [] if is_theme_file(path) else found
    return LoadedCatalog(language, chain, sorted(warnings, key=lambda w: (str(w.path), w.line or 0)))


def _compile(path: Path, language: str) -> tuple[gettext.GNUTranslations, list[Problem]]:
    catalog = read_catalog(path, language)
    warnings = _fuzzy_warnings(path, catalog) + _drop_broken_placeholders(path, catalog)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer), warnings


def read_catalog(path: Path, language: str) -> Catalog:
    if not path.is_file():
        raise InputError([Problem(path, None, f"no UI translations for {language!r}",
                                  f"run: newsletter i18n init {language}")])
    try:
        with path.open("rb") as fp:
            return read_po(fp, locale=locales.babel_locale(language), abort_invalid=True)
    except PoFileError as exc:
        raise InputError([_plain(path, exc, language)]) from None


def _fuzzy_warnings(path: Path, catalog: Catalog) -> list[Problem]:
    return [Problem(path, m.lineno, f"msgid {_short(m.id)!r} is fuzzy, so the English text is shown",
                    "review the translation and clear the fuzzy flag (Poedit: 'Needs work' off)")
            for m in catalog if m.id and m.fuzzy]


def _drop_broken_placeholders(path: Path, catalog: Catalog) -> list[Problem]:
    """Leave out translations that would fail or lose data when filled in."""
    broken = [m for m in catalog if m.id and m.string and not m.fuzzy and _placeholder_slip(m)]
    for m in broken:
        catalog.delete(m.id, context=m.context)
    return [Problem(path, m.lineno, f"msgid {_short(m.id)!r}: {_placeholder_slip(m)}, so the English text is shown",
                    "fix the placeholders (see: newsletter i18n status)") for m in broken]


def _placeholder_slip(message) -> str:
    ids = message.id if isinstance(message.id, (tuple, list)) else (message.id,)
    strings = message.string if isinstance(message.string, (tuple, list)) else (message.string,)
    found = [what for text in strings if text for what, _ in mismatches(ids[-1], text)]
    found += ["its HTML tags differ from the English text's" for text in strings
              if text and htmltags.differ(ids[-1], text)]
    return found[0] if found else ""


def _plain(path: Path, exc: PoFileError, language: str) -> Problem:
    """Babel's parse errors in words a translator can act on."""
    line, text = getattr(exc, "lineno", None), str(exc)
    name = locales.display_name(language, "en")
    if text.startswith("msg has more translations than num_plurals"):
        forms = locales.plural_count(language)
        return Problem(path, (line or 0) + 1 or None,
                       f"this plural entry has more forms (msgstr[0], msgstr[1], …) than {name} uses ({forms})",
                       f"keep msgstr[0]{' to msgstr[' + str(forms - 1) + ']' if forms > 1 else ''} and delete "
                       "the other msgstr[…] lines (Poedit shows one box per form)")
    if text.startswith("missing msgstr"):
        return Problem(path, (line or 0) + 1 or None, "this msgid has no msgstr line under it",
                       'add msgstr "" (or the translation) on the next line')
    return Problem(path, line, f"catalog is broken: {text}", "open it in Poedit, which shows and fixes syntax errors")


def _short(msgid) -> str:
    text = msgid[0] if isinstance(msgid, tuple) else msgid
    return text if len(text) <= 40 else text[:39] + "…"


def load_catalogs(config) -> dict[str, LoadedCatalog]:
    """Every site language's catalog; all problems of all of them in one InputError."""
    loaded, problems = {}, []
    for lang in config.site.languages:
        try:
            loaded[lang] = load_chain(config.root, config.fallbacks.chain(lang))
        except InputError as exc:
            problems += exc.problems
    if problems:
        raise InputError(problems)
    return loaded


def load_chain(root: Path, chain: tuple[str, ...]) -> LoadedCatalog:
    """The UI strings of the chain's first language, each one it lacks (untranslated, fuzzy,
    broken) taken from the next language of its fallback chain that has it: a zh-Hant
    catalog still missing strings shows zh-Hans ones, not English. A language with no
    catalog yet uses the chain's, with a warning. Every language gets fresh translation
    objects, so no chain can loop back on itself."""
    first, *rest = chain
    try:
        loaded = load_catalog(root, first)
    except InputError:
        stand_in = next((t for t in rest if t != SOURCE_LANGUAGE and catalog_paths(root, t)), None)
        if stand_in is None or catalog_paths(root, first):
            raise
        loaded = LoadedCatalog(first, gettext.NullTranslations(), [Problem(
            po_path(root, first), None, f"no UI translations for {first!r} yet, so {stand_in} ones are shown",
            f"run: newsletter i18n draft {first} --from {stand_in} (or newsletter i18n init {first})")])
    for lang in rest:
        if lang == SOURCE_LANGUAGE or catalog_paths(root, lang):
            loaded.translations.add_fallback(load_catalog(root, lang).translations)
    return loaded
