"""What the project shows to the web (issue 15, items 2 and 3): pictures accepted only as
the image types they really are, static files served with a strict type map and nosniff,
and the live preview reachable only under local names, serving only build outputs."""
from __future__ import annotations

import http.client
import io
import json
import threading
import time
import zlib
from pathlib import Path

import pytest
import uvicorn
from PIL import Image

from newsletter.project.config import load_config
from newsletter.web.preview import Preview
from newsletter.web.preview_http import PreviewServer
from newsletter.web.serve import create_app

from .conftest import SAMPLE_ISSUE, cli_build, edit, failed_build_errors

ARTICLE = f"{SAMPLE_ISSUE}/hip-hinge.en.md"
ZH_ARTICLE = f"{SAMPLE_ISSUE}/hip-hinge.zh-Hans.md"
SCRIPT = b"<html><script>fetch('/subscribers.sqlite')</script></html>"


def png_with_script() -> bytes:
    """A valid PNG whose tEXt chunk carries a script, as a browser sniffing it would find it."""
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "teal").save(buffer, "PNG")
    data = buffer.getvalue()
    chunk = b"tEXt" + b"Comment\0" + SCRIPT
    text = len(chunk[4:]).to_bytes(4, "big") + chunk + zlib.crc32(chunk).to_bytes(4, "big")
    return data[:33] + text + data[33:]   # right after the IHDR chunk


def use_hero(project: Path, name: str, data: bytes) -> None:
    (project / SAMPLE_ISSUE / "images" / name).write_bytes(data)
    for article in (ARTICLE, ZH_ARTICLE):
        edit(project / article, "hero: images/hip-hinge.jpg", f"hero: images/{name}")


# --- item 2: pictures -----------------------------------------------------------------

def test_a_png_named_html_is_refused(project: Path) -> None:
    use_hero(project, "hero.html", png_with_script())
    errors, _ = failed_build_errors(project)
    assert errors == [f"error: {project}/{SAMPLE_ISSUE}/images/hero.html: is a PNG picture, but its name ends "
                      "in '.html'; rename the file to 'hero.png' and write that name in the article or "
                      "newsletter.toml"]


@pytest.mark.parametrize("name, data, what", [
    ("hero.png", (Path(__file__).parent.parent / SAMPLE_ISSUE / "images/hip-hinge.jpg").read_bytes(),
     "is a JPEG picture, but its name ends in '.png'; rename the file to 'hero.jpg'"),
    ("hero.jpg", SCRIPT, "is not a picture (PNG, JPEG or GIF) that can be read; save it as PNG or JPEG"),
])
def test_content_and_extension_must_agree(project: Path, name: str, data: bytes, what: str) -> None:
    use_hero(project, name, data)
    errors, _ = failed_build_errors(project)
    assert errors[0].startswith(f"error: {project}/{SAMPLE_ISSUE}/images/{name}: {what}"), errors


def test_a_real_png_is_published_under_its_name(project: Path) -> None:
    use_hero(project, "Hero.PNG", png_with_script())
    assert cli_build(project).exit_code == 0
    assert (project / "dist/2026-11/images/Hero.PNG").read_bytes().startswith(b"\x89PNG")


def test_static_files_are_served_strictly(project: Path) -> None:
    assert cli_build(project).exit_code == 0
    dist = project / "dist"
    (dist / "2026-11/images/stray.svg").write_text("<svg onload='alert(1)'/>", encoding="utf-8")
    (dist / "2026-11/images/note.html.jpg").write_bytes(SCRIPT)
    server = uvicorn.Server(uvicorn.Config(create_app(load_config(project), b"s" * 32), host="127.0.0.1",
                                           port=0, log_level="warning", access_log=False))
    threading.Thread(target=server.run, daemon=True).start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        page = fetch(port, "/2026-11/hearts/en.html")
        assert page.status == 200 and page.getheader("content-type") == "text/html; charset=utf-8"
        assert page.getheader("x-content-type-options") == "nosniff"
        picture = fetch(port, "/2026-11/images/hip-hinge.jpg")
        assert picture.getheader("content-type") == "image/jpeg"
        assert picture.getheader("x-content-type-options") == "nosniff"
        assert fetch(port, "/2026-11/images/note.html.jpg").getheader("content-type") == "image/jpeg"
        assert fetch(port, "/2026-11/images/stray.svg").status == 404
        assert fetch(port, "/feed.en.xml").getheader("content-type").startswith("application/atom+xml")
    finally:
        server.should_exit = True


