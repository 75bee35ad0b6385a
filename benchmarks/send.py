"""Sending speed and memory, each figure against a baseline measured in the same run.

1. Personalised messages built per second (PreparedEdition, plus the per-recipient work
   the sender adds: HMAC token and Message-ID) against email.message.EmailMessage.
2. Delivery to an aiosmtpd sink (its own process, on 127.0.0.1) by the whole
   `newsletter send` command, against the sink's ceiling: a minimal SMTP client (raw
   asyncio streams, no ledger, messages built beforehand) pushing the same bytes to the
   same sink over the same number of connections. Interleaved rounds, medians. The sink
   itself clocks every client the same way, from its first accepted message to its last
   (the delivery rate); the whole process's rate beside it adds what `send` does once
   per run before the first message (start-up, the pre-send check, the summary).
3. Peak RSS of the whole `newsletter send` process (getrusage of the child, ru_maxrss)
   at 1,000 and 100,000 subscribers, delivering to a minimal sink (its own process) that
   accepts everything, so the sender is what is measured.
4. Peak RSS of the whole `newsletter subscribers import` process at 10,000 and 718,000 rows.

With `--before REV` (e.g. main), 2 and 3 also run the `newsletter` of that git revision
(from `git archive`) on its own copy of the same project.

    python benchmarks/send.py [--deliver-n 2000] [--rounds 3] [--rss-n 1000 100000] [--before main]
"""
from __future__ import annotations

import argparse
import asyncio
import io
import os
import smtplib
import socket
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tests"))

from send_build import DATE, DOMAIN, edition, prepared_messages, rate, stdlib_messages

from newsletter.mailing.tokens import make_token
from newsletter.text.mime import PreparedEdition, message_id

SECRET = "benchmark-secret-0123456789abcdef"
ISSUE = "issues/2026-11"
CONNECTIONS = 2

# A sink that accepts every message and keeps nothing: the RSS runs measure the sender.
NULL_SINK = r"""
import asyncio, sys
class Sink(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport, self.buffer, self.data = transport, b"", False
        transport.write(b"220 sink ESMTP\r\n")
    def data_received(self, chunk):
        self.buffer += chunk
        while True:
            if self.data:
                end = self.buffer.find(b"\r\n.\r\n")
                if end < 0:
                    self.buffer = self.buffer[-4:]
                    return
                self.buffer, self.data = self.buffer[end + 5:], False
                self.transport.write(b"250 2.0.0 ok\r\n")
                continue
            end = self.buffer.find(b"\r\n")
            if end < 0:
                return
            verb, self.buffer = self.buffer[:4].upper(), self.buffer[end + 2:]
            if verb == b"DATA":
                self.data, self.buffer = True, b"\r\n" + self.buffer
                self.transport.write(b"354 go ahead\r\n")
            elif verb == b"QUIT":
                self.transport.write(b"221 bye\r\n")
                self.transport.close()
                return
            elif verb in (b"EHLO", b"HELO"):
                self.transport.write(b"250-sink\r\n250 8BITMIME\r\n")
            else:
                self.transport.write(b"250 ok\r\n")
async def main():
    server = await asyncio.get_running_loop().create_server(Sink, "127.0.0.1", int(sys.argv[1]))
    async with server:
        await server.serve_forever()
asyncio.run(main())
"""


# --- 1. building messages ---------------------------------------------------------------

def send_path_messages(mail, people):
    """What newsletter.send does per recipient: sign a token, derive the Message-ID, build."""
    prepared = PreparedEdition(mail)
    for i, r in enumerate(people, 1):
        make_token(SECRET.encode(), i, r.email)
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


# --- projects, servers, the code under test ---------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(command: list[str], port: int) -> subprocess.Popen:
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server
        except OSError:
            time.sleep(0.05)
    server.kill()
    raise SystemExit(f"{command[:3]} did not start")


# aiosmtpd keeping nothing, like its own Sink handler, but clocking what it accepts; the
# extra command XSTAT answers "250 <messages> <seconds from the first to the last>", and
# XSTAT RESET starts the count again.
CLOCKED_SINK = r"""
import sys, threading, time
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP
class Clock:
    def __init__(self):
        self.count, self.first, self.last = 0, 0.0, 0.0
    async def handle_DATA(self, server, session, envelope):
        now = time.perf_counter()
        self.first = now if not self.count else self.first
        self.count, self.last = self.count + 1, now
        return "250 OK"
class ClockedSMTP(SMTP):
    async def smtp_XSTAT(self, arg):
        clock = self.event_handler
        await self.push(f"250 {clock.count} {clock.last - clock.first:.6f}")
        if arg.strip().upper() == "RESET":
            clock.__init__()
class Clocked(Controller):
    def factory(self):
        return ClockedSMTP(self.handler, **self.SMTP_kwargs)
Clocked(Clock(), hostname="127.0.0.1", port=int(sys.argv[1])).start()
threading.Event().wait()
"""


