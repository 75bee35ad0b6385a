"""`newsletter snapshot` in real Chromium: every PNG has the width asked for, a real
height, and is not blank; the contact sheets show every edition whole, four to a page."""
from __future__ import annotations

import io

from click.testing import CliRunner
from PIL import Image, ImageStat

from newsletter.cli import main
from newsletter.web.snapshot import COLUMNS_PER_PAGE, GAP, LABEL_HEIGHT, MAX_COLUMN_HEIGHT, VIEWPORTS
from newsletter.web.snapshot_pages import PAGES_DIR
from newsletter.web.snapshot_pages import VIEWPORTS as PAGE_VIEWPORTS
from tests.conftest import SAMPLE_ISSUE, copy_project


def _not_blank(image: Image.Image) -> bool:
    stat = ImageStat.Stat(image.convert("L"))
    return stat.stddev[0] > 10 and len(image.convert("RGB").getcolors(1 << 24)) > 50


def test_snapshot_writes_sized_non_blank_pngs(driver, tmp_path) -> None:
    project = copy_project(tmp_path / "project")
    out = tmp_path / "shots"
    result = CliRunner().invoke(main, ["snapshot", str(project / SAMPLE_ISSUE), "--out", str(out)])
    assert result.exit_code == 0, result.output
    shots = sorted(p for p in out.glob("*/*.png") if p.parent.name != PAGES_DIR)
    assert len(shots) == 9 * len(VIEWPORTS)
    for path in shots:
        image = Image.open(path)
        width = int(path.stem.split("-")[-2])
        assert image.width == width and image.height > 1500, (path, image.size)
        assert _not_blank(image), path
    dark, light = Image.open(out / "hearts/zh-Hans-375-dark.png"), Image.open(out / "hearts/zh-Hans-375-light.png")
    assert ImageStat.Stat(dark.convert("L")).mean[0] < ImageStat.Stat(light.convert("L")).mean[0] - 50
    sheets = sorted(out.glob("contact-sheet-*.png"))
    assert [p.name for p in sheets] == ["contact-sheet-1.png", "contact-sheet-2.png", "contact-sheet-3.png"]
    first = Image.open(io.BytesIO(sheets[0].read_bytes())).convert("RGB")
    assert first.width == GAP + COLUMNS_PER_PAGE * (375 + GAP) and _not_blank(first)
    assert Image.open(sheets[2]).width == GAP + 1 * (375 + GAP)  # 9 editions: 4 + 4 + 1
    # the first column is hearts/en whole: as tall as its phone screenshot, footer included
    phone = Image.open(out / "hearts/en-375-light.png").convert("RGB")
    column_height = min(phone.height, MAX_COLUMN_HEIGHT)
    assert first.height >= LABEL_HEIGHT + column_height
    column = first.crop((GAP, LABEL_HEIGHT, GAP + 375, LABEL_HEIGHT + column_height))
    if phone.height <= MAX_COLUMN_HEIGHT:
        assert column.tobytes() == phone.tobytes()
    footer = column.crop((0, column.height - 300, 375, column.height))
    assert _not_blank(footer), "the bottom of the email (footer) must be on the sheet"
    label = first.crop((0, 0, first.width, LABEL_HEIGHT))
    assert ImageStat.Stat(label.convert("L")).stddev[0] > 5  # the sponsor and language are written
    assert _not_blank(Image.open(out / "preview-grid.png"))
    for lang in ("en", "zh-Hans"):
        article = Image.open(out / f"article-{lang}.png")
        assert article.width == 375 and article.height > 1500 and _not_blank(article), lang
    pages = sorted((out / PAGES_DIR).glob("*.png"))
    assert len(pages) == (3 + 3) * 2 * len(PAGE_VIEWPORTS)      # 3 sign-up pages + 3 others, 2 languages
    for path in pages:
        image = Image.open(path)
        assert image.width == int(path.stem.split("-")[-2]) and image.height > 300 and _not_blank(image), path
    dark = Image.open(out / PAGES_DIR / "preferences-zh-Hans-375-dark.png")
    light = Image.open(out / PAGES_DIR / "preferences-zh-Hans-375-light.png")
    assert ImageStat.Stat(dark.convert("L")).mean[0] < ImageStat.Stat(light.convert("L")).mean[0] - 50
