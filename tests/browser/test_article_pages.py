"""Article, author and category pages in real Chromium, opened from disk (file://): no
horizontal scrolling on a 375 px phone, pictures load, and axe-core finds no violations
in light or dark mode at 375 and 1280 px."""
from __future__ import annotations

import pytest

from newsletter.build.pipeline import build
from newsletter.web.browser import Viewport, open_page
from tests.conftest import SAMPLE_ISSUE, copy_project

from .test_email_layout import RUN_AXE
from .test_web_archive import PAGE_CHECK

VIEWPORTS = (Viewport(375), Viewport(375, dark=True), Viewport(1280), Viewport(1280, dark=True))


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    project = copy_project(tmp_path_factory.mktemp("pages") / "project")
    root = build(project / SAMPLE_ISSUE, environ={}).out_dir.parent
    found = sorted(root.glob("2026-11/*/*.html"))
    found = [p for p in found if p.parent.name in ("en", "zh-Hans")]
    found += sorted(root.glob("authors/*/*.html")) + sorted(root.glob("categories/*/*.html"))
    assert len(found) == 14 + 12 + 10   # 7 articles, 6 authors, 5 categories; 2 languages
    return root, found


def test_pages_fit_a_phone_and_load_pictures(driver, pages) -> None:
    root, found = pages
    problems = {}
    for page in found:
        open_page(driver, page.as_uri(), Viewport(375))
        check = driver.execute_script(PAGE_CHECK)
        if check["scrollWidth"] > 375 or check["broken"]:
            problems[str(page.relative_to(root))] = check
    assert not problems, problems


def test_axe_finds_no_violations_light_and_dark_at_375_and_1280(driver, pages, axe_source) -> None:
    root, found = pages
    violations = {}
    for page in found:
        for viewport in VIEWPORTS:
            open_page(driver, page.as_uri(), viewport)
            driver.execute_script(axe_source)
            result = driver.execute_async_script(RUN_AXE, {})
            if result:
                violations[f"{page.relative_to(root)} {viewport.name}"] = result
    assert not violations, violations
