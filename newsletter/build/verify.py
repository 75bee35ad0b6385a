"""After inlining, an edition must still hold what the law and its readers need.

The HTML parser behind CSS inlining can drop content without a word (libxml2 stops at
256 levels of nesting, for one). Whatever the cause, an email without its unsubscribe
link, its postal address or some of its articles must never reach `send`: the build
checks the inlined result itself and names the article after which content went missing.
"""
from __future__ import annotations

from lxml import html as lxml_html

from ..errors import InputError, Problem
from ..project.sources import ISSUE_FILE, Issue
from .plan import placeholder
from .views import EditionView


def verify_edition(issue: Issue, view: EditionView, html: str) -> None:
    """Raise InputError naming the culprit when a required part is missing from `html`."""
    doc = lxml_html.document_fromstring(html)
    text = _words(doc.text_content())
    parts = [(f"the article “{b.title}”", (b.slug, b.lang), _words(b.title) in text)
             for blocks in view.articles for b in blocks]
    unsubscribe = placeholder("unsubscribe_url")
    parts.append(("the unsubscribe link", None, any(a.get("href") == unsubscribe for a in doc.iter("a"))))
    parts.append(("the postal address", None, _words(view.sponsor.postal_address) in text))
    missing = [name for name, _, present in parts if not present]
    if not missing:
        return
    first = next(i for i, (_, _, present) in enumerate(parts) if not present)
    culprit = next((key for _, key, present in reversed(parts[:first]) if key and present), None)
    raise InputError([Problem(_path(issue, culprit), None,
                              f"edition {view.edition.id}: after this part the email lost "
                              f"{', '.join(missing)} when its CSS was inlined",
                              "simplify the HTML pasted into it (fewer nested tags); nothing was sent or written")])


def _words(text: str) -> str:
    return " ".join(text.split())


def _path(issue: Issue, key: tuple[str, str] | None):
    if key is None:
        return issue.folder / ISSUE_FILE
    article = next(a for a in issue.articles if a.slug == key[0])
    return (article.versions.get(key[1]) or article.original).path
