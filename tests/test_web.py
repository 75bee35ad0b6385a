"""The web archive written by the build: a page at every edition's "View in browser"
address, relative links that resolve on disk, hreflang alternates, and per-language
indexes and Atom feeds that list every built issue, newest first."""
from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

from newsletter.build.pipeline import build
from tests.conftest import SAMPLE_ISSUE, edit

ATOM = "{http://www.w3.org/2005/Atom}"


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _links(path: Path) -> list[tuple[str, dict]]:
    parser = Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.tags


def test_web_page_lives_at_the_view_in_browser_address(project: Path) -> None:
    result = build(project / SAMPLE_ISSUE, environ={})
    manifest = json.loads((result.out_dir / "manifest.json").read_text(encoding="utf-8"))
    for entry in manifest["editions"]:
        relative = urlsplit(entry["view_url"]).path.lstrip("/")
        page = result.out_dir.parent / relative
        assert page.is_file() and page == result.out_dir / entry["web"]
        assert entry["html"].endswith(".email.html") and (result.out_dir / entry["html"]).is_file()
        html = page.read_text(encoding="utf-8")
        assert "%%" not in html and "premailer" not in html and "<table" not in html


def test_relative_links_resolve_on_disk_and_alternates_name_languages(project: Path) -> None:
    result = build(project / SAMPLE_ISSUE, environ={})
    page = result.out_dir / "hearts/en.html"
    tags = _links(page)
    for tag, attrs in tags:
        target = attrs.get("src") or (attrs.get("href") if tag in ("a", "link") else None)
        if target and not target.startswith(("https:", "mailto:", "#")):
            assert (page.parent / target.split("#")[0]).resolve().is_file(), target
    alternates = {a["hreflang"]: a["href"] for t, a in tags if t == "link" and a.get("rel") == "alternate"
                  and "hreflang" in a}
    assert alternates == {"zh-Hans": "zh-Hans.html"}
    bylines = [attrs["href"] for tag, attrs in tags if tag == "a" and "/authors/en/" in attrs.get("href", "")]
    assert bylines and all(h.startswith("../../authors/en/") for h in bylines)   # resolved on disk above
    assert '<html lang="zh-Hans"' in (result.out_dir / "hearts/zh-Hans.html").read_text(encoding="utf-8")


def test_archive_lists_issues_newest_first_with_feeds(project: Path) -> None:
    older = project / "issues/2026-10"
    shutil.copytree(project / SAMPLE_ISSUE, older)
    edit(older / "issue.yaml", "number: 12", "number: 11")
    edit(older / "issue.yaml", "date: 2026-11-24", "date: 2026-10-27")
    edit(older / "issue.yaml", '\n  en: "', '\n  en: "October things. ')   # the first is the title
    build(older, environ={})
    result = build(project / SAMPLE_ISSUE, environ={})
    title = result.issue.meta.title["en"]
    root = result.out_dir.parent
    index = (root / "index.en.html").read_text(encoding="utf-8")
    assert index.index(title) < index.index("October things. ")
    assert 'href="2026-10/hearts/en.html"' in index
    assert 'hreflang="zh-Hans" lang="zh-Hans">中文 (简体)</a>' in index
    zh = (root / "index.zh-Hans.html").read_text(encoding="utf-8")
    assert "第 12 期" in zh and "2026年11月24日" in zh and 'href="2026-11/hearts/zh-Hans.html"' in zh
    feed = ET.parse(root / "feed.en.xml").getroot()
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 2 * len(result.issue.articles)   # one per article page, both issues
    assert feed.findtext(f"{ATOM}updated") == max(a.original.meta.date for a in result.issue.articles).isoformat() \
        + "T00:00:00Z"
    links = [e.find(f"{ATOM}link").get("href") for e in entries]
    assert "https://news.baybridge.example.org/2026-11/en/hip-hinge.html" in links
    assert "https://news.baybridge.example.org/2026-10/en/hip-hinge.html" in links
