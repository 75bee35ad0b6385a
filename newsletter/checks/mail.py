"""Mail: what the inbox shows before anyone opens the email, and what the law and the big
mail providers require (unsubscribe, postal address)."""
from __future__ import annotations

import re

from ..build.plan import placeholder
from ..text import locales
from ..text.width import display_width
from .context import is_hidden
from .registry import check, error, warning

SUBJECT_CHARS = 60      # English subjects beyond this are cut in most inboxes
SUBJECT_COLUMNS = 30    # Chinese: display columns (a Han character counts 2)
ONE_CLICK = "List-Unsubscribe=One-Click"
BILINGUAL_SEPARATOR = " | "  # as build/views.py joins a bilingual edition's titles


def _visible_link(doc, href: str) -> bool:
    """A link to `href` with words on it that a reader can see (not in hidden text)."""
    return any(a.get("href") == href and a.text_content().strip() and not is_hidden(a)
               for a in doc.tree.iter("a"))


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


@check("mail.subject", "Inboxes cut long subjects (about 60 characters, or 30 columns in "
       "Chinese on a phone); an empty subject looks like spam.")
def subject(ctx, doc):
    """A bilingual subject (`中文标题 | English title`) is checked part by part, each
    against its own language's limit."""
    text, languages = doc.built.subject.strip(), doc.built.edition.languages
    parts = text.split(BILINGUAL_SEPARATOR)
    if len(languages) > 1 and len(parts) == len(languages):
        for part, lang in zip(parts, languages):
            yield from _subject_part(ctx, part.strip(), lang)
    else:
        yield from _subject_part(ctx, text, languages[0])


def _subject_part(ctx, text: str, lang: str):
    where = ctx.locate(text) or {}
    if not text:
        yield error("the email has no subject", f"write title.{lang} in issue.yaml", **where)
    elif locales.is_cjk(lang) and display_width(text) > SUBJECT_COLUMNS:
        yield warning(f"subject “{text}” is {display_width(text)} columns wide; phones show about "
                      f"{SUBJECT_COLUMNS}", f"shorten title.{lang} in issue.yaml", **where)
    elif not locales.is_cjk(lang) and len(text) > SUBJECT_CHARS:
        yield warning(f"subject “{text}” has {len(text)} characters; inboxes show about {SUBJECT_CHARS}",
                      f"shorten title.{lang} in issue.yaml", **where)


@check("mail.preheader", "The preheader is the grey preview line in the inbox; missing or "
       "repeating the first line, it wastes the best space to get the email opened.")
def preheader(ctx, doc):
    text, lang = _squash(doc.built.preheader), doc.built.edition.primary
    first = next((_squash(line) for line in doc.built.text.splitlines() if line.strip()), "")
    if not text:
        yield warning("the email has no preheader", f"write preheader.{lang} in issue.yaml")
    elif text in (first, _squash(doc.built.subject)):
        yield warning(f"the preheader repeats {'the subject' if text != first else 'the first line'}: “{text}”",
                      f"write a preheader.{lang} in issue.yaml that adds something new",
                      **(ctx.locate(text) or {}))


@check("mail.text-part", "Some readers and many spam filters want a plain-text part; an email "
       "without one is more likely to land in spam.")
def text_part(ctx, doc):
    message = doc.message
    plain = message.get_body(preferencelist=("plain",))
    if plain is None or not plain.get_content().strip():
        yield error("the email has no plain-text part", "check templates/email/email.txt.j2",
                    element=f"{doc.built.edition.stem}.eml")
    if message.get_body(preferencelist=("html",)) is None:
        yield error("the email has no HTML part", "check the build", element=f"{doc.built.edition.stem}.eml")


@check("mail.list-unsubscribe", "Gmail and Yahoo require List-Unsubscribe with one-click "
       "(RFC 8058) from bulk senders, or they send the mail to spam.")
def list_unsubscribe(ctx, doc):
    message, where = doc.message, {"element": f"{doc.built.edition.stem}.eml"}
    header = str(message.get("List-Unsubscribe", ""))
    if "<https://" not in header:
        yield error("List-Unsubscribe header has no https address", "the mail builder must add it", **where)
    if "<mailto:" not in header:
        yield warning("List-Unsubscribe header has no mailto address", "set site.unsubscribe_mailto", **where)
    if str(message.get("List-Unsubscribe-Post", "")).strip() != ONE_CLICK:
        yield error(f"List-Unsubscribe-Post: {ONE_CLICK} header is missing", "the mail builder must add it",
                    **where)


@check("mail.unsubscribe-link", "Every email must show a working unsubscribe link (CAN-SPAM, "
       "GDPR); people who cannot find it press 'Report spam' instead.")
def unsubscribe_link(ctx, doc):
    token = placeholder("unsubscribe_url")
    if not _visible_link(doc, token):
        yield error("no visible unsubscribe link in the HTML", f'add <a href="{token}">…</a> to the footer template')
    if token not in doc.built.text:
        yield error("no unsubscribe address in the plain-text part", f"add {token} to templates/email/email.txt.j2")


@check("mail.preferences-link", "Every email should link to the reader's preference centre, so "
       "changing the language or pausing is one click away instead of leaving.")
def preferences_link(ctx, doc):
    token = placeholder("preferences_url")
    if not _visible_link(doc, token):
        yield warning("no visible link to the preference centre in the HTML",
                      f'add <a href="{token}">…</a> to the footer template')
    if token not in doc.built.text:
        yield warning("no preference-centre address in the plain-text part",
                      f"add {token} to templates/email/email.txt.j2")


@check("mail.postal-address", "Anti-spam laws (CAN-SPAM) require the sender's postal address "
       "in every email.")
def postal_address(ctx, doc):
    sponsor = doc.built.edition.sponsor
    address = _squash(sponsor.postal_address)
    where = ctx.config_line("postal_address", after=f'id = "{sponsor.id}"')
    if len(address) < 10:
        yield error(f"sponsor {sponsor.id} has no real postal address ({address!r})",
                    "write the full street address in postal_address", **where)
    for part, text in (("HTML", doc.visible_text()), ("plain-text part", doc.built.text)):
        if address not in _squash(text):
            yield error(f"the postal address is not shown in the {part}",
                        "keep {{ v.sponsor.postal_address }} in the footer templates", editions=(doc.id,))


CHECKS = (subject, preheader, text_part, list_unsubscribe, unsubscribe_link, preferences_link, postal_address)
