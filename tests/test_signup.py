"""Sign-up with double opt-in over real HTTP: the form, the confirmation email in the Maildir
outbox, the confirmation page, consent records, and the limits that keep the form from
being used against anyone."""
from __future__ import annotations

import re
import urllib.parse

from click.testing import CliRunner

from newsletter.cli import main
from newsletter.mailing.signups import Signups
from newsletter.mailing.subscribers import database_path
from newsletter.mailing.tokens import CONFIRM, make_token
from tests.serve_support import served, wait_for_mail  # noqa: F401
from tests.test_send_support import built_template, sending_project  # noqa: F401

LINK = re.compile(r"https://news\.baybridge\.example\.org(/confirm/[0-9a-z.A-Z_-]+)")


def _sign_up(client, email: str, language: str = "both", sponsor: str = "mhwx", name: str = "林薇",
             path: str = "/subscribe"):
    return client.submit(path, {"email": email, "name": name, "language": language, "sponsor": sponsor})


def _confirm_path(message) -> str:
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    found = LINK.search(text)
    assert found and found.group(1) in html
    return found.group(1)


def test_sign_up_in_chinese_confirms_by_post_and_records_consent(served):
    reader = served.client("zh-CN")
    form = reader.get("/subscribe?sponsor=mhwx")
    assert form.status == 200 and '<html lang="zh-Hans"' in form.body and "订阅美华文学通讯" in form.body
    assert "/brand/mhwx/logo" in form.body and 'name="sponsor" value="mhwx"' in form.body
    answer = _sign_up(reader, "new.reader@example.com", path="/subscribe?sponsor=mhwx")
    assert answer.status == 200 and "请查收邮件" in answer.body
    assert served.person("new.reader@example.com") is None            # nothing before confirmation
    [message] = wait_for_mail(served, 1)
    assert message["To"].addresses[0].addr_spec == "new.reader@example.com"
    assert message["Subject"] == "请确认订阅湾桥社区通讯" and message["Content-Language"] == "zh-Hans"
    assert message["From"].addresses[0].addr_spec == "news@mhwx.example.org"
    assert "有人（很可能是您本人）申请" in message.get_body(("plain",)).get_content()
    path = _confirm_path(message)
    page = reader.get(path)
    reader.request(path, method="HEAD")
    assert page.status == 200 and "是的，我要订阅" in page.body
    assert served.person("new.reader@example.com") is None            # GET and HEAD confirm nothing
    done = reader.submit(path, {}, page=page.body)
    assert done.status == 200 and "订阅成功" in done.body and "/preferences/" in done.body
    person = served.person("new.reader@example.com")
    assert (person.status, person.language, person.sponsor, person.name) == ("active", "both", "mhwx", "林薇")
    reader.submit(path, {}, page=page.body)                           # twice: still one consent
    with Signups(database_path(served.config)) as signups:
        [consent] = signups.consents("new.reader@example.com")
    assert consent.form == "/subscribe?sponsor=mhwx" and consent.method == "web form, double opt-in"
    assert consent.requested_at <= consent.confirmed_at


def test_the_email_is_in_the_language_chosen_for_the_newsletter(served):
    _sign_up(served.client("en"), "wants.chinese@example.com", language="zh-Hans", sponsor="hearts")
    _sign_up(served.client("zh-CN"), "wants.english@example.com", language="en", sponsor="hearts")
    mails = {m["To"].addresses[0].addr_spec: m for m in wait_for_mail(served, 2)}
    assert mails["wants.chinese@example.com"]["Content-Language"] == "zh-Hans"
    assert mails["wants.english@example.com"]["Content-Language"] == "en"
    assert "Please confirm" in mails["wants.english@example.com"].get_body(("plain",)).get_content()


def test_subscribers_show_prints_the_consent(served, monkeypatch):
    reader = served.client("en")
    _sign_up(reader, "show.me@example.com", language="en", sponsor="hearts")
    [message] = wait_for_mail(served, 1)
    path = _confirm_path(message)
    reader.submit(path, {})
    monkeypatch.chdir(served.root)
    result = CliRunner().invoke(main, ["subscribers", "show", "show.me@example.com"])
    assert result.exit_code == 0, result.output
    [line] = [line for line in result.output.splitlines() if line.startswith("consent:")]
    assert "on /subscribe (web form, double opt-in; language en, sponsor hearts); confirmed 20" in line


