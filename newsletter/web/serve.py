"""`newsletter serve`: the one-click unsubscribe endpoint and the web archive, on Starlette.

Mail providers POST to the List-Unsubscribe URL without cookies or JavaScript (RFC 8058),
and link scanners GET every URL in a message, so GET only shows a bilingual page with a
confirm button and never unsubscribes; POST unsubscribes, and doing it twice is harmless.
"""
from __future__ import annotations

from collections.abc import Mapping

import uvicorn
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Mount, Route

from ..mailing.subscribers import Subscriber, SubscriberStore, database_path
from ..mailing.tokens import secret_from, token_id, verify
from ..project.config import Config
from ..project.root import DIST_DIR
from .static import StrictStaticFiles

TEMPLATE_DIR = "templates/web"
TEMPLATE = "unsubscribe.html.j2"
_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def create_app(config: Config, secret: bytes) -> Starlette:
    env = Environment(loader=FileSystemLoader(config.root / TEMPLATE_DIR),
                      autoescape=select_autoescape(default=True), keep_trailing_newline=True)
    template = env.get_template(TEMPLATE)

    def page(state: str, status: int, subscriber: Subscriber | None = None, action: str = "") -> HTMLResponse:
        html = template.render(state=state, languages=config.site.languages, site_name=config.site.name,
                               email=_masked(subscriber.email) if subscriber else "", action=action)
        return HTMLResponse(html, status_code=status, headers=_HEADERS)

    async def unsubscribe(request: Request) -> HTMLResponse:
        token = request.path_params["token"]
        subscriber = _find(config, secret, token)
        if subscriber is None:
            return page("invalid", 400)
        if request.method == "GET":
            done = subscriber.status == "unsubscribed"
            return page("done" if done else "confirm", 200, subscriber, action=request.url.path)
        await request.form()  # RFC 8058 body "List-Unsubscribe=One-Click"; the token decides
        source = "one-click" if request.headers.get("origin") is None else "web"
        with SubscriberStore(database_path(config)) as store:
            store.unsubscribe(subscriber.email, source)
        return page("done", 200, subscriber)

    routes = [Route("/unsubscribe/{token}", unsubscribe, methods=["GET", "POST"])]
    dist = config.root / DIST_DIR
    if dist.is_dir():
        routes.append(Mount("/", StrictStaticFiles(directory=dist, html=True), name="archive"))
    return Starlette(routes=routes)


def _find(config: Config, secret: bytes, token: str) -> Subscriber | None:
    """The subscriber a token was made for, or None for a forged, altered or unknown token."""
    subscriber_id = token_id(token)
    if subscriber_id is None or not database_path(config).is_file():
        return None
    with SubscriberStore(database_path(config)) as store:
        subscriber = store.get(subscriber_id)
    if subscriber is None or not verify(secret, token, subscriber.email):
        return None
    return subscriber


def _masked(email: str) -> str:
    """Enough to recognise one's own address on a shared screen, not enough to harvest it."""
    local, _, domain = email.partition("@")
    return f"{local[:2]}{'*' * max(1, len(local) - 2)}@{domain}"


def run(config: Config, environ: Mapping[str, str], host: str = "127.0.0.1", port: int = 8025) -> None:
    secret = secret_from(environ, config.sending.unsubscribe_secret_env)
    # No access log: the URLs carry unsubscribe tokens.
    uvicorn.run(create_app(config, secret), host=host, port=port, access_log=False, log_level="warning")
