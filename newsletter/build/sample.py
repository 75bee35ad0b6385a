"""The sample `.eml` of an edition: the real message a subscriber would get, addressed to
the configured sample subscriber, so a volunteer can open it in a mail app."""
from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from ..errors import BuildError
from ..project.config import Config, localized
from ..text.mime import EditionMail, PreparedEdition, Recipient, message_id
from .plan import Edition


def edition_mail(config: Config, edition: Edition, subject: str, html: str, text: str,
                 greetings: tuple[str, str] = ("", "")) -> EditionMail:
    """Everything constant about an edition's messages; prepared once, reused per recipient."""
    sponsor, host = edition.sponsor, urlsplit(config.site.base_url).hostname or "localhost"
    return EditionMail(
        subject=subject, from_name=sponsor.sender.name_in(edition.primary), from_address=sponsor.sender.address,
        reply_to=sponsor.reply_to, language=", ".join(edition.languages),
        list_id=f"{localized(sponsor.name, edition.primary)} <{sponsor.id}.{host}>",
        html=html, text=text, message_id_domain=host, unsubscribe_mailto=config.site.unsubscribe_mailto,
        greeting=greetings[0], greeting_neutral=greetings[1])


def sample_eml(config: Config, edition: Edition, mail: EditionMail, when: dt.datetime) -> bytes:
    person = config.site.sample_subscriber
    recipient = Recipient(email=person.email, name=person.name,
                          unsubscribe_url=f"{edition.base_url}/unsubscribe/sample", view_url=edition.view_url,
                          preferences_url=f"{edition.base_url}/preferences/sample")
    msg_id = message_id(edition.issue, edition.id, person.email, mail.message_id_domain)
    try:
        prepared = PreparedEdition(mail)
    except KeyError as exc:  # a %%Name%% typed into a template (content's are neutralised)
        raise BuildError(f"templates/email: {exc.args[0]}; fix the placeholder in the template") from None
    return prepared.message(recipient, date=when, message_id=msg_id)
