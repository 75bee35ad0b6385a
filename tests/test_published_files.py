"""What `build` publishes, seen from outside by real processes: files readable under the
umask like any normal write, and two builds of the same output folder taking turns
instead of deleting each other's staging folder (issue 15, items 5 and 6)."""
from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

from .conftest import NEWSLETTER, SAMPLE_ISSUE, copy_project

ENV = {**os.environ, "SOURCE_DATE_EPOCH": "1764547200"}

# A build that stops after its first staging write until told to go on (or 60 s pass),
# so a second build runs its whole course while the first is half-way through writing.
PAUSED_CHILD = r"""
import sys, time
from pathlib import Path
started, go = Path(sys.argv[2]), Path(sys.argv[3])
write_bytes = Path.write_bytes
def paused(self, data):
    result = write_bytes(self, data)
    if not started.exists():
        started.touch()
        deadline = time.monotonic() + 60
        while not go.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
    return result
Path.write_bytes = paused
from newsletter.cli import main
main(["build", sys.argv[1]])
"""
SECOND_BUILD_SECONDS = 20  # enough for an unhindered build on a loaded machine


def tree(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_published_files_follow_the_umask(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    done = subprocess.run(["sh", "-c", 'umask 022 && exec "$0" -m newsletter build "$1"', sys.executable,
                           str(project / SAMPLE_ISSUE)], env=ENV, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    dist = project / "dist"
    modes = {p: stat.S_IMODE(p.stat().st_mode) for p in [dist / "2026-11", *dist.rglob("*")]}
    assert modes[dist / "2026-11"] == 0o755
    assert modes[dist / "index.en.html"] == modes[dist / "feed.zh-Hans.xml"] == 0o644
    wrong = {str(p): oct(m) for p, m in modes.items() if m != (0o755 if p.is_dir() else 0o644)}
    assert wrong == {}


def test_two_builds_of_one_output_folder_take_turns(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    expected_dir = tmp_path / "expected"
    subprocess.run([*NEWSLETTER, "build", str(project / SAMPLE_ISSUE),
                    "--out", str(expected_dir)], env=ENV, check=True, capture_output=True, timeout=180)
    started, go = tmp_path / "started", tmp_path / "go"
    first = subprocess.Popen([sys.executable, "-c", PAUSED_CHILD, str(project / SAMPLE_ISSUE), str(started),
                              str(go)], env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not started.exists():
        assert first.poll() is None, first.communicate()
        assert time.monotonic() < deadline, "the first build never started writing"
        time.sleep(0.02)
    second = subprocess.Popen([*NEWSLETTER, "build", str(project / SAMPLE_ISSUE)],
                              env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:  # unhindered, the second build would finish (and delete the first's staging) now
        second.wait(timeout=SECOND_BUILD_SECONDS)
    except subprocess.TimeoutExpired:
        pass
    go.touch()
    _, first_err = first.communicate(timeout=300)
    _, second_err = second.communicate(timeout=300)
    assert first.returncode == 0, first_err
    assert second.returncode == 0, second_err
    assert tree(project / "dist/2026-11") == tree(expected_dir / "2026-11")
    assert sorted(p.name for p in (project / "dist").iterdir() if p.name.startswith(".")) == []
