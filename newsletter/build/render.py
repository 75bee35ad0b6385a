"""Rendering an edition's HTML and plain text from the project's Jinja2 templates.

UI strings go through Jinja2's i18n extension (newstyle gettext, trimmed). Each language
gets its own set of gettext callables, so one template can switch language per block.
"""
from __future__ import annotations

import gettext
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace

from jinja2 import (
    Environment,
    FileSystemBytecodeCache,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    select_autoescape,
)

from ..errors import BuildError
from ..project import theme
from ..text.width import wrap_paragraphs
from .views import EditionView

HTML_TEMPLATE = "email/email.html.j2"
TEXT_TEMPLATE = "email/email.txt.j2"
GETTEXT_NAMES = ("gettext", "ngettext", "pgettext", "npgettext")


def make_environment(root: Path) -> Environment:
    env = Environment(
        loader=FileSystemLoader(theme.template_dirs(root)),  # the project's first
        extensions=["jinja2.ext.i18n"],
        autoescape=select_autoescape(["html.j2", "html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # Compiled templates kept between runs (a private folder in the temp dir, keyed by
        # template path and checked against its source): compiling is ~60 ms of a build.
        bytecode_cache=FileSystemBytecodeCache(),
    )
    env.policies["ext.i18n.trimmed"] = True  # must match extraction (pyproject [tool.babel])
    env.filters["wrap"] = lru_cache(maxsize=4096)(wrap_paragraphs)  # the same paragraphs recur per edition
    env.install_null_translations(newstyle=True)
    return env


def ui_functions(translations: gettext.NullTranslations) -> SimpleNamespace:
    """Newstyle gettext callables bound to one language, for `{% with gettext=… %}` in templates.

    Jinja2 builds the newstyle wrappers (escaping, %-formatting) when translations are
    installed; we take them from a scratch environment instead of re-implementing them.
    """
    scratch = Environment(extensions=["jinja2.ext.i18n"])
    scratch.install_gettext_translations(translations, newstyle=True)
    return SimpleNamespace(**{name: scratch.globals[name] for name in GETTEXT_NAMES})


@dataclass(frozen=True)
class Rendered:
    html: str
    text: str


def render_edition(env: Environment, view: EditionView, css_vars: dict) -> Rendered:
    html = render_template(env, HTML_TEMPLATE, v=view, c=css_vars)
    text = render_template(env, TEXT_TEMPLATE, v=view, c=css_vars)
    return Rendered(html, _tidy_text(text))


def render_template(env: Environment, name: str, **context) -> str:
    """Render one template; a template mistake surfaces as BuildError with template:line."""
    try:
        return env.get_template(name).render(**context)
    except TemplateError as exc:
        where = f"{getattr(exc, 'filename', None) or name}:{getattr(exc, 'lineno', '') or ''}"
        raise BuildError(f"{where}: template error: {exc.message}; fix the template") from None


def _tidy_text(text: str) -> str:
    """Collapse the blank-line runs that template control flow leaves behind."""
    lines, blank = [], 0
    for line in text.splitlines():
        blank = blank + 1 if not line.strip() else 0
        if blank <= 1:
            lines.append(line.rstrip())
    return "\n".join(lines).strip() + "\n"
