"""The project configuration (`newsletter.toml`): site, languages, editions and sponsors.

Each field has a doc line; README.md's configuration reference is written from them.
"""
from __future__ import annotations

import dataclasses
import re
import tomllib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from ..errors import InputError, Problem
from ..text import locales
from . import limits
from .encodings import decode_source
from .fallback import Fallbacks, complete_record, config_problems, make_fallbacks
from .safepath import path_problem
from .schema import KeyProblem, Loader, field, one_line

CONFIG_NAME = "newsletter.toml"
Localized = dict[str, str]

_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
_EMAIL = re.compile(r"^[^@\s<>\"\x00-\x1f\x7f]+@[^@\s<>\"\x00-\x1f\x7f]+\.[^@\s<>\"\x00-\x1f\x7f]+$")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def _color(v: str) -> str | None:
    return None if _COLOR.match(v) else f"{v!r} is not a colour; write it as #rrggbb, e.g. #b3261e"


def _email(v: str) -> str | None:
    return None if _EMAIL.match(v) else f"{v!r} is not an email address"


def _https(v: str) -> str | None:
    return None if v.startswith("https://") else f"{v!r} must start with https://"


def _ident(v: str) -> str | None:
    return None if _ID.match(v) else f"{v!r} must use only a-z, 0-9 and -"


@dataclass(frozen=True)
class Colors:
    primary: str = field("buttons and links (white text sits on it)", check=_color)
    accent: str = field("category labels and rules", check=_color)
    text: str = field("body text", default="#1f1f1f", check=_color)
    background: str = field("page background", default="#ffffff", check=_color)
    dark_primary: str = field("links in dark mode", default="#8ab4f8", check=_color)
    dark_background: str = field("background in dark mode", default="#121212", check=_color)
    dark_text: str = field("text in dark mode", default="#eeeeee", check=_color)


@dataclass(frozen=True)
class Sender:
    name: str | Localized = field("display name in the From header: one name, or one per language "
                                  "({ en = \"…\", zh-Hans = \"…\" })", check=one_line)
    address: str = field("address in the From header", check=_email)

    def name_in(self, lang: str) -> str:
        return self.name if isinstance(self.name, str) else self.name[lang]


@dataclass(frozen=True)
class Person:
    name: str = field("display name", check=one_line)
    email: str = field("email address", check=_email)


@dataclass(frozen=True)
class Sponsor:
    id: str = field("short id used in issue files, URLs and file names", check=_ident)
    name: Localized = field("the group's name in each language", check=one_line)
    logo: str = field("logo image file, relative to the project folder")
    logo_alt: Localized = field("text read aloud instead of the logo")
    colors: Colors = field("brand colours")
    sender: Sender = field("who the email comes from")
    website: str = field("the group's website", check=_https)
    postal_address: str = field("postal address shown in the footer (required by anti-spam laws)")
    footer: Localized = field("why the reader gets this email, per language")
    reply_to: str | None = field("where replies go", default=None, check=_email)


@dataclass(frozen=True)
class Site:
    name: Localized = field("the newsletter's name in each language")
    base_url: str = field("web archive root; 'View in browser' and images point here", check=_https)
    languages: list[str] = field("languages offered, BCP 47 tags; the first is the default")
    unsubscribe_mailto: str = field("address for mailto unsubscribe requests", check=_email)
    editions: list[str] = field("edition languages; 'zh-Hans+en' is a bilingual edition", default=[])
    sample_subscriber: Person = field("who the sample .eml is addressed to",
                                      default=Person("Sample Reader", "reader@example.com"))
    fallback: dict[str, list[str]] = field("per language, the languages shown when a text is missing "
                                           "in it, e.g. { zh-Hant = [\"zh-Hans\", \"en\"] }; default: other "
                                           "scripts of the same language, then the first language", default={})


@dataclass(frozen=True)
class Extraction:
    keywords: list[str] = field("extra gettext keywords for `newsletter i18n extract`, in Babel's "
                                "spec form, e.g. 'tr:1c,2'", default=[])
    comment_tags: list[str] = field("comment prefixes that reach translators", default=["Translators:"])
    python: list[str] = field("glob patterns of Python files to extract too, e.g. 'plugins/**.py'",
                              default=[])


@dataclass(frozen=True)
class Sending:
    database: str = field("subscriber database (SQLite), relative to the project folder",
                          default="subscribers.sqlite")
    ledger_dir: str = field("folder of the per-issue send journals", default=".newsletter/ledger")
    outbox: str = field("Maildir folder that receives the mail when no SMTP server is given",
                        default="outbox")
    smtp: str | None = field("SMTP server, e.g. smtp://user@host:587 or smtps://user@host "
                             "(never a password here)", default=None)
    smtp_password_env: str = field("environment variable holding the SMTP password",
                                   default="NEWSLETTER_SMTP_PASSWORD")
    unsubscribe_secret_env: str = field("environment variable holding the secret that signs "
                                        "unsubscribe links", default="NEWSLETTER_UNSUBSCRIBE_SECRET")
    unsubscribe_url: str | None = field("public https address of `newsletter serve`'s unsubscribe "
                                        "page; default: site.base_url + /unsubscribe",
                                        default=None, check=_https)
    rate: int = field("messages per second at most; 0 means no limit", default=0)
    connections: int = field("SMTP connections used at the same time", default=2)
    max_attempts: int = field("tries per message on temporary errors (4xx, dropped connection)",
                              default=5)
    retry_delay: int = field("seconds before the first retry; doubles on each further try",
                             default=2)
    bounce_address: str | None = field("mailbox that receives bounces; each message is sent from "
                                       "bounces+<token>@… (VERP) so a bounce names its recipient and "
                                       "issue; default: bounces@ the domain of site.unsubscribe_mailto",
                                       default=None, check=_email)
    soft_bounce_limit: int = field("soft bounces (on different days) that mark a subscriber bounced",
                                   default=3)
    soft_bounce_days: int = field("days over which soft bounces are counted", default=21)
    imap_password_env: str = field("environment variable holding the password of an imaps:// "
                                   "bounce mailbox", default="NEWSLETTER_IMAP_PASSWORD")


