"""Sending speed and memory, each figure against a baseline measured in the same run.

1. Personalised messages built per second (PreparedEdition, plus the per-recipient work
   the sender adds: HMAC token and Message-ID) against email.message.EmailMessage.
2. Delivery to an aiosmtpd sink (its own process, on 127.0.0.1) by the whole
   `newsletter send` command, against the sink's ceiling: a minimal SMTP client (raw
   asyncio streams, no ledger, messages built beforehand) pushing the same bytes to the
   same sink over the same number of connections. Interleaved rounds, medians.
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


def aiosmtpd_sink(port: int) -> subprocess.Popen:
    return start([sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}",
                  "-c", "aiosmtpd.handlers.Sink"], port)


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
    """The same bytes through aiosmtplib alone (the client library `send` uses): no ledger,
    no building. aiosmtplib normalises line endings and dot-stuffs every message itself."""
    import aiosmtplib
    client = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False)
    await client.connect()
    for sender, recipient, data in messages:
        await client.sendmail(sender, [recipient], data)
    await client.quit()


def ceiling(port: int, messages: list, push=_push) -> float:
    """Messages per second a client gets through, over CONNECTIONS connections."""
    async def all_connections():
        await asyncio.gather(*(push(port, messages[i::CONNECTIONS]) for i in range(CONNECTIONS)))
    started = time.perf_counter()
    asyncio.run(all_connections())
    return len(messages) / (time.perf_counter() - started)


def delivery_figures(work: Path, trees: dict[str, Path], n: int, rounds: int) -> None:
    port = free_port()
    server = aiosmtpd_sink(port)
    url = f"smtp://127.0.0.1:{port}"
    try:
        projects = {name: sample_project(work / f"deliver-{i}", n) for i, name in enumerate(trees)}
        messages = the_messages(projects["now"])
        commands = {name: (code, projects[name]) for name, code in trees.items()}
        names = ["ceiling", "aiosmtplib", *trees]
        figures: dict[str, list[float]] = {name: [] for name in names}
        for r in range(rounds):
            for name in names[r % len(names):] + names[:r % len(names)]:
                if name == "ceiling":
                    figures[name].append(ceiling(port, messages))
                elif name == "aiosmtplib":
                    figures[name].append(ceiling(port, messages, _aiosmtplib))
                else:
                    code, project = commands[name]
                    elapsed, _ = run_send(code, project, url)
                    figures[name].append(n / elapsed)
        top, library = statistics.median(figures["ceiling"]), statistics.median(figures["aiosmtplib"])
        print(f"2. delivering {n:,} messages to aiosmtpd (own process) over {CONNECTIONS} connections, "
              f"median of {rounds} interleaved rounds (each round: {', '.join(names)})")
        print(f"   {'minimal client, same bytes (ceiling)':<52}{top:>7,.0f} msg/s  {_rounds(figures['ceiling'])}")
        print(f"   {'aiosmtplib alone, same bytes':<52}{library:>7,.0f} msg/s  {_rounds(figures['aiosmtplib'])}  "
              f"{library / top:.0%} of the ceiling")
        for name in trees:
            value = statistics.median(figures[name])
            print(f"   {'newsletter send, whole process, ' + name:<52}{value:>7,.0f} msg/s  {_rounds(figures[name])}  "
                  f"{value / top:.0%} of the ceiling, {value / library:.0%} of aiosmtplib alone"
                  + (" (goal >= 90% of the ceiling)" if name == "now" else ""))
    finally:
        server.terminate()
        server.wait(timeout=10)


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
