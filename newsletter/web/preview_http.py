"""The live preview's web server (loopback by default) and its file watcher.

Pages are rendered from `templates/web/preview_*.j2`; the open page listens on
`/events` (server-sent events) and reloads when the preview's version changes.
Emails are served as built, with their published base URL pointed at this server so the
pictures show without touching the network.

The preview holds unpublished work inside a project that also holds the subscriber list,
so it serves only what a build publishes (editions and their pictures) and its own pages,
and answers only requests addressed to it by a local name (or the one name it is given):
a web page cannot read it through DNS rebinding, where an attacker's own host name comes
to point at 127.0.0.1.
"""
from __future__ import annotations

import errno
import html
import json
import re
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

import watchfiles
from jinja2 import Environment

from ..errors import NewsletterError
from ..text.mime import fill
from .preview import Preview
from .static import IMAGE_TYPES, NOSNIFF, content_type

HOST = "127.0.0.1"
LOCAL_NAMES = ("localhost", "127.0.0.1", "[::1]")
INDEX_TEMPLATE = "web/preview_index.html.j2"
EDITION_TEMPLATE = "web/preview_edition.html.j2"
DARK_QUERY = "@media (prefers-color-scheme: dark)"
HEARTBEAT_SECONDS = 10


class PreviewServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, preview: Preview, port: int, bind: str = HOST, name: str | None = None):
        """`bind`: the address to listen on; `name`: one more host name to answer to
        (e.g. the machine's name on the local network, with `bind` 0.0.0.0)."""
        self.preview = preview
        self.ui: Environment = preview.env  # the session's one template environment
        self.changed = threading.Condition()
        self.stopping = threading.Event()
        self.bind = bind
        self.allowed_hosts = frozenset(LOCAL_NAMES + ((name.lower(),) if name else ()))
        if ":" in bind:
            self.address_family = socket.AF_INET6
        try:
            super().__init__((bind, port), PreviewHandler)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise NewsletterError(f"port {port} is already in use (another preview?); "
                                      f"stop it, or pick a free port: --port {port + 1}") from None
            if exc.errno == errno.EADDRNOTAVAIL or isinstance(exc, socket.gaierror):
                raise NewsletterError(f"--bind {bind}: this machine has no such address; "
                                      f"leave it out to use {HOST}") from None
            raise

    @property
    def url(self) -> str:
        host = HOST if self.bind in ("0.0.0.0", "::") else (f"[{self.bind}]" if ":" in self.bind else self.bind)
        return f"http://{host}:{self.server_address[1]}/"

    def host_allowed(self, header: str | None) -> bool:
        """The request's Host header (port removed) is one of ours."""
        if not header:
            return False
        host = header.strip().lower()
        if host.startswith("["):
            host = host[: host.find("]") + 1]
        else:
            host = host.rsplit(":", 1)[0]
        return host in self.allowed_hosts

    def notify(self) -> None:
        with self.changed:
            self.changed.notify_all()

    def close(self) -> None:
        self.stopping.set()
        self.notify()
        self.shutdown()
        self.server_close()


def watch(server: PreviewServer, on_rebuilt=lambda ids: None) -> None:
    """Feed file changes to the preview until the server stops (runs in its own thread)."""
    preview = server.preview
    for changes in watchfiles.watch(*preview.watched_paths(), stop_event=server.stopping,
                                    debounce=400, step=20, rust_timeout=200, yield_on_timeout=False):
        before = preview.version
        ids = preview.refresh(path for _, path in changes)
        if preview.version != before:
            on_rebuilt(ids)
            server.notify()


