"""The web archive: a readable web page per edition, and per language an index and an Atom feed.

The web page is not the inlined email: it is a normal responsive page at the address the
email's "View in browser" link names (`Edition.view_url`). Pages link each other, their
images and the archive with relative paths, so `dist/` works opened from disk or copied to
any static host; only the feed, which readers fetch alone, uses absolute URLs.

Each issue folder gets an `archive.json` summary; the archive root is rebuilt from every
summary found, so building one issue never forgets the others.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..project.config import Config, localized
from ..project.sources import Issue
from ..text import locales
from .cache import BuildCache
from .catalogs import LoadedCatalog
from .directory import directory_files, index_lists, listed_articles, newest_first
from .output import write_file, write_tree
from .pages import article_files, check_issue_name, summary_articles
from .plan import Edition
from .render import render_template
from .views import edition_view

PAGE_TEMPLATE = "web/page.html.j2"
INDEX_TEMPLATE = "web/index.html.j2"
FEED_TEMPLATE = "web/feed.xml.j2"
SUMMARY_FILE = "archive.json"
DIRECTORY_FOLDERS = ("authors", "categories")
TO_ARCHIVE_ROOT = "../.."  # from <issue>/<sponsor>/<edition>.html back to dist/


@dataclass(frozen=True)
class Link:
    """A link to one edition page, labelled in the language it leads to."""

    href: str
    hreflang: str      # a single BCP 47 tag; a bilingual edition names its first language
    label: str
    current: bool = False
    bilingual: bool = False  # no single hreflang fits it: listed, but not as an alternate


def web_files(config: Config, issue: Issue, editions: list[Edition],
              loaded: dict[str, LoadedCatalog], cache: BuildCache | None = None) -> dict[str, bytes]:
    """The web pages of one issue plus its `archive.json`, keyed by path in the issue folder."""
    check_issue_name(issue, DIRECTORY_FOLDERS)
    cache = cache or BuildCache(config.root, loaded)
    files = {f"{e.stem}.html": render_page(cache, config, issue, e, editions).encode("utf-8")
             for e in editions}
    files |= article_files(config, issue, loaded, cache.env, cache.bodies, cache.ui)
    files[SUMMARY_FILE] = _json(issue_summary(config, issue, editions, cache.bodies))
    return files


def render_page(cache: BuildCache, config: Config, issue: Issue, edition: Edition,
                editions: list[Edition]) -> str:
    """One edition as a web page; URLs are relative to the page's own folder."""
    local = dataclasses.replace(edition, base_url=TO_ARCHIVE_ROOT)
    view = edition_view(config, issue, local, cache.ui_for(edition.languages), cache.bodies)
    siblings = [e for e in editions if e.sponsor.id == edition.sponsor.id]
    return render_template(cache.env, PAGE_TEMPLATE, v=view, c=edition.sponsor.colors.__dict__,
                   links=edition_links(siblings, edition, prefix=""),
                   home=f"{TO_ARCHIVE_ROOT}/index.{edition.primary}.html",
                   feed=f"{TO_ARCHIVE_ROOT}/feed.{edition.primary}.xml")


def edition_links(editions: list[Edition], current: Edition | None, prefix: str) -> list[Link]:
    """Links to the given editions, each named in its own language (`中文 (简体) + English`)."""
    return [Link(f"{prefix}{e.language}.html", e.primary,
                 " + ".join(locales.display_name(tag, tag) for tag in e.languages),
                 e is current, e.bilingual) for e in editions]


def issue_summary(config: Config, issue: Issue, editions: list[Edition], bodies=None) -> dict:
    """What the archive root needs to list this issue later, without re-reading its sources."""
    meta = issue.meta
    return {
        "issue": issue.name, "number": meta.number, "date": meta.date.isoformat(),
        "title": meta.title, "intro": meta.intro,
        "editions": [{"sponsor": e.sponsor.id, "sponsor_name": e.sponsor.name,
                      "language": e.language, "languages": list(e.languages),
                      "page": f"{issue.name}/{e.stem}.html"} for e in editions],
    } | summary_articles(config, issue, editions, bodies)


