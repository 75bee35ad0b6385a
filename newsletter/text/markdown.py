"""Markdown bodies to safe HTML (for the email and web) and to plain text (for the text part).

Raw HTML pasted into Markdown is allowed through markdown-it and then cut down by nh3 to an
allow-list, so nothing a paste brings in can run in a subscriber's mail client. Nesting is
limited too: the HTML parser behind CSS inlining (libxml2) silently drops everything below
256 levels, and with it the email's footer and every later article.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

from ..errors import NewsletterError

ALLOWED_TAGS = {"a", "p", "br", "strong", "em", "b", "i", "code", "pre", "blockquote", "ul", "ol", "li",
                "h2", "h3", "h4", "hr", "img", "table", "thead", "tbody", "tr", "th", "td", "sup", "sub",
                "span", "del", "ins", "abbr"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "width", "height", "title"},
                      "abbr": {"title"}, "span": {"lang"}, "p": {"lang"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"https", "http", "mailto"}
# Dropped with everything inside them, not just unwrapped: their content is code or
# markup meant for a machine, never text meant for a reader. No `style` attribute is
# allowed at all, so no CSS from content (expression(), url(javascript:…)) reaches a page.
DROPPED_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "applet", "svg", "math", "template",
                        "noscript", "noembed", "noframes", "xmp", "title", "textarea", "select", "frameset"}
# Real articles nest a handful of levels; the email's own layout adds about 15 around them.
MAX_NESTING = 64
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class TooDeeplyNested(NewsletterError):
    """The body's HTML nests deeper than MAX_NESTING; `line` is 1-based in the Markdown."""

    def __init__(self, depth: int, line: int):
        self.depth, self.line = depth, line
        super().__init__(f"the article's HTML is nested {depth} levels deep, more than the {MAX_NESTING} "
                         "an email can safely hold (mail programs drop everything below the limit, "
                         "footer and unsubscribe link included)")


@cache
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": True, "typographer": False}).enable("table")


@dataclass(frozen=True)
class Body:
    """One article body, parsed once and rendered both ways."""

    html: str   # sanitised: safe to mark as Markup
    text: str

    @property
    def first_paragraph(self) -> str:
        """The raw material of a derived excerpt."""
        return self.text.split("\n\n", 1)[0] if self.text else ""


@dataclass(frozen=True)
class BodyImage:
    """A picture written in the Markdown body as `![alt](path)` with a path, not a URL."""

    src: str      # as written (and as markdown-it normalised it)
    path: str     # the file path it names, relative to the article
    alt: str
    line: int     # 1-based line in the Markdown body


def local_images(markdown: str) -> list[BodyImage]:
    """Every `![alt](relative/path)` of the body: pictures the build publishes itself."""
    found = []
    lines = markdown.splitlines()
    for block in _parser().parse(markdown):
        for child in block.children or []:
            src = str(child.attrs.get("src", "")) if child.type == "image" else ""
            if src and not urlsplit(src).scheme and not src.startswith(("//", "#")):
                found.append(BodyImage(src, unquote(src), child.content.strip(), _line_of(src, block, lines)))
    return found


def _line_of(src: str, block: Token, lines: list[str]) -> int:
    start, end = block.map or (0, len(lines))
    written = unquote(src)
    return next((i + 1 for i in range(start, end) if src in lines[i] or written in lines[i]), start + 1)


def render(markdown: str, pictures: Mapping[str, tuple[str, int, int]] | None = None) -> Body:
    """HTML and plain text from a single parse (the parse is most of the cost).
    `pictures` maps a body image's written src to (published URL, width, height).

    Raises TooDeeplyNested rather than return HTML that inlining would cut short."""
    parser = _parser()
    env: dict = {}
    tokens = parser.parse(markdown, env)
    _place_pictures(tokens, pictures or {})
    return Body(_safe(parser.renderer.render(tokens, parser.options, env), markdown), _tokens_text(tokens))


