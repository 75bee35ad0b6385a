"""Links: every link a subscriber can click must go somewhere real and safe."""
from __future__ import annotations

import re

from ..build.plan import PLACEHOLDERS, page_versions
from .context import describe
from .registry import check, error, warning

_UNFILLED = re.compile(r"\{\{|\{%|\bTODO\b|\bTK\b|\bFIXME\b|\bXXX\b")
_TOKEN = re.compile(r"%%([A-Za-z_][A-Za-z0-9_]*)%%")
TEXT_ATTRIBUTES = ("href", "src", "alt", "title")


def _links(doc):
    return [(a, (a.get("href") or "").strip()) for a in doc.tree.iter("a")]


@check("links.https", "Plain http:// links show 'not secure' warnings, can be altered on the way, "
       "and make spam filters suspicious.")
def https_only(ctx, doc):
    for el in doc.tree.iter("a", "img"):
        url = (el.get("href") if el.tag == "a" else el.get("src")) or ""
        if url.strip().lower().startswith("http:"):
            yield warning(f"link {url} is not https", "write it with https://",
                          **(ctx.locate(url, doc.languages) or {"element": describe(el)}))


@check("links.empty", "A link with an empty or '#' address goes nowhere; readers think the "
       "email is broken.")
def empty_href(ctx, doc):
    for a, href in _links(doc):
        if a.get("href") is not None and href in ("", "#"):
            yield error(f"link “{a.text_content().strip()}” has no address ({href or 'empty'})",
                        "give the link its full https:// address", element=describe(a))


@check("links.javascript", "Mail apps refuse javascript: links, and spam filters treat them as an attack.")
def javascript_href(ctx, doc):
    for a, href in _links(doc):
        if href.lower().replace(" ", "").startswith("javascript:"):
            yield error("link runs javascript:", "replace it with an https:// link", element=describe(a))


@check("links.related", "Links to articles of this issue (Check also, Read in full) must land "
       "on an article the edition really contains.")
def related_targets(ctx, doc):
    view = doc.built.edition.view_url
    ids = {el.get("id") for el in doc.tree.iter() if isinstance(el.tag, str) and el.get("id")}
    for a, href in _links(doc):
        if href.startswith(view + "#") and href[len(view) + 1:] not in ids:
            slug = href[len(view) + 1:]
            yield error(f"link “{a.text_content().strip()}” points to article {slug!r}, "
                        "which is not in this edition",
                        "list the article in issue.yaml, or remove it from `related`", element=describe(a))
    yield from _article_page_targets(ctx, doc)


def _article_page_targets(ctx, doc):
    """Links to article pages (`<base>/<issue>/<lang>/<slug>.html`) must name a page the build writes."""
    prefix = f"{doc.built.edition.base_url}/{ctx.issue.name}/"
    pages = {f"{lang}/{article.slug}.html" for article in ctx.issue.articles
             for lang in page_versions(ctx.config, ctx.issue, article)}
    for a, href in _links(doc):
        rest = href[len(prefix):] if href.startswith(prefix) else ""
        if rest.count("/") == 1 and rest.split("/")[0] in ctx.config.site.languages and rest not in pages:
            yield error(f"link “{a.text_content().strip()}” points to article page {rest!r}, which is not built",
                        "list the article in issue.yaml, or remove it from `related`", element=describe(a))


@check("links.placeholder", "Unfilled placeholders ({{, TODO, TK) reach every subscriber; "
       "only %%name%%-style tokens are filled in when sending.")
def placeholders(ctx, doc):
    texts = [("subject", doc.built.subject), ("preheader", doc.built.preheader),
             ("plain-text part", doc.built.text), ("HTML", doc.tree.text_content())]
    texts += [(f"{el.tag} {attr}", el.get(attr)) for el in doc.tree.iter() if isinstance(el.tag, str)
              for attr in TEXT_ATTRIBUTES if el.get(attr)]
    seen = set()
    for where, text in texts:
        for marker, context in _unfilled(text):
            source = _source_of(ctx, context, doc.languages)
            key = (marker, source.get("path"), source.get("line")) if source else (marker, context)
            if key not in seen:
                seen.add(key)
                shown = "" if source else f" in the {where}: “{context.strip()}”"
                yield error(f"unfilled placeholder “{marker}”{shown}",
                            "write the missing text, or remove the placeholder", **source)
    yield from _sample_tokens(doc)


def _source_of(ctx, context: str, languages) -> dict:
    """The source line of a marker: by its surrounding words first, else the marker alone."""
    for needle in (context.strip(), *[m.group() for m in _UNFILLED.finditer(context)]):
        if where := ctx.locate(needle, languages):
            return where
    return {}


def _unfilled(text: str) -> list[tuple[str, str]]:
    """(marker, surrounding text) for each unfilled marker and each %%token%% the sender
    does not fill."""
    found = [(m.group(), text[max(m.start() - 20, 0): m.end() + 20]) for m in _UNFILLED.finditer(text)]
    return found + [(m.group(), m.group()) for m in _TOKEN.finditer(text) if m.group(1) not in PLACEHOLDERS]


def _sample_tokens(doc):
    """The sample .eml is what one subscriber gets: every %%token%% must be filled there."""
    message = doc.message
    parts = [str(message.get("Subject", ""))]
    parts += [p.get_content() for p in message.walk() if p.get_content_maintype() == "text"]
    left = sorted({m.group() for text in parts for m in _TOKEN.finditer(text)})
    if left:
        yield error(f"the sample .eml still shows {', '.join(left)}",
                    "fill every placeholder when preparing a message (newsletter/mime.py)",
                    element=f"{doc.built.edition.stem}.eml")


CHECKS = (https_only, empty_href, javascript_href, related_targets, placeholders)