@dataclass(frozen=True)
class Config:
    site: Site = field("site-wide settings")
    sponsors: list[Sponsor] = field("the sponsoring groups; each gets its own editions")
    root: Path = Path(".")
    sending: Sending = Sending()
    extract: Extraction = Extraction()

    @property
    def edition_languages(self) -> list[str]:
        return self.site.editions or list(self.site.languages)

    def sponsor(self, sponsor_id: str) -> Sponsor | None:
        return next((s for s in self.sponsors if s.id == sponsor_id), None)

    @cached_property
    def fallbacks(self) -> Fallbacks:
        """Each language's fallback chain, decided once from [site] fallback."""
        return make_fallbacks(self.site.languages, self.site.fallback)


def load_config(root: Path) -> Config:
    """Read and check `newsletter.toml`; raises InputError listing every problem."""
    path = root / CONFIG_NAME
    data = _read_toml(path)
    languages = data.get("site", {}).get("languages") if isinstance(data.get("site"), dict) else None
    loader = Loader(languages if isinstance(languages, list) else None)
    site = loader.record(Site, data.get("site"), "site")
    sponsors = loader.value(list[Sponsor], data.get("sponsors", []), "sponsors")
    sending = loader.record(Sending, data.get("sending", {}), "sending")
    extract = loader.record(Extraction, data.get("extract", {}), "extract")
    for key in sorted(set(data) - {"site", "sponsors", "sending", "extract"}):
        loader.problems.append(KeyProblem(key, "is not a known section",
                                          "use [site], [[sponsors]], [sending] or [extract]"))
    if site:
        loader.problems += config_problems(site.languages, site.fallback)
    problems = [Problem(path, None, f"{p.key}: {p.message}", p.fix) for p in loader.problems]
    if site:
        problems += _check_site(path, site)
    if sponsors:
        problems += _check_sponsors(path, root, sponsors)
    if problems:
        raise InputError(problems)
    config = Config(site=site, sponsors=sponsors, root=root, sending=sending or Sending(),
                    extract=extract or Extraction())
    return _complete(path, config)


def _complete(path: Path, config: Config) -> Config:
    """Fill every per-language text through the fallback chains; a text with no language of
    a chain is a problem naming the key to add."""
    site, problems = complete_record(config.site, config.fallbacks, config.site.languages, "site", "toml")
    sponsors, more = complete_record(config.sponsors, config.fallbacks, config.site.languages, "sponsors", "toml")
    problems += more
    if problems:
        raise InputError([Problem(path, None, f"{p.key}: {p.message}", p.fix) for p in problems])
    return dataclasses.replace(config, site=site, sponsors=sponsors)


def _read_toml(path: Path) -> dict:
    if not path.is_file():
        raise InputError([Problem(path, None, "the project configuration is missing",
                                  f"run newsletter from the project folder, or create {CONFIG_NAME}")])
    limits.check_file_size(path, limits.MAX_TEXT_BYTES)
    try:
        return tomllib.loads(decode_source(path.read_bytes(), path))
    except tomllib.TOMLDecodeError as exc:
        line = re.search(r"line (\d+)", str(exc))
        message = re.sub(r"\s*\(at line.*\)$", "", str(exc))
        raise InputError([Problem(path, int(line.group(1)) if line else None,
                                  f"not valid TOML: {message}",
                                  "check quotes, = signs and brackets on that line")]) from None


def _check_site(path: Path, site: Site) -> list[Problem]:
    problems = [Problem(path, None, f"site.languages: {tag!r} is not a language tag Babel knows",
                        "use a BCP 47 tag such as en, zh-Hans or zh-Hant")
                for tag in site.languages if not locales.is_known(tag)]
    for i, edition in enumerate(site.editions):
        for tag in edition.split("+"):
            if tag not in site.languages:
                problems.append(Problem(path, None, f"site.editions[{i}]: {tag!r} is not in site.languages",
                                        f"use languages from: {', '.join(site.languages)}"))
    return problems


def _check_sponsors(path: Path, root: Path, sponsors: list[Sponsor]) -> list[Problem]:
    problems, seen = [], set()
    for i, sponsor in enumerate(sponsors):
        if sponsor is None:
            continue
        if sponsor.id in seen:
            problems.append(Problem(path, None, f"sponsors[{i}].id: {sponsor.id!r} is used twice",
                                    "give every sponsor its own id"))
        seen.add(sponsor.id)
        if wrong := path_problem(root, sponsor.logo, root, limits.MAX_IMAGE_BYTES):
            problems.append(Problem(path, None, f"sponsors[{i}].logo: file {sponsor.logo!r} {wrong[0]}", wrong[1]))
    return problems


def localized(text: Localized, lang: str) -> str:
    """The text in `lang`: every text is completed through the fallback chains when read."""
    return text[lang]