def to_html(markdown: str, pictures: Mapping[str, tuple[str, int, int]] | None = None) -> str:
    """Render Markdown and sanitise the result; the output is safe to mark as Markup.
    `pictures` maps a body image's written src to (published URL, width, height).

    Raises TooDeeplyNested rather than return HTML that inlining would cut short."""
    parser = _parser()
    tokens = parser.parse(markdown)
    _place_pictures(tokens, pictures or {})
    return _safe(parser.renderer.render(tokens, parser.options, {}), markdown)


def _place_pictures(tokens: list[Token], pictures: Mapping[str, tuple[str, int, int]]) -> None:
    if not pictures:
        return
    for block in tokens:
        for child in block.children or []:
            if child.type == "image" and (found := pictures.get(str(child.attrs.get("src", "")))):
                url, width, height = found
                child.attrs.update({"src": url, "width": str(width), "height": str(height)})


def _safe(html: str, markdown: str) -> str:
    clean = nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=URL_SCHEMES,
                      clean_content_tags=DROPPED_WITH_CONTENT, strip_comments=True, link_rel=None)
    depth, _ = _Depth.measure(clean)
    if depth > MAX_NESTING:
        raise TooDeeplyNested(depth, _Depth.measure(markdown)[1] or 1)
    return clean


class _Depth(HTMLParser):
    """Deepest element nesting of an HTML text, and the line where it first passes the limit."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.depth = self.deepest = 0
        self.line = 0

    @classmethod
    def measure(cls, html: str) -> tuple[int, int]:
        parser = cls()
        parser.feed(html)
        parser.close()
        return parser.deepest, parser.line

    def handle_starttag(self, tag, attrs) -> None:
        if tag not in _VOID:
            self.depth += 1
            self.deepest = max(self.deepest, self.depth)
            if self.depth > MAX_NESTING and not self.line:
                self.line = self.getpos()[0]

    def handle_endtag(self, tag) -> None:
        if tag not in _VOID:
            self.depth = max(0, self.depth - 1)


def to_text(markdown: str) -> str:
    """Plain-text rendering for the text part.

    Links become numbered references (`guide [1]`) listed after their paragraph, so URLs
    stand on lines of their own without a Chinese comma being pushed to a line start.
    """
    return _tokens_text(_parser().parse(markdown))


def _tokens_text(tokens: list[Token]) -> str:
    blocks: list[str] = []
    in_list = False
    for token in tokens:
        if token.type in ("bullet_list_open", "ordered_list_open", "bullet_list_close", "ordered_list_close"):
            in_list = token.type.endswith("_open")
        elif token.type == "inline" and token.content.strip():
            text, urls = _inline_text(token.children or [])
            refs = "\n\n" + " ".join(f"[{i}] {url}" for i, url in enumerate(urls, 1)) if urls else ""
            item = f"- {text}" if in_list else text
            if in_list and blocks and blocks[-1].startswith("- ") and not refs:
                blocks[-1] += "\n" + item
            else:
                blocks.append(item + refs)
        elif token.type in ("fence", "code_block"):
            blocks.append(token.content.rstrip())
    return "\n\n".join(blocks)


def _inline_text(children: list[Token]) -> tuple[str, list[str]]:
    parts: list[str] = []
    urls: list[str] = []
    hrefs: list[str] = []
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n" if child.type == "hardbreak" else " ")
        elif child.type == "link_open":
            hrefs.append(str(child.attrs.get("href", "")))
        elif child.type == "link_close" and hrefs and (href := hrefs.pop()):
            urls.append(href)
            parts.append(f" [{len(urls)}]")
        elif child.type == "image":
            parts.append(child.content)
    return re.sub(r" {2,}", " ", "".join(parts)).strip(), urls


def first_paragraph(markdown: str) -> str:
    """The body's first paragraph as plain text: the raw material of a derived excerpt."""
    return Body("", to_text(markdown)).first_paragraph
