"""Acting on the bounce mailbox: hard bounces and complaints mark the subscriber at once,
soft bounces count (Mailman's bounce score, simplified: at most one per day, and
`soft_bounce_limit` days with one within `soft_bounce_days` marks them bounced), and a
reply to the List-Unsubscribe mailto unsubscribes. Each message is processed once: its
hash and the decision go into `mail_events`, the audit record. With `dry_run` nothing
is written and the decisions are only reported.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from ...project.config import Config
from ..store import Subscriber, SubscriberStore
from ..subscribers import database_path
from ..tokens import bounce_base, secret_from, verify_address_token
from . import classify
from .classify import COMPLAINT, HARD, MAILTO, SOFT, UNRECOGNISED, Message
from .mailboxes import messages

LEFT = "left in the mailbox"


@dataclass(frozen=True)
class Decision:
    message_id: str
    subject: str
    kind: str
    email: str
    issue: str
    detail: str
    action: str


@dataclass
class BounceReport:
    decisions: list[Decision] = field(default_factory=list)
    seen_before: int = 0

    def count(self, kind: str) -> int:
        return sum(1 for d in self.decisions if d.kind == kind)


def process_mailbox(config: Config, where: str, environ: Mapping[str, str], *, dry_run: bool = False,
                    now: Callable[[], dt.datetime] | None = None) -> BounceReport:
    secret = secret_from(environ, config.sending.unsubscribe_secret_env)
    bases = bounce_base(config), config.site.unsubscribe_mailto
    report = BounceReport()
    clock = now or (lambda: dt.datetime.now(dt.timezone.utc))
    with SubscriberStore(database_path(config)) as store:
        run = _Run(config, store, secret, dry_run, clock())
        for raw in messages(where, environ, config.sending.imap_password_env):
            message = classify.read(raw, *bases)
            if run.seen(message.key):
                report.seen_before += 1
                continue
            report.decisions += run.decide(message)
    return report


@dataclass
class _Run:
    config: Config
    store: SubscriberStore
    secret: bytes
    dry_run: bool
    now: dt.datetime
    pending_soft: list[tuple[str, str]] = field(default_factory=list)   # (email, day) in a dry run
    keys: set[str] = field(default_factory=set)

    def seen(self, key: str) -> bool:
        if key in self.keys:
            return True
        self.keys.add(key)
        return self.store.db.execute("SELECT 1 FROM mail_events WHERE message_key = ?", (key,)).fetchone() \
            is not None

    def decide(self, message: Message) -> list[Decision]:
        verdict = message.verdict
        people, why = self.whom(message)
        if verdict.kind == UNRECOGNISED or not people:
            return [self.record(message, UNRECOGNISED, "", why or verdict.detail, LEFT)]
        issue = verdict.token.issue if verdict.token else ""
        return [self.record(message, verdict.kind, s.email, verdict.detail, self.act(message, s), issue)
                for s in people]

    def whom(self, message: Message) -> tuple[list[Subscriber], str]:
        """The subscribers a message is about, and why none when there are none."""
        verdict = message.verdict
        if verdict.token:
            subscriber = self.store.get(verdict.token.subscriber_id)
            purposes = ("mailto",) if verdict.kind == MAILTO else ("bounce", "mailto")
            if subscriber and any(verify_address_token(self.secret, verdict.token, p, subscriber.email)
                                  for p in purposes):
                return [subscriber], ""
            return [], "its address token does not match any subscriber (altered, or made with another secret)"
        if verdict.kind == MAILTO:
            return [], "sent to the unsubscribe address without a token"
        found = [s for a in verdict.addresses if (s := self.store.find(a))]
        return found, "" if found else "it names no address on the subscriber list"

    def act(self, message: Message, s: Subscriber) -> str:
        kind, detail = message.verdict.kind, message.verdict.detail
        if kind == HARD:
            changed = self.dry_run and s.status == "active" or \
                not self.dry_run and self.store.mark_bounced(s.email, "bounce", detail)
            return "marked bounced" if changed else f"no change (already {s.status})"
        if kind in (COMPLAINT, MAILTO):
            reason = "complaint" if kind == COMPLAINT else "mailto"
            changed = self.dry_run and s.status != "unsubscribed" or \
                not self.dry_run and self.store.unsubscribe(s.email, reason, detail)
            return "unsubscribed" if changed else "no change (already unsubscribed)"
        return self.soft(message, s)

    def soft(self, message: Message, s: Subscriber) -> str:
        """Count days with a soft bounce in the window; at the limit, mark bounced."""
        sending = self.config.sending
        day = (message.date or self.now.isoformat())[:10]
        since = (self.now - dt.timedelta(days=sending.soft_bounce_days)).date().isoformat()
        days = {d for (d,) in self.store.db.execute(
            "SELECT DISTINCT substr(received_at, 1, 10) FROM mail_events WHERE email = ? AND kind = ? "
            "AND received_at >= ?", (s.email, SOFT, since))}
        days |= {d for e, d in self.pending_soft if e == s.email.lower()} | ({day} if day >= since else set())
        self.pending_soft.append((s.email.lower(), day))
        score = f"{len(days)} of {sending.soft_bounce_limit} days with a soft bounce in {sending.soft_bounce_days} days"
        if len(days) < sending.soft_bounce_limit or s.status != "active":
            return f"counted ({score})"
        if not self.dry_run:
            self.store.mark_bounced(s.email, "bounce", f"soft bounces: {score}")
        return f"marked bounced ({score})"

    def record(self, message: Message, kind: str, email: str, detail: str, action: str,
               issue: str = "") -> Decision:
        if not self.dry_run:
            self.store.db.execute(
                "INSERT OR IGNORE INTO mail_events (message_key, message_id, received_at, processed_at, kind, "
                "email, issue, detail, action) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (message.key, message.message_id, message.date or self.now.isoformat(timespec="seconds"),
                 self.now.isoformat(timespec="seconds"), kind, email, issue, detail, action))
        return Decision(message.message_id, message.subject, kind, email, issue, detail, action)
