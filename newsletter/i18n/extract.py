"""`newsletter i18n extract`: templates and Python into `translations/messages.pot`.

Each file is extracted on its own so that every template with a syntax error is named
(file:line) in one run; Babel's own directory walk stops at the first, and with Jinja2's
default `silent` it would skip the template without a word.
"""
from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.pofile import write_po
from babel.util import pathmatch
from jinja2 import TemplateSyntaxError

from ..build.catalogs import DOMAIN
from ..project.config import load_config
from ..project.theme import TEMPLATES_DIR, TRANSLATIONS_DIR, template_dirs
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
    catalog = extract_catalog(root, read_settings(load_config(root)))
    path = template_path(root)
    return path, write_if_changed(path, po_bytes(catalog))


def extract_catalog(root: Path, settings: ExtractSettings) -> Catalog:
    catalog = Catalog(project=PROJECT, version=VERSION, copyright_holder=COPYRIGHT,
                      msgid_bugs_address=BUGS_ADDRESS, charset="utf-8")
    problems = []
    for source in source_files(root, settings.method_map):
        try:
            _add_messages(catalog, source, settings)
        except TemplateSyntaxError as exc:
            problems.append(Problem(source.label, exc.lineno, f"template syntax error: {exc.message}",
                                    "fix the template; its strings cannot be extracted until it parses"))
        except SyntaxError as exc:
            problems.append(Problem(source.label, exc.lineno, f"Python syntax error: {exc.msg}",
                                    "fix the code; its strings cannot be extracted until it parses"))
    if problems:
        raise InputError(problems)
    return catalog


def _add_messages(catalog: Catalog, source: Source, settings: ExtractSettings) -> None:
    found = extract_from_file(source.method, source.path, keywords=settings.keywords,
                              comment_tags=settings.comment_tags,
                              options=settings.options_map.get(source.pattern, {}), strip_comment_tags=False)
    for lineno, message, comments, context in found:
        catalog.add(message, None, [(source.label, lineno)], auto_comments=comments, context=context)


@dataclass(frozen=True)
class Source:
    path: Path       # the file read
    label: str       # how the catalog names it: templates/email/email.html.j2, plugins/x.py
    method: str
    pattern: str


def source_files(root: Path, method_map: list[tuple[str, str]]) -> list[Source]:
    """The effective templates (a project's override hides the theme's file of the same
    name) and the project's Python files the mapping names, sorted by label."""
    found: dict[str, Source] = {}
    for folder in reversed(template_dirs(root)):   # the project's last, so it wins
        found |= _walk(folder, TEMPLATES_DIR, [(p, m) for p, m in method_map if m == "jinja2"])
    found |= _walk(root, "", [(p, m) for p, m in method_map if m != "jinja2"])
    return [found[label] for label in sorted(found)]


def _walk(folder: Path, prefix: str, method_map: list[tuple[str, str]]) -> dict[str, Source]:
    """Only the folders named before a pattern's first wildcard are walked, so dist/ and
    .git/ are never read."""
    found = {}
    for base in sorted({_static_prefix(pattern) for pattern, _ in method_map}):
        for current, dirs, files in os.walk(folder / base):
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__")
            for name in files:
                relative = (Path(current) / name).relative_to(folder).as_posix()
                match = next(((p, m) for p, m in method_map if pathmatch(p, relative)), None)
                if match and match[1] != "ignore":
                    label = f"{prefix}/{relative}" if prefix else relative
                    found[label] = Source(Path(current) / name, label, match[1], match[0])
    return found


def _static_prefix(pattern: str) -> str:
    head = re.split(r"[*?\[]", pattern, maxsplit=1)[0]
    return head.rsplit("/", 1)[0] if "/" in head else ""


def po_bytes(catalog: Catalog, **options) -> bytes:
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=PO_WIDTH, **options)
    return buffer.getvalue()
