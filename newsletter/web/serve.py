"""`newsletter serve`: run the subscriber web app (`web/app.py`) under uvicorn.

Behind a reverse proxy, `forwarded_allow_ips` names the proxy addresses whose
X-Forwarded-For / X-Forwarded-Proto headers are believed: the rate limits then count the
real client addresses, and cookies are marked Secure when the proxy speaks https.
`root_path` is the path prefix the proxy serves the app under (redirects keep it).
"""
from __future__ import annotations

import threading
import time
from collections.abc import Mapping

import uvicorn

from ..mailing.tokens import secret_from
from ..project.config import Config
from .app import create_app

__all__ = ["create_app", "run", "serve_in_thread", "server_config"]


def server_config(app, host: str = "127.0.0.1", port: int = 8025, forwarded_allow_ips: str | None = None,
                  root_path: str = "") -> uvicorn.Config:
    """How `serve` runs the app; tests and snapshots use the same, on port 0."""
    # No access log: the URLs carry personal tokens.
    return uvicorn.Config(app, host=host, port=port, access_log=False, log_level="warning",
                          proxy_headers=True, forwarded_allow_ips=forwarded_allow_ips or "127.0.0.1",
                          root_path=root_path, limit_concurrency=200, h11_max_incomplete_event_size=16 * 1024)


def run(config: Config, environ: Mapping[str, str], host: str = "127.0.0.1", port: int = 8025,
        forwarded_allow_ips: str | None = None, root_path: str = "") -> None:
    secret = secret_from(environ, config.sending.unsubscribe_secret_env)
    app = create_app(config, secret, environ=environ)
    uvicorn.Server(server_config(app, host, port, forwarded_allow_ips, root_path)).run()


def serve_in_thread(settings: uvicorn.Config) -> tuple[uvicorn.Server, threading.Thread, str]:
    """Run a server in a thread (port 0: any free port); returns (server, thread, base URL)."""
    server = uvicorn.Server(settings)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline and thread.is_alive():
        time.sleep(0.01)
    host, port = server.servers[0].sockets[0].getsockname()[:2]
    return server, thread, f"http://{host}:{port}"
