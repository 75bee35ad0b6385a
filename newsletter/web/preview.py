"""The live preview's model: an issue kept in memory, rebuilt piece by piece as files change.

A volunteer edits one article and looks at one edition, so only the editions a change
can affect are dropped, and each is rebuilt when it is next looked at. A change that
breaks the build keeps the last good state on show next to the error, and the next good
change recovers.
"""
from __future__ import annotations

import datetime as dt
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from jinja2 import Environment

from ..build import catalogs, pictures
from ..build.built import BuiltEdition
from ..build.breaks import KeptBreaks, cache_dir
from ..build.cache import BuildCache
from ..build.inline import Inliner
from ..build.pipeline import build_edition, build_time, load_catalogs
from ..build.plan import Edition, plan_editions
from ..build.render import make_environment
from ..build.site import site_files
from ..errors import BuildError, InputError
from ..project.config import CONFIG_NAME, Config, load_config
from ..project.root import find_project_root
from ..project.sources import AUTHORS_FILE, ISSUE_FILE, Issue, read_issue
from ..project.theme import TEMPLATES_DIR, TRANSLATIONS_DIR

ALL = "all"


@dataclass(frozen=True)
class State:
    """Everything read from the project that the editions are built from."""

    config: Config
    issue: Issue
    loaded: dict[str, catalogs.LoadedCatalog]
    editions: list[Edition]
    cache: BuildCache
    when: dt.datetime

    @property
    def env(self) -> Environment:
        return self.cache.env


