"""Sign-up (`/subscribe`) and its confirmation (`/confirm/<token>`): double opt-in.

The form answers the same "check your inbox" page whether the address is new, pending,
subscribed or unsubscribed, and the email goes out after the response (a background
task), so neither the page nor its timing tells a stranger who is on the list. At most
one email per address per hour (the sign-up store), at most a few forms per client per
hour (the rate limiter). The confirmation link only shows a page; its button POSTs.
"""
from __future__ import annotations

import logging

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ..mailing.signups import Signup, Signups
from ..mailing.subscribers import SubscriberStore
from ..mailing.tokens import CONFIRM, PREFERENCES, make_token
from ..mailing.transports import PermanentFailure, TemporaryFailure, TransportError
from ..project.config import localized
from .confirm_mail import confirmation_message, deliver, sender_of
from .context import AppContext, clean_email, clean_name, field_text, masked, root_path
from .security import csrf_valid

_log = logging.getLogger(__name__)


async def subscribe_page(app: AppContext, request: Request) -> Response:
    """GET: the form, prefilled from the query (the embeddable snippet sends email and language)."""
    sponsor = app.config.sponsor(request.query_params.get("sponsor", ""))
    values = {"email": request.query_params.get("email", "")[:254], "name": "",
              "language": request.query_params.get("language", ""), "sponsor": sponsor.id if sponsor else ""}
    return _form(app, request, values, {}, 200)


async def subscribe_post(app: AppContext, request: Request) -> Response:
    form = await request.form()
    fixed = app.config.sponsor(request.query_params.get("sponsor", ""))
    if not csrf_valid(app.secret, request, form):
        return app.pages.render(request, "message.html.j2", 403, sponsor=fixed, state="form_expired",
                                retry_url=_form_path(request), mailto="")
    if not app.allowed(request, "signups"):
        return app.pages.render(request, "message.html.j2", 429, sponsor=fixed, state="too_many",
                                retry_url="", mailto="", headers={"Retry-After": "3600"})
    lang = app.pages.language(request)
    values = {key: field_text(form, key) for key in ("email", "name", "language", "sponsor")}
    signup, errors = _check(app, request, values, lang)
    if errors:
        return _form(app, request, values, errors, 400)
    with Signups(app.database) as signups:
        pending, may_mail = signups.request(signup, app.now())
    response = app.pages.render(request, "message.html.j2", 200, sponsor=app.config.sponsor(signup.sponsor),
                                lang=lang, state="check_inbox", email=signup.email, retry_url="", mailto="")
    if may_mail:
        response.background = BackgroundTask(_send_confirmation, app, pending)
    return response


async def _send_confirmation(app: AppContext, signup: Signup) -> None:
    token = make_token(app.secret, signup.id, signup.email, CONFIRM, now=app.now())
    data = confirmation_message(app.pages, signup, app.public_url(f"/confirm/{token}"), app.now())
    try:
        await deliver(app.config, app.environ, sender_of(app.config, signup.sponsor), signup.email, data)
    except (TemporaryFailure, PermanentFailure, TransportError, OSError) as exc:
        # The page has been answered already; let the person ask again at once.
        _log.warning("confirmation email not sent: %s", exc)
        with Signups(app.database) as signups:
            signups.forget_mail(signup.id)


def _check(app: AppContext, request: Request, values: dict, lang: str) -> tuple[Signup | None, dict]:
    errors = {}
    email = clean_email(values["email"])
    if email is None:
        errors["email"] = True
    name = clean_name(values["name"])
    if name is None:
        errors["name"] = True
    if values["language"] not in {value for value, _ in app.editions()}:
        errors["language"] = True
    if app.config.sponsor(values["sponsor"]) is None:
        errors["sponsor"] = True
    if errors:
        return None, errors
    # The email is written in the language chosen for the newsletter; for "both", the page's.
    mail_language = values["language"] if values["language"] in app.config.site.languages else lang
    return Signup(email, name, values["language"], values["sponsor"], mail_language, _form_path(request)), {}


def _form(app: AppContext, request: Request, values: dict, errors: dict, status: int) -> Response:
    lang = app.pages.language(request)
    fixed = app.config.sponsor(request.query_params.get("sponsor", ""))
    if not values.get("language"):
        values["language"] = app.editions()[0][0] if lang not in {v for v, _ in app.editions()} else lang
    return app.pages.render(request, "subscribe.html.j2", status, sponsor=fixed, lang=lang, values=values,
                            errors=errors, editions=app.editions(), groups=app.groups(lang),
                            fixed_group=fixed.id if fixed else "", action=_form_path(request))


def _form_path(request: Request) -> str:
    """The form's own address, group kept; built from validated parts only."""
    sponsor = request.query_params.get("sponsor", "")
    return root_path(request) + "/subscribe" + (f"?sponsor={sponsor}" if sponsor and sponsor.replace("-", "").isalnum() else "")


# --- confirmation ---------------------------------------------------------------------------

async def confirm(app: AppContext, request: Request) -> Response:
    token = request.path_params["token"]
    signup, verdict = _signup_for(app, token)
    if verdict != "ok":
        return _bad_link(app, request, verdict)
    if request.method == "POST":
        form = await request.form()
        if not csrf_valid(app.secret, request, form):
            return app.pages.render(request, "message.html.j2", 403, state="form_expired",
                                    retry_url=request.url.path, mailto="")
        if not app.allowed(request, "posts"):
            return app.pages.render(request, "message.html.j2", 429, state="too_many", retry_url="", mailto="")
        with SubscriberStore(app.database) as store, Signups(app.database) as signups:
            signups.confirm(signup, store, app.now())
        return RedirectResponse(root_path(request) + f"/confirm/{token}", status_code=303)
    return _confirm_page(app, request, signup, token)


def _confirm_page(app: AppContext, request: Request, signup: Signup, token: str) -> Response:
    sponsor = app.config.sponsor(signup.sponsor)
    lang = app.pages.language(request) if request.query_params.get("lang") or \
        request.cookies.get("newsletter_lang") else signup.page_language
    preferences_url = ""
    if signup.confirmed_at:
        with SubscriberStore(app.database) as store:
            person = store.find(signup.email)
        if person is not None:
            preferences_url = root_path(request) + "/preferences/" + make_token(
                app.secret, person.id, person.email, PREFERENCES, now=app.now())
    return app.pages.render(
        request, "confirm.html.j2", sponsor=sponsor, lang=lang,
        state="done" if signup.confirmed_at else "ask", email=masked(signup.email), person_name=signup.name,
        edition_names=app.edition_names(signup.language),
        group_name=localized(sponsor.name, lang) if sponsor else signup.sponsor,
        preferences_url=preferences_url, action=root_path(request) + f"/confirm/{token}")


def _signup_for(app: AppContext, token: str) -> tuple[Signup | None, str]:
    def load(signup_id: int) -> Signup | None:
        with Signups(app.database) as signups:
            return signups.get(signup_id)
    return app.claimed(token, CONFIRM, load)


def _bad_link(app: AppContext, request: Request, verdict: str) -> Response:
    """An expired confirmation can be asked for again; a forged one gets no form."""
    return app.refused_link(request, verdict, root_path(request) + "/subscribe" if verdict == "expired" else "")
