"""Planning editions: which sponsor gets which languages, and where each is published.

An edition is one sponsor × one edition language ("en", "zh-Hans", or a bilingual
"zh-Hans+en"); every URL an edition links to is decided here, in one place.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..project.config import Config, Sponsor
from ..project.sources import Article, ArticleVersion, Issue
from ..text import locales

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
    """The version each site language's article page shows, chosen as an edition in that
    language chooses (`version_for`); no page where there is none."""
    pages = {lang: version_for(config, issue, article, lang) for lang in config.site.languages}
    return {lang: version for lang, version in pages.items() if version is not None}


def version_for(config: Config, issue: Issue, article: Article, lang: str,
                bilingual: bool = False) -> ArticleVersion | None:
    """The version for readers of `lang`: theirs, else the first along the language's
    fallback chain. Another script of the same language (zh-Hans for zh-Hant) always
    stands in; another language only under `untranslated: keep`, and not inside a
    bilingual edition (its other language shows the article already)."""
    versions = usable_versions(issue, article)
    found = config.fallbacks.first(versions, lang)
    if found is not None and locales.same_language(found, lang):
        return versions[found]
    if bilingual or issue.meta.untranslated == "hide":
        return None
    return versions[found] if found else article.original


def usable_versions(issue: Issue, article: Article) -> dict[str, ArticleVersion]:
    """The article's versions, without machine-converted drafts under `drafts: hide`."""
    return {t: v for t, v in article.versions.items() if not (v.meta.draft and issue.meta.drafts == "hide")}
