"""Article bodies, each parsed, sanitised and rendered to text once per build.

Every edition that shows an article version, and its web page, uses the same body: a
build of nine editions and their pages used to parse each Markdown file some thirty times.
"""
from __future__ import annotations

from collections.abc import Mapping

from ..errors import InputError, Problem
from ..project.sources import ArticleVersion
from ..text import markdown

Shown = Mapping[str, tuple[str, int, int]]


class Bodies:
    def __init__(self) -> None:
        self._bodies: dict[tuple, markdown.Body] = {}

    def get(self, version: ArticleVersion, pictures: Shown | None = None) -> markdown.Body:
        """Keyed by the Markdown itself and where its pictures are published (an edition
        and an archive page reach them by different paths): an edited article is a new key."""
        key = (version.body, tuple(sorted((pictures or {}).items())))
        body = self._bodies.get(key)
        if body is None:
            body = self._bodies[key] = _render(version, pictures)
        return body


def _render(v: ArticleVersion, pictures: Shown | None) -> markdown.Body:
    try:
        return markdown.render(v.body, pictures)
    except markdown.TooDeeplyNested as exc:
        raise InputError([Problem(v.path, v.body_line + exc.line - 1, str(exc),
                                  "remove the extra nested tags (<blockquote>, <div>, lists) pasted here")]) from None
