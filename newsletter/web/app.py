"""The subscriber web app of `newsletter serve`: one Starlette (ASGI) application.

Routes: `/subscribe` (sign-up), `/confirm/<token>` (double opt-in), `/preferences/<token>`
(preference centre), `/unsubscribe/<token>` (RFC 8058 one-click and its page),
`/brand/<group>/…` (each group's stylesheet and logo), and the web archive in `dist/`
when it exists. Every response passes the security headers; every request body the size
limit. It runs under any ASGI server; `newsletter serve` uses uvicorn.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Mount, Route

from ..build.render import render_template
from ..project.config import Colors, Config
from ..project.root import DIST_DIR
from . import preferences, subscribe
from .context import AppContext, Limits
from .pages import PAGES, Pages
from .security import BodyLimit, SecurityHeaders
from .static import StrictStaticFiles

SITE_COLORS = Colors(primary="#1a5276", accent="#7d4e00")   # pages of no particular group


def create_app(config: Config, secret: bytes, *, environ: Mapping[str, str] | None = None,
               clock: Callable[[], dt.datetime] | None = None, limits: Limits | None = None) -> SecurityHeaders:
    app = AppContext(config, secret, Pages(config, secret), environ or {},
                     clock or (lambda: dt.datetime.now(dt.UTC)), limits or Limits())

    def bind(handler):
        async def endpoint(request: Request) -> Response:
            return await handler(app, request)
        return endpoint

    both = ["GET", "POST"]   # HEAD is answered as GET, and GET never changes anything
    routes = [
        Route("/subscribe", bind(subscribe.subscribe_page), methods=["GET"]),
        Route("/subscribe", bind(subscribe.subscribe_post), methods=["POST"]),
        Route("/confirm/{token}", bind(subscribe.confirm), methods=both),
        Route("/preferences", bind(preferences.manage), methods=both),
        Route("/preferences/{token}", bind(preferences.preferences), methods=both),
        Route("/unsubscribe/{token}", bind(preferences.unsubscribe), methods=both),
        Route("/brand/{sponsor}/style.css", bind(_stylesheet), methods=["GET"]),
        Route("/brand/{sponsor}/logo", bind(_logo), methods=["GET"]),
    ]
    dist = config.root / DIST_DIR
    if dist.is_dir():
        routes.append(Mount("/", StrictStaticFiles(directory=dist, html=True), name="archive"))

    async def http_error(request: Request, exc: HTTPException) -> Response:
        state = "not_found" if exc.status_code == 404 else "invalid_link"
        return app.pages.render(request, "message.html.j2", exc.status_code, state=state, retry_url="",
                                mailto="", headers=exc.headers)

    # SecurityHeaders wraps the whole app, outside Starlette's own error handling, so that
    # a 500 page carries the headers too (middleware given to Starlette sits inside it).
    return SecurityHeaders(Starlette(routes=routes, exception_handlers={HTTPException: http_error},
                                     middleware=[Middleware(BodyLimit)]))


async def _stylesheet(app: AppContext, request: Request) -> Response:
    sponsor = app.config.sponsor(request.path_params["sponsor"])
    if sponsor is None and request.path_params["sponsor"] != "_site":
        raise HTTPException(404)
    css = render_template(app.pages.env, f"{PAGES}/style.css.j2", c=sponsor.colors if sponsor else SITE_COLORS)
    return Response(css, media_type="text/css", headers={"Cache-Control": "public, max-age=3600"})


async def _logo(app: AppContext, request: Request) -> Response:
    sponsor = app.config.sponsor(request.path_params["sponsor"])
    path = app.config.root / sponsor.logo if sponsor else None
    if path is None or not path.is_file():
        raise HTTPException(404)
    return FileResponse(path, headers={"Cache-Control": "public, max-age=3600"})
