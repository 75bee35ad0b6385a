"""Pictures inside articles (issue 16, part 6): resized with Pillow to at most twice the
content width, width/height set, alt text required (file:line), published under base_url,
checked like the hero (path, size, type by content)."""
from __future__ import annotations

import io
import re
from pathlib import Path

from PIL import Image

from newsletter.build.pictures import CONTENT_WIDTH, MAX_WIDTH
from newsletter.build.pipeline import build
from newsletter.checks.issue import check_issue

from .conftest import SAMPLE_ISSUE, edit, failed_build_errors

ARTICLE = f"{SAMPLE_ISSUE}/bike-repair-cafe.en.md"
PARAGRAPH = "I will be the one at the end of the line"  # the last paragraph of the body


def heavy_picture(size) -> Image.Image:
    """A picture with detail, so it weighs what a photo of that size weighs: a 3000 px
    one is over the 200 KB budget, and well under it once scaled to 1,104 px."""
    return Image.effect_mandelbrot(size, (-2, -1, 1, 1), 100).convert("RGB")


def add_picture(project: Path, markdown: str, name: str = "wide.jpg", size=(3000, 1500), fmt="JPEG") -> Path:
    path = project / SAMPLE_ISSUE / "images" / name
    heavy_picture(size).save(path, fmt, quality=95)
    edit(project / ARTICLE, PARAGRAPH, f"{markdown}\n\n{PARAGRAPH}")
    return path


def line_of(project: Path, text: str) -> int:
    lines = (project / ARTICLE).read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if text in line)


