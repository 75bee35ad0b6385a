"""Line-break answers kept between builds, as Jinja2 keeps its compiled templates.

Wrapping the plain-text emails asks uniseg where a line may break, one short window of
text at a time (text/width.py). A fresh process pays ~0.5 ms of uniseg per window, about
0.1 s of a build's CPU, although the next `newsletter build` wraps mostly the same words.
The answers depend only on uniseg and its Unicode tables, so they are kept in a small
JSON file in the user's cache folder, named after the uniseg version. A file that is
missing, unreadable or malformed is not used, and failing to save one never fails a
build: deleting the folder is always safe.
"""
from __future__ import annotations

import json
import os
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path

from ..text import width
from .output import write_file

CACHE_ENV = "NEWSLETTER_CACHE_DIR"


def cache_dir(environ: Mapping[str, str]) -> Path | None:
    """$NEWSLETTER_CACHE_DIR, else the platform's per-user cache folder; None when the
    environment names none (a build given an empty environment keeps nothing)."""
    if environ.get(CACHE_ENV):
        return Path(environ[CACHE_ENV])
    if os.name == "nt":
        base = environ.get("LOCALAPPDATA")
        return Path(base) / "newsletter" / "cache" if base else None
    if environ.get("XDG_CACHE_HOME"):
        return Path(environ["XDG_CACHE_HOME"]) / "newsletter"
    return Path(environ["HOME"]) / ".cache" / "newsletter" if environ.get("HOME") else None


class KeptBreaks:
    """Loads the kept answers into text/width.py's memo; `save` adds what this run learned."""

    def __init__(self, folder: Path | None):
        self.path = folder / f"line-breaks-uniseg-{metadata.version('uniseg')}.json" if folder else None
        self.known = self._load()
        width.learn_windows(self.known)

    def _load(self) -> dict[str, list[int]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8")) if self.path else {}
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict):
            return {}
        return {w: [int(b) for b in bits] for w, bits in data.items()
                if isinstance(bits, str) and bits.strip("01") == ""}

    def save(self) -> None:
        """Written only when the build met windows the file lacks; a temporary file moved
        into place, so a reader never sees half a file."""
        learned = width.known_windows()
        if self.path is None or learned.keys() <= self.known.keys():
            return
        text = json.dumps({w: "".join(map(str, bits)) for w, bits in learned.items()})   # ASCII: any str survives
        try:
            write_file(self.path, text.encode("utf-8"))
        except OSError:
            return   # a read-only or full disk: the next build asks uniseg again
        self.known = {w: list(bits) for w, bits in learned.items()}
