"""What the checks look at: the project, the issue's sources and each built edition parsed
once with lxml, plus helpers to point a finding back at the source line it came from."""
from __future__ import annotations

import email
import email.policy
import re
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from functools import cached_property
from pathlib import Path

import lxml.html

from ..build.built import BuiltEdition
from ..project.config import CONFIG_NAME, Config
from ..project.sources import AUTHORS_FILE, ISSUE_FILE, Issue

HIDDEN = re.compile(r"display\s*:\s*none", re.I)


@dataclass(frozen=True)
class EditionDoc:
    built: BuiltEdition
    tree: lxml.html.HtmlElement

    @property
    def id(self) -> str:
        return self.built.edition.id

    @property
    def languages(self) -> tuple[str, ...]:
        return self.built.edition.languages

    @cached_property
    def message(self) -> EmailMessage:
        """The sample .eml, parsed once for every check that reads it (parsing is most
        of what checking a current build costs). Checks only read it."""
        return email.message_from_bytes(self.built.eml, policy=email.policy.default)

    def visible_text(self) -> str:
        """Body text a reader sees: hidden elements (the preheader) left out."""
        body = self.tree.find("body")
        root = body if body is not None else self.tree
        return " ".join(t for el in root.iter() if not is_hidden(el) for t in _own_text(el))


def _own_text(el) -> list[str]:
    return [t for t in (el.text if isinstance(el.tag, str) else None, el.tail) if t and t.strip()]


def is_hidden(el) -> bool:
    """True when the element or an ancestor is styled display:none."""
    return any(HIDDEN.search(a.get("style", "")) for a in (el, *el.iterancestors()) if isinstance(a.tag, str))


def describe(el) -> str:
    """A short, recognisable name for an element: `<a href="…"> line 120`."""
    attrs = [f'{k}="{_short(el.get(k))}"' for k in ("class", "id", "href", "src") if el.get(k) is not None]
    name = " ".join([el.tag, *attrs])
    return f"<{name}> (line {el.sourceline})" if el.sourceline else f"<{name}>"


def _short(value: str, limit: int = 60) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


@dataclass(frozen=True)
class CheckContext:
    config: Config
    issue: Issue
    editions: list[EditionDoc]
    sources: dict[Path, list[str]]   # every source file the volunteer edits, as lines
    languages: dict[Path, str]       # article file → its language
    fetch: Callable | None = None    # the network, for `check --online`; None: offline

    def rel(self, path: Path) -> str:
        """Paths as the volunteer sees them from the project folder."""
        try:
            return str(Path(path).relative_to(self.config.root))
        except ValueError:
            return str(path)

    def locate(self, needle: str, languages=None) -> dict:
        """`path`/`line` of the first source line holding `needle`, as Finding keywords
        (empty when not found); article files of `languages` are searched first, then the
        others: an edition also shows stand-ins along the fallback chains (an English
        original in a zh-Hans edition), and their lines are the same source lines."""
        needle = needle.strip()
        if not needle:
            return {}
        if languages is not None:
            return self._find(needle, languages) or self._find(needle, None)
        return self._find(needle, None)

    def _find(self, needle: str, languages) -> dict:
        for path, lines in self.sources.items():
            lang = self.languages.get(path)
            if languages is not None and lang is not None and lang not in languages:
                continue
            for number, line in enumerate(lines, 1):
                if needle in line:
                    return {"path": self.rel(path), "line": number}
        return {}

    def config_line(self, needle: str, after: str | None = None) -> dict:
        """Locate a line of newsletter.toml, optionally the first one after `after`."""
        path = self.config.root / CONFIG_NAME
        lines = self.sources.get(path, [])
        start = next((i for i, line in enumerate(lines) if after and after in line), 0)
        for number in range(start, len(lines)):
            if needle in lines[number]:
                return {"path": CONFIG_NAME, "line": number + 1}
        return {"path": CONFIG_NAME}


def make_context(config: Config, issue: Issue, built: list[BuiltEdition], fetch=None) -> CheckContext:
    docs = [EditionDoc(b, lxml.html.document_fromstring(b.html)) for b in built]
    files = {v.path: v.lang for a in issue.articles for v in a.versions.values()}
    others = [issue.folder / ISSUE_FILE, config.root / AUTHORS_FILE, config.root / CONFIG_NAME]
    sources = {p: _lines(p) for p in [*files, *others]}
    return CheckContext(config, issue, docs, sources, files, fetch)


def _lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8-sig").splitlines()
    except OSError:
        return []
