"""Article pages: every article gets a web page of its own in each language it is read in,
at `<issue>/<language>/<slug>.html` — the magazine page it came from, to share in a chat
group and for an excerpt-mode email to link to.

A page exists in a site language when the article has a version in it, or — under the
issue's `untranslated: keep` policy — with the original and a notice in the reader's
language; under `hide` it does not exist. Pages reach each other, the pictures and the
archive through relative paths (like the edition pages); sharing tags, JSON-LD and
feeds use absolute URLs.
"""
from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from ..errors import InputError, Problem
from ..project.config import Config, localized
from ..project.sources import Article, ArticleVersion, Issue
from ..text import locales
from ..text import markdown as markup
from ..text.width import truncate
from . import pictures
from .bodies import Bodies
from .catalogs import LoadedCatalog
from .paths import article_path, author_path, category_path
from .plan import page_versions  # planned in plan.py, which checks load cheaply
from .render import make_environment, render_template, ui_functions
from .views import EXCERPT_WIDTH

ARTICLE_TEMPLATE = "web/article.html.j2"
TO_ROOT = "../.."       # from <issue>/<lang>/<slug>.html back to the archive root
CARD_WIDTH = 100        # display columns of a "Check also" excerpt (a Han character counts 2)
# The archive's own colours (article, author and category pages belong to no sponsor).
SITE_COLORS = {"background": "#ffffff", "text": "#1f1f1f", "primary": "#1a56a8", "accent": "#5a4a00",
               "dark_background": "#121212", "dark_text": "#eeeeee", "dark_primary": "#8ab4f8"}


def check_issue_name(issue: Issue, reserved: tuple[str, ...]) -> None:
    """An issue folder named like an archive folder (`authors`) would be overwritten by it."""
    if issue.name in reserved:
        raise InputError([Problem(issue.folder, None, f"the issue folder name {issue.name!r} is used by the web "
                                  "archive's own pages", "rename the folder, e.g. after the issue's month: 2026-12")])


def excerpt_of(version: ArticleVersion, width: int = EXCERPT_WIDTH, bodies: Bodies | None = None) -> str:
    """The written excerpt, else the body's first paragraph, cut to `width` display columns."""
    if version.meta.excerpt:
        return truncate(version.meta.excerpt, width)
    first = bodies.get(version).first_paragraph if bodies else markup.first_paragraph(version.body)
    return truncate(first, width)


@dataclass(frozen=True)
class Alternate:
    """The same page in another language: the visible switch and `hreflang` links."""

    href: str
    hreflang: str
    label: str         # the language named in itself: English, 中文 (简体)
    current: bool = False
    path: str = ""     # from the archive root, for the absolute URL `hreflang` links want


@dataclass(frozen=True)
class Card:
    """One "Check also" card: another article's title, byline and opening words."""

    title: str
    lang: str
    author: str
    excerpt: str
    href: str


@dataclass(frozen=True)
class ArticlePage:
    lang: str                     # the reader's language (UI strings, breadcrumb)
    content_lang: str             # the language of title, body and alt text
    dir: str
    content_dir: str
    cjk: bool
    ui: Any
    site_name: str
    issue_title: str
    number: int
    notice: bool
    notice_original: bool         # …and the version shown is the article's original
    original_name: str
    category: str
    category_lang: str
    title: str
    author: str
    bio: str
    date: str
    date_iso: str
    hero_src: str
    hero_alt: str
    hero_size: tuple[int, int]
    excerpt: str
    body_html: Markup
    discuss_url: str
    sponsored_by: str
    links: dict[str, str]         # home, issue, category, author, feed: relative hrefs
    absolute: dict[str, str]      # canonical, page, image, author: absolute URLs
    cards: list[Card] = field(default_factory=list)
    alternates: list[Alternate] = field(default_factory=list)
    json_ld: dict = field(default_factory=dict)
    default_lang: str = ""        # the site's first language: its page is the hreflang x-default


