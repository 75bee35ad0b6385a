"""Planning a send: the built editions, who gets which one, and the checks that must pass
before the first message.

Editions are read from the build (`dist/<issue>/manifest.json`) and never re-rendered:
each is turned into a `PreparedEdition` once. Configuration that would fail every
message (a space in the unsubscribe address, a malformed sender) is refused here, with
the place in newsletter.toml to fix, before anyone is mailed.
"""
from __future__ import annotations

import dataclasses
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from urllib.parse import urlsplit

from ..build.plan import Edition
from ..build.sample import edition_mail
from ..errors import InputError, Problem
from ..project.config import CONFIG_NAME, Config, load_config
from ..project.root import DIST_DIR, find_project_root
from ..text.mime import PreparedEdition, Recipient, check_address, check_url
from .ledger import Ledger, ledger_path
from .pauses import Pauses
from .subscribers import SubscriberStore, database_path, edition_language
from .tokens import (
    PREFERENCES,
    bounce_base,
    mailto_token,
    make_token,
    secret_from,
    tagged_address,
    verp_token,
)

TEST_PREFIX = "[TEST] "
_SOURCES = ("newsletter.toml", "authors.yaml", "templates", "translations", "assets")


@dataclass(frozen=True)
class Settings:
    """How to send; each None falls back to the `[sending]` section of newsletter.toml."""

    only: tuple[str, ...] = ()
    rate: float | None = None
    connections: int | None = None
    max_attempts: int | None = None
    retry_delay: float | None = None
    retry_failed: bool = False      # re-queue every failed row, not only failures on our side
    batch: int | None = None        # ledger rows per commit and connection (send.SEND_BATCH)


@dataclass(frozen=True)
class Job:
    edition: str
    recipient: Recipient
    sender: str
    subscriber_id: int | None = None


BATCH = 500  # subscribers read from SQLite at a time
# KiB of page cache (and of temporary tables' and sorters' cache) for a connection that only
# streams: SQLite's 2 MiB default per connection would make memory grow with the list
STREAM_CACHE = "PRAGMA cache_size = -256"
STREAM_TEMP_CACHE = "PRAGMA temp.cache_size = -256"


def batched(items: Iterable, size: int) -> Iterator[list]:
    """itertools.batched (Python 3.12) for 3.11."""
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


class Recipients:
    """The campaign's jobs, read from the subscriber store in batches every time they are
    iterated: a list of 100,000 people is never held in memory (~1 KiB each as jobs)."""

    def __init__(self, config: Config, chosen: dict[str, dict], senders: dict[str, str], secret: bytes,
                 issue: str, held: frozenset[int] = frozenset()):
        """`held`: ids of subscribers whose pause keeps this issue from them (skipped)."""
        self.config, self.chosen, self.senders, self.secret, self.issue = config, chosen, senders, secret, issue
        self.held = frozenset(held)
        self.base, self.bounces, self.pages = unsubscribe_base(config), bounce_base(config), pages_base(config)

    def _edition(self, sponsor: str, language: str) -> str | None:
        edition = f"{sponsor}/{edition_language(self.config, language)}"
        return edition if edition in self.chosen else None

    def __iter__(self) -> Iterator[Job]:
        for edition, s in self._active():
            yield self.job(edition, s)

    def pairs(self) -> Iterator[tuple[str, str]]:
        """(email, edition id) of every job, without signing tokens: for the ledger's plan."""
        for edition, s in self._active():
            yield s.email, edition

    def _active(self) -> Iterator[tuple]:
        with SubscriberStore(database_path(self.config)) as store:
            store.db.execute(STREAM_CACHE)
            for batch in store.batches(BATCH):
                for s in batch:
                    edition = self._edition(s.sponsor, s.language)
                    if edition is not None and s.status == "active" and s.id not in self.held:
                        yield edition, s

    def job(self, edition: str, s) -> Job:
        secret, mailto = self.secret, self.config.site.unsubscribe_mailto
        recipient = Recipient(email=s.email, name=s.name,   # no name: a neutral greeting
                              unsubscribe_url=f"{self.base}/{make_token(secret, s.id, s.email)}",
                              view_url=self.chosen[edition]["view_url"],
                              preferences_url=f"{self.pages}/preferences/{make_token(secret, s.id, s.email, PREFERENCES)}",
                              unsubscribe_mailto=tagged_address(mailto, mailto_token(secret, s.id, s.email)))
        sender = tagged_address(self.bounces, verp_token(secret, s.id, self.issue, s.email))   # VERP
        return Job(edition, recipient, sender, s.id)

    def counts(self) -> tuple[Counter, Counter]:
        """(active, inactive) per edition, counted by SQLite."""
        active, inactive = Counter(), Counter()
        with SubscriberStore(database_path(self.config)) as store:
            store.db.execute(STREAM_CACHE)
            store.db.execute(STREAM_TEMP_CACHE)
            for (sponsor, language, status), n in store.tally().items():
                edition = self._edition(sponsor, language)
                if edition is not None:
                    (active if status == "active" else inactive)[edition] += n
            for s in self._paused(store):   # paused: counted as skipped, like the inactive
                edition = self._edition(s.sponsor, s.language)
                active[edition] -= 1
                inactive[edition] += 1
        return active, inactive

    def paused(self) -> list[int]:
        """Ids of the active subscribers of the chosen editions that a pause holds back."""
        with SubscriberStore(database_path(self.config)) as store:
            return [s.id for s in self._paused(store)]

    def _paused(self, store: SubscriberStore) -> Iterator:
        for sid in sorted(self.held):
            s = store.get(sid)
            if s is not None and s.status == "active" and self._edition(s.sponsor, s.language) is not None:
                yield s

    def __len__(self) -> int:
        return sum(self.counts()[0].values())


