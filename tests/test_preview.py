"""The live preview's model and server without a browser: what a change makes stale,
how quickly one edition comes back, the port-taken message, and error recovery."""
from __future__ import annotations

import socket
import threading
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsletter.cli import main
from newsletter.errors import NewsletterError
from newsletter.web.preview import Preview
from newsletter.web.preview_http import PreviewServer
from tests.conftest import SAMPLE_ISSUE, edit


def _warm(project: Path) -> Preview:
    preview = Preview(project / SAMPLE_ISSUE, environ={})
    for e in preview.editions:
        assert preview.edition(e.id) is not None
    return preview


def test_an_article_makes_only_its_editions_stale(project: Path) -> None:
    preview = _warm(project)
    article = project / SAMPLE_ISSUE / "hip-hinge.en.md"
    edit(article, "title: \"Hinge at the hips", "title: \"Hinge slowly at the hips")
    stale = preview.refresh([article])
    assert stale == {f"{s}/{lang}" for s in ("hearts", "mhwx", "svwomen") for lang in ("en", "zh-Hans+en")}
    assert "Hinge slowly at the hips" in preview.edition("hearts/en").html
    assert "Hinge slowly" not in preview.edition("hearts/zh-Hans").html


def test_an_untranslated_article_reaches_every_edition(project: Path) -> None:
    # the sample's Chinese poem is published in Chinese only (single_language: true)
    preview = _warm(project)
    poem = project / SAMPLE_ISSUE / "poem-of-the-month.zh-Hans.md"
    assert len(preview.refresh([poem])) == 9


def test_catalog_and_template_changes(project: Path) -> None:
    preview = _warm(project)
    po = project / "translations/zh_Hans/LC_MESSAGES/messages.po"
    assert preview.refresh([po]) == {f"{s}/{lang}" for s in ("hearts", "mhwx", "svwomen")
                                     for lang in ("zh-Hans", "zh-Hans+en")}
    assert len(preview.refresh([project / "templates/email/_footer.html.j2"])) == 9
    assert preview.refresh([project / "README.md"]) == set()


def test_template_error_is_reported_and_recovered(project: Path) -> None:
    reported: list[str] = []
    preview = Preview(project / SAMPLE_ISSUE, report=reported.append, environ={})
    footer = project / "templates/email/_footer.html.j2"
    edit(footer, "{% endfor %}", "{% endfo %}")
    preview.refresh([footer])
    assert preview.edition("hearts/en") is None
    assert reported and "_footer.html.j2:" in reported[0] and preview.problems
    edit(footer, "{% endfo %}", "{% endfor %}")
    preview.refresh([footer])
    assert preview.problems == [] and preview.edition("hearts/en") is not None


def test_taken_port_is_a_plain_message(project: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(NewsletterError, match=f"port {port} is already in use"):
            PreviewServer(Preview(project / SAMPLE_ISSUE, environ={}), port)
        result = CliRunner().invoke(main, ["preview", str(project / SAMPLE_ISSUE), "--port", str(port)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"--port {port + 1}" in result.output


def test_server_serves_pictures_and_eml_from_loopback(project: Path) -> None:
    server = PreviewServer(Preview(project / SAMPLE_ISSUE, environ={}), 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        html = urllib.request.urlopen(f"{server.url}email/hearts/en.html", timeout=10).read().decode()
        assert "https://news.baybridge.example.org/2026-11/images" not in html and 'src="/site/images/' in html
        image = urllib.request.urlopen(f"{server.url}site/images/hip-hinge.jpg", timeout=10)
        assert image.headers["Content-Type"] == "image/jpeg"
        eml = urllib.request.urlopen(f"{server.url}eml/hearts/en.eml", timeout=10)
        assert "attachment" in eml.headers["Content-Disposition"] and b"Subject:" in eml.read()
        dark = urllib.request.urlopen(f"{server.url}email/hearts/en.html?scheme=dark", timeout=10).read()
        assert b"prefers-color-scheme" not in dark
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(f"{server.url}site/../newsletter.toml", timeout=10)
    finally:
        server.close()


def test_server_serves_the_web_archive_with_article_pages(project: Path) -> None:
    preview = Preview(project / SAMPLE_ISSUE, environ={})
    server = PreviewServer(preview, 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        front = urllib.request.urlopen(server.url, timeout=10).read().decode()
        assert 'href="/web/index.en.html#issue-2026-11"' in front
        get = lambda path: urllib.request.urlopen(f"{server.url}web/{path}", timeout=10)  # noqa: E731
        page = get("2026-11/en/hip-hinge.html")
        assert page.headers["Content-Type"] == "text/html; charset=utf-8"
        html = page.read().decode()
        assert "Hinge at the hips" in html and 'src="../../2026-11/images/hip-hinge.jpg"' in html
        assert get("2026-11/images/hip-hinge.jpg").headers["Content-Type"] == "image/jpeg"
        assert "林薇" in get("authors/zh-Hans/lin-wei.html").read().decode()
        assert b"hip-hinge.html" in get("categories/en/health.html").read()
        assert b"<feed" in get("feed.zh-Hans.xml").read()
        edit(project / SAMPLE_ISSUE / "hip-hinge.en.md", 'title: "Hinge at the hips', 'title: "Hinge slowly at the hips')
        preview.refresh([project / SAMPLE_ISSUE / "hip-hinge.en.md"])
        assert "Hinge slowly at the hips" in get("2026-11/en/hip-hinge.html").read().decode()
        for bad in ("2026-11/../../newsletter.toml", "2026-11/en/nothing.html", "../authors.yaml"):
            with pytest.raises(urllib.error.HTTPError):
                get(bad)
    finally:
        server.close()
