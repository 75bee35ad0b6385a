"""HTML tags inside a UI string: a translation must carry exactly the English text's tags.

Jinja2's newstyle gettext escapes the values filled in but trusts the translated text
itself, so a `<b>` a translator adds reaches the email as markup.
"""
from __future__ import annotations

import re
from collections import Counter

_TAG = re.compile(r"</?([A-Za-z][A-Za-z0-9-]*)\b[^>]*>")


def tags(text: str) -> Counter:
    """`<a>`, `</a>`, … with their counts (attributes ignored)."""
    return Counter(f"<{'/' if m.group().startswith('</') else ''}{m.group(1).lower()}>" for m in _TAG.finditer(text))


def differ(english: str, translation: str) -> bool:
    return tags(english) != tags(translation)