def test_the_same_page_whoever_asks_and_one_email_per_hour(served):
    known = served.rows[0]["email"]
    client = served.client("en")
    pages = [_sign_up(client, address, language="en", sponsor="hearts").body
             for address in ("stranger@example.com", known, "stranger@example.com")]
    normalise = [p.replace("stranger@example.com", "X").replace(known, "X") for p in pages]
    normalise = [re.sub(r'value="[^"]+"', "", p) for p in normalise]
    assert normalise[0] == normalise[1] == normalise[2]
    sent = wait_for_mail(served, 2)
    assert sorted(m["To"].addresses[0].addr_spec for m in sent) == sorted(["stranger@example.com", known])
    served.clock.advance(minutes=59)
    _sign_up(served.client("en"), "stranger@example.com", language="en", sponsor="hearts")
    assert len(wait_for_mail(served, 3, timeout=1.5)) == 2
    served.clock.advance(minutes=2)
    _sign_up(served.client("en"), "stranger@example.com", language="en", sponsor="hearts")
    assert len(wait_for_mail(served, 3)) == 3


def test_an_unsubscribed_reader_can_come_back_only_by_confirming(served):
    email = served.rows[1]["email"]
    served.client().request(f"/unsubscribe/{served.token(email)}", b"List-Unsubscribe=One-Click")
    reader = served.client("en")
    _sign_up(reader, email, language="zh-Hans", sponsor="svwomen")
    assert served.person(email).status == "unsubscribed"
    [message] = wait_for_mail(served, 1)
    reader.submit(_confirm_path(message), {})
    person = served.person(email)
    assert (person.status, person.language, person.sponsor) == ("active", "zh-Hans", "svwomen")


def test_the_embeddable_snippet_only_prefills_the_form(served):
    page = served.client("en").get("/subscribe?sponsor=hearts&email=ana%40example.org&language=zh-Hans")
    assert page.status == 200 and 'value="ana@example.org"' in page.body
    assert 'value="zh-Hans" checked' in page.body and 'name="sponsor" value="hearts"' in page.body
    assert wait_for_mail(served, 1, timeout=0.5) == []


def test_bad_input_is_shown_next_to_its_field(served):
    client = served.client("en")
    reply = client.submit("/subscribe", {"email": "not an address", "name": "a\nBcc: x@example.com",
                                         "language": "klingon", "sponsor": "nobody"})
    assert reply.status == 400
    for field in ("email", "name", "language", "sponsor"):
        assert f'id="{field}-error"' in reply.body, field
    assert 'aria-invalid="true"' in reply.body and "not an address" in reply.body
    assert wait_for_mail(served, 1, timeout=0.5) == []


def test_csrf_missing_or_from_another_browser_is_refused(served):
    client = served.client("en")
    fields = {"email": "x@example.com", "language": "en", "sponsor": "hearts"}
    assert client.request("/subscribe", fields).status == 403
    token = served.client("en").get("/subscribe").body.split('name="csrf" value="')[1].split('"')[0]
    client.get("/subscribe")
    assert client.request("/subscribe", {**fields, "csrf": token}).status == 403
    served.clock.advance(hours=5)
    assert client.submit("/subscribe", fields).status == 200           # a fresh page works again
    assert wait_for_mail(served, 1)


def test_sign_ups_per_client_are_rate_limited(served):
    client = served.client("en")
    replies = [_sign_up(client, f"r{i}@example.com", language="en", sponsor="hearts").status for i in range(8)]
    assert replies == [200] * 6 + [429] * 2
    limited = _sign_up(client, "r9@example.com", language="en", sponsor="hearts")
    assert "too many requests" in limited.body and limited.headers.get("retry-after") == "3600"


def test_confirmation_links_expire_and_serve_no_other_purpose(served):
    client = served.client("en")
    _sign_up(client, "late@example.com", language="en", sponsor="hearts")
    [message] = wait_for_mail(served, 1)
    path = _confirm_path(message)
    token = path.rsplit("/", 1)[1]
    for other in ("unsubscribe", "preferences"):
        assert client.get(f"/{other}/{token}").status == 400
    with Signups(database_path(served.config)) as signups:
        signup = signups.get_by_email("late@example.com")
    forged = make_token(b"another-secret-0123456789", signup.id, signup.email, CONFIRM)
    assert client.get(f"/confirm/{forged}").status == 400
    served.clock.advance(days=2, seconds=1)
    expired = client.get(path)
    assert expired.status == 410 and "expired" in expired.body and 'href="/subscribe"' in expired.body
    assert client.request(path, {"csrf": "x"}).status == 410
    assert served.person("late@example.com") is None


def test_links_in_the_email_use_the_configured_address_not_the_host_header(served):
    client = served.client("en")
    form = client.get("/subscribe").body
    token = form.split('name="csrf" value="')[1].split('"')[0]
    client.request("/subscribe", {"csrf": token, "email": "host@example.com", "language": "en", "sponsor": "hearts"},
                   headers={"Host": "evil.example", "X-Forwarded-Host": "evil.example"})
    [message] = wait_for_mail(served, 1)
    body = message.get_body(("plain",)).get_content()
    assert "evil.example" not in body and urllib.parse.urlsplit(served.config.site.base_url).netloc in body
