"""The web archive in real Chromium, opened straight from disk (file://): every page fits
a phone, its pictures load through relative paths, and axe-core finds no violations."""
from __future__ import annotations

import json

import pytest

from newsletter.build.pipeline import build
from newsletter.web.browser import Viewport, open_page
from tests.conftest import SAMPLE_ISSUE, copy_project

from .test_email_layout import RUN_AXE

PAGE_CHECK = """
return {scrollWidth: document.documentElement.scrollWidth,
        broken: Array.from(document.images).filter(i => !i.naturalWidth).map(i => i.src)};
"""


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    project = copy_project(tmp_path_factory.mktemp("web") / "project")
    result = build(project / SAMPLE_ISSUE, environ={})
    return result.out_dir.parent


def edition_pages(archive) -> list:
    """The web pages of the editions (`<issue>/<sponsor>/<edition>.html`); article,
    author and category pages are checked in test_article_pages.py."""
    manifest = json.loads((archive / "2026-11/manifest.json").read_text(encoding="utf-8"))
    return sorted(archive / "2026-11" / e["web"] for e in manifest["editions"])


def test_pages_fit_a_phone_and_load_pictures_from_disk(driver, archive) -> None:
    pages = edition_pages(archive) + sorted(archive.glob("index.*.html"))
    assert len(pages) == 9 + 2
    for page in pages:
        open_page(driver, page.as_uri(), Viewport(375))
        check = driver.execute_script(PAGE_CHECK)
        assert check["scrollWidth"] <= 375, (page, check["scrollWidth"])
        assert not check["broken"], (page, check["broken"])


def test_axe_finds_no_violations_on_web_pages(driver, archive, axe_source) -> None:
    found = {}
    for page in edition_pages(archive) + sorted(archive.glob("index.*.html")):
        for viewport in (Viewport(1000), Viewport(375, dark=True)):
            open_page(driver, page.as_uri(), viewport)
            driver.execute_script(axe_source)
            violations = driver.execute_async_script(RUN_AXE, {})
            if violations:
                found[f"{page.relative_to(archive)} {viewport.name}"] = violations
    assert not found, found
