"""`newsletter serve`: run the subscriber web app (`web/app.py`) under uvicorn.

Behind a reverse proxy, `forwarded_allow_ips` names the proxy addresses whose
X-Forwarded-For / X-Forwarded-Proto headers are believed: the rate limits then count the
real client addresses, and cookies are marked Secure when the proxy speaks https.
"""
from __future__ import annotations

from collections.abc import Mapping

import uvicorn

from ..mailing.tokens import secret_from
from ..project.config import Config
from .app import create_app

__all__ = ["create_app", "run"]


def run(config: Config, environ: Mapping[str, str], host: str = "127.0.0.1", port: int = 8025,
        forwarded_allow_ips: str | None = None, root_path: str = "") -> None:
    secret = secret_from(environ, config.sending.unsubscribe_secret_env)
    # No access log: the URLs carry personal tokens.
    uvicorn.run(create_app(config, secret, environ=environ), host=host, port=port, access_log=False,
                log_level="warning", proxy_headers=True, forwarded_allow_ips=forwarded_allow_ips or "127.0.0.1",
                root_path=root_path, limit_concurrency=200, h11_max_incomplete_event_size=16 * 1024)
