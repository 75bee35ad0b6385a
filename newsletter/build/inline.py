"""CSS inlining with premailer, once per edition.

premailer caches parsed CSS in a process-wide LRU whose size it reads from
PREMAILER_CACHE_MAXSIZE when first imported; its default of 128 thrashes on our
stylesheet (~4x slower), so we size it before the import. Set the variable yourself
to override.
"""
from __future__ import annotations

import logging
import os

os.environ.setdefault("PREMAILER_CACHE_MAXSIZE", "4096")

from premailer import Premailer  # noqa: E402  (must follow the cache-size setting)

from ..errors import BuildError  # noqa: E402


def inline_css(html: str) -> str:
    """Move stylesheet rules into style attributes; keep @media and :lang() rules in <head>."""
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
            cssutils_logging_level=logging.CRITICAL,
        ).transform(pretty_print=False)
    except Exception as exc:  # premailer raises bare lxml/cssutils errors
        raise BuildError(f"inlining CSS failed: {exc}; check templates/email/style.css.j2") from exc
