"""Reading an issue folder: the issue file, its articles (Markdown + front matter) and authors.

Everything is read and checked before anything is rendered, and every problem of every
file is collected so a volunteer fixes them in one go.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputError, Problem
from . import limits
from .config import Config, Localized
from .fallback import complete_record
from .listing import did_you_mean, language_fix, listing_problems, slug_of
from .safepath import inside, path_problem
from .schema import Loader, field, one_line
from .yamlfile import located, parse, read_text

if TYPE_CHECKING:
    from ..text.markdown import BodyImage

ISSUE_FILE = "issue.yaml"
AUTHORS_FILE = "authors.yaml"
_FRONT = re.compile(r"\A---[ \t]*\n(.*?\n)?---[ \t]*(?:\n|\Z)", re.S)
_NAME = re.compile(r"^(?P<slug>[^.]+)\.(?P<lang>[A-Za-z]{2,3}(?:-[A-Za-z0-9]+)*)\.md$")


def _https(v: str) -> str | None:
    return None if v.startswith("https://") else f"{v!r} must be an https:// link"


def _policy(v: str) -> str | None:
    return None if v in ("keep", "hide") else f"{v!r} must be keep or hide"


def _drafts(v: str) -> str | None:
    return None if v in ("show", "hide") else f"{v!r} must be show or hide"


def _content(v: str) -> str | None:
    return None if v in ("full", "excerpt") else f"{v!r} must be full or excerpt"


@dataclass(frozen=True)
class Author:
    name: Localized = field("the author's name in each language")
    bio: Localized = field("'About the author' text in each language")


@dataclass(frozen=True)
class FrontMatter:
    title: str = field("the article's title")
    author: str = field("author id from authors.yaml")
    category: str = field("section label shown above the title")
    date: dt.date = field("publication date, YYYY-MM-DD")
    hero: str | None = field("hero image file, relative to the issue folder (optional)", default=None)
    hero_alt: str | None = field("what the hero image shows, read aloud to blind readers "
                                 "(required with hero)", default=None)
    discuss: str | None = field("https link where readers discuss the article (optional)", default=None,
                                check=_https)
    excerpt: str | None = field("short summary; derived from the body when absent", default=None)
    related: list[str] = field("slugs of related articles in this issue ('Check also')", default=[])
    sponsors: list[str] = field("sponsor ids credited on this article ('Sponsored by')", default=[])
    translation_key: str | None = field("pairs translations whose file names differ", default=None)
    single_language: bool = field("published in one language on purpose (a poem, a notice for one "
                                  "group): not reported as untranslated", default=False)
    translated_from: str | None = field("hash of the source text this translation was made from",
                                        default=None)
    draft: bool = field("converted by machine (newsletter i18n draft) and not reviewed yet; "
                        "remove the line once reviewed", default=False)


@dataclass(frozen=True)
class IssueMeta:
    number: int = field("issue number")
    date: dt.date = field("issue date, YYYY-MM-DD")
    title: Localized = field("issue title in each language (the email subject)", check=one_line)
    intro: Localized = field("a short welcome in each language")
    articles: list[str] = field("article slugs, in the order they appear")
    preheader: Localized = field("inbox preview line in each language", default={}, check=one_line)
    sponsors: list[str] = field("sponsor ids that get this issue; all when absent", default=[])
    untranslated: str = field("article without a translation: keep (with a notice) or hide",
                              default="keep", check=_policy)
    content: str = field("full: whole articles in the email; excerpt: excerpts + links",
                         default="full", check=_content)
    drafts: str = field("machine-converted drafts (draft: true): show (with a notice) or hide",
                        default="show", check=_drafts)


@dataclass(frozen=True)
class ArticleVersion:
    """One language file of an article."""

    slug: str
    lang: str
    path: Path
    meta: FrontMatter
    body: str
    body_line: int
    lines: dict[str, int]

    def line(self, key: str) -> int | None:
        return self.lines.get(key)

    @cached_property
    def images(self) -> tuple[BodyImage, ...]:
        """The body's own pictures (`![alt](images/x.jpg)`), found once per version:
        finding them parses the Markdown, and every edition and page showing it asks.
        Imported here, not above, so reading an issue alone (`check` of a current
        build) loads no Markdown parser."""
        from ..text.markdown import local_images
        return tuple(local_images(self.body))

    @property
    def content_hash(self) -> str:
        """Short hash of what a translator translates (title, excerpt, body), so a
        translation can record which version of its source it was made from."""
        text = "\n".join((self.meta.title, self.meta.excerpt or "", self.body.strip()))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


@dataclass(frozen=True)
class Article:
    """An article with its versions by language, in the order the issue lists it."""

    slug: str
    versions: dict[str, ArticleVersion]

    @property
    def original(self) -> ArticleVersion:
        """The version not marked as a translation (else the first by language tag)."""
        sources = [v for v in self.versions.values() if v.meta.translated_from is None]
        return sorted(sources or self.versions.values(), key=lambda v: v.lang)[0]


@dataclass(frozen=True)
class Issue:
    name: str
    folder: Path
    meta: IssueMeta
    articles: list[Article]
    authors: dict[str, Author]
    sponsor_ids: list[str]


def read_issue(config: Config, folder: Path) -> Issue:
    """Read and cross-check the issue folder; raises InputError with every problem found."""
    problems: list[Problem] = []
    meta, issue_lines = _collect(problems, lambda: _read_issue_meta(config, folder / ISSUE_FILE)) or (None, {})
    authors = _collect(problems, lambda: read_authors(config))
    paths = _collect(problems, lambda: _article_files(config, folder))
    if paths is None:
        raise InputError(problems)
    versions = [_collect(problems, lambda p=path: read_article(config, p)) for path in paths]
    if meta is None:
        raise InputError(problems)
    unreadable = {slug_of(p) for p, v in zip(paths, versions) if v is None}
    articles = _group(meta, issue_lines, [v for v in versions if v], folder, problems, unreadable)
    missing = set(meta.articles) - {a.slug for a in articles} - unreadable
    # related slugs whose problem is already reported (a broken file, a mistyped listing)
    excused = unreadable | missing | ({slug_of(p) for p in paths} if missing else set())
    problems += _cross_check(config, folder, articles, authors, excused)
    if problems:
        raise InputError(problems)
    sponsors = meta.sponsors or [s.id for s in config.sponsors]
    return Issue(folder.name, folder, meta, articles, authors, sponsors)


def _article_files(config: Config, folder: Path) -> list[Path]:
    """The Markdown files of the issue, counted before any is read."""
    paths = sorted(folder.glob("*.md"))
    limits.check_count(folder, "Markdown files", len(paths), limits.MAX_ARTICLE_FILES,
                       "one issue holds a few dozen articles at most; move the others to another folder")
    return paths


def _collect(problems: list[Problem], read):
    try:
        return read()
    except InputError as exc:
        problems.extend(exc.problems)
        return None


def _read_issue_meta(config: Config, path: Path) -> IssueMeta:
    data, lines = parse(read_text(path), path)
    if isinstance(data, dict) and data.get("sponsors") == "all":
        data = {**data, "sponsors": []}
    if isinstance(data, dict) and isinstance(data.get("articles"), list):
        limits.check_count(path, "articles listed", len(data["articles"]), limits.MAX_ISSUE_ARTICLES,
                           "split them into several issues", lines.get("articles"))
    loader = Loader(config.site.languages, syntax="yaml")
    meta = loader.record(IssueMeta, data)
    if meta is not None:
        meta, more = complete_record(meta, config.fallbacks, config.site.languages)
        loader.problems += more
    problems = located(path, lines, loader.problems)
    for i, sponsor in enumerate(meta.sponsors if meta else []):
        if config.sponsor(sponsor) is None:
            problems.append(Problem(path, lines.get(f"sponsors[{i}]"), f"sponsors: unknown sponsor {sponsor!r}",
                                    f"use one of: {', '.join(s.id for s in config.sponsors)}"))
    if problems:
        raise InputError(problems)
    return meta, lines


def read_authors(config: Config) -> dict[str, Author]:
    path = config.root / AUTHORS_FILE
    data, lines = parse(read_text(path), path)
    loader = Loader(config.site.languages, syntax="yaml")
    authors = loader.value(dict[str, Author], data or {}, "")
    if not loader.problems:
        authors, more = complete_record(authors, config.fallbacks, config.site.languages)
        loader.problems += more
    problems = located(path, lines, [_strip_dot(p) for p in loader.problems])
    if problems:
        raise InputError(problems)
    return authors


def _strip_dot(problem):
    problem.key = problem.key.lstrip(".")
    return problem


def read_article(config: Config, path: Path) -> ArticleVersion:
    match = _NAME.match(path.name)
    if not match:
        raise InputError([Problem(path, None, "article file name has no language",
                                  "name it <slug>.<language>.md, e.g. hip-hinge.en.md")])
    if match["lang"] not in config.site.languages:
        raise InputError([Problem(path, None, f"language {match['lang']!r} is not one of the site's languages",
                                  language_fix(path, config.site.languages))])
    if not inside(path, config.root):
        raise InputError([Problem(path, None, "is a link to a file outside the project folder",
                                  "copy the article file itself into the issue folder")])
    text = read_text(path)
    front = _FRONT.match(text)
    if not front and re.match(r"---[ \t]*\n", text):
        raise InputError([Problem(path, 1, "the front matter starting here has no closing '---'",
                                  "add a line with only '---' after the last field, before the article text")])
    if not front:
        raise InputError([Problem(path, 1, "front matter not found",
                                  "start the file with a line '---', the fields, then another '---'")])
    data, lines = parse(front.group(1) or "", path, first_line=2)
    loader = Loader(syntax="yaml")
    meta = loader.record(FrontMatter, data)
    if loader.problems:
        raise InputError(located(path, lines, loader.problems))
    body_line = text[: front.end()].count("\n") + 1
    return ArticleVersion(match["slug"], match["lang"], path, meta, text[front.end():], body_line, lines)


def _group(meta: IssueMeta, lines: dict[str, int], versions: list[ArticleVersion], folder: Path,
           problems: list[Problem], unreadable: set[str]) -> list[Article]:
    groups: dict[str, dict[str, ArticleVersion]] = {}
    for v in versions:
        key = v.meta.translation_key or v.slug
        groups.setdefault(key, {})[v.lang] = v
    problems += listing_problems(folder / ISSUE_FILE, meta.articles, lines, set(groups), unreadable)
    listed = dict.fromkeys(s for s in meta.articles if s in groups)
    return [Article(slug, dict(sorted(groups[slug].items()))) for slug in listed]


def _cross_check(config: Config, folder: Path, articles: list[Article],
                 authors: dict[str, Author] | None, excused: set[str]) -> list[Problem]:
    slugs = {a.slug for a in articles}
    problems: list[Problem] = []
    for article in articles:
        for v in article.versions.values():
            problems += _check_version(config, folder, v, slugs, authors, excused)
    return problems


def _check_version(config: Config, folder: Path, v: ArticleVersion, slugs: set[str],
                   authors: dict[str, Author] | None, excused: set[str]) -> list[Problem]:
    m, fix_ids = v.meta, ", ".join(s.id for s in config.sponsors)
    out = []
    if authors is not None and m.author not in authors:  # None: authors.yaml itself is wrong
        out.append(Problem(v.path, v.line("author"), f"author: unknown author {m.author!r}",
                           f"add {m.author!r} to {AUTHORS_FILE} or use one of: {', '.join(sorted(authors))}"))
    for i, slug in enumerate(m.related):
        if (slug not in slugs and slug not in excused) or slug == v.slug:
            guess = did_you_mean(slug, slugs - {v.slug})
            out.append(Problem(v.path, v.line(f"related[{i}]"), f"related: {slug!r} is not another article of this issue",
                               f"did you mean {guess!r}?" if guess else "use the slug of an article listed in issue.yaml"))
    for i, sponsor in enumerate(m.sponsors):
        if config.sponsor(sponsor) is None:
            out.append(Problem(v.path, v.line(f"sponsors[{i}]"), f"sponsors: unknown sponsor {sponsor!r}", f"use one of: {fix_ids}"))
    return out + _hero_problems(config, folder, v)


def _hero_problems(config: Config, folder: Path, v: ArticleVersion) -> list[Problem]:
    """The hero picture is optional, but a picture needs its words and words need a picture."""
    m = v.meta
    if m.hero is None:
        return [Problem(v.path, v.line("hero_alt"), "hero_alt: there is no hero picture to describe",
                        "add `hero: images/<file>` above it, or remove the hero_alt line")] if m.hero_alt else []
    if wrong := path_problem(folder, m.hero, config.root, limits.MAX_IMAGE_BYTES):
        return [Problem(v.path, v.line("hero"), f"hero: image {m.hero!r} {wrong[0]}", wrong[1])]
    if not m.hero_alt:
        return [Problem(v.path, v.line("hero"), "hero: the picture has no hero_alt",
                        "add `hero_alt: \"…\"` saying what the picture shows, for readers who cannot see it")]
    return []