def article_files(config: Config, issue: Issue, loaded: dict[str, LoadedCatalog], env=None,
                  bodies: Bodies | None = None, ui_of=None) -> dict[str, bytes]:
    """Every article page of the issue, keyed by path inside the issue's folder; `bodies`
    and `ui_of(lang)` share the build's parsed bodies and UI strings (see cache.py)."""
    env = env or make_environment(config.root)
    bodies = bodies or Bodies()
    ui = {lang: ui_of(lang) if ui_of else ui_functions(loaded[lang].translations) for lang in config.site.languages}
    files = {}
    for article in issue.articles:
        for lang in page_versions(config, issue, article):
            page = article_page(config, issue, article, lang, ui[lang], bodies)
            html = render_template(env, ARTICLE_TEMPLATE, p=page, c=SITE_COLORS)
            files[f"{lang}/{article.slug}.html"] = html.encode("utf-8")
    return files


def article_page(config: Config, issue: Issue, article: Article, lang: str, ui: Any,
                 bodies: Bodies | None = None) -> ArticlePage:
    """What the page of `article` in `lang` shows, as plain data for the template."""
    bodies = bodies or Bodies()
    pages = page_versions(config, issue, article)
    v, m = pages[lang], pages[lang].meta
    author = issue.authors[m.author]
    base = config.site.base_url.rstrip("/")
    own = article_path(issue.name, lang, article.slug)
    original = article_path(issue.name, v.lang, article.slug) if v.lang in pages else own
    category, category_lang = category_in(issue, v, lang)
    return with_json_ld(ArticlePage(
        lang=lang, content_lang=v.lang, dir=locales.text_direction(lang), content_dir=locales.text_direction(v.lang),
        cjk=locales.is_cjk(lang) or locales.is_cjk(v.lang), ui=ui, site_name=localized(config.site.name, lang),
        issue_title=issue.meta.title.get(lang) or next(iter(issue.meta.title.values()), issue.name),
        number=issue.meta.number, notice=v.lang != lang, notice_original=v is article.original, original_name=locales.display_name(v.lang, lang),
        category=category, category_lang=category_lang, title=m.title, author=author.name.get(lang) or author.name.get(v.lang, m.author),
        bio=author.bio.get(lang) or author.bio.get(v.lang, ""), date=locales.long_date(m.date, lang),
        date_iso=m.date.isoformat(), hero_src=f"{TO_ROOT}/{issue.name}/{m.hero}" if m.hero else "",
        hero_alt=m.hero_alt or "", hero_size=pictures.published_size(issue.folder / m.hero) if m.hero else (0, 0),
        excerpt=excerpt_of(v, bodies=bodies),
        body_html=Markup(bodies.get(v, pictures.shown_under(issue, v, f"{TO_ROOT}/{issue.name}/")).html),
        discuss_url=m.discuss or "", sponsored_by=_credits(config, m.sponsors, lang),
        links={"self": f"{article.slug}.html", "home": f"{TO_ROOT}/index.{lang}.html", "issue": f"{TO_ROOT}/index.{lang}.html#issue-{issue.name}",
               "category": f"{TO_ROOT}/{category_path(lang, category)}",
               "author": f"{TO_ROOT}/{author_path(lang, m.author)}", "feed": f"{TO_ROOT}/feed.{lang}.xml"},
        absolute={"base": base, "canonical": f"{base}/{original}", "page": f"{base}/{own}", "image": f"{base}/{issue.name}/{m.hero}" if m.hero else "",
                  "author": f"{base}/{author_path(lang, m.author)}"},
        cards=_cards(config, issue, m.related, lang, bodies), alternates=_alternates(issue, article, pages, lang),
        default_lang=config.site.languages[0]))


