"""`newsletter i18n init / update / compile`: the catalog steps pybabel offers, through
Babel's Python API, writing a file only when its content (not just its date) changed."""
from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileError, read_po

from ..build.catalogs import SOURCE_LANGUAGE, catalog_paths, po_path, read_catalog
from ..errors import InputError, Problem
from ..text import locales
from ..project.theme import is_theme_file
from .extract import extract, po_bytes, template_path
from .files import atomic_write, write_if_changed


@dataclass(frozen=True)
class Written:
    path: Path
    changed: bool


def init_language(root: Path, language: str) -> Written:
    """Start the project's catalog of a language from the template, with Babel's plural
    rule; what the default theme already translates is filled in, for the translator to
    keep or change."""
    locale = _locale(language)
    path = po_path(root, language)
    if path.exists():
        raise InputError([Problem(path, None, f"a catalog for {language!r} already exists",
                                  "run: newsletter i18n update")])
    if not template_path(root).is_file():
        extract(root)
    template = read_template(root)
    catalog = Catalog(locale=locale, project=template.project, version=template.version,
                      copyright_holder=template.copyright_holder, msgid_bugs_address=template.msgid_bugs_address,
                      creation_date=template.creation_date, charset="utf-8", fuzzy=False)
    catalog.update(template, no_fuzzy_matching=True, update_header_comment=True)
    _fill_from_theme(catalog, root, language)
    return Written(path, write_if_changed(path, po_bytes(catalog)))


def _fill_from_theme(catalog: Catalog, root: Path, language: str) -> None:
    theme = [p for p in catalog_paths(root, language) if is_theme_file(p)]
    if not theme:
        return
    shipped = read_catalog(theme[0], language)
    for message in catalog:
        known = shipped.get(message.id, context=message.context) if message.id else None
        if known is not None and known.string and not known.fuzzy:
            message.string = known.string


def update_languages(root: Path, languages: list[str]) -> list[Written]:
    """Merge the template into every catalog; changed English gets a fuzzy guess to review."""
    template = read_template(root)
    catalogs = [(po_path(root, lang), read_catalog(po_path(root, lang), lang)) for lang in own_catalogs(root, languages)]
    written = []
    for path, catalog in catalogs:
        catalog.update(template, update_header_comment=False)
        written.append(Written(path, write_if_changed(path, po_bytes(catalog, ignore_obsolete=False))))
    return written


def compile_languages(root: Path, languages: list[str]) -> list[Written]:
    """`messages.mo` beside each `.po`, fuzzy entries left out, for tools that want files.
    The build itself compiles in memory and never reads these."""
    compiled = []
    for lang in own_catalogs(root, languages):
        path = po_path(root, lang)
        catalog = read_catalog(path, lang)
        buffer = io.BytesIO()
        write_mo(buffer, catalog, use_fuzzy=False)
        compiled.append((path.with_suffix(".mo"), buffer.getvalue()))
    return [Written(mo, _write_bytes(mo, data)) for mo, data in compiled]


def _write_bytes(path: Path, data: bytes) -> bool:
    if path.is_file() and path.read_bytes() == data:
        return False
    atomic_write(path, data)
    return True


def own_catalogs(root: Path, languages: list[str]) -> list[str]:
    """The languages with a catalog of the project's own; the others use the default
    theme's, and a language with neither is reported with the command that starts one."""
    own = []
    for lang in translated(languages):
        if po_path(root, lang).is_file():
            own.append(lang)
        elif not catalog_paths(root, lang):
            read_catalog(po_path(root, lang), lang)  # raises: no UI translations, run init
    return own


def translated(languages: list[str]) -> list[str]:
    """The languages that have a catalog: all but the one the templates are written in."""
    return [lang for lang in languages if lang != SOURCE_LANGUAGE]


def read_template(root: Path) -> Catalog:
    path = template_path(root)
    if not path.is_file():
        raise InputError([Problem(path, None, "the template is missing", "run: newsletter i18n extract")])
    try:
        with path.open("rb") as fp:
            return read_po(fp, abort_invalid=True)
    except PoFileError as exc:
        raise InputError([Problem(path, getattr(exc, "lineno", None), f"template is broken: {exc}",
                                  "run: newsletter i18n extract")]) from None


def _locale(language: str):
    try:
        return locales.babel_locale(language)
    except ValueError:
        raise InputError([Problem("newsletter i18n init", None, f"{language!r} is not a language tag Babel knows",
                                  "use a BCP 47 tag such as zh-Hant, ja or es")]) from None
