"""Per-subscriber tokens typed where they are not filled in.

Only the templates personalise: a `%%name%%` typed into an article or a bio reaches every
subscriber as typed (the build keeps it from being filled, see build/personal.py), which
is rarely what the volunteer meant.
"""
from __future__ import annotations

import re

from .registry import check, warning

_TYPED = re.compile(r"%%[A-Za-z_][A-Za-z0-9_.-]*%%")


@check("personal.typed-placeholder", "A %%name%% typed into an article is shown to every subscriber as "
       "typed: only the templates' placeholders are filled in.", scope="issue")
def typed_placeholder(ctx):
    for path, lines in ctx.sources.items():
        for number, line in enumerate(lines, 1):
            for token in dict.fromkeys(_TYPED.findall(line)):
                yield warning(f"{token} is not replaced by each subscriber's value here; every subscriber "
                              "sees it as typed", "remove it; the greeting at the top of the email already "
                              "uses the subscriber's name", path=ctx.rel(path), line=number)


CHECKS = (typed_placeholder,)
