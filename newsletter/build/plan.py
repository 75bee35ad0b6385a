"""Planning editions: which sponsor gets which languages, and where each is published.

An edition is one sponsor × one edition language ("en", "zh-Hans", or a bilingual
"zh-Hans+en"); every URL an edition links to is decided here, in one place.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..project.config import Config, Sponsor
from ..project.sources import Article, ArticleVersion, Issue

# Per-subscriber values are left as these tokens and filled by cheap substitution when
# sending (and for the sample .eml); premailer passes tokens without spaces untouched.
PLACEHOLDERS = ("name", "email", "unsubscribe_url", "view_url", "preferences_url")


class Placeholder(str):
    """A per-subscriber token the build itself placed (see personal.py): only these are filled."""


def placeholder(name: str) -> str:
    assert name in PLACEHOLDERS, name
    return Placeholder(f"%%{name}%%")


@dataclass(frozen=True)
class Edition:
    issue: str
    sponsor: Sponsor
    languages: tuple[str, ...]
    base_url: str

    @property
    def id(self) -> str:
        return f"{self.sponsor.id}/{self.language}"

    @property
    def language(self) -> str:
        """The edition's tag as written in config: `en`, `zh-Hans+en`."""
        return "+".join(self.languages)

    @property
    def primary(self) -> str:
        return self.languages[0]

    @property
    def bilingual(self) -> bool:
        return len(self.languages) > 1

    @property
    def stem(self) -> str:
        """Output path without extension, relative to the issue's output folder."""
        return f"{self.sponsor.id}/{self.language}"

    @property
    def email_stem(self) -> str:
        """The email's files sit beside the web page, which owns `<stem>.html` (the "View in
        browser" address)."""
        return f"{self.stem}.email"

    @property
    def view_url(self) -> str:
        return f"{self.base_url}/{self.issue}/{self.stem}.html"

    def article_url(self, slug: str, lang: str) -> str:
        """The article's own web page in `lang` (see build/pages.py)."""
        return f"{self.base_url}/{self.issue}/{lang}/{slug}.html"

    def asset_url(self, relative: str) -> str:
        """Images are published beside the editions, under the issue's folder."""
        return f"{self.base_url}/{self.issue}/{relative}"


def plan_editions(config: Config, issue: Issue) -> list[Edition]:
    """Every (sponsor, edition language) pair the issue goes to, in a stable order."""
    base = config.site.base_url.rstrip("/")
    return [Edition(issue.name, config.sponsor(sponsor_id), tuple(tag.split("+")), base)
            for sponsor_id in issue.sponsor_ids
            for tag in config.edition_languages]


def page_versions(config: Config, issue: Issue, article: Article) -> dict[str, ArticleVersion]:
    """The version each site language's page shows: its own, else (policy `keep`) the
    original with a notice; under `hide`, no page where there is no translation."""
    pages = {}
    for lang in config.site.languages:
        version = article.versions.get(lang)
        if version is None and issue.meta.untranslated == "keep":
            version = article.original
        if version is not None:
            pages[lang] = version
    return pages