def aiosmtpd_sink(port: int) -> subprocess.Popen:
    return start([sys.executable, "-c", CLOCKED_SINK, str(port)], port)


def sink_clock(port: int, reset: bool = False) -> tuple[int, float]:
    """(messages, seconds from the first to the last) the sink accepted since the last reset."""
    client = smtplib.SMTP("127.0.0.1", port)
    try:
        code, reply = client.docmd("XSTAT", "RESET" if reset else "")
    finally:
        client.quit()
    count, seconds = reply.split()
    return int(count), float(seconds)


def null_sink(port: int) -> subprocess.Popen:
    return start([sys.executable, "-c", NULL_SINK, str(port)], port)


def sample_project(folder: Path, n: int) -> Path:
    """The sample project, built, with `n` subscribers imported (this tree's code)."""
    from conftest import copy_project

    from newsletter.build.pipeline import build
    from newsletter.mailing.subscribers import (
        SubscriberStore,
        database_path,
        import_csv,
    )
    from newsletter.project.config import load_config
    root = copy_project(folder)
    build(root / ISSUE, environ={})
    sponsors, languages = ("hearts", "mhwx", "svwomen"), ("en", "zh-Hans", "both")
    with (root / "people.csv").open("w", encoding="utf-8") as out:
        out.write("email,name,language,sponsor\n")
        for i in range(n):
            out.write(f"reader{i}@example.com,读者 {i},{languages[i % 3]},{sponsors[i // 3 % 3]}\n")
    config = load_config(root)
    with SubscriberStore(database_path(config)) as store:
        import_csv(config, store, root / "people.csv")
    (root / "people.csv").unlink()
    return root


def code_trees(work: Path, before: str | None) -> dict[str, Path]:
    trees = {"now": ROOT}
    if before:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", before, "newsletter"],
                                 capture_output=True, check=True).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(work / "before", filter="data")
        trees[f"before ({before})"] = work / "before"
    return trees


def send_command(code: Path, url: str) -> list[str]:
    command = [sys.executable, "-m", "newsletter", "send", ISSUE, "--smtp", url, "--connections", str(CONNECTIONS)]
    help_text = subprocess.run([sys.executable, "-m", "newsletter", "send", "--help"], capture_output=True,
                               text=True, env=_env(code), cwd=tempfile.gettempdir()).stdout
    return command + (["--yes"] if "--yes" in help_text else [])   # the pre-send gate asks otherwise


def _env(code: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSLETTER_")}
    return env | {"PYTHONPATH": str(code),
                  "NEWSLETTER_UNSUBSCRIBE_SECRET": SECRET, "COLUMNS": "120"}


# Linux keeps the larger of a process's peak RSS before and after exec() in ru_maxrss, and a
# child is forked from its parent: started from this (large) benchmark process, `send`
# would report our peak. A small launcher starts it and reports its child's getrusage.
LAUNCHER = r"""
import os, subprocess, sys, time
started = time.perf_counter()
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
_, status, usage = os.wait4(child.pid, 0)
print(os.waitstatus_to_exitcode(status), time.perf_counter() - started, usage.ru_maxrss)
sys.stderr.write(child.stderr.read().decode()[-2000:])
"""


def run_send(code: Path, project: Path, url: str) -> tuple[float, int]:
    """One whole `newsletter send` process: (wall seconds, peak RSS in KiB)."""
    reset_ledger(project)   # a fresh send each time
    out = subprocess.run([sys.executable, "-c", LAUNCHER, *send_command(code, url)], cwd=project,
                         env=_env(code), capture_output=True, text=True, check=True)
    status, elapsed, peak = out.stdout.split()
    if status != "0":
        raise SystemExit(f"newsletter send failed: {out.stderr}")
    return float(elapsed), int(peak)


def reset_ledger(project: Path) -> None:
    """Forget the issue's journal (and lock), so the next run sends to everyone again."""
    from newsletter.mailing.ledger import ledger_path
    from newsletter.project.config import load_config
    journal = ledger_path(load_config(project), Path(ISSUE).name)
    for path in journal.parent.glob(f"{journal.stem}.*"):
        path.unlink()


# --- 2. delivery against the sink's ceiling -------------------------------------------------

def the_messages(project: Path) -> list[tuple[str, str, bytes]]:
    """The very bytes `newsletter send` delivers, built beforehand: (from, to, data)."""
    from newsletter.mailing.send import Settings, load_campaign
    campaign = load_campaign(project / ISSUE, Settings(), {"NEWSLETTER_UNSUBSCRIBE_SECRET": SECRET})
    out = []
    for job in campaign.jobs:
        prepared = campaign.editions[job.edition]
        msg_id = message_id(campaign.issue, job.edition, job.recipient.email, prepared.domain)
        out.append((job.sender, job.recipient.email, prepared.message(job.recipient, date=DATE, message_id=msg_id)))
    return out


async def _push(port: int, messages: list[tuple[str, str, bytes]]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)

    async def command(line: bytes) -> bytes:
        writer.write(line)
        reply = await reader.readline()
        while reply[3:4] == b"-":
            reply = await reader.readline()
        return reply

    await reader.readline()
    await command(b"EHLO bench\r\n")
    for sender, recipient, data in messages:
        await command(f"MAIL FROM:<{sender}>\r\n".encode())
        await command(f"RCPT TO:<{recipient}>\r\n".encode())
        await command(b"DATA\r\n")
        body = data.replace(b"\r\n.", b"\r\n..")
        reply = await command(body + (b"" if body.endswith(b"\r\n") else b"\r\n") + b".\r\n")
        assert reply.startswith(b"250"), reply
    await command(b"QUIT\r\n")
    writer.close()


async def _aiosmtplib(port: int, messages: list[tuple[str, str, bytes]]) -> None:
    """The same bytes through aiosmtplib alone (the asyncio client `send` used before it
    moved to smtplib), when installed: it normalises line endings and dot-stuffs every
    message with regular expressions, which is why `send` no longer uses it."""
    import aiosmtplib
    client = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False)
    await client.connect()
    for sender, recipient, data in messages:
        await client.sendmail(sender, [recipient], data)
    await client.quit()


