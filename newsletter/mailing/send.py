"""Delivering a planned campaign: each recipient once, resumable, one sender per issue.

Per recipient only the substitution and their header lines happen (see text/mime.py).
Recipients stream from SQLite in batches. Each connection claims a batch of ledger rows
in one commit before handing any of them to the transport, and records their outcomes in
one commit after: at most `connections × batch` messages are in flight at any moment, so
a killed run can have delivered at most that many without recording it, and the next run
lists every one of them as possibly sent twice. The issue's lock keeps a second run out
while this one sends, and each row is claimed conditionally besides.
"""
from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import islice

from email_validator import EmailNotValidError, validate_email

from ..errors import NewsletterError
from ..text.mime import message_id
from . import lock as locks
from .campaign import (  # noqa: F401  (re-exported: the planning half of sending)
    BATCH,
    STREAM_CACHE,
    STREAM_TEMP_CACHE,
    TEST_PREFIX,
    Campaign,
    Job,
    Settings,
    batched,
    dry_run,
    load_campaign,
    needs_build,
    preview,
    unsubscribe_base,
)
from .ledger import OPEN_STATES, Ledger, ledger_path
from .pauses import Pauses
from .subscribers import SubscriberStore, database_path
from .transports import PermanentFailure, TemporaryFailure, Transport


@dataclass
class Summary:
    sent: Counter = field(default_factory=Counter)
    failed: Counter = field(default_factory=Counter)
    deferred: Counter = field(default_factory=Counter)
    skipped: Counter = field(default_factory=Counter)
    possibly_twice: list[tuple[str, str]] = field(default_factory=list)   # (edition, email)
    failures: list[tuple[str, str, str]] = field(default_factory=list)    # (edition, email, reply)
    retry_next_run: int = 0        # failures on our side, which the next run sends again
    taken_over: str = ""           # a lock left behind by a run that is gone

    def editions(self) -> list[str]:
        return sorted(set(self.sent) | set(self.failed) | set(self.deferred) | set(self.skipped))


Report = Callable[[str, str, str], None]   # (edition, email, outcome) after each recipient
SEND_BATCH = 20   # ledger rows claimed, and then recorded, per commit and connection


def acquire_lock(campaign: Campaign) -> locks.IssueLock:
    """The issue's exclusive send lock; raises SendLocked naming the run that holds it."""
    path = ledger_path(campaign.config, campaign.issue).with_suffix(".lock")
    return locks.acquire(path, campaign.issue)


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
    batch: int = 1
    writer: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(1, "ledger"))

    async def journal(self, method: str, *args):
        """A ledger write on its own thread: while one row waits for fsync, other
        connections keep sending. Awaited, so the row is committed before we go on."""
        return await self.queue(method, *args)

    def queue(self, method: str, *args) -> asyncio.Future:
        """The write is handed to the ledger thread at once, so it happens even when the
        caller is cancelled before it gets to wait for it."""
        if self.ledger:
            return asyncio.wrap_future(self.writer.submit(getattr(self.ledger, method), *args))
        done = asyncio.get_running_loop().create_future()
        done.set_result(True)
        return done


def send(campaign: Campaign, transport: Transport, settings: Settings, *,
         record: bool = True, clock: Callable[[], dt.datetime] | None = None,
         report: Report | None = None, lock: locks.IssueLock | None = None) -> Summary:
    """Deliver the campaign; with `record`, through the issue's ledger (resumable) while
    holding the issue's lock (`lock` when the caller took it already, e.g. before asking
    for confirmation)."""
    config, sending = campaign.config, campaign.config.sending
    summary = Summary(skipped=Counter(campaign.skipped))
    own_lock = acquire_lock(campaign) if record and lock is None else None
    summary.taken_over = (own_lock or lock).taken_over if record else ""
    ledger = Ledger(ledger_path(config, campaign.issue)) if record else None
    reader = Ledger(ledger_path(config, campaign.issue)) if record else None   # for the job stream
    for db in (ledger, reader):
        if db:
            db.db.execute(STREAM_CACHE)   # memory flat however long the list
            db.db.execute(STREAM_TEMP_CACHE)
    store = SubscriberStore(database_path(config)) if record else None
    try:
        jobs = _open_jobs(campaign, ledger, reader, summary, settings.retry_failed) if ledger \
            else iter(campaign.jobs)
        if ledger:
            Pauses.record_skips(database_path(config), campaign.issue, campaign.paused)
        run = _Run(campaign, transport, ledger, store, clock or _utcnow, report or _ignore,
                   _pick(settings.retry_delay, sending.retry_delay),
                   max(1, _pick(settings.max_attempts, sending.max_attempts)),
                   _RateLimiter(_pick(settings.rate, sending.rate)), summary,
                   max(1, settings.batch or SEND_BATCH))
        connections = max(1, _pick(settings.connections, sending.connections))
        try:
            asyncio.run(_deliver_all(run, jobs, connections))
        finally:
            run.writer.shutdown()
    finally:
        for db in (ledger, reader, store):
            if db:
                db.close()
        if own_lock:
            own_lock.release()
    return summary


def _open_jobs(campaign: Campaign, ledger: Ledger, reader: Ledger, summary: Summary,
               retry_failed: bool) -> Iterator[Job]:
    """Record the plan, then stream the rows not yet finished; rows a stopped run left in
    flight are sent again and listed, since their person may get two copies."""
    pairs = campaign.jobs.pairs() if hasattr(campaign.jobs, "pairs") else \
        ((job.recipient.email, job.edition) for job in campaign.jobs)
    interrupted = ledger.plan(pairs, set(campaign.editions), retry_failed)
    interrupted = {email.lower() for email in interrupted}   # at most connections × batch
    for chunk in batched(campaign.jobs, BATCH):
        rows = reader.entries_for([job.recipient.email for job in chunk])
        for job in chunk:
            email = job.recipient.email.lower()
            if email not in rows or rows[email].state not in OPEN_STATES:
                summary.skipped[job.edition] += 1
                continue
            if email in interrupted:
                summary.possibly_twice.append((job.edition, job.recipient.email))
            yield job


