"""Rendering subscriber pages: the reader's language, the group's branding, the CSRF token.

Each page is a template under `templates/web/subscriber/` rendered with the gettext
functions of one language (the catalogs under `translations/`, compiled once when the
app starts), so translators reach every word in Poedit or Weblate. Python hands the
templates plain data; the templates decide presentation.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from jinja2 import Environment
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from ..build.catalogs import load_catalog
from ..build.render import make_environment, render_template, ui_functions
from ..project.config import Config, Sponsor, localized
from ..text import locales
from . import language
from .security import PAGE_POLICY, csrf_cookie, csrf_token, set_csrf_cookie

PAGES = "web/subscriber"
_NO_STORE = {"Cache-Control": "no-store", "Content-Security-Policy": PAGE_POLICY}
LANG_COOKIE_AGE = 365 * 24 * 3600


@dataclass(frozen=True)
class Brand:
    """What a page shows of a sponsoring group (or of the site, when there is none)."""

    id: str
    name: str
    logo_url: str
    logo_alt: str


@dataclass(frozen=True)
class Switch:
    """One entry of the language switcher."""

    tag: str
    label: str
    href: str
    current: bool


class Pages:
    """Templates, catalogs and the page language rules of one project."""

    def __init__(self, config: Config, secret: bytes):
        self.config = config
        self.secret = secret
        self.languages = list(config.site.languages)
        self.env: Environment = make_environment(config.root)
        self.ui = {tag: ui_functions(load_catalog(config.root, tag).translations) for tag in self.languages}

    def language(self, request: Request) -> str:
        return language.choose(self.languages, request.query_params.get("lang"),
                               request.cookies.get(language.COOKIE), request.headers.get("accept-language"))

    def brand(self, sponsor: Sponsor | None, lang: str, root: str = "") -> Brand | None:
        if sponsor is None:
            return None
        return Brand(sponsor.id, localized(sponsor.name, lang), f"{root}/brand/{sponsor.id}/logo",
                     localized(sponsor.logo_alt, lang))

    def render(self, request: Request, template: str, status: int = 200, *, sponsor: Sponsor | None = None,
               lang: str | None = None, headers: dict | None = None, **context) -> Response:
        """A page in the reader's language; remembers an explicit `?lang=` in a cookie."""
        lang = lang or self.language(request)
        cookie = csrf_cookie(request)
        ui = self.ui[lang]
        root = request.scope.get("root_path", "").rstrip("/")   # the proxy's path prefix, if any
        html = render_template(
            self.env, f"{PAGES}/{template}", lang=lang, dir=locales.text_direction(lang), cjk=locales.is_cjk(lang),
            site_name=localized(self.config.site.name, lang), brand=self.brand(sponsor, lang, root),
            css_url=f"{root}/brand/{sponsor.id if sponsor else '_site'}/style.css",
            switcher=self._switcher(request, lang), csrf=csrf_token(self.secret, cookie),
            gettext=ui.gettext, ngettext=ui.ngettext, pgettext=ui.pgettext, npgettext=ui.npgettext,
            **context)
        response = HTMLResponse(html, status_code=status, headers={**_NO_STORE, **(headers or {})})
        set_csrf_cookie(response, request, cookie)
        asked = request.query_params.get("lang")
        if asked in self.languages:
            response.set_cookie(language.COOKIE, asked, max_age=LANG_COOKIE_AGE, httponly=True,
                                samesite="lax", path="/", secure=request.url.scheme == "https")
        return response

    def _switcher(self, request: Request, current: str) -> list[Switch]:
        """Links to this same page in each language (relative: never another host)."""
        kept = [(k, v) for k, v in request.query_params.multi_items() if k not in ("lang", "done")]
        return [Switch(tag, locales.display_name(tag, tag), "?" + urlencode(kept + [("lang", tag)]),
                       tag == current) for tag in self.languages]