class Preview:
    """Parsed sources and built editions of one issue; thread-safe, one lock for all."""

    def __init__(self, issue_dir: Path, report: Callable[[str], None] = lambda line: None,
                 environ: dict | None = None):
        self.issue_dir = issue_dir.resolve()
        self.root = find_project_root(issue_dir)
        self.report = report
        self.environ = dict(os.environ if environ is None else environ)
        self.version = 0
        self.problems: list[str] = []
        self._lock = threading.RLock()
        self._built: dict[str, BuiltEdition] = {}
        self._site: dict[str, bytes] | None = None
        # One template environment and inliner per session: Jinja2 reloads a template whose
        # file changed, and the inliner's stylesheets are keyed by their text.
        self.env = make_environment(self.root)
        self._inliner = Inliner()
        self._breaks = KeptBreaks(cache_dir(self.environ))   # line breaks kept by earlier builds
        self._state: State = self._load()  # the first load's errors go to the caller

    # -- reading ------------------------------------------------------------------------
    def _load(self, state: State | None = None, parts: frozenset[str] = frozenset({ALL})) -> State:
        """Re-read the named parts (ALL, "issue", "catalogs", "templates") of `state`."""
        full = state is None or ALL in parts
        config = load_config(self.root) if full else state.config
        issue = read_issue(config, self.issue_dir) if full or "issue" in parts else state.issue
        loaded = load_catalogs(config) if full or "catalogs" in parts else state.loaded
        return State(config, issue, loaded, plan_editions(config, issue),
                     BuildCache(config.root, loaded, self.env, self._inliner), build_time(issue, self.environ))

    @property
    def state(self) -> State:
        return self._state

    @property
    def editions(self) -> list[Edition]:
        return self._state.editions

    # -- changes --------------------------------------------------------------------------
    def refresh(self, changed: Iterable[Path]) -> set[str]:
        """Take in changed files; returns the ids of the editions that must be rebuilt."""
        parts, stale = self.classify(changed)
        if not parts:
            return set()
        with self._lock:
            recovering = bool(self.problems)
            try:
                self._state = self._load(self._state, frozenset({ALL} if recovering else parts))
            except InputError as exc:
                self._fail([str(p) for p in exc.problems])
                return set()
            except BuildError as exc:
                self._fail([str(exc)])
                return set()
            dropped = {e.id for e in self.editions} if recovering or stale is None else stale
            for key in dropped:
                self._built.pop(key, None)
            self._site = None
            self.problems = []
            self.version += 1
            return dropped

    def _fail(self, problems: list[str]) -> None:
        self.problems = problems
        self.version += 1
        for line in problems:
            self.report(line)

    def classify(self, changed: Iterable[Path]) -> tuple[set[str], set[str] | None]:
        """Which parts to re-read, and which editions go stale (None: all of them)."""
        parts: set[str] = set()
        stale: set[str] | None = set()
        for path in (Path(p).resolve() for p in changed):
            part, ids = self._classify_one(path)
            if part:
                parts.add(part)
                stale = None if ids is None or stale is None else stale | ids
        return parts, stale

    def _classify_one(self, path: Path) -> tuple[str | None, set[str] | None]:
        root, issue_dir = self.root, self.issue_dir
        if path in (root / CONFIG_NAME, root / AUTHORS_FILE, issue_dir / ISSUE_FILE):
            return ALL, None
        if path.parent == issue_dir and path.suffix == ".md":
            return "issue", self._editions_showing(path)
        if path.is_relative_to(issue_dir):
            return "issue", None                 # a picture: sizes and files change
        if path.is_relative_to(root / TEMPLATES_DIR):
            return "templates", None
        if path.is_relative_to(root / TRANSLATIONS_DIR):
            return "catalogs", {e.id for e in self.editions if any(
                path.is_relative_to(catalogs.po_path(root, tag).parent.parent) for tag in e.languages)}
        if path.is_relative_to(root / "assets"):
            return ALL, None
        return None, set()

    def _editions_showing(self, path: Path) -> set[str] | None:
        """Editions that show this article file: those of its language, and those lacking a
        translation of the article (they show the original). A new file: all (None)."""
        article = next((a for a in self._state.issue.articles
                        if any(v.path == path for v in a.versions.values())), None)
        if article is None:
            return None
        lang = next(v.lang for v in article.versions.values() if v.path == path)
        return {e.id for e in self.editions
                if lang in e.languages or any(tag not in article.versions for tag in e.languages)}

    # -- building -------------------------------------------------------------------------
    def edition(self, edition_id: str) -> BuiltEdition | None:
        """The built edition (from cache, or built now); None when it cannot be built."""
        with self._lock:
            if edition_id in self._built:
                return self._built[edition_id]
            s = self._state
            edition = next((e for e in s.editions if e.id == edition_id), None)
            if edition is None:
                return None
            try:
                built = build_edition(s.config, s.issue, edition, s.loaded, s.when, s.cache)
            except InputError as exc:  # a picture, nesting, or content lost in inlining
                if [str(p) for p in exc.problems] != self.problems:
                    self._fail([str(p) for p in exc.problems])
                return None
            except BuildError as exc:
                if str(exc) not in self.problems:
                    self._fail([str(exc)])
                return None
            self._built[edition_id] = built
            self._breaks.save()   # only writes when this edition met new text
            return built

    def site_file(self, relative: str) -> bytes | None:
        """A file of the issue's web archive (`2026-11/en/hip-hinge.html`, `index.en.html`,
        `authors/en/lin-wei.html`, pictures under the issue), rendered on first request
        after a change; None when there is no such file or the issue cannot be built."""
        issue = self._state.issue.name
        with self._lock:
            if self._site is None:
                s = self._state
                try:
                    self._site = site_files(s.config, s.issue, s.editions, s.loaded, s.cache)
                except (BuildError, InputError) as exc:
                    lines = [str(p) for p in exc.problems] if isinstance(exc, InputError) else [str(exc)]
                    if lines != self.problems:
                        self._fail(lines)
                    return None
            if relative in self._site:
                return self._site[relative]
        picture = self.asset(relative[len(issue) + 1:]) if relative.startswith(f"{issue}/") else None
        return picture.read_bytes() if picture else None

    def asset(self, relative: str) -> Path | None:
        """A picture an edition links to, exactly as a build would publish it: an article's
        hero, a picture in an article's body or a sponsor's logo. Nothing else of the project is reachable (not the
        subscriber database, the ledgers or the outbox with its unsubscribe links)."""
        s = self._state
        published = {v.meta.hero: s.issue.folder for a in s.issue.articles for v in a.versions.values() if v.meta.hero}
        published |= {p.relative: s.issue.folder for p in pictures.pictures(s.issue)}
        published |= {sponsor.logo: s.config.root for sponsor in s.config.sponsors}
        base = published.get(relative)
        if base is None:
            return None
        path = (base / relative).resolve()
        return path if path.is_relative_to(base.resolve()) and path.is_file() else None

    def watched_paths(self) -> list[Path]:
        root = self.root
        candidates = [root / CONFIG_NAME, root / AUTHORS_FILE, self.issue_dir, root / TEMPLATES_DIR,
                      root / TRANSLATIONS_DIR, root / "assets"]
        return [p for p in candidates if p.exists()]