def ceiling(port: int, messages: list, push=_push) -> float:
    """Seconds a client takes to get the messages through, over CONNECTIONS connections."""
    async def all_connections():
        await asyncio.gather(*(push(port, messages[i::CONNECTIONS]) for i in range(CONNECTIONS)))
    started = time.perf_counter()
    asyncio.run(all_connections())
    return time.perf_counter() - started


def clocked(port: int, n: int, run) -> tuple[float, float]:
    """(delivery rate as the sink clocked it, whole-run rate) of one client run."""
    sink_clock(port, reset=True)
    elapsed = run()
    count, span = sink_clock(port)
    if count != n:
        raise SystemExit(f"the sink received {count} messages, not {n}")
    return (count - 1) / span, n / elapsed


def delivery_figures(work: Path, trees: dict[str, Path], n: int, rounds: int) -> None:
    port = free_port()
    server = aiosmtpd_sink(port)
    url = f"smtp://127.0.0.1:{port}"
    try:
        projects = {name: sample_project(work / f"deliver-{i}", n) for i, name in enumerate(trees)}
        messages = the_messages(projects["now"])
        runs = {"ceiling": lambda: ceiling(port, messages)}
        if _has("aiosmtplib"):
            runs["aiosmtplib"] = lambda: ceiling(port, messages, _aiosmtplib)
        for name, code in trees.items():
            runs[name] = lambda code=code, project=projects[name]: run_send(code, project, url)[0]
        names = list(runs)
        figures: dict[str, list[tuple[float, float]]] = {name: [] for name in names}
        for r in range(rounds):
            for name in names[r % len(names):] + names[:r % len(names)]:
                figures[name].append(clocked(port, n, runs[name]))
        print(f"2. delivering {n:,} messages to aiosmtpd (own process) over {CONNECTIONS} connections, "
              f"median of {rounds} interleaved rounds (each round: {', '.join(names)})")
        print(f"   {'':<44}{'delivery (sink clock)':>28}{'whole run':>26}")
        top = [statistics.median(f[i] for f in figures["ceiling"]) for i in (0, 1)]
        for name in names:
            label = {"ceiling": "minimal client, same bytes (ceiling)",
                     "aiosmtplib": "aiosmtplib alone, same bytes"}.get(name, f"newsletter send, {name}")
            cells = []
            for i in (0, 1):
                value = statistics.median(f[i] for f in figures[name])
                share = "" if name == "ceiling" else f" {value / top[i]:>4.0%}"
                cells.append(f"{value:>7,.0f} msg/s{share}  {_rounds([f[i] for f in figures[name]])}")
            print(f"   {label:<44}{cells[0]:>28}  {cells[1]}"
                  + ("  (goal: delivery >= 90% of the ceiling)" if name == "now" else ""))
        for name in trees:
            fixed = statistics.median(n / f[1] - n / f[0] for f in figures[name])
            print(f"   newsletter send, {name}: {fixed:.2f} s per run before and after the messages "
                  "(start-up, pre-send check, summary)")
    finally:
        server.terminate()
        server.wait(timeout=10)


