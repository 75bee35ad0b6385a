"""Where the web archive's own pages live, relative to the archive root: one article page
per issue, language and article, one page per author and per category and language.
Emails, edition pages, article pages and the author and category lists all link to them."""
from __future__ import annotations

import hashlib
import re

from slugify import slugify


def name_slug(text: str) -> str:
    """A file name for an author id or a category (`健康` → `jian-kang`); a short hash
    when no ASCII letters are left (an emoji-only category)."""
    return slugify(text) or "x" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]


def article_path(issue: str, lang: str, slug: str) -> str:
    return f"{issue}/{lang}/{slug}.html"


def author_path(lang: str, author_id: str) -> str:
    """Ids that are already file-name safe stay as written, so two ids never share a page."""
    name = author_id if re.fullmatch(r"[A-Za-z0-9_-]+", author_id) else name_slug(author_id)
    return f"authors/{lang}/{name}.html"


def category_path(lang: str, category: str) -> str:
    return f"categories/{lang}/{name_slug(category)}.html"
