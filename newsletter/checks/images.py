"""Images: every picture must exist, keep its space while loading and not be heavy to
download on a phone."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from ..project import limits
from .context import describe
from .registry import check, error, warning

MAX_IMAGE_BYTES = limits.IMAGE_BUDGET_BYTES


def local_file(ctx, doc, src: str) -> Path | None:
    """The project file behind an image address: published images sit under the issue's
    web folder; a relative address is read from the issue folder. None: not ours."""
    edition = doc.built.edition
    prefix = f"{edition.base_url}/{edition.issue}/"
    if src.startswith(prefix):
        relative = src[len(prefix):]
    elif not urlsplit(src).scheme and src:
        relative = src
    else:
        return None
    candidates = [ctx.issue.folder / relative, ctx.config.root / relative]
    return next((p for p in candidates if p.is_file()), candidates[0])


def _where(ctx, doc, img, path: Path | None) -> dict:
    """Heroes are named in front matter, logos in newsletter.toml, the rest in Markdown."""
    for article in ctx.issue.articles:
        versions = sorted(article.versions.values(), key=lambda v: v.lang not in doc.languages)
        for v in versions:
            if path is not None and v.meta.hero and path == ctx.issue.folder / v.meta.hero:
                return {"path": ctx.rel(v.path), "line": v.line("hero")}
    src = img.get("src", "")
    if path is not None and path == ctx.config.root / doc.built.edition.sponsor.logo:
        return ctx.config_line("logo", after=f'id = "{doc.built.edition.sponsor.id}"')
    if path is not None and path.is_relative_to(ctx.issue.folder):  # a picture in an article body
        return ctx.locate(f"]({path.relative_to(ctx.issue.folder).as_posix()}", doc.languages) or {"element": describe(img)}
    return ctx.locate(src, doc.languages) or {"element": describe(img)}


@check("images.missing", "A missing picture shows as a broken box; a relative address cannot "
       "load in any mail app.")
def missing(ctx, doc):
    for img in doc.tree.iter("img"):
        src = (img.get("src") or "").strip()
        path = local_file(ctx, doc, src)
        if not src:
            yield error("image has no address", "give the image a file name", element=describe(img))
        elif path is not None and not path.is_file():
            yield error(f"image file {src!r} not found", "put the file in the issue folder or fix the name",
                        **_where(ctx, doc, img, None))
        elif not src.startswith("https://"):
            yield error(f"image {src!r} has a relative address, which mail apps cannot load",
                        "write it in Markdown as ![what it shows](images/…) so the build publishes it, or use a full https:// address", **_where(ctx, doc, img, path))


@check("images.dimensions", "Without width and height the email jumps while images load, and "
       "Outlook shows pictures at their full size.")
def dimensions(ctx, doc):
    for img in doc.tree.iter("img"):
        # Outlook reads only whole pixels: "auto" or "100%" count as missing
        absent = [a for a in ("width", "height") if not (img.get(a) or "").strip().isdigit()
                  or not (img.get(a) or "").strip().strip("0")]
        if absent:
            yield warning(f"image has no {' or '.join(absent)}", 'add width="…" height="…" in pixels',
                          **_where(ctx, doc, img, local_file(ctx, doc, img.get("src") or "")))


@check("images.file-size", "Pictures over 200 KB are slow on mobile data and count toward "
       "spam scores; every reader downloads them.")
def file_size(ctx, doc):
    for img in doc.tree.iter("img"):
        path = local_file(ctx, doc, (img.get("src") or "").strip())
        if path is None or not path.is_file():
            continue
        size = path.stat().st_size
        if size > MAX_IMAGE_BYTES:   # a hero or body picture is published smaller when wide: measure that one
            size = _published_size(ctx.issue, path)
        if size > MAX_IMAGE_BYTES:
            yield warning(f"image {path.name} is {size / 1000:.0f} KB (limit {MAX_IMAGE_BYTES // 1000} KB)",
                          "resize it to at most 1200 px wide and save as JPEG quality 80",
                          **_where(ctx, doc, img, path))


def _published_size(issue, path: Path) -> int:
    """Heroes and body pictures are published resized when wide: measure that file. Only
    now the body's pictures: finding them parses the Markdown, which `check` of a current
    build otherwise never loads. A picture within the limit is not measured again:
    scaling down to MAX_WIDTH makes a file smaller in practice."""
    from ..build import pictures
    if path in pictures.heroes(issue).values() \
            or path in {issue.folder / p.image.path for p in pictures.pictures(issue)}:
        return len(pictures.published(path))
    return path.stat().st_size


CHECKS = (missing, dimensions, file_size)
