"""The subscriber app's guards: response headers, a request size limit and CSRF tokens.

Both middlewares are plain ASGI, so they sit around any Starlette app and see every
response, error pages included.

CSRF uses signed double submit: a random value in a cookie, and in each form a token
that signs that value (purpose "csrf", with an expiry). A page on another site can
make a browser post to us, but cannot read our cookie or page, so it cannot produce a
token that matches. The token needs no server-side session. RFC 8058 one-click
unsubscribe requests are the one exception (mail providers send them without cookies);
their URL token is itself the secret that authorises them.
"""
from __future__ import annotations

import secrets

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from ..mailing.tokens import CSRF, make_token, verify

MAX_BODY = 8 * 1024        # bytes; the largest real form (preferences) is under 1 KB
CSRF_COOKIE = "newsletter_csrf"
CSRF_FIELD = "csrf"
_CSRF_ID = 1               # tokens need a positive id; the cookie value is the subject

# Subscriber pages: no script at all, styles and pictures from us only, never framed.
PAGE_POLICY = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
               "base-uri 'none'; frame-ancestors 'none'")
# The web archive (dist/) keeps its styles inline; still no script, never framed.
ARCHIVE_POLICY = ("default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
                  "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
}


class SecurityHeaders:
    """Adds the security headers to every response; the archive policy unless a page set its own."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for key, value in _HEADERS.items():
                    headers[key] = value
                if "content-security-policy" not in headers:
                    headers["content-security-policy"] = ARCHIVE_POLICY
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyLimit:
    """Reads a request body up to `limit` bytes before the app sees it; more gets 413.

    Both a large Content-Length and a chunked body that keeps coming are refused, so a
    form handler never holds more than a few KB of anybody's data.
    """

    def __init__(self, app, limit: int = MAX_BODY):
        self.app = app
        self.limit = limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD"):
            return await self.app(scope, receive, send)
        declared = dict(scope["headers"]).get(b"content-length", b"0")
        if not declared.isdigit() or int(declared) > self.limit:
            return await _too_large(scope, receive, send)
        body, more = b"", True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.limit:
                return await _too_large(scope, receive, send)
        replayed = False

        async def replay():
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


async def _too_large(scope, receive, send) -> None:
    response = PlainTextResponse("Request too large / 请求过大", status_code=413,
                                 headers={"Connection": "close"})
    await response(scope, receive, send)


def csrf_cookie(request: Request) -> str:
    """The browser's CSRF cookie value, or a new one when it has none (or a strange one)."""
    value = request.cookies.get(CSRF_COOKIE, "")
    return value if 16 <= len(value) <= 64 and value.replace("-", "").replace("_", "").isalnum() \
        else secrets.token_urlsafe(24)


def csrf_token(secret: bytes, cookie: str) -> str:
    return make_token(secret, _CSRF_ID, cookie, CSRF)


def csrf_valid(secret: bytes, request: Request, form) -> bool:
    cookie = request.cookies.get(CSRF_COOKIE, "")
    token = form.get(CSRF_FIELD, "")
    if not cookie or not isinstance(token, str):
        return False
    return verify(secret, token, cookie, CSRF) == "ok"


def set_csrf_cookie(response: Response, request: Request, cookie: str) -> None:
    response.set_cookie(CSRF_COOKIE, cookie, httponly=True, samesite="lax", path="/",
                        secure=request.url.scheme == "https")
