"""CSS inlining with premailer, once per edition, with as little work for premailer as we can.

premailer caches parsed CSS in a process-wide LRU whose size it reads from
PREMAILER_CACHE_MAXSIZE when first imported; its default of 128 thrashes on large
stylesheets (~4x slower), so we size it before the import. Set the variable yourself
to override.

Per edition premailer re-derives everything about the stylesheet that cannot be inlined
(@media blocks, `:lang()` and other pseudo-class rules) and serialises it again, and it
parses the style attribute of every image in case one floats. None of that depends on the
edition: `Inliner` asks premailer once per stylesheet (in practice: once per sponsor) for
that leftover CSS, and then hands each edition's premailer only the rules it can inline,
with the leftover in a `<style data-premailer="ignore">` block that premailer passes
through. The output is the same, byte for byte (tests/test_build.py's golden files).
"""
from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass

os.environ.setdefault("PREMAILER_CACHE_MAXSIZE", "4096")

import tinycss2  # noqa: E402
from premailer import Premailer  # noqa: E402  (must follow the cache-size setting)

from ..errors import BuildError  # noqa: E402

# The one stylesheet the email template writes: a plain <style> element in <head>.
_STYLE = re.compile(r"<style>(.*?)</style>", re.DOTALL)
_IGNORE = '<style data-premailer="ignore">'
_EMPTY_DOCUMENT = "<!DOCTYPE html><html><head><style>{}</style></head><body></body></html>"
# premailer inlines these pseudo-classes instead of leaving them over; a stylesheet using
# them (or `*`) takes the plain path, where premailer decides everything itself.
_INLINED_PSEUDO = (":first-child", ":last-child", ":nth-child")


def _premailer(html: str, align_floating_images: bool = True) -> str:
    try:
        return Premailer(
            html,
            keep_style_tags=False,          # leftover rules (media queries, dark mode) stay
            remove_classes=False,           # classes are what the media queries target
            strip_important=False,          # dark-mode overrides need !important
            disable_validation=True,
            # width/height attributes stay the pixel sizes the templates set (Outlook uses them);
            # otherwise `width: 100%; height: auto` from the CSS would overwrite them.
            disable_basic_attributes=["width", "height"],
            allow_network=False,
            align_floating_images=align_floating_images,
            cssutils_logging_level=logging.CRITICAL,
        ).transform(pretty_print=False)
    except Exception as exc:  # premailer raises bare lxml/cssutils errors
        raise BuildError(f"inlining CSS failed: {exc}; check templates/email/style.css.j2") from exc


def inline_css(html: str) -> str:
    """Move stylesheet rules into style attributes; keep @media and :lang() rules in <head>.

    premailer with nothing prepared: the baseline `Inliner` is measured against
    (benchmarks/build.py), and the path for stylesheets it does not prepare."""
    return _premailer(html)


@dataclass(frozen=True)
class _Sheet:
    inlinable: str        # the rules premailer can inline, in their order
    leftover: str | None  # premailer's own serialisation of the rest; None: nothing left


class Inliner:
    """One per build (or preview session): remembers each stylesheet's preparation."""

    def __init__(self) -> None:
        self._sheets: dict[str, _Sheet | None] = {}

    def inline(self, html: str) -> str:
        found = _STYLE.search(html)
        sheet = self._sheet(found.group(1)) if found else None
        if sheet is None:
            return inline_css(html)
        style = f"<style>{sheet.inlinable}</style>"
        if sheet.leftover is not None:
            style += f"{_IGNORE}{sheet.leftover}</style>"
        prepared = html[:found.start()] + style + html[found.end():]
        return _premailer(prepared, align_floating_images="float" in prepared)

    def _sheet(self, css: str) -> _Sheet | None:
        if css not in self._sheets:
            self._sheets[css] = _prepare(css)
        return self._sheets[css]


def _prepare(css: str) -> _Sheet | None:
    """Split a stylesheet, in source order, into the rules premailer inlines and the rules
    it leaves over, and have premailer serialise the leftover alone (a much smaller job
    than the whole sheet). tinycss2 only splits; premailer parses and writes everything."""
    if "</" in css:
        return None
    inlinable, leftover = [], []
    for rule in tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True):
        if rule.type == "at-rule" and rule.lower_at_keyword == "media":
            leftover.append(rule.serialize())
        elif rule.type == "qualified-rule":
            selectors = [s.strip() for s in tinycss2.serialize(rule.prelude).split(",") if s.strip()]
            if any("*" in s or any(p in s for p in _INLINED_PSEUDO) for s in selectors):
                return None
            body = tinycss2.serialize(rule.content)
            for group, kept in ((inlinable, [s for s in selectors if ":" not in s]),
                                (leftover, [s for s in selectors if ":" in s])):
                if kept:
                    group.append(f"{', '.join(kept)} {{{body}}}")
        elif rule.type == "error":
            return None
    left = _STYLE.search(_premailer(_EMPTY_DOCUMENT.format("\n".join(leftover)))) if leftover else None
    return _Sheet("\n".join(inlinable), left.group(1) if left else None)
