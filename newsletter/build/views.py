"""What each edition shows, as plain data for the templates: Python decides content,
templates decide presentation.

A bilingual edition is a sequence of language blocks; each block carries its own `lang`
and the UI-string functions of the language its reader sees.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from ..project import images
from ..project.config import Config, Sponsor, localized
from ..project.fallback import LocalizedText
from ..project.sources import Article, ArticleVersion, Issue
from ..text import locales
from ..text.markdown import Body
from ..text.width import truncate
from . import pictures
from .bodies import Bodies
from .paths import author_path
from .plan import Edition, placeholder, usable_versions, version_for

EXCERPT_WIDTH = 160  # display columns (a Han character counts 2)
PREHEADER_WIDTH = 100


@dataclass(frozen=True)
class Block:
    """Content in one language, with the UI strings of the reader's language."""

    lang: str        # language of the content
    ui_lang: str     # language of headings and notices around it
    ui: Any          # gettext/ngettext/pgettext/npgettext for ui_lang
    dir: str = "ltr"
    cjk: bool = False
    fonts: str = ""  # CJK font stack for the content's script: sc, tc, ja, ko


@dataclass(frozen=True)
class ArticleBlock(Block):
    slug: str = ""
    notice: bool = False            # shown in another language than the reader's
    notice_original: bool = True    # …and that language is the article's original
    draft: bool = False             # converted by machine, not reviewed yet
    original_name: str = ""         # the content's language, named in the reader's language
    category: str = ""
    title: str = ""
    author: str = ""
    author_url: str = ""            # the author's page in the archive, in the reader's language
    bio: str = ""
    bio_lang: str = ""
    date: str = ""
    hero_url: str = ""
    hero_alt: str = ""
    hero_size: tuple[int, int] = (0, 0)
    show_hero: bool = True          # a bilingual edition shows the picture once per article
    excerpt: str = ""
    body_html: Markup = Markup("")
    body_text: str = ""
    full: bool = True
    related: list[tuple[str, str]] = field(default_factory=list)
    discuss_url: str = ""
    read_url: str = ""
    sponsored_by: str = ""


@dataclass(frozen=True)
class HeaderBlock(Block):
    site_name: str = ""
    title: str = ""
    intro: str = ""
    date: str = ""
    article_count: int = 0
    sponsor_name: str = ""
    footer: str = ""
    logo_alt: str = ""
    title_lang: str = ""
    intro_lang: str = ""
    fallback_name: str = ""         # the language shown where this block's texts fell back


@dataclass(frozen=True)
class EditionView:
    edition: Edition
    sponsor: Sponsor
    lang: str
    dir: str
    subject: str
    preheader: str
    headers: list[HeaderBlock]
    articles: list[list[ArticleBlock]]
    logo_url: str
    logo_size: tuple[int, int]
    number: int
    view_url: str = placeholder("view_url")
    unsubscribe_url: str = placeholder("unsubscribe_url")
    preferences_url: str = placeholder("preferences_url")
    subscriber_name: str = placeholder("name")


def edition_view(config: Config, issue: Issue, edition: Edition, ui: dict[str, Any],
                 bodies: Bodies | None = None) -> EditionView:
    """`bodies` shares parsed article bodies between the editions and pages of one build."""
    bodies = bodies or Bodies()
    primary = edition.primary
    headers = [_header(config, issue, edition, lang, ui[lang]) for lang in edition.languages]
    shown = [a for a in issue.articles if _versions_shown(config, issue, edition, a)]
    visible = {a.slug for a in shown}
    articles = [_article_blocks(config, issue, edition, a, ui, visible, bodies) for a in shown]
    headers = [dataclasses.replace(h, article_count=len(articles)) for h in headers]
    subject = _subject(issue, edition)
    return EditionView(edition, edition.sponsor, primary, locales.text_direction(primary), subject,
                       _preheader(issue, edition), headers, articles,
                       edition.asset_url(edition.sponsor.logo), images.size(config.root / edition.sponsor.logo),
                       issue.meta.number)


def _subject(issue: Issue, edition: Edition) -> str:
    """The issue's title; a bilingual edition names it in each of its languages
    (`中文标题 | English title`), each part checked against its language's length."""
    return " | ".join(dict.fromkeys(localized(issue.meta.title, lang) for lang in edition.languages))


def _source(text, lang: str) -> str:
    """The language a completed text is really written in (see project/fallback.py)."""
    return text.source(lang) if isinstance(text, LocalizedText) else lang


def _preheader(issue: Issue, edition: Edition) -> str:
    """The written preheader, else the intro; a bilingual one adds the other title."""
    parts = [issue.meta.preheader.get(lang) or truncate(issue.meta.intro.get(lang, ""), PREHEADER_WIDTH)
             for lang in edition.languages[:1]]
    parts += [issue.meta.title[lang] for lang in edition.languages[1:] if lang in issue.meta.title]
    return " · ".join(p for p in parts if p)


