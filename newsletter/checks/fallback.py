"""Fallback: every text an edition shows in a stand-in language (project/fallback.py),
listed once at the line to translate, with the editions it affects."""
from __future__ import annotations

import re

from ..project.config import CONFIG_NAME
from ..project.fallback import fallback_notes
from ..project.sources import AUTHORS_FILE, ISSUE_FILE
from ..text import locales
from .registry import check, info, warning

_INDEX = re.compile(r"\[(\d+)\]")


@check("i18n.fallback", "A text missing in a language is shown in the next language of its "
       "fallback chain (zh-Hant → zh-Hans → en); readers get it, but not in their own language.",
       scope="issue")
def missing_texts(ctx):
    used = _edition_languages(ctx)
    root = ctx.config.root
    sources = [(root / CONFIG_NAME, "site", ctx.config.site, "toml"),
               (root / CONFIG_NAME, "sponsors", ctx.config.sponsors, "toml"),
               (ctx.issue.folder / ISSUE_FILE, "", ctx.issue.meta, "yaml"),
               (root / AUTHORS_FILE, "", ctx.issue.authors, "yaml")]
    for path, prefix, record, syntax in sources:
        for key, lang, shown in fallback_notes(record, prefix):
            if lang not in used:
                continue
            add = f'{lang}: "…"' if syntax == "yaml" else f'{lang} = "…"'
            name = locales.display_name(shown, "en")
            yield warning(f"{key} has no {lang} text, so {lang} editions show the {shown} one ({name})",
                          f"add {add} to {key}", path=ctx.rel(path), line=_line(ctx, path, key),
                          editions=tuple(d.id for d in ctx.editions if lang in d.languages))


def _edition_languages(ctx) -> set[str]:
    return {tag for edition in ctx.config.edition_languages for tag in edition.split("+")}


def _line(ctx, path, key: str) -> int | None:
    """The line of a key path (`sponsors[1].footer`, `lin-wei.bio`) in a source file, found
    by walking its parts in order: each part is searched after the previous one."""
    lines = ctx.sources.get(path, [])
    start, found = 0, None
    for part in _parts(ctx, key):
        pattern = re.compile(rf"^\s*(?:-\s*)?\"?{re.escape(part)}\"?\s*[:=]|^\s*id\s*=\s*\"{re.escape(part)}\"")
        hit = next((i for i in range(start, len(lines)) if pattern.search(lines[i])), None)
        if hit is None:
            return found
        start, found = hit + 1, hit + 1
    return found


def _parts(ctx, key: str) -> list[str]:
    """`sponsors[1].footer` → the sponsor's id, then `footer`; `site.name` → `name`."""
    parts = []
    for part in key.split("."):
        index = _INDEX.search(part)
        if part.startswith("sponsors") and index:
            parts.append(ctx.config.sponsors[int(index.group(1))].id)
        elif part not in ("site",):
            parts.append(_INDEX.sub("", part))
    return parts


@check("i18n.draft", "An article converted by machine (newsletter i18n draft) reads oddly in "
       "places until a translator reviews it; readers see a notice meanwhile.", scope="issue")
def drafts(ctx):
    hide = ctx.issue.meta.drafts == "hide"
    for article in ctx.issue.articles:
        for v in article.versions.values():
            if v.meta.draft:
                what = "left out of the editions (drafts: hide)" if hide else "shown with a notice"
                yield (info if hide else warning)(
                    f"machine-converted draft, not reviewed yet; {what}",
                    "review it against the source, then delete the line `draft: true`",
                    path=ctx.rel(v.path), line=v.line("draft"),
                    editions=tuple(d.id for d in ctx.editions if v.lang in d.languages))


CHECKS = (missing_texts, drafts)
