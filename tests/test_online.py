"""`check --online` (issue 16, part 10): every picture and web page the emails link to is
fetched once from a real HTTP server on 127.0.0.1; 4xx/5xx is an error, an unreachable
host a warning, RFC 2606 example names never fetched."""
from __future__ import annotations

import functools
import http.server
import socket
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsletter.build.pipeline import build
from newsletter.checks import online
from newsletter.checks.issue import check_build
from newsletter.cli import main

from .conftest import SAMPLE_ISSUE, edit

BASE = "https://news.baybridge.example.org"
PUBLIC = "https://news.baybridge-community.org"  # never reached: the tests' fetcher maps it to 127.0.0.1


def public_base(project: Path) -> None:
    """A base_url outside the reserved names, so the check fetches it (through the local server)."""
    edit(project / "newsletter.toml", f'base_url = "{BASE}"', f'base_url = "{PUBLIC}"')


class Handler(http.server.SimpleHTTPRequestHandler):
    """Serves a folder; paths under /nohead/ refuse HEAD with 405, as some hosts do."""

    def do_HEAD(self):
        if self.path.startswith("/nohead/"):
            self.send_error(405)
            return
        super().do_HEAD()

    def do_GET(self):
        if self.path.startswith("/nohead/"):
            self.path = self.path[len("/nohead"):]
        super().do_GET()

    def log_message(self, *args):
        pass


@pytest.fixture
def server(tmp_path: Path):
    root = tmp_path / "site"
    root.mkdir()
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_fetch_head_then_get_on_405(server) -> None:
    root, url = server
    (root / "a.png").write_bytes(b"x")
    assert online.fetch(f"{url}/a.png", 2).status == 200
    assert online.fetch(f"{url}/nohead/a.png", 2).status == 200
    assert online.fetch(f"{url}/missing.png", 2).status == 404
    assert online.fetch(f"http://127.0.0.1:{closed_port()}/a.png", 2).status is None


def test_reserved_names_are_never_fetched() -> None:
    asked = []
    urls = [f"{BASE}/x.png", "https://example.com/a", "https://a.test/b", "https://real.org/c", "http://x.invalid/"]
    online.reachability(urls, lambda u, t: asked.append(u) or online.Answer(200))
    assert asked == ["https://real.org/c"]


def test_build_checked_online_against_a_local_server(project: Path, server) -> None:
    root, url = server
    public_base(project)
    result = build(project / SAMPLE_ISSUE, project / "dist", environ={})
    # "upload" the build, but forget one picture and one web page
    for path in (project / "dist").rglob("*"):
        target = root / path.relative_to(project / "dist")
        if path.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        elif path.name != "food-drive.jpg" and not str(target).endswith("mhwx/zh-Hans+en.html"):
            target.write_bytes(path.read_bytes())
    asked = []

    def via_local(address: str, timeout: float) -> online.Answer:
        asked.append(address)
        return online.fetch(address.replace(PUBLIC, url), timeout)

    report = check_build(result, via_local)
    assert len(asked) == len(set(asked))  # each address once
    hits = [f for f in report.findings if f.check == "links.reachable"]
    assert sorted((f.level, f.element) for f in hits) == [
        ("error", f"{PUBLIC}/2026-11/images/food-drive.jpg"), ("error", f"{PUBLIC}/2026-11/mhwx/zh-Hans+en.html")]
    picture = next(f for f in hits if f.element.endswith("food-drive.jpg"))
    assert picture.message.endswith("answers 404 File not found") and len(picture.editions) == 9
    assert report.failed()


def test_unreachable_host_is_a_warning(project: Path) -> None:
    public_base(project)
    result = build(project / SAMPLE_ISSUE, project / "dist", environ={})
    port = closed_port()
    report = check_build(result, lambda a, t: online.fetch(a.replace(PUBLIC, f"http://127.0.0.1:{port}"), 1))
    hits = [f for f in report.findings if f.check == "links.reachable"]
    assert [f.level for f in hits] == ["warning"]
    assert hits[0].message.startswith("could not reach news.baybridge-community.org (")
    assert "Connection refused" in hits[0].message and len(hits[0].editions) == 9
    assert not report.failed()


def test_cli_online_skips_the_reserved_sample_domain(project: Path) -> None:
    result = CliRunner().invoke(main, ["check", str(project / SAMPLE_ISSUE), "--online"])
    assert result.exit_code == 0, result.output
    assert "links.reachable" not in result.output
