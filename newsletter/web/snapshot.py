"""Screenshots of every edition in real headless Chromium, and contact sheets to attach
to a review: each edition whole (masthead to footer) as one tall phone-width column,
labelled with its sponsor and language, a few columns to a page; plus one article page
per language at phone width (`article-<lang>.png`, the README's pictures) and the
subscriber web pages (`snapshot_pages`).

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

from ..build.output import build_lock, write_tree
from ..build.paths import article_path
from ..project.config import localized
from ..text import locales
from . import browser
from .preview import Preview
from .preview_http import PreviewServer
from .snapshot_pages import page_shots

VIEWPORTS = (browser.Viewport(375), browser.Viewport(375, dark=True),
             browser.Viewport(600), browser.Viewport(600, dark=True))
GRID_VIEWPORT = browser.Viewport(1280, height=900)
ARTICLE_VIEWPORT = browser.Viewport(375)
ARTICLE_MAX_HEIGHT = 2400
SHEET_VIEWPORT = browser.Viewport(375)   # the phone view is what most subscribers see
COLUMNS_PER_PAGE = 4
MAX_COLUMN_HEIGHT = 12_000               # taller emails are scaled down to fit, never cropped
LABEL_HEIGHT, GAP = 96, 24                # a label is up to three lines (a long sponsor name wraps)
SHEET_NAME, GRID_NAME = "contact-sheet-{page}.png", "preview-grid.png"


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
        pages = page_shots(driver, preview.state.config)
    finally:
        driver.quit()
        server.close()
    sheets = {SHEET_NAME.format(page=i): png for i, png in enumerate(contact_sheets(shots), 1)}
    files = {s.path: s.png for s in shots} | {GRID_NAME: grid} | sheets | articles | pages
    with build_lock(out_dir.parent):
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


def contact_sheets(shots: list[Shot]) -> list[bytes]:
    """PNG pages of COLUMNS_PER_PAGE columns: each edition's whole 375 px light screenshot,
    labelled above with its sponsor and language (scaled down only when taller than
    MAX_COLUMN_HEIGHT, so the footer and the last article are always on the sheet)."""
    phone = [s for s in shots if s.viewport == SHEET_VIEWPORT]
    pages = [phone[i:i + COLUMNS_PER_PAGE] for i in range(0, len(phone), COLUMNS_PER_PAGE)]
    return [_page(page) for page in pages]


def _page(shots: list[Shot]) -> bytes:
    columns = [_column(s.png) for s in shots]
    width = GAP + len(columns) * (SHEET_VIEWPORT.width + GAP)
    height = LABEL_HEIGHT + max(c.height for c in columns) + GAP
    sheet = Image.new("RGB", (width, height), "#e8e8e8")
    draw, font = ImageDraw.Draw(sheet), _font(18)
    for i, (shot, column) in enumerate(zip(shots, columns)):
        left = GAP + i * (SHEET_VIEWPORT.width + GAP)
        draw.multiline_text((left, 8), shot.label, fill="black", font=font, spacing=4)
        sheet.paste(column, (left + (SHEET_VIEWPORT.width - column.width) // 2, LABEL_HEIGHT))
    buffer = io.BytesIO()
    sheet.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def _column(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    if image.height > MAX_COLUMN_HEIGHT:
        image = image.resize((round(image.width * MAX_COLUMN_HEIGHT / image.height), MAX_COLUMN_HEIGHT),
                             Image.Resampling.LANCZOS)
    return image


def _font(size: int) -> ImageFont.ImageFont:
    """Noto Sans CJK (fonts-noto-cjk) so Chinese labels are real glyphs, not boxes."""
    try:
        path = subprocess.run(["fc-match", "-f", "%{file}", "Noto Sans CJK SC"], capture_output=True,
                              text=True, timeout=10).stdout.strip()
        return ImageFont.truetype(path, size)
    except (OSError, subprocess.SubprocessError):
        return ImageFont.load_default(size)
