"""What one build makes once and every edition and web page shares.

Editions differ in sponsor and language, not in their parts: the templates, each
language's UI strings, each article version's parsed body, each wrapped paragraph and
each sponsor's prepared stylesheet are the same for all of them. A `BuildCache` lives
for one build (or one preview session) and makes each of those on first use.
Everything it holds is derived from its inputs only, so sharing never changes output.
"""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from jinja2 import Environment

from .bodies import Bodies
from .catalogs import LoadedCatalog
from .inline import Inliner
from .render import make_environment, ui_functions


class BuildCache:
    """`env` and `inliner` may come from a longer-lived owner (the live preview keeps
    one of each for its whole session); bodies and UI strings belong to one build."""

    def __init__(self, root: Path, loaded: dict[str, LoadedCatalog], env: Environment | None = None,
                 inliner: Inliner | None = None):
        self.root = root
        self.loaded = loaded
        self.env = env or make_environment(root)
        self.inliner = inliner or Inliner()
        self.bodies = Bodies()
        self._ui: dict[str, SimpleNamespace] = {}

    def ui(self, lang: str) -> SimpleNamespace:
        if lang not in self._ui:
            self._ui[lang] = ui_functions(self.loaded[lang].translations)
        return self._ui[lang]

    def ui_for(self, languages) -> dict[str, SimpleNamespace]:
        return {lang: self.ui(lang) for lang in languages}
