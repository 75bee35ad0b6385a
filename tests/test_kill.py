"""SIGKILL of a real `newsletter build` subprocess at several points: `dist/<issue>` must
always be the previous build or the new one, never a mix, and the next build cleans up.

The child kills itself with a real SIGKILL (no handler, no finally) at a chosen moment:
in the middle of writing the staging folder, just before and just after the swap, between
the two renames of the fallback swap, while the archive index is replaced — and twice
from outside at arbitrary times.
"""
from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from newsletter.build.output import STAGING_DIR, recover

from .conftest import NEWSLETTER, SAMPLE_ISSUE, copy_project, edit

pytestmark = pytest.mark.slow

CHILD = r"""
import os, signal, sys
from pathlib import Path
import newsletter.build.output as output, newsletter.build.archive as web

point, nth, issue = sys.argv[1], int(sys.argv[2]), sys.argv[3]
calls = [0]

def die():
    os.kill(os.getpid(), signal.SIGKILL)

def counting(function, after=False):
    def wrapper(*args, **kwargs):
        calls[0] += 1
        if calls[0] == nth and not after:
            die()
        result = function(*args, **kwargs)
        if calls[0] == nth:
            die()
        return result
    return wrapper

if point == "staging-write":
    Path.write_bytes = counting(Path.write_bytes)
elif point == "before-swap":
    output.exchange = counting(output.exchange)
elif point == "after-swap":
    output.exchange = counting(output.exchange, after=True)
elif point == "between-renames":
    output.exchange = lambda a, b: False
    os.replace = counting(os.replace, after=True)
elif point == "archive":
    web.write_file = counting(web.write_file)
from newsletter.cli import main
main(["build", issue])
"""


def snapshot(folder: Path) -> dict[str, str] | None:
    if not folder.exists():
        return None
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def run_child(project: Path, point: str, nth: int) -> int:
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1764547200"}
    done = subprocess.run([sys.executable, "-c", CHILD, point, str(nth), str(project / SAMPLE_ISSUE)],
                          env=env, capture_output=True, timeout=120)
    return done.returncode


@pytest.fixture(scope="module")
def states(tmp_path_factory):
    """(project, previous build, new build): the project's dist holds the previous build and
    its sources already hold the change the killed builds are making."""
    project = copy_project(tmp_path_factory.mktemp("kill") / "project")
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1764547200"}
    build = [*NEWSLETTER, "build", str(project / SAMPLE_ISSUE)]
    subprocess.run(build, env=env, check=True, capture_output=True)
    previous = snapshot(project / "dist/2026-11")
    edit(project / SAMPLE_ISSUE / "hip-hinge.en.md", "Hinge at the hips", "Fold at the hips")
    elsewhere = project.parent / "new-dist"
    subprocess.run(build + ["--out", str(elsewhere)], env=env, check=True, capture_output=True)
    new = snapshot(elsewhere / "2026-11")
    assert previous != new and len(previous) == len(new) > 30
    return project, previous, new


def assert_previous_or_new(project: Path, previous, new) -> None:
    state = snapshot(project / "dist/2026-11")
    assert state in (previous, new), "dist/2026-11 is a mix of two builds"


@pytest.mark.parametrize("point, nth", [("staging-write", 1), ("staging-write", 25), ("before-swap", 1),
                                        ("after-swap", 1), ("archive", 1)])
def test_killed_build_leaves_previous_or_new(states, point: str, nth: int) -> None:
    project, previous, new = states
    assert run_child(project, point, nth) == -signal.SIGKILL
    assert (project / "dist/2026-11").is_dir(), "the atomic swap leaves no moment without the folder"
    assert_previous_or_new(project, previous, new)
    recover(project / "dist/2026-11")
    assert not (project / "dist" / STAGING_DIR).exists()
    assert_previous_or_new(project, previous, new)


def test_killed_between_the_two_renames_of_the_fallback_is_recovered(states) -> None:
    project, previous, new = states
    assert run_child(project, "between-renames", 1) == -signal.SIGKILL
    assert not (project / "dist/2026-11").exists()     # the window the atomic exchange avoids
    recover(project / "dist/2026-11")
    assert_previous_or_new(project, previous, new)
    assert not (project / "dist" / STAGING_DIR).exists()


@pytest.mark.parametrize("delay", [1.2, 2.4])
def test_killed_from_outside_at_any_time(states, delay: float) -> None:
    project, previous, new = states
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1764547200"}
    child = subprocess.Popen([*NEWSLETTER, "build", str(project / SAMPLE_ISSUE)], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(delay)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=60)
    assert_previous_or_new(project, previous, new)


def test_a_complete_build_after_the_kills_is_the_new_one(states) -> None:
    project, previous, new = states
    assert run_child(project, "none", 0) == 0
    assert snapshot(project / "dist/2026-11") == new
    assert [p.name for p in (project / "dist").iterdir() if p.name.startswith(".")] == []
