"""Image facts the email needs up front: pixel size, so `width`/`height` can be set and the
layout does not jump while images load (and Outlook honours the width)."""
from __future__ import annotations

from functools import cache
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from ..errors import InputError, Problem


def size(path: Path) -> tuple[int, int]:
    """Pixel size; cached per file version so a rebuild after an edit sees the new image."""
    try:
        return _size(path, path.stat().st_mtime_ns)
    except FileNotFoundError:
        raise InputError([Problem(path, None, "image not found", "check the file name and folder")]) from None


@cache
def _size(path: Path, mtime_ns: int) -> tuple[int, int]:
    try:
        with Image.open(path) as image:
            return image.size
    except (UnidentifiedImageError, OSError):
        raise InputError([Problem(path, None, "is not an image file Pillow can read",
                                  "save it as PNG or JPEG")]) from None
