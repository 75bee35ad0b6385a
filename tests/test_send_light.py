"""The whole `newsletter send` process stays light: it never loads the build's libraries
(the pre-send gate's checks load lxml, nothing else of the build)."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import REPO, SAMPLE_ISSUE
from tests.test_send_support import (  # noqa: F401
    ENV,
    built_template,
    sending_project,
    write_subscribers,
)

BUILD_LIBRARIES = ("premailer", "cssutils", "jinja2", "PIL", "markdown_it", "nh3", "tinycss2")
PROBE = """
import atexit, sys
atexit.register(lambda: print("loaded:" + ",".join(m for m in {names!r} if m in sys.modules)))
from newsletter.cli import main
main(sys.argv[1:])
"""


def _send(project, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSLETTER_")} | ENV | {"PYTHONPATH": str(REPO)}
    out = subprocess.run([sys.executable, "-c", PROBE.format(names=BUILD_LIBRARIES), "send",
                          SAMPLE_ISSUE, *args], cwd=project, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr + out.stdout
    return out.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize("mode", ["--yes", "--dry-run"])
def test_send_loads_no_build_library(sending_project, mode):
    write_subscribers(sending_project, 6)
    loaded = _send(sending_project, mode).removeprefix("loaded:").split(",")
    assert not set(loaded) & set(BUILD_LIBRARIES), loaded
