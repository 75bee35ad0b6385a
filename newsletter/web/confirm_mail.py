"""The emails the subscriber pages send: the confirmation of a web sign-up, and a fresh
link to the preference centre for a reader who asks for one; both parts, in one language.

It goes through the project's configured transport (Maildir `outbox/` by default, or the
SMTP server of `[sending]`), like the newsletter itself. It is one message at a time, so
the standard library's `EmailMessage` builds it; the links in it always use the public
address from the configuration, never the Host header of the request, so nobody can
make us mail out links to their own server.
"""
from __future__ import annotations

from collections.abc import Mapping
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid

from ..build.render import render_template
from ..mailing.signups import Signup
from ..mailing.transports import make_transport
from ..project.config import Config, localized
from ..text import locales
from .pages import PAGES, Pages


def confirmation_message(pages: Pages, signup: Signup, confirm_url: str, now) -> bytes:
    return link_message(pages, "confirm", signup.page_language, signup.sponsor, signup.name, signup.email,
                        confirm_url, now)


def link_message(pages: Pages, kind: str, lang: str, sponsor_id: str, name: str, email: str, url: str,
                 now) -> bytes:
    """One email carrying one signed link: `kind` "confirm" (double opt-in) or "manage" (a
    fresh preference-centre link); its templates are `<kind>_email{_subject.txt,.txt,.html}.j2`."""
    config = pages.config
    sponsor = config.sponsor(sponsor_id) or config.sponsors[0]
    ui = pages.ui[lang]
    site_name = localized(config.site.name, lang)
    context = {"lang": lang, "dir": locales.text_direction(lang), "site_name": site_name,
               "group": localized(sponsor.name, lang), "email": email, "confirm_url": url, "link_url": url,
               "c": sponsor.colors, "gettext": ui.gettext, "ngettext": ui.ngettext, "pgettext": ui.pgettext,
               "npgettext": ui.npgettext}
    subject = render_template(pages.env, f"{PAGES}/{kind}_email_subject.txt.j2", **context).strip()
    context["subject"] = subject
    message = EmailMessage(policy=SMTP)
    message["Subject"] = subject
    message["From"] = Address(sponsor.sender.name, addr_spec=sponsor.sender.address)
    message["To"] = Address(name, addr_spec=email)
    if sponsor.reply_to:
        message["Reply-To"] = sponsor.reply_to
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(domain=sponsor.sender.address.rpartition("@")[2])
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(render_template(pages.env, f"{PAGES}/{kind}_email.txt.j2", **context),
                        cte="quoted-printable")
    message.add_alternative(render_template(pages.env, f"{PAGES}/{kind}_email.html.j2", **context),
                            subtype="html", cte="quoted-printable")
    message["Content-Language"] = lang   # after the parts: set_content clears Content-* headers
    return message.as_bytes()


async def deliver(config: Config, environ: Mapping[str, str], sender: str, recipient: str, data: bytes) -> None:
    """Hand one message to the configured transport (a short-lived connection)."""
    sending = config.sending
    transport = make_transport(sending.smtp, config.root / sending.outbox, environ, sending.smtp_password_env)
    connection = await transport.connect()
    try:
        await connection.send(sender, recipient, data)
    finally:
        await connection.close()


def sender_of(config: Config, sponsor_id: str) -> str:
    sponsor = config.sponsor(sponsor_id) or config.sponsors[0]
    return sponsor.sender.address

