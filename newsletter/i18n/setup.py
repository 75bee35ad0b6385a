"""What `newsletter i18n extract` reads and how: settings in code, so a project needs no
pyproject.toml, with optional additions from `[extract]` in newsletter.toml.

The effective templates are extracted (the project's overrides and every default-theme
template they do not replace), with the same options the build renders with: trimmed
(`ext.i18n.trimmed` must agree on both sides) and not silent (a template with a syntax
error is reported, never skipped).
"""
from __future__ import annotations

from dataclasses import dataclass
from babel.messages.extract import DEFAULT_KEYWORDS
from babel.messages.frontend import parse_keywords

from ..errors import InputError, Problem
from ..project.config import CONFIG_NAME, Config

# The keywords the templates and the Python code use, in Babel's spec form.
KEYWORDS = ("_", "gettext", "ngettext:1,2", "pgettext:1c,2", "npgettext:1c,2,3")
TEMPLATE_PATTERN = "**.j2"
JINJA_OPTIONS = {"extensions": "jinja2.ext.i18n", "trimmed": "true", "silent": "false"}


@dataclass(frozen=True)
class ExtractSettings:
    method_map: list[tuple[str, str]]   # (glob pattern relative to a source folder, method)
    options_map: dict[str, dict]
    keywords: dict
    comment_tags: list[str]


def read_settings(config: Config) -> ExtractSettings:
    extra = config.extract
    method_map = [(TEMPLATE_PATTERN, "jinja2"), *((pattern, "python") for pattern in extra.python)]
    options = {TEMPLATE_PATTERN: dict(JINJA_OPTIONS)}
    keywords = {**DEFAULT_KEYWORDS, **_keywords([*KEYWORDS, *extra.keywords], config)}
    return ExtractSettings(method_map, options, keywords, list(extra.comment_tags))


def _keywords(specs: list[str], config: Config) -> dict:
    """Babel's keyword specs (`name:1c,2`), a mistake reported with its place."""
    try:
        return parse_keywords(specs)
    except ValueError as exc:
        raise InputError([Problem(config.root / CONFIG_NAME, None, f"extract.keywords: {exc}",
                                  "write each as name or name:1,2 (msgid positions; 1c marks a context)")]) from None
