"""Accessibility: what a screen reader, a low-vision reader or a keyboard user meets."""
from __future__ import annotations

import re

from . import contrast
from .context import describe
from .registry import check, error, warning

VAGUE_LINK_TEXT = {
    "click here", "click", "here", "this", "this link", "link", "read more", "more", "learn more",
    "continue", "go", "see more", "details",
    "点击这里", "点这里", "点击", "这里", "此处", "点此", "更多", "阅读更多", "了解更多", "详情", "链接",
}
_TRIM = re.compile(r"^[\s\W_]+|[\s\W_]+$")
WHITE = "#ffffff"
# (what, foreground, background, the colour to change) — each pair the templates paint.
COLOR_PAIRS = (
    ("body text on the background", "text", "background", "text"),
    ("links on the background", "primary", "background", "primary"),
    ("white button text on the primary colour", WHITE, "primary", "primary"),
    ("dark-mode text on the dark background", "dark_text", "dark_background", "dark_text"),
    ("dark-mode links on the dark background", "dark_primary", "dark_background", "dark_primary"),
    ("dark-mode button text on dark_primary", "dark_background", "dark_primary", "dark_primary"),
)


@check("a11y.img-alt", "Screen readers read an image's alt text; without an alt attribute they "
       "read the file name instead (decorative images need alt=\"\").")
def img_alt(ctx, doc):
    for img in doc.tree.iter("img"):
        if img.get("alt") is None:
            src = img.get("src", "")
            yield error("image has no alt text", 'describe it with alt="…", or write alt="" if it is only decoration',
                        **(ctx.locate(src.rsplit("/", 1)[-1], doc.languages) or {"element": describe(img)}))


@check("a11y.heading-order", "Screen-reader users jump between headings; a skipped level "
       "(h2 then h4) makes them think they missed a section.")
def heading_order(ctx, doc):
    previous = 0
    for el in doc.tree.iter("h1", "h2", "h3", "h4", "h5", "h6"):
        level = int(el.tag[1])
        if previous and level > previous + 1:
            text = el.text_content().strip()
            yield warning(f"heading “{text}” is level {level} right after level {previous}",
                          f"use {'#' * (previous + 1)} (level {previous + 1}) for this heading",
                          **(ctx.locate(text, doc.languages) or {"element": describe(el)}))
        previous = level


@check("a11y.link-text", "Screen readers list links by their text alone; 'click here' or "
       "'更多' tells the reader nothing about where the link goes.")
def link_text(ctx, doc):
    for a in doc.tree.iter("a"):
        text = a.text_content().strip() or " ".join(i.get("alt", "") for i in a.iter("img")).strip()
        if not text:
            yield error("link has no text", "put words (or an image with alt text) inside the link",
                        element=describe(a))
        elif _TRIM.sub("", text).lower() in VAGUE_LINK_TEXT:
            yield warning(f"link text “{text}” does not say where the link goes",
                          "use words that name the destination, e.g. “the clinic's sign-up form”",
                          **(ctx.locate(f"[{text}]", doc.languages) or {"element": describe(a)}))


@check("a11y.lang-dir", "Webmail drops <html>, so the outer wrapper must repeat lang and dir; "
       "without them Chinese is read with an English voice.")
def lang_dir(ctx, doc):
    want = doc.built.edition.primary
    wrappers = doc.tree.xpath("//div[contains(concat(' ', normalize-space(@class), ' '), ' wrapper ')]")
    if not wrappers:
        yield error("no outer wrapper <div class=\"wrapper\"> in <body>",
                    "wrap the body in <div class=\"wrapper\" lang=… dir=…> (templates/email/email.html.j2)")
    for el in [doc.tree, *wrappers[:1]]:
        for attr in ("lang", "dir"):
            if not el.get(attr):
                yield error(f"<{el.tag}> has no {attr} attribute", f'add {attr}="…" in templates/email/email.html.j2',
                            element=describe(el))
        if el.get("lang") and el.get("lang") != want:
            yield error(f"<{el.tag}> says lang=\"{el.get('lang')}\" but the edition is {want}",
                        "set lang from the edition's language", element=describe(el))


@check("a11y.layout-table", "Screen readers announce tables row by row; layout tables need "
       "role=\"presentation\" so the email is read as text.")
def layout_table(ctx, doc):
    for table in doc.tree.iter("table"):
        is_data = table.find(".//th") is not None or table.find("caption") is not None
        if not is_data and table.get("role") != "presentation":
            yield error("layout table without role=\"presentation\"",
                        'add role="presentation" to the <table>', element=describe(table))


@check("a11y.contrast", "Text below WCAG AA contrast (4.5:1) is hard to read for many, and "
       "unreadable on a phone in sunlight; checked for light and dark mode.", scope="issue")
def color_contrast(ctx):
    for sponsor_id in ctx.issue.sponsor_ids:
        colors = ctx.config.sponsor(sponsor_id).colors.__dict__
        for what, fg, bg, key in COLOR_PAIRS:
            fore, back = colors.get(fg, fg), colors[bg]
            value = contrast.ratio(fore, back)
            if value < contrast.AA_NORMAL_TEXT:
                yield error(f"sponsor {sponsor_id}: {what} ({fore} on {back}) has contrast {value:.2f}:1, "
                            f"below {contrast.AA_NORMAL_TEXT}:1",
                            f"change colors.{key} until the pair reaches {contrast.AA_NORMAL_TEXT}:1 "
                            "(any WCAG contrast checker shows the ratio)",
                            **ctx.config_line("colors", after=f'id = "{sponsor_id}"'))


CHECKS = (img_alt, heading_order, link_text, lang_dir, layout_table, color_contrast)