def test_picture_is_resized_sized_and_published(project: Path) -> None:
    original = add_picture(project, "![Volunteers fixing a blue bicycle](images/wide.jpg)")
    result = build(project / SAMPLE_ISSUE, environ={})
    html = next(b.html for b in result.editions if b.edition.id == "hearts/en")
    tag = re.search(r'<img src="https://news.baybridge.example.org/2026-11/images/wide.jpg"[^>]*>', html).group()
    assert 'alt="Volunteers fixing a blue bicycle"' in tag
    assert f'width="{CONTENT_WIDTH}"' in tag and f'height="{CONTENT_WIDTH // 2}"' in tag
    published = result.out_dir / "images" / "wide.jpg"
    with Image.open(published) as image:
        assert image.size == (MAX_WIDTH, MAX_WIDTH // 2) and image.format == "JPEG"
    assert published.stat().st_size < original.stat().st_size
    web = (result.out_dir / "hearts" / "en.html").read_text(encoding="utf-8")
    assert re.search(r'<img src="[./]*2026-11/images/wide.jpg"|<img src="../images/wide.jpg"', web), web[:0]
    assert "Volunteers fixing a blue bicycle" in web
    page = (result.out_dir.parent / "2026-11" / "en" / "bike-repair-cafe.html")
    page = page if page.exists() else next(result.out_dir.parent.rglob("en/bike-repair-cafe.html"))
    assert re.search(r'<img src="(\.\./)+2026-11/images/wide.jpg" alt="Volunteers fixing a blue bicycle" '
                     rf'[^>]*width="{CONTENT_WIDTH}"', page.read_text(encoding="utf-8"))
    findings = check_issue(project / SAMPLE_ISSUE, environ={}).findings
    assert [str(f) for f in findings if f.check.startswith("images.")] == []


def test_small_picture_is_published_as_it_is(project: Path) -> None:
    original = add_picture(project, "![A map of the café](images/map.png)", "map.png", (400, 300), "PNG")
    result = build(project / SAMPLE_ISSUE, environ={})
    assert (result.out_dir / "images" / "map.png").read_bytes() == original.read_bytes()
    html = next(b.html for b in result.editions if b.edition.id == "mhwx/en")
    assert re.search(r'<img src="[^"]*/images/map.png" alt="A map of the café" width="400" height="300"', html)


def test_picture_without_alt_is_a_located_error(project: Path) -> None:
    add_picture(project, "![](images/wide.jpg)")
    errors, _ = failed_build_errors(project)
    line = line_of(project, "![](images/wide.jpg)")
    assert errors == [f"error: {project / ARTICLE}:{line}: picture 'images/wide.jpg' has no alt text; say what it "
                      "shows inside the brackets: ![what the picture shows](images/wide.jpg) — blind readers "
                      "hear it, and mail apps that block pictures show it"]


def test_picture_in_the_wrong_letter_case(project: Path) -> None:
    add_picture(project, "![A bicycle](images/Wide.JPG)")
    errors, _ = failed_build_errors(project)
    assert len(errors) == 1 and errors[0].endswith(
        "picture 'images/Wide.JPG' not found; did you mean `images/wide.jpg`? (letter case matters on the web server)")
    assert f":{line_of(project, 'Wide.JPG')}:" in errors[0]


def test_picture_that_is_not_a_picture(project: Path) -> None:
    edit(project / ARTICLE, PARAGRAPH, f"![A flyer](images/flyer.png)\n\n{PARAGRAPH}")
    (project / SAMPLE_ISSUE / "images" / "flyer.png").write_bytes(b"<html>not a picture</html>")
    errors, _ = failed_build_errors(project)
    assert len(errors) == 1 and f"{ARTICLE}:{line_of(project, 'flyer.png')}: picture 'images/flyer.png' is not" in errors[0]


def test_picture_outside_the_project(project: Path) -> None:
    edit(project / ARTICLE, PARAGRAPH, f"![Secrets](../../../etc/passwd)\n\n{PARAGRAPH}")
    errors, _ = failed_build_errors(project)
    assert len(errors) == 1 and "picture '../../../etc/passwd' points outside its folder with '..'" in errors[0]


def test_remote_pictures_are_left_alone(project: Path) -> None:
    edit(project / ARTICLE, PARAGRAPH, f"![A logo](https://cdn.example.org/logo.png)\n\n{PARAGRAPH}")
    result = build(project / SAMPLE_ISSUE, environ={})
    html = next(b.html for b in result.editions if b.edition.id == "hearts/en")
    assert '<img src="https://cdn.example.org/logo.png" alt="A logo"' in html


def test_check_measures_the_published_size(project: Path) -> None:
    big = project / SAMPLE_ISSUE / "images" / "noise.jpg"
    Image.frombytes("RGB", (2400, 1600), bytes(range(256)) * (2400 * 1600 * 3 // 256)).save(big, "JPEG", quality=100)
    assert big.stat().st_size > 200_000
    edit(project / ARTICLE, PARAGRAPH, f"![Noise](images/noise.jpg)\n\n{PARAGRAPH}")
    hits = [f for f in check_issue(project / SAMPLE_ISSUE, environ={}).findings if f.check == "images.file-size"]
    result = build(project / SAMPLE_ISSUE, environ={})
    published = (result.out_dir / "images" / "noise.jpg").stat().st_size
    assert bool(hits) == (published > 200_000)
    with Image.open(io.BytesIO((result.out_dir / "images" / "noise.jpg").read_bytes())) as image:
        assert image.width == MAX_WIDTH


def test_preview_serves_pictures_in_articles(project: Path) -> None:
    import threading

    from newsletter.web.preview import Preview
    from newsletter.web.preview_http import PreviewServer

    from .test_exposure import get

    add_picture(project, "![A map of the café](images/map.png)", "map.png", (400, 300), "PNG")
    server = PreviewServer(Preview(project / SAMPLE_ISSUE, environ={}), 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        answer = get(server, "/site/images/map.png")
        assert answer.status == 200 and answer.read().startswith(b"\x89PNG")
        assert get(server, "/site/images/nothing.png").status == 404
    finally:
        server.close()


def test_a_wide_hero_is_published_resized_like_body_pictures(project: Path) -> None:
    """A phone photo as the hero: readers download the published file, so it is scaled to
    MAX_WIDTH; the email shows it at the column width, the article page at its new size.
    The sample's own heroes (1,200 px, under 50 KB) go out as they are."""
    hero = project / SAMPLE_ISSUE / "images" / "bike-repair-cafe.jpg"
    heavy_picture((4000, 3000)).save(hero, "JPEG", quality=90)
    assert hero.stat().st_size > 200_000
    result = build(project / SAMPLE_ISSUE, environ={})
    with Image.open(result.out_dir / "images" / "bike-repair-cafe.jpg") as image:
        assert image.size == (MAX_WIDTH, MAX_WIDTH * 3 // 4)
    html = next(b.html for b in result.editions if b.edition.id == "hearts/en")
    assert re.search(rf'<img class="hero" src="[^"]*bike-repair-cafe.jpg" width="{CONTENT_WIDTH}" '
                     rf'height="{CONTENT_WIDTH * 3 // 4}"', html)
    page = next(result.out_dir.parent.rglob("en/bike-repair-cafe.html")).read_text(encoding="utf-8")
    assert f'width="{MAX_WIDTH}" height="{MAX_WIDTH * 3 // 4}"' in page
    light = project / SAMPLE_ISSUE / "images" / "hip-hinge.jpg"
    assert (result.out_dir / "images" / "hip-hinge.jpg").read_bytes() == light.read_bytes()


def test_a_wide_but_light_picture_is_published_as_it_is(project: Path) -> None:
    """Wider than 1,104 px but within the 200 KB budget: scaling gains nothing (it can even
    make the file larger), so the file goes out untouched, shown at the column width."""
    path = project / SAMPLE_ISSUE / "images" / "banner.png"
    Image.new("RGB", (2000, 400), (250, 250, 250)).save(path, "PNG")
    assert path.stat().st_size < 200_000
    edit(project / ARTICLE, PARAGRAPH, f"![A plain banner](images/banner.png)\n\n{PARAGRAPH}")
    result = build(project / SAMPLE_ISSUE, environ={})
    assert (result.out_dir / "images" / "banner.png").read_bytes() == path.read_bytes()
    html = next(b.html for b in result.editions if b.edition.id == "hearts/en")
    assert re.search(rf'<img src="[^"]*/images/banner.png" alt="A plain banner" width="{CONTENT_WIDTH}"', html)