async def _deliver_all(run: _Run, jobs: Iterator[Job], connections: int) -> None:
    """One worker per connection; the first fatal error stops them all and is raised as is."""
    try:
        async with asyncio.TaskGroup() as group:
            for _ in range(connections):
                group.create_task(_worker(run, jobs))
    except BaseExceptionGroup as errors:
        raise errors.exceptions[0] from None


async def _worker(run: _Run, jobs: Iterator[Job]) -> None:
    """One connection; takes the next batch only when the previous one is recorded.
    Batches start at one and double up to `run.batch`, so a short list still spreads
    over every connection."""
    holder: list = [None]
    size = 1
    try:
        while chunk := list(islice(jobs, size)):
            await _deliver_batch(run, chunk, holder)
            size = min(run.batch, size * 2)
    finally:
        if holder[0] is not None:
            await holder[0].close()


async def _deliver_batch(run: _Run, chunk: list[Job], holder: list) -> None:
    """Claim the batch (one commit), deliver it, record the outcomes (one commit). When the
    run stops early, jobs the server never got go back to pending; one it may have (handed
    over, no reply) stays in flight, so the next run lists it as possibly twice."""
    claimed = await _claim(run, [job.recipient.email for job in chunk])
    outcomes: list[tuple[str, str, str, str]] = []
    untouched = [job for job in chunk if claimed is True or job.recipient.email.lower() in claimed]
    for job in chunk:
        if job not in untouched:
            run.summary.skipped[job.edition] += 1   # another sender took it, or it is done
            run.report(job.edition, job.recipient.email, "skipped")
    current = _Delivery(run, outcomes, untouched)
    try:
        while untouched:
            await run.limiter.wait()
            await _deliver_one(run, untouched[0], holder, current)
    finally:
        waiting = untouched[1:] if current.handed_over else untouched
        outcomes += [(job.recipient.email, "pending", "", "") for job in waiting]
        if outcomes:
            await asyncio.shield(run.queue("mark_many", outcomes))


async def _claim(run: _Run, emails: list[str]):
    """Claim the rows; if the run is stopped meanwhile, the claim (which the ledger thread
    completes anyway) is given back, since nothing was sent."""
    claim = run.queue("claim_many", emails)
    try:
        return await asyncio.shield(claim)
    except asyncio.CancelledError:
        claimed = await claim
        if claimed and claimed is not True:
            await asyncio.shield(run.queue("mark_many", [(e, "pending", "", "") for e in claimed]))
        raise


@dataclass
class _Delivery:
    """The batch being delivered: outcomes so far, jobs without one (`untouched[0]` is
    the one under way), and whether that one was handed to the server."""

    run: _Run
    outcomes: list
    untouched: list[Job]
    handed_over: bool = False

    def done(self, outcome: str, reply: str, cause: str = "", twice: bool = False) -> None:
        """The job's outcome, committed with its batch's others; `twice`: the server may
        have taken an earlier try without saying so (the connection dropped after the
        message was sent)."""
        job = self.untouched.pop(0)
        self.outcomes.append((job.recipient.email, outcome, reply, cause))
        self.handed_over = False
        _finish(self.run, job, outcome, reply, cause, twice)


async def _deliver_one(run: _Run, job: Job, holder: list, current: _Delivery) -> None:
    """Deliver `job` (== current.untouched[0]) and record its outcome in `current`."""
    email, prepared = job.recipient.email, run.campaign.editions[job.edition]
    done = current.done
    try:
        msg_id = message_id(run.campaign.issue, job.edition, email, prepared.domain)
        data = prepared.message(job.recipient, date=run.clock(), message_id=msg_id)
    except ValueError as exc:
        return done("failed", f"not sent: {exc}", "ours")
    maybe_delivered = False
    for attempt in range(1, run.max_attempts + 1):
        try:
            if holder[0] is None:
                holder[0] = await run.transport.connect()
            current.handed_over = True
            reply = await holder[0].send(job.sender, email, data)
            return done("sent", reply, twice=maybe_delivered)
        except PermanentFailure as exc:
            if exc.refused and run.store:
                run.store.mark_bounced(email, "bounce", f"refused while sending: {exc}")
            return done("failed", str(exc), "recipient" if exc.refused else "ours", twice=maybe_delivered)
        except TemporaryFailure as exc:
            maybe_delivered |= exc.maybe_delivered
            current.handed_over = maybe_delivered   # a reply, or no connection: the server does not have it
            await _drop(holder)
            if attempt == run.max_attempts:
                return done("deferred", str(exc), twice=maybe_delivered)
            await asyncio.sleep(run.retry_delay * 2 ** (attempt - 1))


async def _drop(holder: list) -> None:
    if holder[0] is not None:
        connection, holder[0] = holder[0], None
        await connection.close()


def _finish(run: _Run, job: Job, outcome: str, reply: str, cause: str = "", twice: bool = False) -> None:
    getattr(run.summary, outcome)[job.edition] += 1
    if outcome != "sent":
        run.summary.failures.append((job.edition, job.recipient.email, reply))
    run.summary.retry_next_run += cause == "ours"
    if twice and (job.edition, job.recipient.email) not in run.summary.possibly_twice:
        run.summary.possibly_twice.append((job.edition, job.recipient.email))
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
