"""`newsletter preview` and `newsletter snapshot`: look at every edition before subscribers do."""
from __future__ import annotations

import threading
import time
from pathlib import Path

import click

from ..project.root import DIST_DIR, find_project_root
from ..web import browser
from ..web.preview import Preview
from ..web.preview_http import PreviewServer, watch
from ..web.snapshot import SHEET_NAME
from ..web.snapshot import snapshot as take_snapshots
from .common import echo, reports_errors


@click.command()
@click.argument("issue", type=click.Path(path_type=Path))
@click.option("--port", default=8000, show_default=True, help="Port to serve the preview on.")
@click.option("--bind", default="127.0.0.1", show_default=True,
              help="Address to listen on; 0.0.0.0 shows the preview to the local network (with --host-name).")
@click.option("--host-name", metavar="NAME",
              help="One more host name the preview answers to besides localhost, e.g. my-laptop.local.")
@reports_errors
def preview(issue: Path, port: int, bind: str, host_name: str | None) -> None:
    """Serve a live preview of every edition of ISSUE; saving a file updates the open page."""
    report = lambda line: echo(f"error: {line}", err=True)  # noqa: E731
    server = PreviewServer(Preview(issue, report=report), port, bind=bind, name=host_name)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    echo(f"Preview of {issue} at {server.url} (Ctrl+C to stop)")
    try:
        watch(server, on_rebuilt=lambda ids: _rebuilt(server.preview, ids))
    except KeyboardInterrupt:
        pass
    finally:
        server.close()


def _rebuilt(preview: Preview, ids: set[str]) -> None:
    if preview.problems:
        return
    stamp = time.strftime("%H:%M:%S")
    echo(f"{stamp} updated: {', '.join(sorted(ids)) or 'pages'}")


@click.command()
@click.argument("issue", type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(path_type=Path),
              help="Folder for the PNG files (default: dist/snapshots/<issue> in the project).")
@reports_errors
def snapshot(issue: Path, out: Path | None) -> None:
    """Screenshot every edition of ISSUE in headless Chromium (375 and 600 px, light and dark)
    and make contact sheets showing every edition whole."""
    browser.require()
    out = out or find_project_root(issue) / DIST_DIR / "snapshots" / issue.resolve().name
    start = time.perf_counter()
    files = take_snapshots(issue, out)
    sheets = sorted(name for name in files if name.startswith(SHEET_NAME.split("{")[0]))
    echo(f"{len(files)} PNG files written to {out} in {time.perf_counter() - start:.1f} s; "
         f"attach {', '.join(sheets)} to a review")
