"""Sending an issue: each active subscriber gets the edition of their sponsor and language, once.

Editions are read from the build (`dist/<issue>/manifest.json`) and never re-rendered:
each is turned into a `PreparedEdition` once, and per recipient only the substitution and
their header lines happen. The ledger is written before and after every hand-over to the
transport, so a killed run resumes without losing anyone or re-sending what was sent.
"""
from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from email_validator import EmailNotValidError, validate_email

from ..build.plan import Edition
from ..build.sample import edition_mail
from ..errors import InputError, NewsletterError, Problem
from ..project.config import Config, load_config
from ..project.root import DIST_DIR, find_project_root
from ..text.mime import PreparedEdition, Recipient, message_id
from .ledger import OPEN_STATES, Ledger, ledger_path
from .pauses import Pauses
from .subscribers import SubscriberStore, database_path, edition_language
from .tokens import PREFERENCES, make_token, secret_from
from .transports import PermanentFailure, TemporaryFailure, Transport, TransportError

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


@dataclass(frozen=True)
class Job:
    edition: str
    recipient: Recipient
    sender: str
    subscriber_id: int | None = None


@dataclass
class Campaign:
    """Everything decided before the first message: editions, recipients, who is skipped."""

    issue: str
    config: Config
    editions: dict[str, PreparedEdition]
    senders: dict[str, str]
    jobs: list[Job]
    skipped: Counter = field(default_factory=Counter)
    warnings: list[str] = field(default_factory=list)
    paused: list[int] = field(default_factory=list)   # subscriber ids whose pause holds this issue


@dataclass
class Summary:
    sent: Counter = field(default_factory=Counter)
    failed: Counter = field(default_factory=Counter)
    deferred: Counter = field(default_factory=Counter)
    skipped: Counter = field(default_factory=Counter)
    possibly_twice: list[tuple[str, str]] = field(default_factory=list)   # (edition, email)
    failures: list[tuple[str, str, str]] = field(default_factory=list)    # (edition, email, reply)

    def editions(self) -> list[str]:
        return sorted(set(self.sent) | set(self.failed) | set(self.deferred) | set(self.skipped))


Report = Callable[[str, str, str], None]   # (edition, email, outcome) after each recipient


# --- planning ----------------------------------------------------------------------------

def load_campaign(issue_dir: Path, settings: Settings, environ: Mapping[str, str],
                  test_to: str | None = None) -> Campaign:
    """Read the built editions and the subscriber list; raise InputError on any problem."""
    root = find_project_root(issue_dir)
    config = load_config(root)
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
    return edition_mail(config, edition, entry["subject"], html, text)


def _plan_subscribers(campaign: Campaign, entries: list[dict], secret: bytes) -> None:
    config, chosen = campaign.config, {e["id"]: e for e in entries}
    base, pages = unsubscribe_base(config), pages_base(config)
    with SubscriberStore(database_path(config)) as store, Pauses(database_path(config)) as pauses:
        for s in store.all():
            edition = f"{s.sponsor}/{edition_language(config, s.language)}"
            if edition not in chosen:
                continue
            held = s.status == "active" and pauses.holds(s.id, campaign.issue)
            if s.status != "active" or held:
                campaign.skipped[edition] += 1
                campaign.paused += [s.id] * held
                continue
            recipient = Recipient(email=s.email, name=s.name or s.email.split("@")[0],
                                  unsubscribe_url=f"{base}/{make_token(secret, s.id, s.email)}",
                                  view_url=chosen[edition]["view_url"],
                                  preferences_url=f"{pages}/preferences/{make_token(secret, s.id, s.email, PREFERENCES)}")
            campaign.jobs.append(Job(edition, recipient, campaign.senders[edition], s.id))


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


def dry_run(campaign: Campaign) -> dict[str, list[str]]:
    """Who would get which edition (edition id -> addresses), without sending or recording."""
    plan: dict[str, list[str]] = defaultdict(list)
    for job in campaign.jobs:
        plan[job.edition].append(job.recipient.email)
    return dict(plan)


# --- delivering --------------------------------------------------------------------------

@dataclass
class _Run:
    campaign: Campaign
    transport: Transport
    ledger: Ledger | None
    store: SubscriberStore | None
    clock: Callable[[], dt.datetime]
    report: Report
    retry_delay: float
    max_attempts: int
    limiter: _RateLimiter
    summary: Summary
    writer: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(1, "ledger"))

    async def journal(self, method: str, *args) -> None:
        """A ledger write on its own thread: while one row waits for fsync, other
        connections keep sending. Awaited, so the row is committed before we go on."""
        if self.ledger:
            await asyncio.get_running_loop().run_in_executor(
                self.writer, getattr(self.ledger, method), *args)