def write_archive(out_root: Path, config: Config, loaded: dict[str, LoadedCatalog],
                  cache: BuildCache | None = None) -> list[Path]:
    """Rewrite `index.<lang>.html` and `feed.<lang>.xml` at the archive root from every
    issue summary there; each file is replaced in one move."""
    cache = cache or BuildCache(config.root, loaded)
    issues = read_summaries(out_root)
    written = []
    ui = {lang: cache.ui(lang) for lang in config.site.languages}
    pages = directory_files(cache.env, config, issues, ui)
    for folder in DIRECTORY_FOLDERS:  # replaced whole: an author or category gone is gone
        write_tree(out_root / folder, {name.split("/", 1)[1]: text.encode("utf-8")
                                       for name, text in pages.items() if name.startswith(f"{folder}/")})
    for name, text in archive_files(cache, config, issues).items():
        written.append(write_file(out_root / name, text.encode("utf-8")))
    return written + [out_root / name for name in pages]


def read_summaries(out_root: Path) -> list[dict]:
    """Every built issue, newest first."""
    found = []
    for path in sorted(out_root.glob(f"*/{SUMMARY_FILE}")):
        try:
            found.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue  # a folder that is not a built issue
    return sorted(found, key=lambda s: (s["date"], s["number"]), reverse=True)


def archive_files(cache: BuildCache, config: Config, issues: list[dict]) -> dict[str, str]:
    files, env = {}, cache.env
    languages = config.site.languages
    for lang in languages:
        ui = cache.ui(lang)
        entries = [_index_entry(s, lang) for s in issues]
        others = [Link(f"index.{t}.html", t, locales.display_name(t, t), t == lang) for t in languages]
        common = dict(lang=lang, dir=locales.text_direction(lang), cjk=locales.is_cjk(lang),
                      site_name=localized(config.site.name, lang), ui=ui, entries=entries)
        files[f"index.{lang}.html"] = render_template(env, INDEX_TEMPLATE, languages=others,
                                              feed=f"feed.{lang}.xml", **common, **index_lists(issues, lang))
        files[f"feed.{lang}.xml"] = render_template(env, FEED_TEMPLATE, base=config.site.base_url.rstrip("/"),
                                            articles=newest_first(listed_articles(issues, lang)), **common)
    return files


def _index_entry(summary: dict, lang: str) -> dict[str, Any]:
    """One issue as the `lang` index shows it: its title, and per sponsor the page in
    `lang` plus alternates in the other languages."""
    date = dt.date.fromisoformat(summary["date"])
    by_sponsor: dict[str, list[dict]] = {}
    for e in summary["editions"]:
        by_sponsor.setdefault(e["sponsor"], []).append(e)
    sponsors = [_sponsor_entry(group, lang) for group in by_sponsor.values()]
    title = summary["title"].get(lang) or next(iter(summary["title"].values()), summary["issue"])
    return {"issue": summary["issue"], "number": summary["number"], "date": locales.long_date(date, lang),
            "updated": f"{summary['date']}T00:00:00Z", "title": title,
            "title_lang": lang if lang in summary["title"] else next(iter(summary["title"]), lang),
            "intro": summary["intro"].get(lang, ""), "sponsors": [s for s in sponsors if s]}


def _sponsor_entry(group: list[dict], lang: str) -> dict | None:
    main = next((e for e in group if e["language"] == lang), None) or \
        next((e for e in group if lang in e["languages"]), None)
    if main is None:
        return None
    names = group[0]["sponsor_name"]
    others = [Link(e["page"], e["languages"][0],
                   " + ".join(locales.display_name(t, t) for t in e["languages"]),
                   bilingual=len(e["languages"]) > 1)
              for e in group if e is not main]
    return {"name": names.get(lang) or next(iter(names.values())), "page": main["page"], "others": others}


def _json(data: dict) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")
