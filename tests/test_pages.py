"""Article, author and category pages of the web archive: a page per article and
language with every part of the magazine page, language versions linked both ways,
sharing metadata, article feeds read by a real feed parser, emails that link to the
pages, and every internal link of the built archive landing on a built file."""
from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import feedparser
import pytest
from click.testing import CliRunner
from markupsafe import escape as html_escape

from newsletter.build.pages import CARD_WIDTH, page_versions
from newsletter.cli import main
from newsletter.build.pipeline import build
from newsletter.text.width import display_width
from tests.conftest import SAMPLE_ISSUE, copy_project, edit

BASE = "https://news.baybridge.example.org"


class Page(HTMLParser):
    """Every start tag with its attributes, the text of <script type=application/ld+json>,
    and the text inside elements with a given class."""

    def __init__(self, text: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.scripts: list[str] = []
        self._in_script = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script" and dict(attrs).get("type") == "application/ld+json"
        if self._in_script:
            self.scripts.append("")

    def handle_endtag(self, tag):
        self._in_script = False if tag == "script" else self._in_script

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data

    def meta(self, key: str) -> str | None:
        return next((a.get("content") for t, a in self.tags if t == "meta"
                     and key in (a.get("property"), a.get("name"))), None)


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The sample plus an older copy of its issue, built into one archive."""
    project = copy_project(tmp_path_factory.mktemp("pages") / "project")
    older = project / "issues/2026-10"
    shutil.copytree(project / SAMPLE_ISSUE, older)
    edit(older / "issue.yaml", "number: 12", "number: 11")
    edit(older / "issue.yaml", "date: 2026-11-24", "date: 2026-10-27")
    for path in older.glob("*.md"):
        edit(path, "date: 2026-11-", "date: 2026-10-")
    build(older, environ={})
    return build(project / SAMPLE_ISSUE, environ={})


def test_every_article_has_a_page_in_every_language(built) -> None:
    issue, config = built.issue, built.config
    for article in issue.articles:
        for lang in config.site.languages:
            page = built.out_dir / lang / f"{article.slug}.html"
            assert page.is_file(), page            # the sample keeps untranslated articles
            html = _read(page)
            assert f'<html lang="{lang}"' in html
            assert html_escape(page_versions(config, issue, article)[lang].meta.title) in html


def test_article_page_has_every_part_of_the_magazine_page(built) -> None:
    html = _read(built.out_dir / "en/deadlift-clinic.html")
    page = Page(html)
    crumbs = re.search(r'<nav class="breadcrumb".*?</nav>', html, re.S).group()
    assert re.findall(r'href="([^"]+)"', crumbs) == [
        "../../index.en.html", "../../index.en.html#issue-2026-11", "../../categories/en/events.html",
        "deadlift-clinic.html"]
    assert ">Events</a>" in crumbs and "No. 12" in crumbs
    assert '<a href="../../authors/en/marcus-ortega.html">Marcus Ortega</a> · <time datetime="2026-11-18">' \
           'November 18, 2026</time>' in html
    hero = next(a for t, a in page.tags if t == "img" and a.get("class") == "hero")
    assert hero["alt"].startswith("Illustration of a barbell") and hero["src"] == "../../2026-11/images/deadlift-clinic.jpg"
    assert "<h2>Who it is for</h2>" in html                     # the body
    assert "About Marcus Ortega" in html and "Marcus runs the HEARTS Saturday strength group" in html
    card = re.search(r'<li class="card">.*?</li>', html, re.S).group()
    assert 'href="../../2026-11/en/hip-hinge.html"' in card and "Hinge at the hips" in card and "By Wei Lin" in card
    excerpt = re.search(r'<p class="excerpt"[^>]*>(.*?)</p>', card, re.S).group(1)
    assert excerpt.endswith("…") and display_width(excerpt) <= CARD_WIDTH
    assert 'href="https://forum.baybridge.example.org/t/strength-clinic-december"' in html
    assert "Sponsored by HEARTS and Silicon Valley Women in Tech" in html   # Babel's list rules


def test_chinese_page_uses_chinese_dates_and_list_rules(built) -> None:
    html = _read(built.out_dir / "zh-Hans/food-drive.html")
    assert "2026年11月20日" in html
    assert "HEARTS、美华文学和硅谷女性" in html
    card = _read(built.out_dir / "zh-Hans/hip-hinge.html")
    assert "关于林薇" in card and "林薇的全部文章" in card and "作者：马库斯·奥尔特加" in card and ">首页</a>" in card
    assert "第 12 期" in card
    excerpt = re.search(r'<p class="excerpt"[^>]*>(.*?)</p>', card, re.S).group(1)
    assert display_width(excerpt) <= CARD_WIDTH


def test_untranslated_article_shows_the_original_with_a_notice_in_the_readers_language(built) -> None:
    html = _read(built.out_dir / "en/poem-of-the-month.html")
    assert '<html lang="en"' in html
    assert "Not translated yet: here is the original in Chinese (Simplified)." in html
    assert '<div class="body-text" lang="zh-Hans"' in html
    page = Page(html)
    canonical = next(a["href"] for t, a in page.tags if t == "link" and a.get("rel") == "canonical")
    assert canonical == f"{BASE}/2026-11/zh-Hans/poem-of-the-month.html"   # the original is the page to index
    # filed under the English name the issue's translated articles give 文学
    assert 'lang="en"><a href="../../categories/en/literature.html">Literature</a>' in html


def test_language_versions_link_both_ways(built) -> None:
    for lang, other in (("en", "zh-Hans"), ("zh-Hans", "en")):
        page = Page(_read(built.out_dir / f"{lang}/hip-hinge.html"))
        alternates = {a["hreflang"]: a["href"] for t, a in page.tags
                      if t == "link" and a.get("rel") == "alternate" and "hreflang" in a}
        # every language, this page too, and the site's first language (en) as x-default
        assert alternates == {tag: f"{BASE}/2026-11/{tag}/hip-hinge.html" for tag in (lang, other)} \
            | {"x-default": f"{BASE}/2026-11/en/hip-hinge.html"}
        switch = [a for t, a in page.tags if t == "a" and a.get("hreflang")]
        assert {a["hreflang"]: a.get("aria-current") for a in switch} == {lang: "page", other: None}
        assert all(a["lang"] == a["hreflang"] for a in switch)


def test_sharing_metadata_and_json_ld(built) -> None:
    page = Page(_read(built.out_dir / "zh-Hans/hip-hinge.html"))
    url = f"{BASE}/2026-11/zh-Hans/hip-hinge.html"
    assert next(a["href"] for t, a in page.tags if t == "link" and a.get("rel") == "canonical") == url
    assert page.meta("og:url") == url and page.meta("og:type") == "article"
    assert page.meta("og:image") == page.meta("twitter:image") == f"{BASE}/2026-11/images/hip-hinge.jpg"
    assert page.meta("twitter:card") == "summary_large_image"
    assert page.meta("og:description") == built.issue.articles[0].versions["zh-Hans"].meta.excerpt
    data = json.loads(page.scripts[0])
    assert data["@type"] == "Article" and data["inLanguage"] == "zh-Hans"
    assert data["headline"] == built.issue.articles[0].versions["zh-Hans"].meta.title
    assert data["author"] == {"@type": "Person", "name": "林薇", "url": f"{BASE}/authors/zh-Hans/lin-wei.html"}
    assert data["datePublished"] == "2026-11-10" and data["image"] == [f"{BASE}/2026-11/images/hip-hinge.jpg"]


def test_json_ld_cannot_end_its_script_element(project: Path) -> None:
    evil = 'Tips </script><script>alert(1)</script> & <!-- more'
    edit(project / SAMPLE_ISSUE / "hip-hinge.en.md", 'title: "Hinge at the hips, spare your back"',
         f"title: '{evil}'")
    result = build(project / SAMPLE_ISSUE, environ={})
    html = _read(result.out_dir / "en/hip-hinge.html")
    page = Page(html)
    assert len(page.scripts) == 1 and "<script>alert" not in html
    assert json.loads(page.scripts[0])["headline"] == evil


def test_author_pages_list_articles_across_issues_newest_first(built) -> None:
    html = _read(built.out_dir.parent / "authors/en/lin-wei.html")
    assert "<h1>Wei Lin</h1>" in html and "physical therapist" in html
    links = re.findall(r'<h2 lang="en"><a href="../../([^"]+)"', html)
    assert links == ["2026-11/en/hip-hinge.html", "2026-10/en/hip-hinge.html"]
    zh = _read(built.out_dir.parent / "authors/zh-Hans/lin-wei.html")
    assert "<h1>林薇</h1>" in zh and "物理治疗师" in zh and 'hreflang="en"' in zh


def test_category_pages_pair_their_languages(built) -> None:
    root = built.out_dir.parent
    html = _read(root / "categories/en/health.html")
    assert re.findall(r'<h2 lang="en"><a href="../../([^"]+)"', html) == [
        "2026-11/en/hip-hinge.html", "2026-10/en/hip-hinge.html"]
    assert f'hreflang="zh-Hans" href="{BASE}/categories/zh-Hans/jian-kang.html"' in html
    assert "<h1 lang=\"zh-Hans\">健康</h1>" in _read(root / "categories/zh-Hans/jian-kang.html")


def test_archive_index_lists_articles_authors_and_categories(built) -> None:
    index = _read(built.out_dir.parent / "index.en.html")
    assert 'id="issue-2026-11"' in index and 'href="2026-11/en/hip-hinge.html"' in index
    assert 'href="authors/en/lin-wei.html">Wei Lin</a>' in index
    assert 'href="categories/en/health.html" lang="en">Health</a>' in index


def test_feeds_list_articles_and_every_link_is_built(built) -> None:
    root = built.out_dir.parent
    for lang in built.config.site.languages:
        feed = feedparser.parse(_read(root / f"feed.{lang}.xml"))
        assert not feed.bozo, feed.bozo_exception
        assert feed.feed.language == lang
        assert len(feed.entries) == 2 * len(built.issue.articles)
        dates = [e.published for e in feed.entries]
        assert dates == sorted(dates, reverse=True)
        for entry in feed.entries:
            assert entry.link.startswith(f"{BASE}/") and entry.link.endswith(".html")
            assert entry.author and entry.summary and entry.tags[0].term
            for link in entry.links + [{"href": entry.author_detail.href}]:
                assert (root / urlsplit(link["href"]).path.lstrip("/")).is_file(), link
        assert (root / urlsplit(feed.feed.link).path.lstrip("/")).is_file()


def _targets(page: Path, root: Path) -> list[tuple[str, Path]]:
    """Where each link, picture and `<link>` of a page leads on disk, when it stays in the
    archive: relative addresses, and absolute ones the archive writes in `<link>` (canonical,
    hreflang). Absolute links in article text may name other pages of the community's site."""
    found = []
    for tag, attrs in Page(_read(page)).tags:
        for name in ("href", "src"):
            url = attrs.get(name)
            if not url or url.startswith(("mailto:", "#", "%%")) or (tag == "meta"):
                continue
            parts = urlsplit(url)
            if parts.scheme == "https" and url.startswith(f"{BASE}/") and tag == "link":
                found.append((url, root / unquote(parts.path).lstrip("/")))
            elif not parts.scheme:
                found.append((url, (page.parent / unquote(parts.path)).resolve() if parts.path else page))
    return found


def test_every_internal_link_of_the_archive_resolves_to_a_built_file(built) -> None:
    root = built.out_dir.parent
    pages = [p for p in root.rglob("*.html") if not p.name.endswith(".email.html")]
    assert len(pages) > 50
    broken = [f"{page.relative_to(root)} → {url}" for page in pages for url, target in _targets(page, root)
              if not target.is_file()]
    assert broken == []
    linked = {target for page in pages for _, target in _targets(page, root)}
    unreachable = [p.relative_to(root) for p in pages if p not in linked and not p.name.startswith("index.")]
    assert unreachable == []          # every page is linked from somewhere in the archive


def test_hide_policy_writes_no_page_where_there_is_no_translation(project: Path) -> None:
    edit(project / SAMPLE_ISSUE / "issue.yaml", "untranslated: keep", "untranslated: hide")
    result = build(project / SAMPLE_ISSUE, environ={})
    assert not (result.out_dir / "en/poem-of-the-month.html").exists()
    assert (result.out_dir / "zh-Hans/poem-of-the-month.html").is_file()
    assert "poem-of-the-month" not in _read(result.out_dir.parent / "feed.en.xml")


def test_excerpt_emails_link_each_article_page_and_view_in_browser_stays(project: Path) -> None:
    edit(project / SAMPLE_ISSUE / "issue.yaml", "untranslated: keep", "untranslated: keep\ncontent: excerpt")
    result = build(project / SAMPLE_ISSUE, environ={})
    hearts = next(b for b in result.editions if b.edition.id == "hearts/zh-Hans+en")
    for article in result.issue.articles:
        for lang in ("zh-Hans", "en"):
            if lang in article.versions:
                url = f"{BASE}/2026-11/{lang}/{article.slug}.html"
                assert f'href="{url}"' in hearts.html and url in hearts.text
    assert "%%view_url%%" in hearts.html
    manifest = json.loads(_read(result.out_dir / "manifest.json"))
    assert {e["view_url"] for e in manifest["editions"]} >= {f"{BASE}/2026-11/hearts/zh-Hans+en.html"}
    read_more = re.findall(r'<p class="box"[^>]*><a href="([^"]+)"', hearts.html)
    assert read_more and all(re.fullmatch(rf"{BASE}/2026-11/(en|zh-Hans)/[a-z-]+\.html", u) for u in read_more)


def test_full_emails_link_titles_to_article_pages(built) -> None:
    en = next(b for b in built.editions if b.edition.id == "hearts/en")
    titles = re.findall(r'<h2 class="title"[^>]*><a href="([^"]+)"', en.html)
    assert titles == [f"{BASE}/2026-11/en/{a.slug}.html" for a in built.issue.articles]


def test_an_issue_folder_named_like_an_archive_folder_is_refused(project: Path) -> None:
    (project / SAMPLE_ISSUE).rename(project / "issues/authors")
    result = CliRunner().invoke(main, ["build", str(project / "issues/authors")])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "the issue folder name 'authors' is used by the web archive's own pages" in result.output
    assert not (project / "dist").exists()