def fetch(port: int, path: str) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path)
    answer = connection.getresponse()
    answer.read()
    return answer


# --- item 3: the preview --------------------------------------------------------------

@pytest.fixture
def preview_server(project: Path):
    for secret in ("subscribers.sqlite", ".newsletter/ledgers/2026-11.sqlite", "outbox/new/1.eml"):
        (project / secret).parent.mkdir(parents=True, exist_ok=True)
        (project / secret).write_bytes(b"SECRET unsubscribe token")
    server = PreviewServer(Preview(project / SAMPLE_ISSUE, environ={}), 0, name="preview.example.lan")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        server.close()


def get(server: PreviewServer, path: str, host: str | None = None) -> http.client.HTTPResponse:
    port = server.server_address[1]
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.putrequest("GET", path, skip_host=True)
    connection.putheader("Host", host if host is not None else f"127.0.0.1:{port}")
    connection.endheaders()
    return connection.getresponse()


def test_preview_binds_loopback_and_answers_only_local_names(preview_server: PreviewServer) -> None:
    assert preview_server.server_address[0] == "127.0.0.1"
    port = preview_server.server_address[1]
    for host in (f"localhost:{port}", f"127.0.0.1:{port}", f"[::1]:{port}", "LOCALHOST", "preview.example.lan:80"):
        answer = get(preview_server, "/", host)
        assert answer.status == 200, host
        assert answer.getheader("X-Content-Type-Options") == "nosniff"
    for host in (f"attacker.example:{port}", "127.0.0.1.attacker.example", "localhost.attacker.example", ""):
        answer = get(preview_server, "/status", host)
        assert answer.status == 421, host
        assert b"version" not in answer.read()


def test_preview_serves_only_build_outputs(preview_server: PreviewServer) -> None:
    picture = get(preview_server, "/site/images/hip-hinge.jpg")
    assert picture.status == 200 and picture.getheader("Content-Type") == "image/jpeg"
    assert get(preview_server, "/site/assets/logos/hearts.png").status == 200
    for path in ("subscribers.sqlite", ".newsletter/ledgers/2026-11.sqlite", "outbox/new/1.eml", "newsletter.toml",
                 "issue.yaml", "hip-hinge.en.md", "../../subscribers.sqlite", "%2e%2e/%2e%2e/subscribers.sqlite",
                 "images/../../../subscribers.sqlite", "templates/email/email.html.j2"):
        answer = get(preview_server, f"/site/{path}")
        assert answer.status == 404, path
        assert b"SECRET" not in answer.read()


def test_events_with_a_bad_since_sends_the_version(preview_server: PreviewServer) -> None:
    answer = get(preview_server, "/events?since=abc")
    assert answer.status == 200
    first = answer.fp.readline()
    assert first == f"data: {preview_server.preview.version}\n".encode()


def test_preview_refuses_an_address_it_does_not_have(project: Path) -> None:
    from click.testing import CliRunner

    from newsletter.cli import main
    result = CliRunner().invoke(main, ["preview", str(project / SAMPLE_ISSUE), "--port", "0",
                                       "--bind", "192.0.2.1"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "--bind 192.0.2.1: this machine has no such address" in result.output


def test_status_json_is_untouched(preview_server: PreviewServer) -> None:
    deadline = time.monotonic() + 10
    answer = get(preview_server, "/status")
    assert answer.status == 200 and time.monotonic() < deadline
    assert json.loads(answer.read())["problems"] == []