def _has(module: str) -> bool:
    import importlib.util
    return importlib.util.find_spec(module) is not None


def _rounds(values: list[float]) -> str:
    return "[" + " ".join(f"{v:.0f}" for v in values) + "]"


# --- 3. peak RSS of the whole send -------------------------------------------------------------

def rss_figures(work: Path, trees: dict[str, Path], sizes: list[int]) -> None:
    port = free_port()
    server = null_sink(port)
    url = f"smtp://127.0.0.1:{port}"
    try:
        print(f"3. peak RSS of the whole `newsletter send` process (ru_maxrss), minimal sink, "
              f"{CONNECTIONS} connections")
        for name, code in trees.items():
            peaks = {}
            for n in sizes:
                project = sample_project(work / f"rss-{name[:3]}-{n}", n)
                elapsed, peaks[n] = run_send(code, project, url)
                print(f"   {name:<16}{n:>9,} subscribers: {peaks[n] / 1024:>7.1f} MiB  "
                      f"({n / elapsed:,.0f} msg/s)", flush=True)
            if len(sizes) > 1:
                small, large = peaks[sizes[0]], peaks[sizes[-1]]
                print(f"   {name:<16}{sizes[-1]:,} ÷ {sizes[0]:,}: {large / small:.2f}x"
                      + (" (goals: <= 60 MiB at 1,000; <= 1.1x)" if name == "now" else ""))
    finally:
        server.terminate()
        server.wait(timeout=10)


# --- 4. subscribers import ---------------------------------------------------------------------

def import_figures(work: Path, trees: dict[str, Path], sizes: list[int]) -> None:
    """Peak RSS of the whole `newsletter subscribers import` process, per file size."""
    from conftest import copy_project
    print("4. peak RSS of the whole `newsletter subscribers import FILE.csv` process (ru_maxrss)")
    for name, code in trees.items():
        peaks = {}
        for n in sizes:
            project = copy_project(work / f"import-{name[:3]}-{n}")
            sponsors, languages = ("hearts", "mhwx", "svwomen"), ("en", "zh-Hans", "both")
            with (project / "people.csv").open("w", encoding="utf-8") as out:
                out.write("email,name,language,sponsor\n")
                for i in range(n):
                    out.write(f"reader{i}@example.com,读者 {i},{languages[i % 3]},{sponsors[i // 3 % 3]}\n")
            command = [sys.executable, "-m", "newsletter", "subscribers", "import", "people.csv"]
            out = subprocess.run([sys.executable, "-c", LAUNCHER, *command], cwd=project, env=_env(code),
                                 capture_output=True, text=True, check=True)
            status, elapsed, peak = out.stdout.split()
            if status != "0":
                raise SystemExit(f"import failed: {out.stderr}")
            peaks[n] = int(peak)
            print(f"   {name:<16}{n:>9,} rows: {peaks[n] / 1024:>7.1f} MiB  ({n / float(elapsed):,.0f} rows/s)",
                  flush=True)
        if len(sizes) > 1:
            print(f"   {name:<16}{sizes[-1]:,} ÷ {sizes[0]:,}: {peaks[sizes[-1]] / peaks[sizes[0]]:.2f}x (goal: flat)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="messages to build (1)")
    parser.add_argument("--baseline-n", type=int, default=1_000, help="messages for the EmailMessage baseline")
    parser.add_argument("--deliver-n", type=int, default=2_000, help="subscribers to deliver to (2)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved delivery rounds (2)")
    parser.add_argument("--rss-n", type=int, nargs="+", default=[1_000, 100_000], help="list sizes (3)")
    parser.add_argument("--import-n", type=int, nargs="+", default=[10_000, 718_000], help="CSV rows (4)")
    parser.add_argument("--before", metavar="REV", help="also run the newsletter of this git revision (2-4)")
    parser.add_argument("--skip", nargs="*", default=[], choices=["1", "2", "3", "4"], help="parts to skip")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-send-") as folder:
        work = Path(folder)
        trees = code_trees(work, args.before)
        if "1" not in args.skip:
            build_figures(args.n, min(args.n, args.baseline_n))
        if "2" not in args.skip:
            delivery_figures(work, trees, args.deliver_n, args.rounds)
        if "3" not in args.skip:
            rss_figures(work, trees, args.rss_n)
        if "4" not in args.skip:
            import_figures(work, trees, args.import_n)


if __name__ == "__main__":
    main()
