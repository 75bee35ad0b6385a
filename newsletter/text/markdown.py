"""Markdown bodies to safe HTML (for the email and web) and to plain text (for the text part).

Raw HTML pasted into Markdown is allowed through markdown-it and then cut down by nh3 to an
allow-list, so nothing a paste brings in can run in a subscriber's mail client.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

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


def render(markdown: str) -> Body:
    """HTML and plain text from a single parse (the parse is most of the cost)."""
    parser = _parser()
    env: dict = {}
    tokens = parser.parse(markdown, env)
    return Body(_clean(parser.renderer.render(tokens, parser.options, env)), _tokens_text(tokens))


def to_html(markdown: str) -> str:
    """Render Markdown and sanitise the result; the output is safe to mark as Markup."""
    return _clean(_parser().render(markdown))


def _clean(html: str) -> str:
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=URL_SCHEMES,
                     clean_content_tags=DROPPED_WITH_CONTENT, strip_comments=True, link_rel=None)


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
