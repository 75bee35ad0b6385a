"""The live preview in a real browser, on a temporary copy of the sample: the index lists
every edition, saving a file reloads the open page with the new text, and a broken file
shows its error in the page while the server keeps running and recovers."""
from __future__ import annotations

import json
import threading
import urllib.request

import pytest
from selenium.common.exceptions import (
    NoSuchElementException,
    StaleElementReferenceException,
)
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from newsletter.web.preview_http import watch
from tests.conftest import SAMPLE_ISSUE, copy_project, edit

from .conftest import start_server

WAIT_SECONDS = 15


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    project = copy_project(tmp_path_factory.mktemp("preview") / "project")
    server = start_server(project / SAMPLE_ISSUE)
    threading.Thread(target=watch, args=(server,), daemon=True).start()
    yield server, project / SAMPLE_ISSUE
    server.close()


def _status(server) -> dict:
    with urllib.request.urlopen(f"{server.url}status", timeout=5) as response:
        return json.load(response)


def _wait(driver, condition, message: str) -> None:
    """Wait through reloads: while a page is replaced its elements vanish or go stale."""
    WebDriverWait(driver, WAIT_SECONDS, ignored_exceptions=(NoSuchElementException, StaleElementReferenceException)
                  ).until(condition, message=message)


def _wait_for_text(driver, selector: str, text: str) -> None:
    _wait(driver, lambda d: text in (d.find_element(By.CSS_SELECTOR, selector).text or ""),
          f"{text!r} never appeared in {selector}")


def test_index_lists_every_edition(driver, live) -> None:
    server, _ = live
    driver.get(server.url)
    cards = driver.find_elements(By.CSS_SELECTOR, "article.edition")
    ids = sorted(c.get_attribute("data-edition") for c in cards)
    assert ids == sorted(e.id for e in server.preview.editions) and len(ids) == 9
    assert server.preview.state.issue.meta.title["en"] in driver.page_source
    assert len(driver.find_elements(By.CSS_SELECTOR, "a[download]")) == 9


def test_saving_an_article_reloads_the_open_page(driver, live) -> None:
    server, issue = live
    driver.get(f"{server.url}edition/hearts/en")
    driver.execute_script("window.notReloaded = true")
    assert len(driver.find_elements(By.TAG_NAME, "iframe")) == 3
    edit(issue / "hip-hinge.en.md", "title: \"Hinge at the hips", "title: \"Hinge gently at the hips")
    _wait_for_text(driver, "#text", "Hinge gently at the hips")
    assert driver.execute_script("return window.notReloaded === undefined")  # a real reload


def test_a_broken_file_shows_in_the_page_and_the_server_recovers(driver, live) -> None:
    server, issue = live
    driver.get(f"{server.url}edition/hearts/zh-Hans")
    original = (issue / "issue.yaml").read_text(encoding="utf-8")
    (issue / "issue.yaml").write_text(original.replace("number:", "number: [", 1), encoding="utf-8")
    _wait_for_text(driver, "#problems", "issue.yaml:2:")   # file:line, as on the console
    assert _status(server)["problems"]            # still answering
    (issue / "issue.yaml").write_text(original, encoding="utf-8")
    title = server.preview.state.issue.meta.title["zh-Hans"]
    _wait(driver, lambda d: not d.find_element(By.ID, "problems").text.strip()
          and title in d.find_element(By.ID, "text").text, "the page never recovered")
    assert _status(server)["problems"] == []
