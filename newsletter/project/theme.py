"""The default theme shipped inside the package, and a project's overrides of it.

It works like MkDocs' `custom_dir`: a project's `templates/` overrides any file of the
default theme by name, and a project's `translations/<lang>/LC_MESSAGES/messages.po`
adds or overrides UI strings while the theme's catalogs supply the rest. A project
with neither folder uses the theme as shipped.
"""
from __future__ import annotations

from pathlib import Path

THEME_DIR = Path(__file__).resolve().parent.parent / "theme"
TEMPLATES_DIR = "templates"
TRANSLATIONS_DIR = "translations"


def template_dirs(root: Path) -> list[Path]:
    """Where templates are looked up, first match wins: the project's, then the theme's."""
    return _distinct([root / TEMPLATES_DIR, THEME_DIR / TEMPLATES_DIR])


def translation_dirs(root: Path) -> list[Path]:
    """Where catalogs are looked up, the project's first."""
    return _distinct([root / TRANSLATIONS_DIR, THEME_DIR / TRANSLATIONS_DIR])


def is_theme_file(path: Path) -> bool:
    """True for the default theme's own files: their problems are ours, not the volunteer's."""
    return Path(path).absolute().is_relative_to(THEME_DIR) or Path(path).resolve().is_relative_to(THEME_DIR)


def theme_relative(path: Path) -> str:
    """A theme file named as the theme sees it, e.g. translations/zh_Hans/LC_MESSAGES/messages.po."""
    path = Path(path).absolute()
    return (path if path.is_relative_to(THEME_DIR) else path.resolve()).relative_to(THEME_DIR).as_posix()


def _distinct(paths: list[Path]) -> list[Path]:
    """Existing folders, each once (in this repository the theme's folders are symlinks
    to the sample project's own, so both names lead to one place)."""
    seen, found = set(), []
    for path in paths:
        real = path.resolve()
        if path.is_dir() and real not in seen:
            seen.add(real)
            found.append(path)
    return found