@dataclass
class Campaign:
    """Everything decided before the first message: editions, recipients, who is skipped.

    `jobs` is a list for --test-to, and a `Recipients` stream for a real send."""

    issue: str
    config: Config
    editions: dict[str, PreparedEdition]
    senders: dict[str, str]
    jobs: list[Job] | Recipients
    skipped: Counter = field(default_factory=Counter)
    warnings: list[str] = field(default_factory=list)
    paused: list[int] = field(default_factory=list)   # subscriber ids whose pause holds this issue


# --- planning ----------------------------------------------------------------------------

def load_campaign(issue_dir: Path, settings: Settings, environ: Mapping[str, str],
                  test_to: str | None = None) -> Campaign:
    """Read the built editions and the subscriber list; raise InputError on any problem."""
    root = find_project_root(issue_dir)
    config = load_config(root)
    preflight(config)
    issue = issue_dir.resolve().name
    manifest, warnings = _manifest(config, issue_dir, issue)
    entries = _select(manifest["editions"], settings.only)
    editions, senders = {}, {}
    for entry in entries:
        edition = _edition(config, issue, entry)
        mail = _edition_mail(config, edition, entry, manifest_dir=root / DIST_DIR / issue)
        if test_to:
            mail = dataclasses.replace(mail, subject=TEST_PREFIX + mail.subject)
        editions[entry["id"]] = PreparedEdition(mail)
        senders[entry["id"]] = mail.from_address
    campaign = Campaign(issue, config, editions, senders, [], warnings=warnings)
    if test_to:
        campaign.jobs = _test_jobs(config, campaign, entries, test_to)
    else:
        _plan_subscribers(campaign, entries, secret_from(environ, config.sending.unsubscribe_secret_env))
    return campaign


def needs_build(config: Config, issue_dir: Path) -> bool:
    """True when the build is missing, or older than its sources and nobody has been sent
    it yet (once sending began, everyone gets the editions built then)."""
    path = config.root / DIST_DIR / issue_dir.resolve().name / "manifest.json"
    return not path.is_file() or (_stale(config, issue_dir, path) and not _sending_began(config, issue_dir))


def _manifest(config: Config, issue_dir: Path, issue: str) -> tuple[dict, list[str]]:
    """The build's manifest; the caller builds first when `needs_build` says so."""
    path = config.root / DIST_DIR / issue / "manifest.json"
    if needs_build(config, issue_dir):
        raise InputError([Problem(path, None, f"the build of {issue} is missing or older than its sources",
                                  f"run: newsletter build {issue_dir}")])
    warnings = []
    if _stale(config, issue_dir, path):
        warnings.append(f"the sources of {issue} changed after sending began; the editions "
                        "built then are used, so everyone gets the same issue")
    return json.loads(path.read_text(encoding="utf-8")), warnings


def _stale(config: Config, issue_dir: Path, manifest: Path) -> bool:
    return _newest_source(config, issue_dir) > manifest.stat().st_mtime


def _sending_began(config: Config, issue_dir: Path) -> bool:
    ledger = ledger_path(config, issue_dir.resolve().name)
    return ledger.is_file() and _sent_any(ledger)


def _newest_source(config: Config, issue_dir: Path) -> float:
    paths = [issue_dir.resolve(), *(config.root / name for name in _SOURCES)]
    times = [0.0]
    for path in paths:
        if path.is_file():
            times.append(path.stat().st_mtime)
        elif path.is_dir():
            times += [p.stat().st_mtime for p in path.rglob("*") if p.is_file()]
    return max(times)


def _sent_any(path: Path) -> bool:
    with Ledger(path) as ledger:
        return any(c["sent"] for c in ledger.counts().values())


def _select(entries: list[dict], only: tuple[str, ...]) -> list[dict]:
    """Editions matching --only: `SPONSOR` or `SPONSOR/LANG`; all when --only is not given."""
    if not only:
        return entries
    chosen = [e for e in entries if e["id"] in only or e["sponsor"] in only]
    unknown = [o for o in only if not any(o in (e["id"], e["sponsor"]) for e in entries)]
    if unknown:
        raise InputError([Problem("--only", None, f"{o!r} is not an edition of this issue",
                                  f"use one of: {', '.join(e['id'] for e in entries)}") for o in unknown])
    return chosen