def with_json_ld(page: ArticlePage) -> ArticlePage:
    """schema.org `Article` for search engines and chat previews; the template writes it
    with Jinja2's `tojson`, which escapes `<`, `>`, `&` and `'` for a script element."""
    data = {"@context": "https://schema.org", "@type": "Article", "headline": page.title,
            "description": page.excerpt, "inLanguage": page.content_lang, "datePublished": page.date_iso,
            "image": [page.absolute["image"]] if page.absolute["image"] else [], "url": page.absolute["page"],
            "mainEntityOfPage": page.absolute["canonical"], "articleSection": page.category,
            "author": {"@type": "Person", "name": page.author, "url": page.absolute["author"]},
            "publisher": {"@type": "Organization", "name": page.site_name}}
    return dataclasses.replace(page, json_ld=data)


def category_in(issue: Issue, version: ArticleVersion, lang: str) -> tuple[str, str]:
    """(category, its language) for a page in `lang`: a page showing an untranslated
    original files it under the name translated articles of the issue give the same
    category in `lang` (`文学` → `Literature`), else under the original's own name."""
    if version.lang == lang:
        return version.meta.category, lang
    names = Counter(a.versions[lang].meta.category for a in issue.articles
                    if lang in a.versions and a.versions.get(version.lang) is not None
                    and a.versions[version.lang].meta.category == version.meta.category)
    return (names.most_common(1)[0][0], lang) if names else (version.meta.category, version.lang)


def _credits(config: Config, sponsor_ids: list[str], lang: str) -> str:
    """`HEARTS, 美华文学, and 硅谷女性` / `HEARTS、美华文学和硅谷女性`: Babel's list rules."""
    return locales.join_names([localized(config.sponsor(s).name, lang) for s in sponsor_ids], lang)


def _cards(config: Config, issue: Issue, related: list[str], lang: str, bodies: Bodies | None = None) -> list[Card]:
    """Related articles that have a page in `lang`, each as a card."""
    by_slug = {a.slug: a for a in issue.articles}
    cards = []
    for slug in related:
        version = page_versions(config, issue, by_slug[slug]).get(lang) if slug in by_slug else None
        if version is None:
            continue
        author = issue.authors[version.meta.author]
        cards.append(Card(version.meta.title, version.lang, author.name.get(lang) or author.name.get(version.lang, ""),
                          excerpt_of(version, CARD_WIDTH, bodies), f"{TO_ROOT}/{article_path(issue.name, lang, slug)}"))
    return cards


def _alternates(issue: Issue, article: Article, pages: dict[str, ArticleVersion], lang: str) -> list[Alternate]:
    """The article's pages whose content is in their own language (a page showing the
    original under a notice is no translation), plus the current page."""
    return [Alternate(f"{TO_ROOT}/{article_path(issue.name, tag, article.slug)}", tag,
                      locales.display_name(tag, tag), tag == lang, article_path(issue.name, tag, article.slug))
            for tag, version in pages.items() if version.lang == tag or tag == lang]


def summary_articles(config: Config, issue: Issue, editions: list, bodies: Bodies | None = None) -> dict:
    """What the archive root needs about this issue's article pages (author and category
    pages, feeds, the index), recorded in `archive.json` beside the editions."""
    entries = []
    for article in issue.articles:
        for lang, v in page_versions(config, issue, article).items():
            edition = next((e for e in editions if e.primary == lang), editions[0] if editions else None)
            category, category_lang = category_in(issue, v, lang)
            entries.append({
                "slug": article.slug, "lang": lang, "content_lang": v.lang, "title": v.meta.title,
                "author": v.meta.author, "category": category, "category_lang": category_lang, "date": v.meta.date.isoformat(),
                "excerpt": excerpt_of(v, bodies=bodies), "page": article_path(issue.name, lang, article.slug),
                "hero": f"{issue.name}/{v.meta.hero}" if v.meta.hero else "", "hero_alt": v.meta.hero_alt or "",
                "edition": f"{issue.name}/{edition.stem}.html" if edition else ""})
    used = {v.meta.author for a in issue.articles for v in a.versions.values()}
    authors = {key: {"name": dict(issue.authors[key].name), "bio": dict(issue.authors[key].bio)}
               for key in sorted(used)}
    return {"articles": entries, "authors": authors}
