"""How fast can personalised messages be built for one edition, and does memory stay flat?

Compares newsletter.mime.PreparedEdition.message with building each message through
email.message.EmailMessage (set_content/add_alternative, as_bytes), in the same run, on a
realistic ~40 KB bilingual HTML body. Messages are consumed one at a time, as a sender would.

    python benchmarks/send_build.py [--n 20000] [--baseline-n 1000]
"""
from __future__ import annotations

import argparse
import binascii
import html
import sys
import time
import tracemalloc
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from newsletter.text.mime import (  # noqa: E402
    EditionMail,
    PreparedEdition,
    Recipient,
    fill,
    message_id,
)

DOMAIN = "news.baybridge.example.org"
DATE = datetime(2024, 11, 24, 9, 30, tzinfo=timezone.utc)
NAMES = ["张三", "李四（义工）", "Maria Gonzalez", "王小明 Xiaoming Wang", "O'Brien, Pat", "陈美玲"]

ARTICLE_EN = (
    "The community garden on Harbour Street opens its gates every Saturday morning this month. "
    "Volunteers will show families how to plant winter vegetables, and the calligraphy class for "
    "children meets in the hall next door. Bring water, a hat and a friend. "
)
ARTICLE_ZH = (
    "本月每个星期六上午，海港街社区花园向所有居民开放。义工将教大家种植冬季蔬菜，"
    "隔壁礼堂还有儿童书法班。请带上水、帽子，也欢迎带朋友一起来参加。"
)


def edition_html() -> str:
    """Inlined-CSS markup like a premailer output: bulky attributes around modest text."""
    style = (
        'style="margin:0 0 16px 0;font-family:Helvetica,Arial,\'PingFang SC\',sans-serif;'
        'font-size:16px;line-height:1.6;color:#222222"'
    )
    paragraphs = f'<p {style}>{ARTICLE_EN}</p><p {style} lang="zh-Hans">{ARTICLE_ZH}</p>' * 3
    articles = "".join(
        '<tr><td style="padding:24px 32px;border-bottom:1px solid #e5e5e5">'
        f'<h2 style="margin:0 0 12px 0;font-size:22px;color:#0b5394">Story {n} · 第{n}篇</h2>'
        f'<img src="https://cdn.baybridge.example.org/img/{n}.jpg" width="536" alt="photo {n}"'
        ' style="display:block;border:0;width:100%">'
        + paragraphs
        + f'<p {style}><a href="https://baybridge.example.org/news/{n}?utm_source=newsletter"'
        ' style="color:#0b5394">Read more 阅读全文</a></p></td></tr>\n'
        for n in range(1, 16)
    )
    return (
        '<!DOCTYPE html><html lang="zh-Hans"><head><meta charset="utf-8"><title>HEARTS</title>'
        '</head><body style="margin:0;padding:0;background:#f4f4f4">'
        '<table role="presentation" width="600" align="center">\n'
        f'<tr><td style="padding:32px"><p {style}>亲爱的 %%name%%，您好！ Dear %%name%%,</p>'
        '<p><a href="%%view_url%%">在浏览器中查看 View in browser</a></p></td></tr>\n'
        + articles
        + '<tr><td style="padding:24px 32px;font-size:12px;color:#777777">'
        f"<p {style}>This copy was sent to %%email%%. 此邮件发送至 %%email%%。</p>"
        '<p><a href="%%unsubscribe_url%%">退订 Unsubscribe</a></p></td></tr></table></body></html>\n'
    )


def edition_text() -> str:
    stories = "".join(
        f"Story {n} · 第{n}篇\n\n" + (ARTICLE_EN + "\n\n" + ARTICLE_ZH + "\n\n") * 3 for n in range(1, 9)
    )
    return (
        "亲爱的 %%name%%，您好！ Dear %%name%%,\n\nView in browser: %%view_url%%\n\n"
        + stories
        + "This copy was sent to %%email%%.\nUnsubscribe 退订: %%unsubscribe_url%%\n"
    )


def edition() -> EditionMail:
    return EditionMail(
        subject="湾区社区通讯 第12期 · Bay Bridge Community News #12",
        from_name="湾区桥梁社区中心",
        from_address="news@baybridge.example.org",
        reply_to="hello@baybridge.example.org",
        language="zh-Hans, en",
        list_id="HEARTS Community News <hearts.news.baybridge.example.org>",
        html=edition_html(),
        text=edition_text(),
        message_id_domain=DOMAIN,
        unsubscribe_mailto="unsubscribe@news.baybridge.example.org",
    )


