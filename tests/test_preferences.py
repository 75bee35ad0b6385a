"""The preference centre over real HTTP, opened from a sent issue's footer: changes apply to
the next send, a pause skips exactly N issues, leaving and coming back."""
from __future__ import annotations

import datetime as dt
import re
import urllib.parse

from newsletter.mailing.pauses import Pauses
from newsletter.mailing.send import Settings, dry_run, load_campaign, send
from newsletter.mailing.subscribers import database_path
from newsletter.mailing.transports import make_transport
from tests.conftest import SAMPLE_ISSUE
from tests.serve_support import served, wait_for_mail  # noqa: F401
from tests.test_send_support import ENV, built_template, sending_project  # noqa: F401

FOOTER_LINK = re.compile(r'href="(https://[^"]+/preferences/[^"]+)"')


def _sent_footer_link(served, email: str) -> str:
    """Send the sample issue to the Maildir outbox and read `email`'s preference link from it."""
    campaign = load_campaign(served.root / SAMPLE_ISSUE, Settings(), ENV)
    send(campaign, make_transport(None, served.root / "outbox", ENV, "X"), Settings(), record=False)
    message = next(m for m in served.outbox() if m["To"].addresses[0].addr_spec == email)
    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content()
    link = FOOTER_LINK.search(html).group(1)
    assert link in text and "%%" not in html
    return urllib.parse.urlsplit(link).path


def _edition_for(served, email: str) -> str | None:
    campaign = load_campaign(served.root / SAMPLE_ISSUE, Settings(), ENV)
    return next((job.edition for job in campaign.jobs if job.recipient.email == email), None)


def test_footer_link_opens_the_centre_and_a_change_applies_to_the_next_send(served):
    email = served.rows[0]["email"]                                   # en, hearts
    path = _sent_footer_link(served, email)
    reader = served.client("zh-CN")
    page = reader.get(path)
    reader.request(path, method="HEAD")
    assert page.status == 200 and "我的订阅" in page.body and 'value="en" checked' in page.body
    saved = reader.submit(path, {"action": "save", "name": "林薇", "language": "both", "sponsor": "svwomen"},
                          page=page.body)
    assert saved.status == 200 and "设置已保存" in saved.body and 'value="both" checked' in saved.body
    person = served.person(email)
    assert (person.language, person.sponsor, person.name) == ("both", "svwomen", "林薇")
    assert _edition_for(served, email) == "svwomen/zh-Hans+en"


def test_bad_choices_are_refused_and_change_nothing(served):
    email = served.rows[0]["email"]
    reader = served.client("en")
    reply = reader.submit(served.preferences(email), {"action": "save", "name": "x\r\nBcc: y", "language": "xx",
                                                      "sponsor": "nobody"})
    assert reply.status == 400 and 'id="name-error"' in reply.body
    assert served.person(email).language == served.rows[0]["language"]


def test_pause_skips_the_next_issue_then_resume(served):
    email = served.rows[1]["email"]
    path = served.preferences(email)
    reader = served.client("en")
    paused = reader.submit(path, {"action": "pause", "issues": "2"})
    assert paused.status == 200 and "skip the next 2 issues" in paused.body
    assert _edition_for(served, email) is None                         # a dry plan skips them
    resumed = reader.submit(path, {"action": "resume"}, page=paused.body)
    assert "you will get the next issue" in resumed.body and _edition_for(served, email) is not None
    assert reader.submit(path, {"action": "pause", "issues": "7"}).status == 400   # not an offered choice


def test_a_pause_counts_issues_really_sent_and_resending_one_counts_once(served):
    person = served.person(served.rows[2]["email"])
    path = database_path(served.config)
    with Pauses(path) as pauses:
        pauses.pause(person.id, 2, dt.datetime.now(dt.timezone.utc))
        assert pauses.holds(person.id, "2026-11") and pauses.remaining(person.id) == 2
    campaign = load_campaign(served.root / SAMPLE_ISSUE, Settings(), ENV)
    assert person.id in campaign.paused
    send(campaign, make_transport(None, served.root / "outbox", ENV, "X"), Settings())
    send(load_campaign(served.root / SAMPLE_ISSUE, Settings(), ENV),
         make_transport(None, served.root / "outbox", ENV, "X"), Settings())           # the same issue again
    with Pauses(path) as pauses:
        assert pauses.remaining(person.id) == 1
        assert pauses.holds(person.id, "2026-11") and pauses.holds(person.id, "2026-12")
        pauses.record("2026-12", [person.id])
        assert not pauses.holds(person.id, "2027-01") and pauses.remaining(person.id) == 0
    assert person.email not in {m["To"].addresses[0].addr_spec for m in served.outbox()}


def test_unsubscribe_and_resubscribe_from_the_centre(served):
    email = served.rows[3]["email"]
    path = served.preferences(email)
    reader = served.client("zh-CN")
    left = reader.submit(path, {"action": "unsubscribe"})
    assert "您已退订" in left.body and served.person(email).status == "unsubscribed"
    assert _edition_for(served, email) is None
    back = reader.submit(path, {"action": "resubscribe"}, page=left.body)
    assert "您已重新订阅" in back.body and served.person(email).status == "active"


def test_expired_preference_links_explain_and_offer_the_mailto(served):
    email = served.rows[0]["email"]
    path = served.preferences(email)
    served.clock.advance(days=401)
    reply = served.client("en").get(path)
    assert reply.status == 410 and served.config.site.unsubscribe_mailto in reply.body


def test_a_reader_without_an_email_at_hand_gets_a_fresh_link(served):
    known = served.rows[1]["email"]                                   # language zh-Hans
    pages = []
    for address in (known, "nobody@example.com", known):
        reader = served.client("en")
        reply = reader.submit("/preferences", {"email": address})
        assert reply.status == 200
        pages.append(re.sub(r'value="[^"]*"', "", reply.body.replace(address, "X")))
    assert pages[0] == pages[1] == pages[2]                           # says nothing about who is listed
    mails = wait_for_mail(served, 1)
    assert [m["To"].addresses[0].addr_spec for m in mails] == [known]  # once, though asked twice
    assert mails[0]["Content-Language"] == "zh-Hans"
    link = re.search(r"https://news\.baybridge\.example\.org(/preferences/\S+)",
                     mails[0].get_body(("plain",)).get_content()).group(1)
    assert "我的订阅" in served.client("zh-CN").get(link).body
    served.clock.advance(days=401)
    expired = served.client("en").get(link)
    assert expired.status == 410 and 'href="/preferences"' in expired.body and "Get a new link" in expired.body
    assert served.client("en").submit("/preferences", {"email": "not an address"}).status == 400


def test_a_paused_subscriber_is_counted_as_skipped_in_the_streamed_plan(served):
    """Recipients stream from SQLite: the pause is applied there, and in the counts."""
    person = served.person(served.rows[2]["email"])
    before = load_campaign(served.root / SAMPLE_ISSUE, Settings(), ENV)
    with Pauses(database_path(served.config)) as pauses:
        pauses.pause(person.id, 1, dt.datetime.now(dt.timezone.utc))
    campaign = load_campaign(served.root / SAMPLE_ISSUE, Settings(), ENV)
    planned = list(dry_run(campaign))
    assert person.email not in {email for _, email in planned}
    assert campaign.paused == [person.id]
    assert len(campaign.jobs) == len(planned) == len(before.jobs) - 1
    assert sum(campaign.skipped.values()) == sum(before.skipped.values()) + 1
    job = next(iter(campaign.jobs))
    assert "/preferences/" in job.recipient.preferences_url
