"""The preference centre (`/preferences/<token>`) and the unsubscribe page (`/unsubscribe/<token>`).

Both links come from every email's footer. GET and HEAD only ever show a page (mail
scanners and link previews open every link); each change is a POST carrying a CSRF
token, answered with a redirect to the page, which then confirms the change in the
reader's language. RFC 8058 one-click POSTs from mail providers carry no cookie and no
CSRF token, only `List-Unsubscribe=One-Click`: for those the link's own signed token is
the authority, and the answer is the page itself.
"""
from __future__ import annotations

import logging

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ..mailing.pauses import MAX_ISSUES, Pauses
from ..mailing.signups import Signups
from ..mailing.subscribers import Subscriber, SubscriberStore
from ..mailing.tokens import PREFERENCES, UNSUBSCRIBE, make_token
from ..mailing.transports import PermanentFailure, TemporaryFailure, TransportError
from .confirm_mail import deliver, link_message, sender_of
from .context import AppContext, clean_email, clean_name, field_text, masked, root_path
from .security import CSRF_FIELD, csrf_valid

_log = logging.getLogger(__name__)
DONE = ("saved", "paused", "resumed", "unsubscribed", "resubscribed")
PAUSE_CHOICES = (1, 2, 3, 6, MAX_ISSUES)


def subscriber_for(app: AppContext, token: str, purpose: str) -> tuple[Subscriber | None, str]:
    """The person a token was made for, and "ok", "expired" or "invalid"."""
    def load(subscriber_id: int) -> Subscriber | None:
        with SubscriberStore(app.database) as store:
            return store.get(subscriber_id)
    return app.claimed(token, purpose, load)


def bad_link(app: AppContext, request: Request, verdict: str) -> Response:
    """A new link is one form away, and mailing the list's address still works."""
    return app.refused_link(request, verdict, root_path(request) + "/preferences", retry_kind="link",
                            mailto=app.config.site.unsubscribe_mailto)


# --- preference centre ------------------------------------------------------------------------

async def preferences(app: AppContext, request: Request) -> Response:
    token = request.path_params["token"]
    person, verdict = subscriber_for(app, token, PREFERENCES)
    if person is None:
        return bad_link(app, request, verdict)
    if request.method != "POST":
        done = request.query_params.get("done", "")
        return _preferences_page(app, request, person, done if done in DONE else "", {}, 200)
    form = await request.form()
    refused = _refuse_post(app, request, form)
    if refused:
        return refused
    action = field_text(form, "action")
    done, errors = _apply(app, person, action, form)
    if errors:
        return _preferences_page(app, request, person, "", errors, 400)
    return RedirectResponse(f"{root_path(request)}/preferences/{token}?done={done}", status_code=303)


def _apply(app: AppContext, person: Subscriber, action: str, form) -> tuple[str, dict]:
    """Carry out one preference-centre action; (what was done, errors)."""
    with SubscriberStore(app.database) as store, Pauses(app.database) as pauses:
        if action == "save":
            return _save(app, store, person, form)
        if action == "pause":
            issues = field_text(form, "issues")
            if not issues.isdigit() or int(issues) not in PAUSE_CHOICES:
                return "", {"issues": True}
            pauses.pause(person.id, int(issues), app.now())
            return "paused", {}
        if action == "resume":
            pauses.resume(person.id)
            return "resumed", {}
        if action == "unsubscribe":
            store.unsubscribe(person.email, "preferences", "preference centre")
            return "unsubscribed", {}
        if action == "resubscribe":
            store.change_status(person.email, "active", "preferences", "subscribed again on the preference centre")
            return "resubscribed", {}
    return "", {"action": "unknown action"}


def _save(app: AppContext, store: SubscriberStore, person: Subscriber, form) -> tuple[str, dict]:
    name = clean_name(field_text(form, "name"))
    language, sponsor = field_text(form, "language"), field_text(form, "sponsor")
    errors = {}
    if name is None:
        errors["name"] = True
    if language not in {value for value, _ in app.editions()}:
        errors["language"] = True
    if app.config.sponsor(sponsor) is None:
        errors["sponsor"] = True
    if errors:
        return "", errors
    store.update(person.email, name=name, language=language, sponsor=sponsor, reason="preferences")
    return "saved", {}


def _preferences_page(app: AppContext, request: Request, person: Subscriber, done: str, errors: dict,
                      status: int) -> Response:
    lang = app.pages.language(request)
    with SubscriberStore(app.database) as store, Pauses(app.database) as pauses:
        person = store.get(person.id) or person
        paused = pauses.remaining(person.id)
    return app.pages.render(request, "preferences.html.j2", status, sponsor=app.config.sponsor(person.sponsor),
                            lang=lang, subscriber=person, email=masked(person.email), done=done, errors=errors,
                            paused=paused, pause_choices=PAUSE_CHOICES, editions=app.editions(),
                            groups=app.groups(lang), action=request.url.path)