def recipients(n: int) -> Iterator[Recipient]:
    for i in range(n):
        token = f"{i:08d}abcdef0123456789"
        yield Recipient(
            email=f"subscriber{i}@example.com",
            name=NAMES[i % len(NAMES)],
            unsubscribe_url=f"https://news.baybridge.example.org/u/{token}?list=hearts",
            view_url=f"https://news.baybridge.example.org/v/12/zh?t={token}",
        )


def values(r: Recipient) -> dict[str, str]:
    return {"name": r.name, "email": r.email, "unsubscribe_url": r.unsubscribe_url, "view_url": r.view_url}


def prepared_messages(mail: EditionMail, people: Iterable[Recipient]) -> Iterator[bytes]:
    prepared = PreparedEdition(mail)
    for r in people:
        yield prepared.message(r, date=DATE, message_id=message_id("2024-12", "zh", r.email, DOMAIN))


def stdlib_messages(mail: EditionMail, people: Iterable[Recipient]) -> Iterator[bytes]:
    for r in people:
        msg = EmailMessage()
        msg["From"] = Address(mail.from_name, addr_spec=mail.from_address)
        msg["Reply-To"] = mail.reply_to
        msg["Subject"] = mail.subject
        msg["Content-Language"] = mail.language
        msg["List-Id"] = mail.list_id
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        msg["To"] = Address(r.name, addr_spec=r.email)
        msg["Date"] = DATE
        msg["Message-ID"] = message_id("2024-12", "zh", r.email, DOMAIN)
        msg["List-Unsubscribe"] = f"<{r.unsubscribe_url}>, <mailto:{mail.unsubscribe_mailto}?subject=unsubscribe>"
        msg.set_content(fill(mail.text, values(r)), cte="quoted-printable")
        escaped = {k: html.escape(v, quote=True) for k, v in values(r).items()}
        msg.add_alternative(fill(mail.html, escaped), subtype="html", cte="quoted-printable")
        yield msg.as_bytes(policy=SMTP)


def whole_body_qp(mail: EditionMail, people: Iterable[Recipient]) -> Iterator[bytes]:
    """The field notes' approach, body only: fill() the whole body, then b2a_qp all of it."""
    for r in people:
        escaped = {k: html.escape(v, quote=True) for k, v in values(r).items()}
        text = binascii.b2a_qp(fill(mail.text, values(r)).encode("utf-8"), istext=True)
        yield text + binascii.b2a_qp(fill(mail.html, escaped).encode("utf-8"), istext=True)


def rate(build, mail: EditionMail, n: int) -> tuple[float, int]:
    started, size = time.perf_counter(), 0
    for raw in build(mail, recipients(n)):
        size = len(raw)
    return n / (time.perf_counter() - started), size


def peak_memory(mail: EditionMail, n: int) -> int:
    tracemalloc.start()
    for raw in prepared_messages(mail, recipients(n)):
        del raw
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000, help="messages for PreparedEdition")
    parser.add_argument("--baseline-n", type=int, default=1_000, help="messages for the slow EmailMessage baseline")
    args = parser.parse_args()
    mail = edition()
    baseline_n = min(args.n, args.baseline_n)
    fast, size = rate(prepared_messages, mail, args.n)
    slow, slow_size = rate(stdlib_messages, mail, baseline_n)
    body_only, _ = rate(whole_body_qp, mail, baseline_n)
    small, large = peak_memory(mail, min(1_000, args.n)), peak_memory(mail, args.n)

    print(f"HTML template {len(mail.html.encode()):,} B, text {len(mail.text.encode()):,} B; "
          f"message {size:,} B (EmailMessage: {slow_size:,} B)")
    print(f"{'builder':<46}{'messages':>10}{'msg/s':>10}")
    print(f"{'PreparedEdition.message':<46}{args.n:>10,}{fast:>10,.0f}")
    print(f"{'EmailMessage + as_bytes':<46}{baseline_n:>10,}{slow:>10,.0f}")
    print(f"{'fill() + b2a_qp whole body (body only)':<46}{baseline_n:>10,}{body_only:>10,.0f}")
    print(f"speed-up vs EmailMessage: {fast / slow:.1f}x")
    print(f"tracemalloc peak: N={min(1_000, args.n):,}: {small / 1024:,.0f} KiB   N={args.n:,}: {large / 1024:,.0f} KiB")


if __name__ == "__main__":
    main()
