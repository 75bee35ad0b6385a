"""The subscriber's whole journey in real headless Chromium, in Chinese and in English, and
axe-core on every subscriber page (light and dark, 375 and 1280 px).

The journey: open /subscribe in the reader's language, fill in and send the form, read the
confirmation email from the Maildir outbox, follow its link and confirm, get a sent issue,
open the preference centre from its footer, switch to the bilingual edition, unsubscribe
with the footer's link, undo.
"""
from __future__ import annotations

import datetime as dt
import re
import urllib.parse

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from newsletter.mailing.send import Settings, load_campaign, send
from newsletter.mailing.tokens import PREFERENCES, make_token
from newsletter.mailing.transports import make_transport
from newsletter.web.browser import Viewport, open_page
from tests.conftest import SAMPLE_ISSUE
from tests.serve_support import served, wait_for_mail  # noqa: F401
from tests.test_send_support import ENV, built_template, sending_project  # noqa: F401

from .test_email_layout import RUN_AXE

CONFIRM_LINK = re.compile(r"https://news\.baybridge\.example\.org(/confirm/\S+)")
FOOTER = re.compile(r'href="https://news\.baybridge\.example\.org(/(?:preferences|unsubscribe)/[^"]+)"')
WIDTH = "return document.documentElement.scrollWidth"

JOURNEYS = {
    # accept-language, edition chosen on the form, words the reader must see at each step
    "zh-Hans": ("zh-CN,zh;q=0.9", "zh-Hans", {"form": "订阅", "sent": "请查收邮件", "confirm": "是的，我要订阅",
                                              "done": "订阅成功", "centre": "我的订阅", "saved": "设置已保存",
                                              "unsubscribed": "将不会再收到", "undone": "仍在订阅中"}),
    "en": ("en-US,en;q=0.9", "en", {"form": "Subscribe", "sent": "Check your inbox", "confirm": "Yes, subscribe me",
                                   "done": "You are subscribed", "centre": "Your subscription",
                                   "saved": "Your choices are saved", "unsubscribed": "no more newsletters",
                                   "undone": "stays subscribed"}),
}


def _language(driver, accept: str) -> None:
    agent = driver.execute_script("return navigator.userAgent")
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.setUserAgentOverride", {"userAgent": agent, "acceptLanguage": accept})
    driver.delete_all_cookies()


def _click(driver, css: str) -> None:
    """Click, and when the click sends a form, wait until the next page has loaded."""
    old = driver.find_element(By.TAG_NAME, "html")
    target = driver.find_element(By.CSS_SELECTOR, css)
    sends = target.tag_name == "button"
    target.click()
    if sends:
        WebDriverWait(driver, 20).until(expected_conditions.staleness_of(old))
        WebDriverWait(driver, 20).until(lambda d: d.execute_script("return document.readyState") == "complete")


def _text(driver) -> str:
    return driver.find_element(By.TAG_NAME, "body").text


@pytest.mark.parametrize("page_language", ["zh-Hans", "en"])
def test_the_whole_journey(driver, served, axe_source, page_language) -> None:
    accept, edition, words = JOURNEYS[page_language]
    address = f"journey.{page_language.lower()}@example.com"
    _language(driver, accept)
    open_page(driver, f"{served.base}/subscribe?sponsor=mhwx", Viewport(375))
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == page_language
    assert words["form"] in _text(driver)
    driver.find_element(By.ID, "email").send_keys(address)
    driver.find_element(By.ID, "name").send_keys("林薇 Lin")
    _click(driver, f'input[name=language][value="{edition}"]')
    _click(driver, "button[type=submit]")
    assert words["sent"] in _text(driver)
    _axe_here(driver, axe_source, "check your inbox")

    [mail] = wait_for_mail(served, 1)
    assert mail["Content-Language"] == page_language
    confirm = CONFIRM_LINK.search(mail.get_body(("plain",)).get_content()).group(1)
    open_page(driver, served.base + confirm, Viewport(375))
    assert served.person(address) is None and words["confirm"] in _text(driver)
    _click(driver, "button[type=submit]")
    assert words["done"] in _text(driver) and served.person(address).status == "active"

    campaign = load_campaign(served.root / SAMPLE_ISSUE, Settings(), ENV)
    send(campaign, make_transport(None, served.root / "outbox", ENV, "X"), Settings())
    issue = next(m for m in served.outbox() if m["To"].addresses[0].addr_spec == address and m is not mail
                 and "confirm" not in m["Subject"].lower() and "确认" not in m["Subject"])
    assert issue["Content-Language"] == page_language.replace("zh-Hans", "zh-Hans")
    preferences, unsubscribe = FOOTER.findall(issue.get_body(("html",)).get_content())[:2]

    open_page(driver, served.base + preferences, Viewport(375))
    assert words["centre"] in _text(driver)
    _click(driver, 'input[name=language][value="both"]')
    _click(driver, 'form input[value=save] ~ p button, form:has(input[value=save]) button')
    assert words["saved"] in _text(driver) and served.person(address).language == "both"
    _axe_here(driver, axe_source, "preferences saved")

    open_page(driver, served.base + unsubscribe, Viewport(375))
    _click(driver, "form:has(input[value=unsubscribe]) button")
    assert words["unsubscribed"] in _text(driver) and served.person(address).status == "unsubscribed"
    _axe_here(driver, axe_source, "unsubscribed")
    _click(driver, "form:has(input[value=undo]) button")
    assert words["undone"] in _text(driver) and served.person(address).status == "active"
    _axe_here(driver, axe_source, "undone")
    assert served.person(address).language == "both"


