"""Pictures inside article bodies (`![what it shows](images/x.jpg)`), checked like the hero,
and every picture of an article (heroes too) resized with Pillow and published beside the
editions under `base_url`.

A phone photo is 4000 px wide and 5 MB; an email column is 552 px. A picture over the
200 KB budget is scaled down to at most twice the column (sharp on high-density screens)
and saved again, and its `<img>` gets the width and height it is shown at, so the layout
does not jump.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache
from pathlib import Path, PurePosixPath

from PIL import Image, ImageOps

from ..errors import InputError, Problem
from ..project import images, limits
from ..project.config import Config
from ..project.safepath import path_problem
from ..project.sources import ArticleVersion, Issue
from ..text import markdown as markup

CONTENT_WIDTH = 552                 # the email's content column, in CSS pixels
MAX_WIDTH = 2 * CONTENT_WIDTH       # published pixels at most: sharp on 2× screens
JPEG_QUALITY = 85


@dataclass(frozen=True)
class Picture:
    version: ArticleVersion
    image: markup.BodyImage

    @property
    def relative(self) -> str:
        """Where it is published, relative to the issue folder (as written, normalised)."""
        return PurePosixPath(self.image.path).as_posix()

    @property
    def line(self) -> int:
        return self.version.body_line + self.image.line - 1


def pictures(issue: Issue) -> list[Picture]:
    return [Picture(v, image) for article in issue.articles for v in article.versions.values()
            for image in v.images]


def check(config: Config, issue: Issue) -> None:
    """Every body picture: alt text written, the file inside the project, a real PNG, JPEG
    or GIF within the limits. All problems at once, each at its Markdown line."""
    problems = [p for picture in pictures(issue) for p in _problems(config, issue.folder, picture)]
    if problems:
        raise InputError(problems)


def _problems(config: Config, folder: Path, picture: Picture) -> list[Problem]:
    path, written = picture.version.path, picture.image.path
    out = []
    if not picture.image.alt:
        out.append(Problem(path, picture.line, f"picture {written!r} has no alt text",
                           f"say what it shows inside the brackets: ![what the picture shows]({written}) "
                           "— blind readers hear it, and mail apps that block pictures show it"))
    if wrong := path_problem(folder, written, config.root, limits.MAX_IMAGE_BYTES):
        return [*out, Problem(path, picture.line, f"picture {written!r} {wrong[0]}", wrong[1])]
    try:
        images.size(folder / written)
    except InputError as exc:
        out += [Problem(path, picture.line, f"picture {written!r} {p.message}", p.fix) for p in exc.problems]
    return out


def shown(issue: Issue, edition, version: ArticleVersion) -> dict[str, tuple[str, int, int]]:
    """For the Markdown renderer: written src → (published URL, width, height shown)."""
    return shown_under(issue, version, edition.asset_url(""))


def shown_under(issue: Issue, version: ArticleVersion, prefix: str) -> dict[str, tuple[str, int, int]]:
    """The same, for a page that reaches the issue's published files at `prefix`
    (an article page of the web archive: `../../<issue>/`)."""
    out = {}
    for image in version.images:
        width, height = in_column(images.size(issue.folder / image.path))
        out[image.src] = (prefix + PurePosixPath(image.path).as_posix(), width, height)
    return out


def in_column(size: tuple[int, int]) -> tuple[int, int]:
    """The size a picture is shown at in the email's column: no wider than CONTENT_WIDTH,
    keeping its aspect ratio (the width/height attributes Outlook needs)."""
    width, height = size
    if width <= CONTENT_WIDTH:
        return size
    return CONTENT_WIDTH, round(height * CONTENT_WIDTH / width)


def heroes(issue: Issue) -> dict[str, Path]:
    """Every version's hero picture: as written in its front matter → its file."""
    return {v.meta.hero: issue.folder / v.meta.hero for article in issue.articles
            for v in article.versions.values() if v.meta.hero}


def published_files(issue: Issue) -> dict[str, bytes]:
    """Every hero and body picture as it is published (see `_scales`)."""
    files = {written: published(path) for written, path in heroes(issue).items()}
    return files | {p.relative: published(issue.folder / p.image.path) for p in pictures(issue)}


def published_size(path: Path) -> tuple[int, int]:
    """The pixel size of a picture as published (for width and height on a web page)."""
    width, height = images.size(path)
    if not _scales(width, path.stat().st_size):
        return width, height
    return MAX_WIDTH, round(height * MAX_WIDTH / width)


def _scales(width: int, size_bytes: int) -> bool:
    """Published smaller only when both wider than MAX_WIDTH and over the budget every
    reader downloads. Scaling a light picture gains nothing (a 1,200 px JPEG of 36 KB
    came out larger at 1,104 px) and costs ~30 ms of a build per picture."""
    return width > MAX_WIDTH and size_bytes > limits.IMAGE_BUDGET_BYTES


def published(path: Path) -> bytes:
    return _published(path, path.stat().st_mtime_ns)


@cache
def _published(path: Path, mtime_ns: int) -> bytes:
    """The file itself unless it `_scales` (and is not animated); else scaled to MAX_WIDTH
    and saved again in its own format (JPEG turned upright first, as phones store it
    sideways)."""
    data = path.read_bytes()
    with Image.open(io.BytesIO(data)) as image:   # reads the header only, until resized
        if not _scales(image.width, len(data)) or getattr(image, "is_animated", False):
            return data
        kind = image.format
        upright = ImageOps.exif_transpose(image) if kind == "JPEG" else image
        height = round(upright.height * MAX_WIDTH / upright.width)
        smaller = upright.resize((MAX_WIDTH, height), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        if kind == "JPEG":
            smaller.convert("RGB").save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
        else:
            smaller.save(out, kind, optimize=True)
        return out.getvalue()
