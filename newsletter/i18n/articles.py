"""Which article translations are missing, and which were made from an older version of
their source. A translation records the source's `content_hash` in `translated_from`."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError, Problem
from ..project.config import Config
from ..project.sources import ISSUE_FILE, Article, ArticleVersion, read_issue
from .files import atomic_write

ISSUES_DIR = "issues"
FIELD = "translated_from"
MISSING, OUTDATED, UNMARKED = "missing", "outdated", "unmarked"


@dataclass(frozen=True)
class ArticleGap:
    kind: str                 # missing | outdated | unmarked
    slug: str
    language: str             # the translation's language
    source: Path
    translation: Path         # for "missing": the file to create

    def as_dict(self, root: Path) -> dict:
        return {"kind": self.kind, "slug": self.slug, "language": self.language,
                "source": _rel(self.source, root), "translation": _rel(self.translation, root)}

    def describe(self, root: Path) -> str:
        source, translation = _rel(self.source, root), _rel(self.translation, root)
        if self.kind == MISSING:
            return f"{source}: no {self.language} translation yet; to add one, create {translation}"
        if self.kind == OUTDATED:
            return (f"{translation}: its source {source} changed since it was translated; update the "
                    f"translation, then run: newsletter i18n mark-translated {translation}")
        return (f"{translation}: does not record which version of {source} it was made from; "
                f"once it matches, run: newsletter i18n mark-translated {translation}")


def _rel(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def issue_folders(root: Path) -> list[Path]:
    return sorted(p.parent for p in (root / ISSUES_DIR).glob(f"*/{ISSUE_FILE}"))


def article_gaps(config: Config) -> list[ArticleGap]:
    """Gaps in every issue of the project, issue by issue, in article order."""
    return [gap for folder in issue_folders(config.root)
            for article in read_issue(config, folder).articles
            for gap in _gaps(config, folder, article)]


def _gaps(config: Config, folder: Path, article: Article) -> list[ArticleGap]:
    source = article.original
    gaps = []
    for lang in config.site.languages:
        version = article.versions.get(lang)
        if version is None:
            gaps.append(ArticleGap(MISSING, article.slug, lang, source.path, folder / f"{article.slug}.{lang}.md"))
        elif version is not source and version.meta.translated_from is None:
            gaps.append(ArticleGap(UNMARKED, article.slug, lang, source.path, version.path))
        elif version is not source and version.meta.translated_from != source.content_hash:
            gaps.append(ArticleGap(OUTDATED, article.slug, lang, source.path, version.path))
    return gaps


def mark_translated(config: Config, path: Path, source_language: str | None = None) -> tuple[ArticleVersion, str]:
    """Record in `path`'s front matter that it matches the current text of its source.
    Returns the source and the hash written."""
    path = path.resolve()
    article, version = _find(config, path)
    source = _source(article, version, source_language)
    atomic_write(path, set_field(path.read_bytes(), FIELD, source.content_hash, path))
    return source, source.content_hash


def _find(config: Config, path: Path) -> tuple[Article, ArticleVersion]:
    issue = read_issue(config, path.parent)
    for article in issue.articles:
        for version in article.versions.values():
            if version.path.resolve() == path:
                return article, version
    raise InputError([Problem(path, None, "is not an article listed in this issue's issue.yaml",
                              "give the path of a translated article, e.g. issues/2026-11/hip-hinge.zh-Hans.md")])


def _source(article: Article, version: ArticleVersion, source_language: str | None) -> ArticleVersion:
    if source_language is not None:
        source = article.versions.get(source_language)
        if source is None or source is version:
            raise InputError([Problem(version.path, None, f"there is no {source_language} version to compare with",
                                      f"use --from with one of: {', '.join(l for l in article.versions if l != version.lang)}")])
        return source
    if article.original is not version:
        return article.original
    others = [v for v in article.versions.values() if v is not version and v.meta.translated_from is None]
    if len(others) == 1:  # every version unmarked and PATH sorts first: the other one is the source
        return others[0]
    raise InputError([Problem(version.path, None, "is the original of this article, not a translation",
                              "give the path of the translation, or say which file it was translated from "
                              "with --from LANGUAGE")])


_FRONT = re.compile(rb"\A(\xef\xbb\xbf)?---[ \t]*\r?\n")
_CLOSE = re.compile(rb"^---[ \t]*(\r?\n|\Z)", re.M)


def set_field(data: bytes, key: str, value: str, path: Path) -> bytes:
    """Set one front-matter line, leaving every other byte of the file as it was."""
    start = _FRONT.match(data)
    close = _CLOSE.search(data, start.end()) if start else None
    if not close:
        raise InputError([Problem(path, 1, "front matter not found",
                                  "start the file with a line '---', the fields, then another '---'")])
    newline = b"\r\n" if data[start.end() - 2:start.end()] == b"\r\n" else b"\n"
    line = f'{key}: "{value}"'.encode()
    existing = re.compile(rb"^" + re.escape(key.encode()) + rb":[^\r\n]*", re.M)
    found = existing.search(data, start.end(), close.start())
    if found:
        return data[:found.start()] + line + data[found.end():]
    return data[:close.start()] + line + newline + data[close.start():]