def _edition(config: Config, issue: str, entry: dict) -> Edition:
    sponsor = config.sponsor(entry["sponsor"])
    if sponsor is None:
        raise InputError([Problem("manifest.json", None, f"sponsor {entry['sponsor']!r} is no longer "
                                  "in newsletter.toml", "build the issue again")])
    return Edition(issue, sponsor, tuple(entry["languages"]), config.site.base_url.rstrip("/"))


def _edition_mail(config: Config, edition: Edition, entry: dict, manifest_dir: Path):
    html = (manifest_dir / entry["html"]).read_text(encoding="utf-8")
    text = (manifest_dir / entry["text"]).read_text(encoding="utf-8")
    greeting = entry.get("greeting") or {}
    return edition_mail(config, edition, entry["subject"], html, text,
                        (greeting.get("named", ""), greeting.get("neutral", "")))


def _plan_subscribers(campaign: Campaign, entries: list[dict], secret: bytes) -> None:
    chosen = {e["id"]: e for e in entries}
    with Pauses(database_path(campaign.config)) as pauses:
        held = pauses.holding(campaign.issue)
    campaign.jobs = Recipients(campaign.config, chosen, campaign.senders, secret, campaign.issue, held)
    campaign.paused = campaign.jobs.paused()
    campaign.skipped.update(campaign.jobs.counts()[1])


def _test_jobs(config: Config, campaign: Campaign, entries: list[dict], address: str) -> list[Job]:
    base = unsubscribe_base(config)
    return [Job(e["id"], Recipient(email=address, name=config.site.sample_subscriber.name,
                                   unsubscribe_url=f"{base}/test", view_url=e["view_url"],
                                   preferences_url=f"{pages_base(config)}/preferences/test"),
                campaign.senders[e["id"]]) for e in entries]


def unsubscribe_base(config: Config) -> str:
    return (config.sending.unsubscribe_url or f"{config.site.base_url.rstrip('/')}/unsubscribe").rstrip("/")


def pages_base(config: Config) -> str:
    """Public address of `newsletter serve`: unsubscribe_url without its /unsubscribe."""
    return unsubscribe_base(config).removesuffix("/unsubscribe")


def preflight(config: Config) -> None:
    """Refuse configuration that would fail every message, naming the key to fix."""
    problems = []

    def bad(key: str, check, value: str, fix: str) -> None:
        try:
            check(key, value)
        except ValueError as exc:
            problems.append(Problem(CONFIG_NAME, None, f"{key}: {str(exc).split(': ')[0].replace(key, 'it')}: "
                                    f"{value!r}", fix))

    base = config.site.base_url
    host = urlsplit(base).hostname or ""
    if not base.startswith("https://") or not host or "." not in host or " " in base:
        problems.append(Problem(CONFIG_NAME, None, f"site.base_url: {base!r} is not an https:// address "
                                "with a domain name", 'write it like "https://news.example.org"'))
    if config.sending.unsubscribe_url is not None:
        bad("sending.unsubscribe_url", check_url, config.sending.unsubscribe_url,
            'write the full https:// address without spaces, e.g. "https://news.example.org/unsubscribe"')
    else:
        bad("site.base_url", check_url, unsubscribe_base(config) + "/x",
            'write it like "https://news.example.org" (no spaces)')
    bad("site.unsubscribe_mailto", check_address, config.site.unsubscribe_mailto,
        "write one plain address such as unsubscribe@news.example.org")
    bad("sending.bounce_address", check_address, bounce_base(config),
        "write one plain address such as bounces@news.example.org")
    for sponsor in config.sponsors:
        bad(f"sponsors.{sponsor.id}.sender.address", check_address, sponsor.sender.address,
            "write one plain address such as news@example.org")
        if sponsor.reply_to:
            bad(f"sponsors.{sponsor.id}.reply_to", check_address, sponsor.reply_to,
                "write one plain address such as hello@example.org")
    if problems:
        raise InputError(problems)


def preview(campaign: Campaign, retry_failed: bool = False) -> dict[str, Counter]:
    """What a send would do per edition, read without writing: `new` (never tried),
    `resume` (left pending, in flight or to retry), `done` (already sent or given up)."""
    path = ledger_path(campaign.config, campaign.issue)
    ledger = Ledger(path) if path.is_file() else None
    result: dict[str, Counter] = defaultdict(Counter)
    try:
        for chunk in batched(campaign.jobs, BATCH):   # one batch of rows at a time
            rows = ledger.entries_for([j.recipient.email for j in chunk]) if ledger else {}
            for job in chunk:
                entry = rows.get(job.recipient.email.lower())
                if entry is None or entry.state == "skipped":
                    result[job.edition]["new"] += 1
                elif entry.state == "sent" or (entry.state == "failed" and not retry_failed
                                               and entry.cause != "ours"):
                    result[job.edition]["done"] += 1
                else:
                    result[job.edition]["resume"] += 1
    finally:
        if ledger:
            ledger.close()
    return dict(result)


def dry_run(campaign: Campaign) -> Iterator[tuple[str, str]]:
    """Who would get which edition, (edition id, address) one at a time, in list order,
    without sending or recording."""
    for job in campaign.jobs:
        yield job.edition, job.recipient.email
