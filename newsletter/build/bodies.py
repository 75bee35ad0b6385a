"""Article bodies, each parsed, sanitised and rendered to text once per build.

Every edition that shows an article version, and its web page, uses the same body: a
build of nine editions and their pages used to parse each Markdown file some thirty times.
"""
from __future__ import annotations

from ..project.sources import ArticleVersion
from ..text import markdown


class Bodies:
    def __init__(self) -> None:
        self._bodies: dict[str, markdown.Body] = {}

    def get(self, version: ArticleVersion) -> markdown.Body:
        """Keyed by the Markdown itself: an edited article is simply a new key."""
        body = self._bodies.get(version.body)
        if body is None:
            body = self._bodies[version.body] = markdown.render(version.body)
        return body
