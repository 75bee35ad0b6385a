"""The confirmation email of a web sign-up: both parts, in the sign-up page's language.

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
    config = pages.config
    lang = signup.page_language
    sponsor = config.sponsor(signup.sponsor) or config.sponsors[0]
    ui = pages.ui[lang]
    site_name = localized(config.site.name, lang)
    context = {"lang": lang, "dir": locales.text_direction(lang), "site_name": site_name,
               "group": localized(sponsor.name, lang), "email": signup.email, "confirm_url": confirm_url,
               "c": sponsor.colors, "gettext": ui.gettext, "ngettext": ui.ngettext, "pgettext": ui.pgettext,
               "npgettext": ui.npgettext}
    subject = render_template(pages.env, f"{PAGES}/confirm_email_subject.txt.j2", **context).strip()
    context["subject"] = subject
    message = EmailMessage(policy=SMTP)
    message["Subject"] = subject
    message["From"] = Address(sponsor.sender.name, addr_spec=sponsor.sender.address)
    message["To"] = Address(signup.name, addr_spec=signup.email)
    if sponsor.reply_to:
        message["Reply-To"] = sponsor.reply_to
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(domain=sponsor.sender.address.rpartition("@")[2])
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(render_template(pages.env, f"{PAGES}/confirm_email.txt.j2", **context),
                        cte="quoted-printable")
    message.add_alternative(render_template(pages.env, f"{PAGES}/confirm_email.html.j2", **context),
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


def sender_of(config: Config, signup: Signup) -> str:
    sponsor = config.sponsor(signup.sponsor) or config.sponsors[0]
    return sponsor.sender.address