def send(campaign: Campaign, transport: Transport, settings: Settings, *,
         record: bool = True, clock: Callable[[], dt.datetime] | None = None,
         report: Report | None = None) -> Summary:
    """Deliver the campaign; with `record`, through the issue's ledger (resumable)."""
    config, sending = campaign.config, campaign.config.sending
    summary = Summary(skipped=Counter(campaign.skipped))
    ledger = Ledger(ledger_path(config, campaign.issue)) if record else None
    store = SubscriberStore(database_path(config)) if record else None
    try:
        jobs = _open_jobs(campaign, ledger, summary) if ledger else list(campaign.jobs)
        if ledger:
            Pauses.record_skips(database_path(config), campaign.issue, campaign.paused)
        run = _Run(campaign, transport, ledger, store, clock or _utcnow, report or _ignore,
                   _pick(settings.retry_delay, sending.retry_delay),
                   max(1, _pick(settings.max_attempts, sending.max_attempts)),
                   _RateLimiter(_pick(settings.rate, sending.rate)), summary)
        connections = max(1, _pick(settings.connections, sending.connections))
        try:
            asyncio.run(_deliver_all(run, iter(jobs), min(connections, max(1, len(jobs)))))
        finally:
            run.writer.shutdown()
    finally:
        for db in (ledger, store):
            if db:
                db.close()
    return summary


def _open_jobs(campaign: Campaign, ledger: Ledger, summary: Summary) -> list[Job]:
    """Record the plan, then keep only rows not yet finished; inflight ones may be duplicates."""
    ledger.plan({job.recipient.email: job.edition for job in campaign.jobs}, set(campaign.editions))
    open_rows = {e.email.lower(): e for e in ledger.entries(OPEN_STATES)}
    jobs = []
    for job in campaign.jobs:
        entry = open_rows.get(job.recipient.email.lower())
        if entry is None:
            summary.skipped[job.edition] += 1
            continue
        if entry.state == "inflight":
            summary.possibly_twice.append((job.edition, job.recipient.email))
        jobs.append(job)
    return jobs


async def _deliver_all(run: _Run, jobs: Iterator[Job], connections: int) -> None:
    """One worker per connection; the first fatal error stops them all and is raised as is."""
    try:
        async with asyncio.TaskGroup() as group:
            for _ in range(connections):
                group.create_task(_worker(run, jobs))
    except BaseExceptionGroup as errors:
        raise errors.exceptions[0] from None


async def _worker(run: _Run, jobs: Iterator[Job]) -> None:
    """One connection; takes the next job only when the previous one is finished."""
    holder: list = [None]
    try:
        for job in jobs:
            await run.limiter.wait()
            await _deliver_one(run, job, holder)
    finally:
        if holder[0] is not None:
            await holder[0].close()


async def _deliver_one(run: _Run, job: Job, holder: list) -> None:
    email, prepared = job.recipient.email, run.campaign.editions[job.edition]
    try:
        msg_id = message_id(run.campaign.issue, job.edition, email, prepared.domain)
        data = prepared.message(job.recipient, date=run.clock(), message_id=msg_id)
    except ValueError as exc:
        return await _finish(run, job, "failed", f"not sent: {exc}")
    await run.journal("mark_inflight", email)
    for attempt in range(1, run.max_attempts + 1):
        try:
            if holder[0] is None:
                holder[0] = await run.transport.connect()
            reply = await holder[0].send(job.sender, email, data)
            return await _finish(run, job, "sent", reply)
        except PermanentFailure as exc:
            if exc.refused and run.store:
                run.store.mark_bounced(email, "bounce", f"refused while sending: {exc}")
            return await _finish(run, job, "failed", str(exc))
        except TemporaryFailure as exc:
            await _drop(holder)
            if attempt == run.max_attempts:
                return await _finish(run, job, "deferred", str(exc))
            await asyncio.sleep(run.retry_delay * 2 ** (attempt - 1))
        except TransportError:
            await run.journal("mark", email, "pending")
            raise


async def _drop(holder: list) -> None:
    if holder[0] is not None:
        connection, holder[0] = holder[0], None
        await connection.close()


async def _finish(run: _Run, job: Job, outcome: str, reply: str) -> None:
    await run.journal("mark", job.recipient.email, outcome, reply)
    getattr(run.summary, outcome)[job.edition] += 1
    if outcome != "sent":
        run.summary.failures.append((job.edition, job.recipient.email, reply))
    run.report(job.edition, job.recipient.email, outcome)


class _RateLimiter:
    """At most `rate` hand-overs per second across all connections; 0 means no limit."""

    def __init__(self, rate: float):
        self.interval = 1 / rate if rate and rate > 0 else 0.0
        self.next = 0.0

    async def wait(self) -> None:
        if not self.interval:
            return
        now = asyncio.get_running_loop().time()
        slot = max(now, self.next)
        self.next = slot + self.interval
        if slot > now:
            await asyncio.sleep(slot - now)


def _pick(value, default):
    return default if value is None else value


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _ignore(*_args) -> None:
    return None


def check_address(address: str) -> str:
    """--test-to must be one plain address; anything else would be refused per message."""
    try:
        return validate_email(address, check_deliverability=False).ascii_email or ""
    except EmailNotValidError as exc:
        raise NewsletterError(f"--test-to {address!r} is not an email address: {exc}") from None
