"""Real headless Chromium for the browser tests: one session per test module.

Skipped, with the reason, only when Chromium (or axe-core) is truly absent on a
developer's machine; under CI (CI=true) a missing browser fails the run instead.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from newsletter.web import browser
from newsletter.web.preview import Preview
from newsletter.web.preview_http import PreviewServer
from tests.conftest import REPO, SAMPLE_ISSUE

AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"


def require(reason: str | None) -> None:
    if reason and os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI must run the browser tests: {reason}")
    if reason:
        pytest.skip(reason)


@pytest.fixture(scope="module")
def driver():
    require(browser.missing())
    session = browser.launch()
    yield session
    session.quit()


@pytest.fixture(scope="module")
def axe_source() -> str:
    require(None if AXE.is_file() else f"{AXE} is missing (run npm ci)")
    return AXE.read_text(encoding="utf-8")


def start_server(issue_dir: Path) -> PreviewServer:
    server = PreviewServer(Preview(issue_dir, environ={}), 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="module")
def sample_server():
    """The bundled sample, served as the preview does (pictures on 127.0.0.1)."""
    server = start_server(REPO / SAMPLE_ISSUE)
    yield server
    server.close()
