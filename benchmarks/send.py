"""Sending speed, in one run, each figure against a baseline measured in the same run.

1. Personalised messages built per second for 100,000 recipients (PreparedEdition, plus the
   per-recipient work the sender adds: HMAC token and Message-ID) against building each
   with email.message.EmailMessage (timed on a sample: at ~250 msg/s, 100,000 would take
   minutes and give the same rate). Targets: >= 5x faster and >= 1,000 msg/s on one core.
2. Peak memory (tracemalloc) while building 1,000 vs 100,000 messages. Target: flat.
3. Messages per second delivered to a local aiosmtpd (its own process, on 127.0.0.1) by
   `newsletter.send` (ledger, SMTP connections kept open) against smtplib opening one
   connection per message.

    python benchmarks/send.py [--n 100000] [--baseline-n 1000] [--deliver-n 600]
"""
from __future__ import annotations

import argparse
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from send_build import (  # noqa: E402
    DATE,
    DOMAIN,
    edition,
    peak_memory,
    prepared_messages,
    rate,
    recipients,
    stdlib_messages,
)

from newsletter.mailing.tokens import make_token  # noqa: E402
from newsletter.text.mime import PreparedEdition, message_id  # noqa: E402

SECRET = b"benchmark-secret-0123456789abcdef"


def send_path_messages(mail, people):
    """What newsletter.send does per recipient: sign a token, derive the Message-ID, build."""
    prepared = PreparedEdition(mail)
    for i, r in enumerate(people, 1):
        make_token(SECRET, i, r.email)
        yield prepared.message(r, date=DATE, message_id=message_id("2026-11", "hearts/en", r.email, DOMAIN))


def build_figures(n: int, baseline_n: int) -> None:
    mail = edition()
    fast, size = rate(prepared_messages, mail, n)
    full, _ = rate(send_path_messages, mail, n)
    slow, _ = rate(stdlib_messages, mail, baseline_n)
    print(f"1. building personalised messages ({size:,} B each)")
    print(f"   {'PreparedEdition.message':<44}{n:>9,} msgs {fast:>9,.0f} msg/s")
    print(f"   {'  + token + Message-ID (send path)':<44}{n:>9,} msgs {full:>9,.0f} msg/s")
    print(f"   {'EmailMessage + as_bytes (baseline)':<44}{baseline_n:>9,} msgs {slow:>9,.0f} msg/s")
    print(f"   speed-up: {full / slow:.1f}x (target >= 5x); send path {full:,.0f} msg/s (target >= 1,000)")
    small, large = peak_memory(mail, 1_000), peak_memory(mail, n)
    print(f"2. peak memory building 1,000: {small / 1024:,.0f} KiB; {n:,}: {large / 1024:,.0f} KiB "
          f"(ratio {large / small:.2f}, target flat)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port: int) -> subprocess.Popen:
    server = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}",
                               "-c", "aiosmtpd.handlers.Sink"], stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server
        except OSError:
            time.sleep(0.05)
    server.kill()
    raise SystemExit("aiosmtpd did not start")


def sample_project(folder: Path, n: int) -> Path:
    sys.path.insert(0, str(ROOT / "tests"))
    from conftest import copy_project

    from newsletter.build.pipeline import build
    from newsletter.mailing.subscribers import (
        SubscriberStore,
        database_path,
        import_csv,
    )
    from newsletter.project.config import load_config
    root = copy_project(folder / "project")
    build(root / "issues/2026-11", environ={})
    sponsors, languages = ("hearts", "mhwx", "svwomen"), ("en", "zh-Hans", "both")
    lines = ["email,name,language,sponsor"] + [
        f"reader{i}@example.com,读者 {i},{languages[i % 3]},{sponsors[i // 3 % 3]}" for i in range(n)]
    (root / "people.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    config = load_config(root)
    with SubscriberStore(database_path(config)) as store:
        import_csv(config, store, root / "people.csv")
    return root


def ours(root: Path, url: str, connections: int) -> tuple[float, list[bytes]]:
    from newsletter.mailing.send import Settings, load_campaign, send
    from newsletter.mailing.transports import make_transport
    env = {"NEWSLETTER_UNSUBSCRIBE_SECRET": SECRET.decode()}
    settings = Settings(connections=connections)
    campaign = load_campaign(root / "issues/2026-11", settings, env)
    started = time.perf_counter()
    summary = send(campaign, make_transport(url, root / "outbox", env, "X"), settings)
    elapsed = time.perf_counter() - started
    assert sum(summary.sent.values()) == len(campaign.jobs), "not everything was delivered"
    sample = [campaign.editions[j.edition].message(j.recipient, date=DATE, message_id="<b@example.org>")
              for j in campaign.jobs[:50]]
    return len(campaign.jobs) / elapsed, sample


def smtplib_per_message(port: int, messages: list[bytes], n: int) -> float:
    started = time.perf_counter()
    for i in range(n):
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
            client.sendmail("news@hearts.example.org", [f"reader{i}@example.com"], messages[i % len(messages)])
    return n / (time.perf_counter() - started)


def smtplib_one_connection(port: int, messages: list[bytes], n: int) -> float:
    """The server's own ceiling: prebuilt messages, one connection, no ledger."""
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        for i in range(n):
            client.sendmail("news@hearts.example.org", [f"reader{i}@example.com"], messages[i % len(messages)])
    return n / (time.perf_counter() - started)


def delivery_figures(n: int) -> None:
    port = free_port()
    server = start_server(port)
    try:
        print(f"3. delivering to aiosmtpd on 127.0.0.1 (separate process), {n:,} subscribers")
        results = {}
        for connections in (1, 2, 4):
            with tempfile.TemporaryDirectory() as folder:
                root = sample_project(Path(folder), n)
                results[connections], sample = ours(root, f"smtp://127.0.0.1:{port}", connections)
            print(f"   {'newsletter send, --connections ' + str(connections):<44}{results[connections]:>9,.0f} msg/s")
        baseline = smtplib_per_message(port, sample, n)
        print(f"   {'smtplib, one connection per message':<44}{baseline:>9,.0f} msg/s")
        ceiling = smtplib_one_connection(port, sample, n)
        print(f"   {'smtplib, one reused connection, no ledger':<44}{ceiling:>9,.0f} msg/s (server ceiling)")
        best = max(results, key=results.get)
        print(f"   speed-up: {results[best] / baseline:.1f}x (--connections {best})")
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="messages to build")
    parser.add_argument("--baseline-n", type=int, default=1_000, help="messages for the EmailMessage baseline")
    parser.add_argument("--deliver-n", type=int, default=600, help="subscribers to deliver to")
    args = parser.parse_args()
    build_figures(args.n, min(args.n, args.baseline_n))
    delivery_figures(args.deliver_n)


if __name__ == "__main__":
    main()
