"""Screenshots of every edition in real headless Chromium, and a contact sheet to attach
to a review: sponsor × language rows, phone and desktop, light and dark columns; plus one
article page per language at phone width (`article-<lang>.png`, the README's pictures).

The editions are served by the preview server on 127.0.0.1 (pictures included), so
nothing is fetched from the network.
"""
from __future__ import annotations

import io
import subprocess
import textwrap
import threading
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from ..build.output import write_tree
from ..build.pages import article_path
from ..project.config import localized
from ..text import locales
from . import browser
from .preview import Preview
from .preview_http import PreviewServer

VIEWPORTS = (browser.Viewport(375), browser.Viewport(375, dark=True),
             browser.Viewport(600), browser.Viewport(600, dark=True))
GRID_VIEWPORT = browser.Viewport(1280, height=900)
ARTICLE_VIEWPORT = browser.Viewport(375)
ARTICLE_MAX_HEIGHT = 2400
THUMB_WIDTH, THUMB_HEIGHT, LABEL_WIDTH, HEADER_HEIGHT, GAP = 200, 320, 230, 40, 12
SHEET_NAME, GRID_NAME = "contact-sheet.png", "preview-grid.png"


@dataclass(frozen=True)
class Shot:
    edition_id: str
    label: str          # sponsor and language, as a reviewer reads them
    viewport: browser.Viewport
    png: bytes

    @property
    def path(self) -> str:
        return f"{self.edition_id}-{self.viewport.name}.png"


def snapshot(issue_dir: Path, out_dir: Path, environ: dict | None = None) -> dict[str, bytes]:
    """Take every screenshot, write them and the contact sheet to `out_dir` in one move."""
    preview = Preview(issue_dir, environ=environ)
    server = PreviewServer(preview, 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    driver = browser.launch()
    try:
        shots = [_shot(driver, server.url, preview, e, vp) for e in preview.editions for vp in VIEWPORTS]
        browser.open_page(driver, server.url, GRID_VIEWPORT)
        grid = browser.screenshot(driver, GRID_VIEWPORT.width, max_height=2400)
        articles = {f"article-{lang}.png": _article_shot(driver, f"{server.url}web/{path}")
                    for lang, path in article_pages(preview).items()}
    finally:
        driver.quit()
        server.close()
    files = {s.path: s.png for s in shots} | {GRID_NAME: grid, SHEET_NAME: contact_sheet(shots)} | articles
    write_tree(out_dir, files)
    return files


def _shot(driver, base: str, preview: Preview, edition, viewport: browser.Viewport) -> Shot:
    browser.open_page(driver, f"{base}email/{edition.id}.html", viewport)
    language = " + ".join(locales.display_name(t, t) for t in edition.languages)
    label = f"{textwrap.fill(localized(edition.sponsor.name, edition.primary), 20)}\n{language}"
    return Shot(edition.id, label, viewport, browser.screenshot(driver, viewport.width))


def article_pages(preview: Preview) -> dict[str, str]:
    """Per site language, the page of the issue's first article written in it (not an
    original shown under a notice): the README's picture of an article page."""
    state = preview.state
    found = {}
    for lang in state.config.site.languages:
        slug = next((a.slug for a in state.issue.articles if lang in a.versions), None)
        if slug:
            found[lang] = article_path(state.issue.name, lang, slug)
    return found


def _article_shot(driver, url: str) -> bytes:
    browser.open_page(driver, url, ARTICLE_VIEWPORT)
    return browser.screenshot(driver, ARTICLE_VIEWPORT.width, max_height=ARTICLE_MAX_HEIGHT)


def contact_sheet(shots: list[Shot]) -> bytes:
    """One PNG: a row per edition (labelled), a column per viewport, each the top of the page."""
    rows = list(dict.fromkeys(s.edition_id for s in shots))
    width = LABEL_WIDTH + len(VIEWPORTS) * (THUMB_WIDTH + GAP)
    sheet = Image.new("RGB", (width, HEADER_HEIGHT + len(rows) * (THUMB_HEIGHT + GAP)), "white")
    draw = ImageDraw.Draw(sheet)
    font = _font(16)
    for col, vp in enumerate(VIEWPORTS):
        draw.text((LABEL_WIDTH + col * (THUMB_WIDTH + GAP), 10), f"{vp.width} px, {'dark' if vp.dark else 'light'}",
                  fill="black", font=font)
    for shot in shots:
        row, col = rows.index(shot.edition_id), VIEWPORTS.index(shot.viewport)
        top = HEADER_HEIGHT + row * (THUMB_HEIGHT + GAP)
        if col == 0:
            draw.multiline_text((8, top + 8), shot.label, fill="black", font=font, spacing=6)
        sheet.paste(_thumbnail(shot.png), (LABEL_WIDTH + col * (THUMB_WIDTH + GAP), top))
    buffer = io.BytesIO()
    sheet.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def _thumbnail(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    crop_height = round(image.width * THUMB_HEIGHT / THUMB_WIDTH)
    image = image.crop((0, 0, image.width, min(crop_height, image.height)))
    image.thumbnail((THUMB_WIDTH, THUMB_HEIGHT))
    framed = Image.new("RGB", (THUMB_WIDTH, THUMB_HEIGHT), "#dddddd")
    framed.paste(image, (0, 0))
    return framed


def _font(size: int) -> ImageFont.ImageFont:
    """Noto Sans CJK (fonts-noto-cjk) so Chinese labels are real glyphs, not boxes."""
    try:
        path = subprocess.run(["fc-match", "-f", "%{file}", "Noto Sans CJK SC"], capture_output=True,
                              text=True, timeout=10).stdout.strip()
        return ImageFont.truetype(path, size)
    except (OSError, subprocess.SubprocessError):
        return ImageFont.load_default(size)