def _axe_here(driver, axe_source: str, name: str) -> None:
    """axe-core on the page already open (a POST's answer cannot be re-opened by URL), in
    each colour scheme and width, switched by emulation without reloading."""
    found = {}
    for viewport in (Viewport(375), Viewport(375, dark=True), Viewport(1280), Viewport(1280, dark=True)):
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": viewport.width, "height": viewport.height, "deviceScaleFactor": 1,
            "mobile": viewport.width < 600})
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {
            "features": [{"name": "prefers-color-scheme", "value": "dark" if viewport.dark else "light"}]})
        if viewport.width == 375:
            assert driver.execute_script(WIDTH) <= 375, name
        driver.execute_script(axe_source)
        violations = driver.execute_async_script(RUN_AXE, {})
        if violations:
            found[f"{name} {viewport.name}"] = violations
    assert not found, found


def _pages(served) -> dict[str, str]:
    """One URL per page and state a subscriber can see."""
    client = served.client("en")
    email = served.rows[0]["email"]
    client.submit("/subscribe?sponsor=hearts", {"email": "axe@example.com", "language": "en", "sponsor": "hearts"})
    [mail] = wait_for_mail(served, 1)
    confirm = CONFIRM_LINK.search(mail.get_body(("plain",)).get_content()).group(1)
    paused, left = served.rows[1]["email"], served.rows[2]["email"]
    client.submit(served.preferences(paused), {"action": "pause", "issues": "3"})
    client.request(f"/unsubscribe/{served.token(left)}", b"List-Unsubscribe=One-Click")
    pages = {
        "subscribe": "/subscribe", "subscribe-group": "/subscribe?sponsor=mhwx", "new-link": "/preferences",
        "confirm": confirm, "preferences": served.preferences(email), "preferences-paused": served.preferences(paused),
        "preferences-left": served.preferences(left), "unsubscribe": f"/unsubscribe/{served.token(email)}",
        "unsubscribe-done": f"/unsubscribe/{served.token(left)}", "invalid": "/unsubscribe/garbage",
        "expired": "/preferences/" + make_token(served.secret, served.person(email).id, email, PREFERENCES,
                                                now=served.clock() - dt.timedelta(days=401)),
        "not-found": "/no/such/page",
    }
    client.submit(confirm, {})
    pages["confirmed"] = confirm
    return pages


def test_axe_finds_no_violations_and_pages_fit_a_phone(driver, served, axe_source) -> None:
    pages = _pages(served)
    found, wide = {}, {}
    for page_language, accept in (("en", "en-US"), ("zh-Hans", "zh-CN")):
        _language(driver, accept)
        for name, path in pages.items():
            for viewport in (Viewport(375), Viewport(375, dark=True), Viewport(1280), Viewport(1280, dark=True)):
                open_page(driver, served.base + path, viewport)
                if viewport.width == 375 and driver.execute_script(WIDTH) > 375:
                    wide[f"{name} {page_language}"] = driver.execute_script(WIDTH)
                driver.execute_script(axe_source)
                violations = driver.execute_async_script(RUN_AXE, {})
                if violations:
                    found[f"{name} {page_language} {viewport.name}"] = violations
    assert not found, found
    assert not wide, wide


def test_the_language_switcher_is_remembered(driver, served) -> None:
    _language(driver, "en-US")
    path = served.preferences(served.rows[0]["email"])
    open_page(driver, served.base + path, Viewport(1280))
    old = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.CSS_SELECTOR, 'nav.languages a[hreflang="zh-Hans"]').click()
    WebDriverWait(driver, 20).until(expected_conditions.staleness_of(old))
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "zh-Hans"
    open_page(driver, served.base + "/subscribe", Viewport(1280))          # another page, same choice
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "zh-Hans"
    query = urllib.parse.urlsplit(driver.current_url).query
    assert "lang" not in query
