"""Image facts the email needs up front, and the gate every published picture passes.

Pixel size lets `width`/`height` be set, so the layout does not jump while images load (and
Outlook honours the width). The gate: only the picture types mail programs show (PNG,
JPEG, GIF), recognised by their content, under a name whose extension agrees with it. A
file is published under its own name, so a PNG named `hero.html` carrying a script in a
text chunk would be served as a web page; refusing the disagreement closes that.
"""
from __future__ import annotations

import warnings
from functools import cache
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from ..errors import InputError, Problem
from .limits import MAX_IMAGE_PIXELS

# Pillow's format name → the extensions a file of that format may have.
EXTENSIONS = {"PNG": (".png",), "JPEG": (".jpg", ".jpeg"), "GIF": (".gif",)}
SHRINK = "a picture in an email is shown at most about 1,100 pixels wide: resize it and save again"


def size(path: Path) -> tuple[int, int]:
    """Pixel size of an accepted picture; cached per file version so a rebuild after an
    edit sees the new image. Raises InputError naming the file for anything else."""
    try:
        return _size(path, path.stat().st_mtime_ns)
    except FileNotFoundError:
        raise InputError([Problem(path, None, "image not found", "check the file name and folder")]) from None


@cache
def _size(path: Path, mtime_ns: int) -> tuple[int, int]:
    kind, pixels = _read(path)
    wrong = _problem(path, kind, pixels)
    if wrong:
        raise InputError([Problem(path, None, *wrong)])
    return pixels


def _read(path: Path) -> tuple[str | None, tuple[int, int] | None]:
    """(format, size) from the file's header; size None when Pillow calls it a decompression bomb."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                return image.format, image.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return "", None
    except (UnidentifiedImageError, OSError):
        return None, None


def _problem(path: Path, kind: str | None, pixels: tuple[int, int] | None) -> tuple[str, str] | None:
    if kind is None:
        return "is not a picture (PNG, JPEG or GIF) that can be read", "save it as PNG or JPEG"
    if pixels is None or pixels[0] * pixels[1] > MAX_IMAGE_PIXELS:
        shown = f"{pixels[0]}×{pixels[1]} pixels" if pixels else "far too many pixels"
        return f"has {shown}, more than the limit of {MAX_IMAGE_PIXELS // 1_000_000} million", SHRINK
    if kind not in EXTENSIONS:
        return f"is a {kind} picture, which mail programs may not show", "save it as PNG or JPEG"
    if path.suffix.lower() not in EXTENSIONS[kind]:
        real = path.with_suffix(EXTENSIONS[kind][0]).name
        return (f"is a {kind} picture, but its name ends in {path.suffix or '(nothing)'!r}",
                f"rename the file to {real!r} and write that name in the article or newsletter.toml")
    return None
