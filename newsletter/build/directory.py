"""Author pages and category pages across every built issue, one set per language, and
the article lists of the archive index and the feeds.

Everything here is read from the issues' `archive.json` summaries (see `pages.
summary_articles`), so building one issue keeps every other issue's articles listed.
Pages sit at `authors/<lang>/<id>.html` and `categories/<lang>/<name>.html` and link
with relative paths, like the rest of the archive.
"""
from __future__ import annotations

import datetime as dt
import mimetypes
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from jinja2 import Environment

from ..project.config import Config, localized
from ..text import locales
from .pages import SITE_COLORS, TO_ROOT, Alternate
from .paths import author_path, category_path
from .render import render_template

AUTHOR_TEMPLATE = "web/author.html.j2"
CATEGORY_TEMPLATE = "web/category.html.j2"


@dataclass(frozen=True)
class Listed:
    """One article page as lists show it; hrefs are relative to the archive root."""

    title: str
    lang: str              # the content's language
    page: str
    author_id: str
    author: str            # the author's name in the list's language
    author_page: str
    category: str
    category_lang: str
    category_page: str
    date: str              # long date in the list's language
    date_iso: str
    excerpt: str
    hero: str
    hero_alt: str
    hero_type: str
    issue: str
    edition: str


@dataclass(frozen=True)
class ListPage:
    """An author's or a category's page in one language."""

    lang: str
    dir: str
    cjk: bool
    ui: Any
    site_name: str
    heading: str
    heading_lang: str
    bio: str
    articles: list[Listed]
    path: str
    base: str              # site.base_url, for the canonical and hreflang URLs
    alternates: list[Alternate] = field(default_factory=list)
    default_lang: str = ""   # the site's first language: its page is the hreflang x-default


def listed_articles(issues: list[dict], lang: str) -> list[Listed]:
    """Every article page in `lang` of every built issue: newest issue first, each in the
    issue's own order."""
    authors = merged_authors(issues)
    return [_listed(a, authors, lang) for s in issues for a in s.get("articles", []) if a["lang"] == lang]


def newest_first(listed: list[Listed]) -> list[Listed]:
    """By the articles' dates; equal dates keep the newest issue first, then its order."""
    return sorted(listed, key=lambda item: item.date_iso, reverse=True)


def merged_authors(issues: list[dict]) -> dict[str, dict]:
    """Author names and bios by id; the newest issue's text wins."""
    authors: dict[str, dict] = {}
    for summary in reversed(issues):
        authors.update(summary.get("authors", {}))
    return authors


def _listed(a: dict, authors: dict[str, dict], lang: str) -> Listed:
    names = authors.get(a["author"], {}).get("name", {})
    return Listed(a["title"], a["content_lang"], a["page"], a["author"],
                  names.get(lang) or names.get(a["content_lang"]) or a["author"], author_path(lang, a["author"]),
                  a["category"], a.get("category_lang", a["content_lang"]), category_path(lang, a["category"]),
                  locales.long_date(dt.date.fromisoformat(a["date"]), lang), a["date"], a["excerpt"],
                  a["hero"], a["hero_alt"], mimetypes.guess_type(a["hero"])[0] or "application/octet-stream", a["page"].split("/")[0], a.get("edition", ""))


def directory_files(env: Environment, config: Config, issues: list[dict], ui: dict[str, Any]) -> dict[str, str]:
    """Every author and category page, keyed by path from the archive root."""
    by_lang = {lang: newest_first(listed_articles(issues, lang)) for lang in config.site.languages}
    authors = merged_authors(issues)
    files = {}
    for lang, listed in by_lang.items():
        base = {"lang": lang, "dir": locales.text_direction(lang), "cjk": locales.is_cjk(lang), "ui": ui[lang],
                "site_name": localized(config.site.name, lang), "base": config.site.base_url.rstrip("/"),
                "default_lang": config.site.languages[0]}
        for path, group in _group(listed, "author_page").items():
            author = authors.get(group[0].author_id, {})
            page = ListPage(**base, heading=group[0].author, heading_lang=lang, path=path,
                            bio=author.get("bio", {}).get(lang, ""), articles=group,
                            alternates=_author_alternates(by_lang, group[0], lang))
            files[path] = _render(env, AUTHOR_TEMPLATE, page)
        for path, group in _group(listed, "category_page").items():
            page = ListPage(**base, heading=group[0].category, heading_lang=group[0].category_lang, path=path, bio="",
                            articles=group, alternates=_category_alternates(by_lang, group, lang))
            files[path] = _render(env, CATEGORY_TEMPLATE, page)
    return files


def index_lists(issues: list[dict], lang: str) -> dict[str, Any]:
    """For the archive index: each issue's articles in `lang`, and the authors and
    categories with a page in `lang` (most articles first)."""
    listed = listed_articles(issues, lang)
    by_issue: dict[str, list[Listed]] = {}
    for item in listed:
        by_issue.setdefault(item.issue, []).append(item)
    authors = Counter((item.author, item.author_page) for item in listed)
    categories = Counter((item.category, item.category_page, item.category_lang) for item in listed)
    return {"articles": by_issue, "authors": [key for key, _ in authors.most_common()],
            "categories": [key for key, _ in categories.most_common()]}


def _render(env: Environment, template: str, page: ListPage) -> str:
    return render_template(env, template, p=page, c=SITE_COLORS, root=TO_ROOT)


def _group(listed: list[Listed], key: str) -> dict[str, list[Listed]]:
    groups: dict[str, list[Listed]] = {}
    for item in listed:
        groups.setdefault(getattr(item, key), []).append(item)
    return groups


def _author_alternates(by_lang: dict[str, list[Listed]], item: Listed, lang: str) -> list[Alternate]:
    """The author's page in each language where they have one."""
    return [_alternate(author_path(tag, item.author_id), tag, lang)
            for tag, listed in by_lang.items() if any(i.author_id == item.author_id for i in listed)]


def _category_alternates(by_lang: dict[str, list[Listed]], group: list[Listed], lang: str) -> list[Alternate]:
    """A category's page in another language is the one sharing most of its articles
    (`Health` ↔ `健康`): categories are free text in each language."""
    articles = {(i.issue, i.page.rsplit("/", 1)[1]) for i in group}
    found = []
    for tag, listed in by_lang.items():
        if tag == lang:
            found.append(_alternate(group[0].category_page, tag, lang))
            continue
        shared = Counter(i.category_page for i in listed if (i.issue, i.page.rsplit("/", 1)[1]) in articles)
        if shared:
            found.append(_alternate(shared.most_common(1)[0][0], tag, lang))
    return found


def _alternate(path: str, tag: str, lang: str) -> Alternate:
    return Alternate(f"{TO_ROOT}/{path}", tag, locales.display_name(tag, tag), tag == lang, path=path)
