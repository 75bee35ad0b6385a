"""What one build makes once and every edition and web page shares.

Editions differ in sponsor and language, not in their parts: the templates, each
language's UI strings, each article version's parsed body, each wrapped paragraph and
each sponsor's prepared stylesheet are the same for all of them. A `BuildCache` lives
for one build (or one preview session) and makes each of those on first use.
Everything it holds is derived from its inputs only, so sharing never changes output.
"""
from __future__ import annotations

import functools
import gc
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


def collects_less(function):
    """Run `function` with Python's cyclic garbage collector triggered less often.

    A build allocates hundreds of thousands of small objects that live until it ends
    (parsed stylesheets, template and Markdown nodes); the default threshold makes the
    collector walk them again and again, ~8% of a build's CPU. Reference counting still
    frees everything that is not in a cycle; the old threshold is restored afterwards.
    """
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        old = gc.get_threshold()
        gc.set_threshold(max(old[0], 50_000), *old[1:])
        try:
            return function(*args, **kwargs)
        finally:
            gc.set_threshold(*old)
    return wrapper