def _block_base(lang: str, ui_lang: str, ui: Any) -> dict:
    return dict(lang=lang, ui_lang=ui_lang, ui=ui, dir=locales.text_direction(lang), cjk=locales.is_cjk(lang),
                fonts=locales.cjk_fonts(lang))


def _header(config: Config, issue: Issue, edition: Edition, lang: str, ui: Any) -> HeaderBlock:
    meta, sponsor = issue.meta, edition.sponsor
    stand_ins = [_source(t, lang) for t in (meta.title, meta.intro, sponsor.footer) if _source(t, lang) != lang]
    return HeaderBlock(**_block_base(lang, lang, ui), site_name=localized(config.site.name, lang),
                       title=localized(meta.title, lang), intro=localized(meta.intro, lang),
                       title_lang=_source(meta.title, lang), intro_lang=_source(meta.intro, lang),
                       fallback_name=locales.display_name(stand_ins[0], lang) if stand_ins else "",
                       date=locales.long_date(meta.date, lang), sponsor_name=localized(sponsor.name, lang),
                       footer=localized(sponsor.footer, lang), logo_alt=localized(sponsor.logo_alt, lang))


def _article_blocks(config: Config, issue: Issue, edition: Edition, article: Article,
                    ui: dict[str, Any], visible: set[str], bodies: Bodies) -> list[ArticleBlock]:
    chosen = _versions_shown(config, issue, edition, article)
    blocks = [_article_block(config, issue, edition, v, reader, ui[reader], visible,
                             bodies.get(v, pictures.shown(issue, edition, v)))
              for v, reader in chosen]
    return [b if i == 0 else dataclasses.replace(b, show_hero=False) for i, b in enumerate(blocks)]


def _versions_shown(config: Config, issue: Issue, edition: Edition,
                    article: Article) -> list[tuple[ArticleVersion, str]]:
    """(version, reader language) pairs: the article once per edition language,
    deduplicated, or a stand-in with a notice, or nothing under the `hide` policy."""
    chosen: list[tuple[ArticleVersion, str]] = []
    for lang in edition.languages:
        version = version_for(config, issue, article, lang, edition.bilingual)
        if version is not None and all(v is not version for v, _ in chosen):
            chosen.append((version, lang))
    if not chosen and edition.bilingual and issue.meta.untranslated == "keep":
        chosen = [(article.original, edition.primary)]
    return chosen


def _article_block(config: Config, issue: Issue, edition: Edition, v: ArticleVersion, reader: str,
                   ui: Any, visible: set[str], body: Body) -> ArticleBlock:
    m = v.meta
    author = issue.authors[m.author]
    credits = [localized(config.sponsor(s).name, reader) for s in m.sponsors]
    return ArticleBlock(
        **_block_base(v.lang, reader, ui), slug=v.slug, notice=v.lang != reader,
        notice_original=v is article_original(issue, v), draft=v.meta.draft,
        original_name=locales.display_name(v.lang, reader),
        category=m.category, title=m.title, author=localized(author.name, reader),
        author_url=f"{edition.base_url}/{author_path(reader, m.author)}",
        bio=localized(author.bio, reader), bio_lang=_source(author.bio, reader),
        date=locales.long_date(m.date, reader),
        hero_url=edition.asset_url(m.hero) if m.hero else "", hero_alt=m.hero_alt or "",
        hero_size=pictures.in_column(images.size(issue.folder / m.hero)) if m.hero else (0, 0),
        excerpt=m.excerpt or truncate(body.first_paragraph, EXCERPT_WIDTH),
        body_html=Markup(body.html), body_text=body.text,
        full=issue.meta.content == "full",
        related=_related(config, issue, edition, [s for s in m.related if s in visible], reader),
        discuss_url=m.discuss or "", read_url=edition.article_url(m.translation_key or v.slug, reader),
        sponsored_by=locales.join_names(credits, reader))


def article_original(issue: Issue, v: ArticleVersion) -> ArticleVersion:
    """The original of the article `v` belongs to."""
    return next((a.original for a in issue.articles if any(x is v for x in a.versions.values())), v)


def _related(config: Config, issue: Issue, edition: Edition, slugs: list[str], reader: str) -> list[tuple[str, str]]:
    by_slug = {a.slug: a for a in issue.articles}
    out = []
    for slug in slugs:
        article = by_slug[slug]
        versions = usable_versions(issue, article)
        found = config.fallbacks.first(versions, reader)
        version = versions[found] if found else article.original
        # the reader's own page when there is one (page_versions), else the version's
        page_lang = reader if version_for(config, issue, article, reader) is not None else version.lang
        out.append((version.meta.title, edition.article_url(slug, page_lang)))
    return out
