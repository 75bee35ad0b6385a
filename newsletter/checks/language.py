"""Language: every reader gets their language, current, in the right typography, and
screen readers switch voice where the language switches."""
from __future__ import annotations

import re

from ..build.catalogs import SOURCE_LANGUAGE, catalog_paths, effective_po_path, read_catalog
from ..errors import InputError
from ..i18n.report import language_findings
from ..project.sources import ISSUE_FILE
from ..text import hanpunct, locales
from .context import describe
from .registry import check, error, info, warning

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
MIN_ENGLISH_WORDS = 3  # a brand name or a street in a Chinese sentence is fine without lang
CONTENT_BLOCKS = "//*[contains(concat(' ', normalize-space(@class), ' '), ' body-text ') or contains(@class, 'intro')]"


def _edition_languages(ctx) -> list[str]:
    tags = {t for edition in ctx.config.edition_languages for t in edition.split("+")}
    return [lang for lang in ctx.config.site.languages if lang in tags]


@check("i18n.untranslated-article", "Readers of an edition should get every article in their "
       "language; under `untranslated: keep` they see the original with a notice.", scope="issue")
def untranslated_article(ctx):
    keep = ctx.issue.meta.untranslated == "keep"
    for article in ctx.issue.articles:
        source = article.original
        if any(v.meta.single_language for v in article.versions.values()):
            continue  # the volunteer said so: one language on purpose
        for lang in _edition_languages(ctx):
            if lang in article.versions:
                continue
            name = locales.display_name(lang, "en")
            new = f"{article.slug}.{lang}.md"
            stand_in = ctx.config.fallbacks.first(article.versions, lang)
            kin = stand_in is not None and locales.same_language(stand_in, lang)
            make = warning if keep or kin else info
            what = (f"shows the {stand_in} version with a notice" if kin
                    else "shows the original with a notice" if keep else "leaves it out")
            yield make(f"{article.slug!r} has no {name} version; the {lang} edition {what}",
                       f"add {new} with `translated_from: {source.content_hash}` in its front matter",
                       path=ctx.rel(source.path), line=1,
                       editions=tuple(d.id for d in ctx.editions if d.languages == (lang,)))


@check("i18n.stale-translation", "A translation made from an older version of its source "
       "tells readers different facts (dates, places) than the original.", scope="issue")
def stale_translation(ctx):
    for article in ctx.issue.articles:
        source = article.original
        for version in article.versions.values():
            made_from = version.meta.translated_from
            if version is source or made_from is None or made_from == source.content_hash:
                continue
            yield warning(f"this translation was made from an older {source.path.name} "
                          f"(translated_from: {made_from}, the source is now {source.content_hash})",
                          f"bring the translation up to date, then set translated_from: {source.content_hash}",
                          path=ctx.rel(version.path), line=version.line("translated_from"))


@check("i18n.ui-strings", "Interface strings (buttons, footer): untranslated or fuzzy ones show "
       "in English inside a Chinese email; a broken placeholder, HTML tag or plural header breaks "
       "it. The same findings as `newsletter i18n status`.", scope="issue")
def ui_strings(ctx):
    root = ctx.config.root
    for lang in _edition_languages(ctx):
        if lang == SOURCE_LANGUAGE:
            continue
        path = effective_po_path(root, lang)
        try:
            _, found = language_findings(root, lang)
            covered = _covered_by_theme(root, lang)
        except InputError as exc:
            stand_in = next((t for t in ctx.config.fallbacks.chain(lang)[1:]
                             if t != SOURCE_LANGUAGE and catalog_paths(root, t)), None)
            make = warning if stand_in and not catalog_paths(root, lang) else error
            for p in exc.problems:
                shown = f"; {stand_in} UI strings are shown" if make is warning else ""
                yield make(p.message + shown, p.fix, path=ctx.rel(p.path), line=p.line)
            continue
        for level, p in found:
            if level == "warning" and p.line in covered:
                continue  # the default theme translates what the project's catalog leaves open
            yield (error if level == "error" else warning)(p.message, p.fix, path=ctx.rel(path), line=p.line)


def _covered_by_theme(root, lang) -> set[int]:
    """Lines of the project's entries that the default theme's catalog translates."""
    paths = catalog_paths(root, lang)
    if len(paths) < 2:
        return set()
    project, *themes = [read_catalog(p, lang) for p in paths]
    return {m.lineno for m in project if m.id and any(_usable(t.get(m.id, context=m.context)) for t in themes)}


def _usable(message) -> bool:
    return message is not None and not message.fuzzy and _done(message.string)


def _done(string) -> bool:
    return all(string) if isinstance(string, (tuple, list)) else bool(string)


@check("i18n.halfwidth-punctuation", "Half-width , . : ; ? ! ( ) next to Chinese characters "
       "look cramped and wrong to Chinese readers; use ，。：；？！（）.", scope="issue")
def halfwidth_punctuation(ctx):
    files = [p for p, lang in ctx.languages.items() if locales.is_cjk(lang)]
    files += [ctx.issue.folder / ISSUE_FILE, *(p for p in ctx.sources if p.name == "authors.yaml")]
    for path in files:
        for number, line in enumerate(ctx.sources.get(path, []), 1):
            slips = hanpunct.find(line)
            if slips:
                marks = ", ".join(f"“{s.char}” (column {s.offset + 1})" for s in slips)
                fixes = ", ".join(f"{s.char} → {s.suggestion}" for s in slips)
                yield warning(f"half-width {marks} next to Chinese text", f"type the full-width mark: {fixes}",
                              path=ctx.rel(path), line=number)


@check("i18n.english-paragraph", "A whole English paragraph in Chinese text needs lang=\"en\", "
       "or screen readers read it with a Chinese voice.")
def english_paragraph(ctx, doc):
    if not any(locales.is_cjk(lang) for lang in doc.languages):
        return
    for block in doc.tree.xpath(CONTENT_BLOCKS):
        for el in block.iter("p", "li", "h2", "h3", "h4", "blockquote", "td"):
            lang = next((a.get("lang") for a in (el, *el.iterancestors()) if a.get("lang")), "")
            text = el.text_content().strip()
            if lang.startswith("zh") and not _HAN.search(text) and len(_LATIN_WORD.findall(text)) >= MIN_ENGLISH_WORDS:
                yield warning(f"English paragraph “{text[:50]}” is marked as Chinese ({lang})",
                              'write it as <p lang="en">…</p> in the Markdown',
                              **(ctx.locate(text[:40], doc.languages) or {"element": describe(el)}))


CHECKS = (untranslated_article, stale_translation, ui_strings, halfwidth_punctuation, english_paragraph)
