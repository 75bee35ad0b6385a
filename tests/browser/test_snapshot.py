"""`newsletter snapshot` in real Chromium: every PNG has the width asked for, a real
height, and is not blank; the contact sheet has a row per edition."""
from __future__ import annotations

import io

from click.testing import CliRunner
from PIL import Image, ImageStat

from newsletter.cli import main
from newsletter.web.snapshot import GAP, HEADER_HEIGHT, THUMB_HEIGHT, VIEWPORTS
from tests.conftest import SAMPLE_ISSUE, copy_project


def _not_blank(image: Image.Image) -> bool:
    stat = ImageStat.Stat(image.convert("L"))
    return stat.stddev[0] > 10 and len(image.convert("RGB").getcolors(1 << 24)) > 50


def test_snapshot_writes_sized_non_blank_pngs(driver, tmp_path) -> None:
    project = copy_project(tmp_path / "project")
    out = tmp_path / "shots"
    result = CliRunner().invoke(main, ["snapshot", str(project / SAMPLE_ISSUE), "--out", str(out)])
    assert result.exit_code == 0, result.output
    shots = sorted(out.glob("*/*.png"))
    assert len(shots) == 9 * len(VIEWPORTS)
    for path in shots:
        image = Image.open(path)
        width = int(path.stem.split("-")[-2])
        assert image.width == width and image.height > 1500, (path, image.size)
        assert _not_blank(image), path
    dark, light = Image.open(out / "hearts/zh-Hans-375-dark.png"), Image.open(out / "hearts/zh-Hans-375-light.png")
    assert ImageStat.Stat(dark.convert("L")).mean[0] < ImageStat.Stat(light.convert("L")).mean[0] - 50
    sheet = Image.open(io.BytesIO((out / "contact-sheet.png").read_bytes()))
    assert sheet.height == HEADER_HEIGHT + 9 * (THUMB_HEIGHT + GAP) and _not_blank(sheet)
    assert _not_blank(Image.open(out / "preview-grid.png"))
    for lang in ("en", "zh-Hans"):
        article = Image.open(out / f"article-{lang}.png")
        assert article.width == 375 and article.height > 1500 and _not_blank(article), lang