class PreviewHandler(BaseHTTPRequestHandler):
    server: PreviewServer

    def log_message(self, format, *args) -> None:  # the console is for build errors
        pass

    def do_GET(self) -> None:
        if not self.server.host_allowed(self.headers.get("Host")):
            return self.send(421, "text/plain; charset=utf-8",
                             b"misdirected request: open the preview at http://localhost:<port>/")
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        parts = [p for p in url.path.split("/") if p]
        route = {"": self.index, "edition": self.edition_page, "email": self.email, "text": self.text,
                 "eml": self.eml, "site": self.site_file, "web": self.web_file, "events": self.events,
                 "status": self.status}
        handler = route.get(parts[0] if parts else "")
        if handler is None:
            return self.send(404, "text/plain", b"not found")
        handler(parts[1:], query)

    # -- pages ----------------------------------------------------------------------------
    def _page(self, name: str, **context) -> None:
        preview = self.server.preview
        html = self.server.ui.get_template(name).render(
            issue=preview.issue_dir.name, version=preview.version, problems=preview.problems, **context)
        self.send(200, "text/html; charset=utf-8", html.encode("utf-8"))

    def index(self, _parts, _query) -> None:
        preview = self.server.preview
        rows: dict[str, list] = {}
        for e in preview.editions:
            rows.setdefault(e.sponsor.id, []).append((e, preview.edition(e.id)))
        self._page(INDEX_TEMPLATE, rows=rows, languages=preview.state.config.edition_languages,
                   site_languages=preview.state.config.site.languages)

    def edition_page(self, parts, query) -> None:
        built, edition = self._built(parts)
        if edition is None:
            return self.send(404, "text/plain", b"no such edition")
        text = fill(built.text, self._sample_values(edition, str)) if built else ""
        self._page(EDITION_TEMPLATE, e=edition, b=built, text=text, view=(query.get("view") or [""])[0])

    def email(self, parts, query) -> None:
        built, edition = self._built(parts, ".html")
        if built is None:
            return self.send(404, "text/plain", b"this edition could not be built; see the preview page")
        page = fill(built.html, self._sample_values(edition, html.escape))
        self.send(200, "text/html; charset=utf-8", self._local(page, query.get("scheme") == ["dark"]))

    def text(self, parts, _query) -> None:
        built, edition = self._built(parts, ".txt")
        if built is None:
            return self.send(404, "text/plain", b"not built")
        text = fill(built.text, self._sample_values(edition, str))
        self.send(200, "text/plain; charset=utf-8", text.encode("utf-8"))

    def eml(self, parts, _query) -> None:
        built, edition = self._built(parts, ".eml")
        if built is None:
            return self.send(404, "text/plain", b"not built")
        name = f"{edition.sponsor.id}-{edition.language}.eml"
        self.send(200, "message/rfc822", built.eml, {"Content-Disposition": f'attachment; filename="{name}"'})

    def site_file(self, parts, _query) -> None:
        """A picture an edition shows: only heroes and logos, only as the image types."""
        path = self.server.preview.asset(unquote("/".join(parts))) if parts else None
        kind = content_type(path.name, IMAGE_TYPES) if path else None
        if path is None or kind is None:
            return self.send(404, "text/plain", b"not found")
        self.send(200, kind, path.read_bytes())

    def web_file(self, parts, _query) -> None:
        """The web archive of the issue (article, author, category and edition pages,
        index, feeds) at the paths `dist/` would have: `/web/index.en.html`."""
        path = unquote("/".join(parts))
        kind = content_type(path)   # the strict map `serve` uses: nothing else is served
        data = self.server.preview.site_file(path) if kind and parts and ".." not in parts else None
        if data is None:
            return self.send(404, "text/plain", b"not found")
        self.send(200, kind, data)

    def status(self, _parts, _query) -> None:
        preview = self.server.preview
        body = json.dumps({"version": preview.version, "problems": preview.problems}, ensure_ascii=False)
        self.send(200, "application/json", body.encode("utf-8"))

    def events(self, _parts, query) -> None:
        """Server-sent events: one `data: <version>` line whenever the preview changes."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        since = (query.get("since") or ["-1"])[0]
        seen = int(since) if re.fullmatch(r"-?[0-9]{1,18}", since) else -1   # else: send the version
        server = self.server
        try:
            while not server.stopping.is_set():
                version = server.preview.version
                self.wfile.write(f"data: {version}\n\n".encode() if version != seen else b": idle\n\n")
                self.wfile.flush()
                seen = version
                with server.changed:
                    server.changed.wait_for(lambda: server.preview.version != seen or server.stopping.is_set(),
                                            timeout=HEARTBEAT_SECONDS)
        except (BrokenPipeError, ConnectionResetError):
            pass

    # -- helpers --------------------------------------------------------------------------
    def _built(self, parts, suffix: str = ""):
        """(built edition or None, edition or None) for `<sponsor>/<language><suffix>`."""
        if len(parts) != 2 or not parts[1].endswith(suffix):
            return None, None
        edition_id = f"{parts[0]}/{parts[1][:len(parts[1]) - len(suffix)]}"
        preview = self.server.preview
        edition = next((e for e in preview.editions if e.id == edition_id), None)
        return (preview.edition(edition_id) if edition else None), edition

    def _sample_values(self, edition, escape) -> dict[str, str]:
        """The sample subscriber's values, as in the sample .eml, so nobody reviews `%%name%%`."""
        person = self.server.preview.state.config.site.sample_subscriber
        return {"name": escape(person.name), "email": escape(person.email),
                "unsubscribe_url": "#unsubscribe", "view_url": escape(edition.view_url),
                "preferences_url": "#preferences"}

    def _local(self, page: str, dark: bool) -> bytes:
        """The email as published, with its web address pointing here; `dark` applies the
        email's own dark-mode rules, as a mail app in dark mode would."""
        preview = self.server.preview
        published = f"{preview.state.config.site.base_url.rstrip('/')}/{preview.issue_dir.name}/"
        page = page.replace(published, "/site/")
        if dark:
            page = page.replace(DARK_QUERY, "@media all")
        return page.encode("utf-8")

    def send(self, code: int, kind: str, body: bytes, headers: dict | None = None) -> None:
        self.send_response(code)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for key, value in (NOSNIFF | (headers or {})).items():
            self.send_header(key, value)
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass
