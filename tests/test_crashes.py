"""Tracebacks a volunteer could hit (issue 15, item 7), each now a clean success or one
`file: what; how to fix` line with exit code 2 — through the real CLI, most of them in a
real process: markup and escape sequences in titles, subscriber names and SMTP replies;
pictures with absurd pixel counts; a read-only output folder; a disk that fills up while
the Maildir outbox is written; UTF-16 subscriber lists."""
from __future__ import annotations

import os
import resource
import shutil
import signal
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from .conftest import NEWSLETTER, SAMPLE_ISSUE, edit, failed_build_errors
from .test_send_support import (  # noqa: F401
    ENV,
    built_template,
    sending_project,
    smtp_server,
    write_subscribers,
)

ARTICLE = f"{SAMPLE_ISSUE}/hip-hinge.en.md"
ZH_ARTICLE = f"{SAMPLE_ISSUE}/hip-hinge.zh-Hans.md"
ISSUE = f"{SAMPLE_ISSUE}/issue.yaml"
HOSTILE = "[/] [link=https://evil.example]click[/link] [bold red]\x1b]8;;https://evil.example\x1b\\here\x1b]8;;\x1b\\ \x1b[2J"
SHOWN = "[/] [link=https://evil.example]click[/link] [bold red]here "


def run(root: Path, *args: str, env: dict | None = None, **options) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith("NEWSLETTER_")}
    return subprocess.run([*NEWSLETTER, *args], cwd=root, capture_output=True, text=True,
                          timeout=300, env=base | ENV | {"COLUMNS": "250"} | (env or {}),
                          **options)


def assert_clean(result: subprocess.CompletedProcess) -> None:
    output = result.stdout + result.stderr
    assert "Traceback" not in output and "Warning" not in output, output
    assert "\x1b" not in output, output


# --- markup and escape sequences reaching the terminal -------------------------------

def test_markup_in_a_title_is_printed_as_typed(project: Path) -> None:
    edit(project / ISSUE, '  en: "Strong backs', '  en: "' + HOSTILE.replace("\\", "\\\\").replace(
        "\x1b", "\\e") + ' Strong backs')
    result = run(project, "build", SAMPLE_ISSUE)
    assert result.returncode == 0, result.stderr
    assert_clean(result)
    assert SHOWN in result.stdout
    checked = run(project, "check", SAMPLE_ISSUE)
    assert checked.returncode in (0, 1)
    assert_clean(checked)


def test_markup_in_a_subscriber_name_is_printed_as_typed(project: Path) -> None:
    name = HOSTILE.replace('"', '""')
    (project / "people.csv").write_text(f'email,name,language,sponsor\nbob@example.com,"{name}",en,hearts\n',
                                        encoding="utf-8")
    assert run(project, "subscribers", "import", "people.csv").returncode == 0
    listed = run(project, "subscribers", "list")
    assert listed.returncode == 0, listed.stderr
    assert_clean(listed)
    assert "[/] [link=https://evil.example]click" in listed.stdout


def test_markup_in_an_smtp_reply_is_printed_as_typed(sending_project: Path, smtp_server) -> None:
    server, url = smtp_server
    write_subscribers(sending_project, 1)
    server.defer_data.append("550 5.7.1 " + HOSTILE.replace("\x1b]8;;\x1b\\", "\x1b]8;;\x07"))
    result = run(sending_project, "send", SAMPLE_ISSUE, "--smtp", url, "--yes")
    assert result.returncode == 1, result.stdout + result.stderr
    assert_clean(result)
    assert "not delivered:" in result.stdout and "[/] [link=https://evil.example]click" in result.stdout


# --- pictures -------------------------------------------------------------------------

def png_header(width: int, height: int) -> bytes:
    """A PNG that says it is width × height: Pillow reads the size without decoding."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")


@pytest.mark.parametrize("width, height, shown", [
    (20_000, 20_000, "far too many pixels"),      # Pillow: DecompressionBombError
    (10_000, 9_000, "far too many pixels"),       # Pillow: DecompressionBombWarning
    (8_000, 6_000, "8000×6000 pixels"),           # Pillow: fine; our limit
])
def test_pictures_with_absurd_pixel_counts(project: Path, width: int, height: int, shown: str) -> None:
    (project / SAMPLE_ISSUE / "images/huge.png").write_bytes(png_header(width, height))
    for article in (ARTICLE, ZH_ARTICLE):
        edit(project / article, "hero: images/hip-hinge.jpg", "hero: images/huge.png")
    errors, output = failed_build_errors(project)
    assert "Warning" not in output
    assert errors == [f"error: {project}/{SAMPLE_ISSUE}/images/huge.png: has {shown}, more than the limit of 40 "
                      "million; a picture in an email is shown at most about 1,100 pixels wide: resize it and "
                      "save again"]


# --- the disk says no ---------------------------------------------------------------

@pytest.fixture
def read_only_dist(project: Path):
    """dist/ that nobody may write into: mode 555, or for root (who ignores modes) the
    immutable attribute."""
    dist = project / "dist"
    dist.mkdir()
    if os.geteuid() != 0:
        dist.chmod(0o555)
        yield dist
        dist.chmod(0o755)
        return
    if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(dist)]).returncode != 0:
        pytest.skip("running as root without chattr +i: no folder can be made read-only")
    try:
        yield dist
    finally:
        subprocess.run(["chattr", "-i", str(dist)], check=True)


def test_read_only_output_folder(project: Path, read_only_dist: Path) -> None:
    result = run(project, "build", SAMPLE_ISSUE)
    assert result.returncode == 2, result.stdout + result.stderr
    assert_clean(result)
    first = result.stderr.splitlines()[0]
    assert first.startswith(f"error: {read_only_dist}/.staging: "), first
    assert first.endswith("; you may not write here: make the folder writable, or choose another (e.g. --out)")
    assert list(read_only_dist.iterdir()) == []


def small_files_only() -> None:
    """The disk is full after 100 KB: every write past that fails (EFBIG, like ENOSPC)."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, 100_000))


def test_disk_full_during_a_maildir_send(sending_project: Path) -> None:
    write_subscribers(sending_project, 9)
    result = run(sending_project, "send", SAMPLE_ISSUE, "--yes", preexec_fn=small_files_only)
    assert result.returncode == 2, result.stdout + result.stderr
    assert_clean(result)
    assert "error: " in result.stderr and "File too large; the file grew beyond what this system allows" in result.stderr
    again = run(sending_project, "send", SAMPLE_ISSUE, "--yes")
    assert again.returncode == 0, again.stdout + again.stderr


# --- subscriber lists saved as "Unicode" -------------------------------------------

@pytest.mark.parametrize("codec, separator", [("utf-16", ","), ("utf-16-le", ","), ("utf-16-be", ","),
                                              ("utf-16", "\t")])   # the last: Excel's "Unicode Text"
def test_utf16_subscriber_list_is_read(project: Path, codec: str, separator: str) -> None:
    text = "email,name,language,sponsor\nlin@example.com,林薇,zh-Hans,hearts\nana@example.com,Ana,en,mhwx\n"
    (project / "people.csv").write_bytes(text.replace(",", separator).encode(codec))
    result = run(project, "subscribers", "import", "people.csv")
    assert result.returncode == 0, result.stderr
    assert "2 added" in result.stdout
    assert "林薇" in run(project, "subscribers", "list").stdout
