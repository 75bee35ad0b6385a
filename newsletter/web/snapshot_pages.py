"""Screenshots of the subscriber pages for `newsletter snapshot`: sign-up (one per group),
confirmation, preference centre and unsubscribe, in every site language, on a phone
(light and dark) and a desktop.

The pages are served by the real app on 127.0.0.1, over a throwaway subscriber database
in a temporary folder holding only the configured sample subscriber, with a throwaway
secret: taking pictures never touches the project's real list.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import secrets
import tempfile
from pathlib import Path

from ..mailing.signups import Signup, Signups
from ..mailing.subscribers import BOTH, Subscriber, SubscriberStore, database_path
from ..mailing.tokens import CONFIRM, PREFERENCES, UNSUBSCRIBE, make_token
from ..project.config import Config
from . import browser
from .app import create_app
from .serve import serve_in_thread, server_config

VIEWPORTS = (browser.Viewport(375), browser.Viewport(375, dark=True), browser.Viewport(1280, height=900))
PAGES_DIR = "web"


def page_shots(driver, config: Config) -> dict[str, bytes]:
    """`web/<page>-<language>-<width>-<light|dark>.png` → PNG bytes."""
    with tempfile.TemporaryDirectory(prefix="newsletter-pages-") as folder:
        demo = dataclasses.replace(config, sending=dataclasses.replace(
            config.sending, database=str(Path(folder) / "demo.sqlite"), outbox=str(Path(folder) / "outbox")))
        secret = secrets.token_bytes(32)
        paths = _demo_pages(demo, secret)
        server, thread, base = serve_in_thread(server_config(create_app(demo, secret, environ={}), port=0))
        try:
            return {f"{PAGES_DIR}/{name}-{lang}-{vp.name}.png": _shot(driver, f"{base}{path}", lang, vp)
                    for name, path in paths.items() for lang in config.site.languages for vp in VIEWPORTS}
        finally:
            server.should_exit = True
            thread.join(timeout=10)


def _shot(driver, url: str, lang: str, viewport: browser.Viewport) -> bytes:
    separator = "&" if "?" in url else "?"
    browser.open_page(driver, f"{url}{separator}lang={lang}", viewport)
    return browser.screenshot(driver, viewport.width, max_height=2400)


def _demo_pages(config: Config, secret: bytes) -> dict[str, str]:
    """Page name → path, after putting the sample subscriber (and a pending sign-up) in place."""
    person = config.site.sample_subscriber
    sponsor = config.sponsors[0].id
    now = dt.datetime.now(dt.timezone.utc)
    with SubscriberStore(database_path(config)) as store:
        reader = store.add(Subscriber(person.email, person.name, BOTH, sponsor), reason="admin")
    with Signups(database_path(config)) as signups:
        pending, _ = signups.request(Signup(f"new.{person.email}", person.name, BOTH, sponsor,
                                            config.site.languages[0], "/subscribe"), now)
    pages = {f"subscribe-{s.id}": f"/subscribe?sponsor={s.id}" for s in config.sponsors}
    pages["confirm"] = f"/confirm/{make_token(secret, pending.id, pending.email, CONFIRM, now=now)}"
    pages["preferences"] = f"/preferences/{make_token(secret, reader.id, reader.email, PREFERENCES, now=now)}"
    pages["unsubscribe"] = f"/unsubscribe/{make_token(secret, reader.id, reader.email, UNSUBSCRIBE, now=now)}"
    return pages
