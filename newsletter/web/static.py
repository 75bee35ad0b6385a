"""Serving files as exactly what they are: a strict map from extension to type, and
`X-Content-Type-Options: nosniff` so a browser never second-guesses it.

Anything not in the map is not served at all: a file that slipped into the output folder
under a strange name cannot become a page that runs scripts on our origin.
"""
from __future__ import annotations

from pathlib import PurePath

from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.staticfiles import StaticFiles

TYPES = {
    ".html": "text/html; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".xml": "application/atom+xml; charset=utf-8",
    ".json": "application/json",
    ".eml": "message/rfc822",
    ".css": "text/css; charset=utf-8",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
}
IMAGE_TYPES = {suffix: kind for suffix, kind in TYPES.items() if kind.startswith("image/")}
NOSNIFF = {"X-Content-Type-Options": "nosniff"}


def content_type(name: str, allowed: dict[str, str] = TYPES) -> str | None:
    """The one type a file is served as, or None: then it is not served."""
    return allowed.get(PurePath(name).suffix.lower())


class StrictStaticFiles(StaticFiles):
    """Starlette's StaticFiles, serving only the mapped types, each with nosniff."""

    def file_response(self, full_path, stat_result, scope, status_code: int = 200) -> Response:
        kind = content_type(str(full_path))
        if kind is None:
            raise HTTPException(status_code=404)
        response = super().file_response(full_path, stat_result, scope, status_code)
        if response.status_code != 304:
            response.headers["content-type"] = kind
        response.headers.update(NOSNIFF)
        return response
