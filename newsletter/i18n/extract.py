"""`newsletter i18n extract`: templates and Python into `translations/messages.pot`.

Each file is extracted on its own so that every template with a syntax error is named
(file:line) in one run; Babel's own directory walk stops at the first, and with Jinja2's
default `silent` it would skip the template without a word.
"""
from __future__ import annotations

import io
import os
import re
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.pofile import write_po
from babel.util import pathmatch
from jinja2 import TemplateSyntaxError

from ..build.catalogs import DOMAIN, TRANSLATIONS_DIR
from ..errors import InputError, Problem
from .files import write_if_changed
from .setup import ExtractSettings, read_settings

PROJECT = "newsletter"
VERSION = "0.1"
COPYRIGHT = "the newsletter volunteers"
BUGS_ADDRESS = "https://example.org/newsletter/issues"
PO_WIDTH = 76


def template_path(root: Path) -> Path:
    return root / TRANSLATIONS_DIR / f"{DOMAIN}.pot"


def extract(root: Path) -> tuple[Path, bool]:
    """Write the template; returns its path and whether the file changed."""
    catalog = extract_catalog(root, read_settings(root))
    path = template_path(root)
    return path, write_if_changed(path, po_bytes(catalog))


def extract_catalog(root: Path, settings: ExtractSettings) -> Catalog:
    catalog = Catalog(project=PROJECT, version=VERSION, copyright_holder=COPYRIGHT,
                      msgid_bugs_address=BUGS_ADDRESS, charset="utf-8")
    problems = []
    for relative, method in source_files(root, settings.method_map):
        try:
            _add_messages(catalog, root, relative, method, settings)
        except TemplateSyntaxError as exc:
            problems.append(Problem(relative, exc.lineno, f"template syntax error: {exc.message}",
                                    "fix the template; its strings cannot be extracted until it parses"))
        except SyntaxError as exc:
            problems.append(Problem(relative, exc.lineno, f"Python syntax error: {exc.msg}",
                                    "fix the code; its strings cannot be extracted until it parses"))
    if problems:
        raise InputError(problems)
    return catalog


def _add_messages(catalog: Catalog, root: Path, relative: str, method: str, settings: ExtractSettings) -> None:
    pattern = next(p for p, m in settings.method_map if m == method and pathmatch(p, relative))
    found = extract_from_file(method, root / relative, keywords=settings.keywords,
                              comment_tags=settings.comment_tags,
                              options=settings.options_map.get(pattern, {}), strip_comment_tags=False)
    for lineno, message, comments, context in found:
        catalog.add(message, None, [(relative, lineno)], auto_comments=comments, context=context)


def source_files(root: Path, method_map: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(relative posix path, method) for every file a mapping pattern matches, sorted.

    Only the folders named before a pattern's first wildcard are walked, so dist/ and
    .git/ are never read.
    """
    found = {}
    for base in sorted({_static_prefix(pattern) for pattern, _ in method_map}):
        for folder, dirs, files in os.walk(root / base):
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__")
            for name in files:
                relative = (Path(folder) / name).relative_to(root).as_posix()
                method = next((m for p, m in method_map if pathmatch(p, relative)), None)
                if method and method != "ignore":
                    found[relative] = method
    return sorted(found.items())


def _static_prefix(pattern: str) -> str:
    head = re.split(r"[*?\[]", pattern, maxsplit=1)[0]
    return head.rsplit("/", 1)[0] if "/" in head else ""


def po_bytes(catalog: Catalog, **options) -> bytes:
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=PO_WIDTH, **options)
    return buffer.getvalue()
