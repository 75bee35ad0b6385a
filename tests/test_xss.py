"""Known XSS vectors (tests/fixtures/xss/vectors.md, written here) pasted into an article and
into front matter, built through the whole pipeline with the real nh3, Jinja2 and premailer:
nothing that could run may reach an edition, a sample .eml or the web archive."""
from __future__ import annotations

import email
import email.policy
import html
import json
import re
from pathlib import Path

import lxml.etree
import lxml.html
import pytest

from newsletter.build.pipeline import build

from .conftest import SAMPLE_ISSUE, copy_project, edit

VECTORS = Path(__file__).parent / "fixtures" / "xss" / "vectors.md"
FORBIDDEN_TAGS = {"script", "iframe", "frame", "frameset", "object", "embed", "applet", "form", "input", "button",
                  "textarea", "select", "svg", "math", "base", "template", "noscript", "video", "audio", "source",
                  "marquee", "details", "body_in_body", "isindex"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "background", "poster", "data", "srcset", "lowsrc",
                  "dynsrc", "xlink:href", "{http://www.w3.org/1999/xlink}href", "cite", "longdesc", "srcdoc"}
BAD_SCHEME = re.compile(r"^(javascript|vbscript|data|livescript):")
BAD_CSS = re.compile(r"expression\s*\(|javascript:|vbscript:|behavior\s*:|-moz-binding|@import", re.I)
FRONT_MATTER_HTML = "<script>alert('FM')</script><img src=x onerror=alert('FM')>"


def vectors() -> list[str]:
    return [v.strip() for v in VECTORS.read_text(encoding="utf-8").split("\n\n") if v.strip()]


def test_corpus_has_at_least_30_vectors() -> None:
    assert len(vectors()) >= 30


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    """The sample plus one article whose body is the corpus and whose front matter is HTML."""
    root = copy_project(tmp_path_factory.mktemp("xss") / "project")
    folder = root / SAMPLE_ISSUE
    article = (folder / "hip-hinge.en.md").read_text(encoding="utf-8")
    front = article.split("\n---\n", 1)[0]
    for key in ("title", "category", "hero_alt"):
        front = re.sub(rf"^{key}: .*$", f'{key}: "{FRONT_MATTER_HTML} {key}"', front, count=1, flags=re.M)
    front = front.replace("related: [deadlift-clinic]", "related: []")
    (folder / "evil.en.md").write_text(front + "\n---\n" + VECTORS.read_text(encoding="utf-8"), encoding="utf-8")
    edit(folder / "issue.yaml", "  - hip-hinge", "  - evil\n  - hip-hinge")
    build(folder, environ={})
    return root / "dist"


def html_files(dist: Path) -> list[Path]:
    return sorted(p for p in dist.rglob("*.html"))


def test_the_corpus_reached_the_build(dist: Path) -> None:
    page = (dist / "2026-11/hearts/en.email.html").read_text(encoding="utf-8")
    assert "hover me" in page and "style and handler" in page    # text of cleaned vectors stays
    assert "XSS47 escaped on purpose" in page                    # escaped text is shown as text
    assert len(html_files(dist)) >= 18 + 2                        # emails, web pages, indexes


def test_no_vector_survives_in_any_html_file(dist: Path) -> None:
    for path in html_files(dist):
        assert_safe_html(path.read_text(encoding="utf-8"), path)


def test_no_vector_survives_in_any_sample_eml(dist: Path) -> None:
    emls = sorted(dist.rglob("*.eml"))
    assert len(emls) == 9
    for path in emls:
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        types = sorted(part.get_content_type() for part in message.walk() if not part.is_multipart())
        assert types == ["text/html", "text/plain"], path
        assert_safe_html(message.get_body(("html",)).get_content(), path)
        assert_safe_text(message.get_body(("plain",)).get_content(), path)


def test_no_script_link_in_text_parts(dist: Path) -> None:
    texts = sorted(dist.rglob("*.txt"))
    assert len(texts) == 9
    for path in texts:
        assert_safe_text(path.read_text(encoding="utf-8"), path)


def test_feeds_carry_no_markup(dist: Path) -> None:
    feeds = sorted(dist.rglob("*.xml"))
    for path in feeds:
        tree = lxml.etree.fromstring(path.read_bytes())
        assert_safe_html("<div>" + html.escape("".join(tree.itertext())) + "</div>", path)
        for element in tree.iter("{*}content", "{*}summary"):
            if element.get("type") == "html":
                assert_safe_html(element.text or "<p></p>", path)


def test_front_matter_html_is_escaped_not_run(dist: Path) -> None:
    page = (dist / "2026-11/hearts/en.email.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert('FM')&lt;/script&gt;" in page or "&lt;script&gt;alert(&#39;FM&#39;)" in page
    tree = lxml.html.document_fromstring(page)
    alts = [img.get("alt") for img in tree.iter("img")]
    assert f"{FRONT_MATTER_HTML} hero_alt" in alts     # an attribute value, not markup


def assert_safe_html(text: str, where: Path) -> None:
    tree = lxml.html.document_fromstring(text)
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue  # comments
        tag = element.tag.lower()
        if tag == "script" and element.get("type") == "application/ld+json" and len(element.attrib) == 1:
            # the article pages' JSON-LD (data, never run): Jinja2's tojson escapes < > & '
            assert not re.search(r"[<>&']", element.text or ""), f"{where}: {element.text}"
            json.loads(element.text)
            continue
        assert tag not in FORBIDDEN_TAGS, f"{where}: <{tag}> survived"
        if tag == "meta":
            assert (element.get("http-equiv") or "").lower() != "refresh", where
        if tag == "style":
            assert not BAD_CSS.search(element.text or ""), f"{where}: {element.text}"
        for name, value in element.attrib.items():
            name = name.lower()
            assert not name.startswith("on"), f"{where}: <{tag} {name}> survived"
            if name in URL_ATTRIBUTES:
                assert not BAD_SCHEME.match(_url(value)), f"{where}: <{tag} {name}={value!r}> survived"
            if name == "style":
                assert not BAD_CSS.search(value), f"{where}: style {value!r} survived"
    assert "<!--[if gte IE 4]" not in text, where


def assert_safe_text(text: str, where: Path) -> None:
    """Plain-text clients turn URLs into links: no reference may be a script or data URL."""
    for line in text.splitlines():
        for url in re.findall(r"\[\d+\] (\S+)", line):
            assert not BAD_SCHEME.match(_url(url)), f"{where}: {line}"


def _url(value: str) -> str:
    """A URL as a browser reads it: entities decoded, control characters and spaces gone."""
    return re.sub(r"[\x00-\x20]", "", html.unescape(value)).lower()
