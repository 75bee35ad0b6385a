"""Per-subscriber values go only where the templates put them.

Sending fills every `%%name%%`-style token of the built email by plain substitution. A token
typed into an article (`<a href="%%name%%">`, `100%%off%%`) would be filled too — with a
subscriber's name that may read `javascript:…` — or stop the build on an unknown name. So
before rendering, every `%%` in the view's text (articles, titles, config) gets an
invisible WORD JOINER between the two signs: it reads the same, but no longer forms a
token. Only the view's `Placeholder` values, set by the build itself, stay tokens.
"""
from __future__ import annotations

import dataclasses
import re
from typing import TypeVar

from markupsafe import Markup

from .plan import Placeholder

WORD_JOINER = "\u2060"
_DOUBLE = re.compile(r"%(?=%)")
T = TypeVar("T")


def neutralise(value: T) -> T:
    """`value` (a view, or anything inside one) with every typed `%%` broken up."""
    if isinstance(value, Placeholder):
        return value
    if isinstance(value, str):
        if "%%" not in value:
            return value
        broken = _DOUBLE.sub("%" + WORD_JOINER, value)
        return Markup(broken) if isinstance(value, Markup) else broken
    if isinstance(value, (list, tuple)):
        items = [neutralise(v) for v in value]
        return value if all(a is b for a, b in zip(items, value)) else type(value)(items)
    if isinstance(value, dict):
        pairs = {k: neutralise(v) for k, v in value.items()}
        return value if all(pairs[k] is v for k, v in value.items()) else type(value)(pairs)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changed = {f.name: new for f in dataclasses.fields(value) if f.init
                   if (new := neutralise(old := getattr(value, f.name))) is not old}
        return dataclasses.replace(value, **changed) if changed else value
    return value