# --- a fresh link, for readers without an email at hand ------------------------------------

async def manage(app: AppContext, request: Request) -> Response:
    """`/preferences` without a token: the reader's address in, a fresh link out by email.

    Same answer whether or not the address is on the list, at most one email an hour per
    address, and the sign-up rate limit per client, as on the sign-up form."""
    values = {"email": request.query_params.get("email", "")[:254]}
    if request.method != "POST":
        return _manage_page(app, request, values, {}, 200)
    form = await request.form()
    values = {"email": field_text(form, "email")}
    if not csrf_valid(app.secret, request, form):
        return app.pages.render(request, "message.html.j2", 403, state="form_expired",
                                retry_url=request.url.path, mailto="")
    if not app.allowed(request, "signups"):
        return app.pages.render(request, "message.html.j2", 429, state="too_many", retry_url="", mailto="",
                                headers={"Retry-After": "3600"})
    email = clean_email(values["email"])
    if email is None:
        return _manage_page(app, request, values, {"email": True}, 400)
    response = _manage_page(app, request, values, {}, 200, sent=True)
    person = None
    if app.database.is_file():
        with SubscriberStore(app.database) as store:
            person = store.find(email)
    if person is not None and person.status != "bounced":
        with Signups(app.database) as signups:
            if signups.may_mail_link(person.email, app.now()):
                response.background = BackgroundTask(_send_link, app, person, app.pages.language(request))
    return response


def _manage_page(app: AppContext, request: Request, values: dict, errors: dict, status: int,
                 sent: bool = False) -> Response:
    return app.pages.render(request, "manage.html.j2", status, values=values, errors=errors, sent=sent,
                            action=request.url.path)


async def _send_link(app: AppContext, person: Subscriber, page_language: str) -> None:
    token = make_token(app.secret, person.id, person.email, PREFERENCES, now=app.now())
    lang = person.language if person.language in app.config.site.languages else page_language
    data = link_message(app.pages, "manage", lang, person.sponsor, person.name, person.email,
                        app.public_url(f"/preferences/{token}"), app.now())
    try:
        await deliver(app.config, app.environ, sender_of(app.config, person.sponsor), person.email, data)
    except (TemporaryFailure, PermanentFailure, TransportError, OSError) as exc:
        _log.warning("preference link not sent: %s", exc)


# --- unsubscribe ----------------------------------------------------------------------------

async def unsubscribe(app: AppContext, request: Request) -> Response:
    token = request.path_params["token"]
    person, verdict = subscriber_for(app, token, UNSUBSCRIBE)
    if person is None:
        return bad_link(app, request, verdict)
    if request.method != "POST":
        state = "undone" if request.query_params.get("done") == "undone" and person.status == "active" else \
            "done" if person.status == "unsubscribed" else "confirm"
        return _unsubscribe_page(app, request, person, state)
    form = await request.form()
    if CSRF_FIELD not in form and form.get("List-Unsubscribe") == "One-Click":
        with SubscriberStore(app.database) as store:
            store.unsubscribe(person.email, "one-click")
        return _unsubscribe_page(app, request, person, "done")
    refused = _refuse_post(app, request, form)
    if refused:
        return refused
    with SubscriberStore(app.database) as store:
        if field_text(form, "action") == "undo":
            store.change_status(person.email, "active", "link", "undo on the unsubscribe page")
            return RedirectResponse(f"{root_path(request)}/unsubscribe/{token}?done=undone", status_code=303)
        store.unsubscribe(person.email, "link")
    return RedirectResponse(f"{root_path(request)}/unsubscribe/{token}", status_code=303)


def _unsubscribe_page(app: AppContext, request: Request, person: Subscriber, state: str) -> Response:
    preferences_url = f"{root_path(request)}/preferences/" + make_token(app.secret, person.id, person.email,
                                                                      PREFERENCES, now=app.now())
    return app.pages.render(request, "unsubscribe.html.j2", sponsor=app.config.sponsor(person.sponsor),
                            state=state, email=masked(person.email), preferences_url=preferences_url,
                            action=request.url.path)


def _refuse_post(app: AppContext, request: Request, form) -> Response | None:
    if not csrf_valid(app.secret, request, form):
        return app.pages.render(request, "message.html.j2", 403, state="form_expired",
                                retry_url=request.url.path, mailto="")
    if not app.allowed(request, "posts"):
        return app.pages.render(request, "message.html.j2", 429, state="too_many", retry_url="", mailto="",
                                headers={"Retry-After": "60"})
    return None
