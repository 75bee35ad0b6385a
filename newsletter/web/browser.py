"""Real headless Chromium, driven from Python through chromedriver (Selenium + CDP).

The browser and driver are the system's (Debian `chromium`, `chromium-driver`); both
paths are passed explicitly so Selenium never tries to download a browser.
"""
from __future__ import annotations

import base64
import importlib.util
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from ..errors import NewsletterError

CHROMIUM = os.environ.get("NEWSLETTER_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("NEWSLETTER_CHROMEDRIVER", "/usr/bin/chromedriver")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--hide-scrollbars")
WAIT_FOR_PAGE = """
const done = arguments[arguments.length - 1];
const images = Array.from(document.images).filter(img => !img.complete)
  .map(img => new Promise(ok => { img.onload = img.onerror = ok; }));
Promise.all([document.fonts.ready, ...images]).then(() => done(true));
"""


def missing() -> str | None:
    """Why a browser cannot be started here, in plain words; None when it can."""
    if importlib.util.find_spec("selenium") is None:
        return "the browser extra is not installed; install it with: pip install 'newsletter[browser]'"
    for path in (CHROMIUM, CHROMEDRIVER):
        if not (Path(path).is_file() or shutil.which(path)):
            return f"{path} is not installed (apt-get install chromium chromium-driver)"
    return None


def require() -> None:
    """Fail in one plain line, before any work is done, when no browser can be started."""
    reason = missing()
    if reason:
        raise NewsletterError(f"cannot take screenshots: {reason}")


def launch():
    """A headless Chromium session; the caller quits it."""
    require()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_script_timeout(20)
    return driver


@dataclass(frozen=True)
class Viewport:
    width: int
    dark: bool = False
    height: int = 800

    @property
    def name(self) -> str:
        return f"{self.width}-{'dark' if self.dark else 'light'}"


def open_page(driver, url: str, viewport: Viewport) -> None:
    """Load `url` at the viewport's width and colour scheme, and wait for pictures and fonts."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": viewport.width, "height": viewport.height, "deviceScaleFactor": 1,
        "mobile": viewport.width < 600})
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {
        "features": [{"name": "prefers-color-scheme", "value": "dark" if viewport.dark else "light"}]})
    driver.get(url)
    driver.execute_async_script(WAIT_FOR_PAGE)


def screenshot(driver, width: int, max_height: int | None = None) -> bytes:
    """PNG of the whole page (or its top `max_height` pixels) at `width` CSS pixels."""
    height = driver.execute_script("return document.documentElement.scrollHeight")
    height = min(height, max_height) if max_height else height
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}})
    return base64.b64decode(shot["data"])
