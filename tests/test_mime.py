"""newsletter.text.mime: every message is parsed back with the standard library and checked."""
from __future__ import annotations

import dataclasses
import email
import email.policy
import html
import re
from datetime import datetime, timedelta, timezone
from email.header import decode_header, make_header
from email.headerregistry import Address
from email.message import EmailMessage

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsletter.text.mime import (
    EditionMail,
    HeaderInjection,
    PreparedEdition,
    Recipient,
    fill,
    message_id,
)

DOMAIN = "news.baybridge.example.org"
DATE = datetime(2024, 11, 24, 9, 30, tzinfo=timezone(timedelta(hours=8)))

HTML = (
    '<html lang="zh-Hans"><body><p>亲爱的 %%name%%，您好！Dear %%name%%,</p>\n'
    '<p>本期内容 / In this issue: 社区花园开放日、儿童书法班。</p>\n'
    '<p><a href="%%view_url%%">在浏览器中查看 View in browser</a></p>\n'
    '<p>This copy was sent to %%email%%. '
    '<a href="%%unsubscribe_url%%">退订 Unsubscribe</a></p></body></html>\n'
)
TEXT = (
    "亲爱的 %%name%%，您好！Dear %%name%%,\n\n"
    "本期内容 / In this issue: 社区花园开放日、儿童书法班。\n\n"
    "View in browser: %%view_url%%\n"
    "This copy was sent to %%email%%. Unsubscribe: %%unsubscribe_url%%\n"
)


def make_mail(**changes) -> EditionMail:
    mail = EditionMail(
        subject="湾区社区通讯 第12期 · Bay Bridge Community News #12",
        from_name="湾区桥梁社区中心",
        from_address="news@baybridge.example.org",
        reply_to="hello@baybridge.example.org",
        language="zh-Hans, en",
        list_id="HEARTS Community News <hearts.news.baybridge.example.org>",
        html=HTML,
        text=TEXT,
        message_id_domain=DOMAIN,
        unsubscribe_mailto="unsubscribe@news.baybridge.example.org",
    )
    return dataclasses.replace(mail, **changes)


def make_recipient(**changes) -> Recipient:
    recipient = Recipient(
        email="zhang.san@example.com",
        name="张三",
        unsubscribe_url="https://news.baybridge.example.org/u/tok-123?list=hearts&lang=zh",
        view_url="https://news.baybridge.example.org/v/12/zh?t=tok-123",
    )
    return dataclasses.replace(recipient, **changes)


def build(mail: EditionMail | None = None, recipient: Recipient | None = None) -> bytes:
    mail = mail or make_mail()
    recipient = recipient or make_recipient()
    msg_id = message_id("2024-12", "zh", recipient.email, mail.message_id_domain)
    return PreparedEdition(mail).message(recipient, date=DATE, message_id=msg_id)


def parse(raw: bytes) -> EmailMessage:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert not msg.defects
    for part in msg.walk():
        assert not part.defects, part.defects
    return msg


def values(recipient: Recipient) -> dict[str, str]:
    return {
        "name": recipient.name,
        "email": recipient.email,
        "unsubscribe_url": recipient.unsubscribe_url,
        "view_url": recipient.view_url,
    }


def escaped(recipient: Recipient) -> dict[str, str]:
    return {key: html.escape(value, quote=True) for key, value in values(recipient).items()}


def parts(msg: EmailMessage) -> tuple[str, str]:
    """Decoded (text, html) with the canonical CRLF line ends folded back to LF."""
    text_part, html_part = msg.iter_parts()
    return (
        text_part.get_content().replace("\r\n", "\n"),
        html_part.get_content().replace("\r\n", "\n"),
    )


def assert_wire_format(raw: bytes) -> None:
    assert raw.endswith(b"\r\n")
    lines = raw.split(b"\r\n")
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert b"\r" not in raw.replace(b"\r\n", b"")
    assert all(len(line) <= 998 for line in lines)
    head, _, body = raw.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):  # over 78 only where one unbreakable token forces it
        token = line[1:] if line.startswith(b" ") else line.partition(b": ")[2]
        assert len(line) <= 78 or b" " not in token, head.decode()
    assert all(len(line) <= 76 for line in body.split(b"\r\n"))  # RFC 2045 QP limit
    raw.decode("ascii")  # 7-bit clean: no 8BITMIME or SMTPUTF8 needed


# --- headers -------------------------------------------------------------------------------


def test_subject_and_from_decode_to_the_original_chinese():
    msg = parse(build())
    assert msg["Subject"] == "湾区社区通讯 第12期 · Bay Bridge Community News #12"
    assert msg["From"].addresses[0].display_name == "湾区桥梁社区中心"
    assert msg["From"].addresses[0].addr_spec == "news@baybridge.example.org"
    assert msg["Reply-To"] == "hello@baybridge.example.org"


def test_to_with_chinese_name():
    msg = parse(build())
    (to,) = msg["To"].addresses
    assert (to.display_name, to.addr_spec) == ("张三", "zhang.san@example.com")


@pytest.mark.parametrize(
    "name", ['Smith, John "JJ" (admin)', "a\\b<c>@d;e:f", "O'Brien", "", "   ", "=?utf-8?q?fake?="]
)
def test_to_with_specials_stays_one_mailbox(name):
    msg = parse(build(recipient=make_recipient(name=name)))
    (to,) = msg["To"].addresses
    assert to.addr_spec == "zhang.san@example.com"
    assert to.display_name == name.strip()


def test_list_headers_and_content_language():
    recipient = make_recipient()
    msg = parse(build(recipient=recipient))
    unsubscribe = msg["List-Unsubscribe"]
    assert f"<{recipient.unsubscribe_url}>" in unsubscribe
    assert "<mailto:unsubscribe@news.baybridge.example.org?subject=unsubscribe>" in unsubscribe
    assert re.fullmatch(r"<https://[^<>]+>,\s*<mailto:[^<>]+>", unsubscribe)
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert msg["List-Id"] == "HEARTS Community News <hearts.news.baybridge.example.org>"
    assert msg["Content-Language"] == "zh-Hans, en"
    assert msg["MIME-Version"] == "1.0"
    assert msg["Date"].datetime == DATE


def test_chinese_list_name_is_encoded():
    mail = make_mail(list_id="湾区社区通讯 <hearts.news.baybridge.example.org>")
    assert parse(build(mail=mail))["List-Id"] == "湾区社区通讯 <hearts.news.baybridge.example.org>"


def test_reply_to_is_omitted_when_none():
    raw = build(mail=make_mail(reply_to=None))
    assert b"\r\nReply-To:" not in raw and not raw.startswith(b"Reply-To:")
    assert parse(raw)["Reply-To"] is None


@pytest.mark.parametrize(
    "subject",
    [
        "Bay Bridge Community News: garden open day, calligraphy class, " * 4,
        "湾区社区通讯：社区花园开放日、儿童书法班、长者健康讲座、义工招募" * 5,
        "x" * 1500,  # no place to fold: must become encoded words, not a 1,500-octet line
        "Tab\tinside and trailing space ",
    ],
)
def test_long_subjects_fold_and_round_trip(subject):
    raw = build(mail=make_mail(subject=subject))
    assert_wire_format(raw)
    assert parse(raw)["Subject"] == subject


def test_long_names_and_addresses_fold():
    name = ("湾区桥梁社区中心 Bay Bridge Community Centre " * 6).strip()
    address = "a-very-long-local-part-for-testing." * 3 + "x@" + "sub." * 10 + "example.org"
    raw = build(mail=make_mail(from_name=name), recipient=make_recipient(name=name, email=address))
    assert_wire_format(raw)
    assert rfc2047_mailbox(raw, "From") == (name, "news@baybridge.example.org")
    assert rfc2047_mailbox(raw, "To") == (name, address)
    assert parse(raw)["To"].addresses[0].addr_spec == address


def rfc2047_mailbox(raw: bytes, header: str) -> tuple[str, str]:
    """Decode with email.header, which drops the space between adjacent encoded words.

    A name too long for one encoded word is split into several; RFC 2047 section 6.2 says
    the folding white space between them is not part of the text. policy.default in Python
    3.11 inserts a space there in address headers (CPython gh-128110), so it is not the
    reference for long names; mail clients and email.header follow the RFC.
    """
    value = email.message_from_bytes(raw, policy=email.policy.compat32)[header]
    phrase, _, address = value.rpartition("<")
    return str(make_header(decode_header(phrase.strip()))), address.rstrip(">")


# --- body ----------------------------------------------------------------------------------


def test_multipart_alternative_text_then_html():
    msg = parse(build())
    assert msg.get_content_type() == "multipart/alternative"
    text_part, html_part = msg.iter_parts()
    assert text_part.get_content_type() == "text/plain"
    assert html_part.get_content_type() == "text/html"
    for part in (text_part, html_part):
        assert part.get_content_charset() == "utf-8"
        assert part["Content-Transfer-Encoding"] == "quoted-printable"


def test_parts_decode_exactly_to_the_filled_templates():
    recipient = make_recipient()
    msg = parse(build(recipient=recipient))
    text, html_body = parts(msg)
    assert text == fill(TEXT, values(recipient))
    assert html_body == fill(HTML, escaped(recipient))
    assert "%%" not in text and "%%" not in html_body
    text_part, _ = msg.iter_parts()
    assert text_part.get_content() == fill(TEXT, values(recipient)).replace("\n", "\r\n")


def test_malicious_name_is_escaped_in_html_and_raw_in_text():
    name = '<script>alert("x")</script> & \'张\''
    text, html_body = parts(parse(build(recipient=make_recipient(name=name))))
    assert "<script>" not in html_body
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#x27;张&#x27;" in html_body
    assert f"亲爱的 {name}，您好！" in text


def test_value_that_looks_like_a_placeholder_is_not_expanded():
    recipient = make_recipient(name="%%email%%")
    text, html_body = parts(parse(build(recipient=recipient)))
    assert "亲爱的 %%email%%，" in text and "亲爱的 %%email%%，" in html_body


def test_5000_character_single_line_html_and_chinese_text_stay_within_limits():
    html_body = (
        '<p style="margin:0">%%name%%' + "湾区 Bay Bridge & <b>社区</b> " * 400 + "%%view_url%%</p>"
    )
    assert "\n" not in html_body and len(html_body) > 5000
    text = "社区花园开放日，欢迎%%name%%参加。" * 300 + "\n" + "x" * 5000
    mail = make_mail(html=html_body, text=text)
    recipient = make_recipient()
    raw = build(mail=mail, recipient=recipient)
    assert_wire_format(raw)
    text_out, html_out = parts(parse(raw))
    assert text_out == fill(text, values(recipient))
    assert html_out == fill(html_body, escaped(recipient))


def test_crlf_everywhere():
    raw = build()
    assert_wire_format(raw)
    assert raw.count(b"\r\n") == raw.count(b"\n")


def test_template_line_ends_are_normalised():
    mail = make_mail(text="a %%name%%\r\nb\rc\n", html="<p>%%name%%</p>\r\n")
    raw = build(mail=mail)
    assert_wire_format(raw)
    text, html_body = parts(parse(raw))
    assert text == "a 张三\nb\nc\n"
    assert html_body == "<p>张三</p>\n"


@pytest.mark.parametrize(
    "template",
    ["%%name%%", "%%name%%%%email%%", "start %%name%%", "%%name%% end", "", "no placeholders"],
)
def test_placeholders_at_edges_and_adjacent(template):
    recipient = make_recipient(name="Zhang  San ")  # trailing blank must survive
    raw = build(mail=make_mail(text=template, html=template), recipient=recipient)
    assert_wire_format(raw)
    text, html_body = parts(parse(raw))
    assert text == fill(template, values(recipient))
    assert html_body == fill(template, escaped(recipient))


def test_boundary_is_deterministic_and_content_dependent():
    assert PreparedEdition(make_mail()).boundary == PreparedEdition(make_mail()).boundary
    other = PreparedEdition(make_mail(html="<p>x</p>"))
    assert PreparedEdition(make_mail()).boundary != other.boundary
    raw = build()
    boundary = PreparedEdition(make_mail()).boundary.encode()
    assert raw.count(b"--" + boundary) == 3
    assert parse(raw).get_param("boundary") == boundary.decode()


def test_same_inputs_give_identical_bytes():
    assert build() == build()


_TRICKY = st.sampled_from(list(" \t=.\r\n张😀&<>\"'x") + ["=?", "=20", "\u2028", " \n"])
_name_text = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n\0"), max_size=120
) | st.lists(_TRICKY.filter(lambda c: not set(c) & set("\r\n")), max_size=60).map("".join)
_body_text = st.text(max_size=300) | st.lists(_TRICKY, max_size=200).map("".join)


@settings(
    max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(name=_name_text, before=_body_text, after=_body_text)
def test_round_trip_of_arbitrary_names_and_templates(name, before, after):
    before, after = before.replace("%", ""), after.replace("%", "")
    template = f"{before}%%name%%{after}%%email%%"
    recipient = make_recipient(name=name)
    raw = build(mail=make_mail(text=template, html=template), recipient=recipient)
    assert_wire_format(raw)
    text, html_body = parts(parse(raw))
    normalise = lambda s: s.replace("\r\n", "\n").replace("\r", "\n")  # noqa: E731
    assert text == normalise(fill(template, values(recipient)))
    assert html_body == normalise(fill(template, escaped(recipient)))


# --- Message-ID ----------------------------------------------------------------------------


def test_message_id_is_stable_and_distinct():
    first = message_id("2024-12", "zh", "zhang.san@example.com", DOMAIN)
    assert first == message_id("2024-12", "zh", "zhang.san@example.com", DOMAIN)
    assert first == message_id("2024-12", "zh", "zhang.san@EXAMPLE.com", DOMAIN)
    assert re.fullmatch(r"<[0-9a-f]{32}@news\.baybridge\.example\.org>", first)
    others = {
        message_id("2024-12", "zh", "li.si@example.com", DOMAIN),
        message_id("2024-12", "en", "zhang.san@example.com", DOMAIN),
        message_id("2025-01", "zh", "zhang.san@example.com", DOMAIN),
        message_id("2024-1", "2zh", "zhang.san@example.com", DOMAIN),
    }
    assert first not in others and len(others) == 4
    assert parse(build())["Message-ID"] == first


def test_message_id_rejects_bad_domain():
    with pytest.raises(HeaderInjection):
        message_id("1", "zh", "a@example.com", "example.org\r\nBcc: x@evil.example")
    with pytest.raises(ValueError):
        message_id("1", "zh", "a@example.com", "exa mple.org")


# --- header injection and validation -------------------------------------------------------


@pytest.mark.parametrize("bad", ["\r", "\n", "\0", "\r\nBcc: victim@example.net"])
@pytest.mark.parametrize("field", ["subject", "from_name", "list_id", "language", "from_address"])
def test_header_injection_in_edition(field, bad):
    mail = make_mail(**{field: getattr(make_mail(), field) + bad})
    with pytest.raises(HeaderInjection):
        PreparedEdition(mail)


@pytest.mark.parametrize("bad", ["\r", "\n", "\0", "\r\nBcc: victim@example.net"])
@pytest.mark.parametrize("field", ["name", "email", "unsubscribe_url"])
def test_header_injection_in_recipient_produces_no_message(field, bad):
    prepared = PreparedEdition(make_mail())
    good = make_recipient(email="good@example.com")
    bad_recipient = make_recipient(**{field: getattr(make_recipient(), field) + bad})
    produced = []
    with pytest.raises(HeaderInjection):
        for recipient in (good, bad_recipient, good):
            msg_id = f"<{len(produced)}@x.example.org>"
            produced.append(prepared.message(recipient, date=DATE, message_id=msg_id))
    assert len(produced) == 1


def test_header_injection_in_message_id():
    with pytest.raises(HeaderInjection):
        PreparedEdition(make_mail()).message(
            make_recipient(), date=DATE, message_id="<a@b.org>\r\nX: y"
        )


@pytest.mark.parametrize(
    "address",
    ["a@b.org>, <evil@example.net", "zhang san@example.com", "张三@example.com", "no-at-sign", "a@"],
)
def test_recipient_address_must_be_plain(address):
    with pytest.raises(ValueError):
        build(recipient=make_recipient(email=address))


@pytest.mark.parametrize(
    "url",
    ["http://example.org/u", "https://example.org/u?x=<y>", "https://example.org/a b", "javascript:x"],
)
def test_unsubscribe_url_must_be_https(url):
    with pytest.raises(ValueError):
        build(recipient=make_recipient(unsubscribe_url=url))


@pytest.mark.parametrize(
    "changes",
    [
        {"subject": "Hello %%name%%"},
        {"language": "zh-Hans; en"},
        {"list_id": "no angle brackets"},
        {"reply_to": "two@example.org, three@example.org"},
        {"unsubscribe_mailto": "mailto:x@example.org"},
        {"message_id_domain": "localhost"},
    ],
)
def test_bad_edition_values_are_rejected_up_front(changes):
    with pytest.raises(ValueError):
        PreparedEdition(make_mail(**changes))


# --- fill ----------------------------------------------------------------------------------


def test_fill_replaces_every_occurrence():
    filled = fill("%%name%% / %%name%% <%%email%%>", {"name": "张三", "email": "a@b.c"})
    assert filled == "张三 / 张三 <a@b.c>"
    assert fill("100% sure, 50%% off", {}) == "100% sure, 50%% off"


@pytest.mark.parametrize("template", ["Hi %%nmae%%", "Hi %%Name%%", "Hi %%view-url%%"])
def test_fill_unknown_placeholder_raises_key_error(template):
    with pytest.raises(KeyError):
        fill(template, {"name": "x", "view_url": "y"})


@pytest.mark.parametrize("field", ["html", "text"])
def test_prepared_edition_rejects_unknown_placeholder(field):
    with pytest.raises(KeyError, match="nmae"):
        PreparedEdition(make_mail(**{field: "Hi %%nmae%%"}))


# --- agreement with the standard library ---------------------------------------------------


@pytest.mark.parametrize(
    "recipient",
    [
        make_recipient(),
        make_recipient(name="Smith, John <script>", email="john@example.net"),
        make_recipient(name="李四（义工）& friends", email="li.si@example.cn"),
    ],
)
def test_agrees_with_email_message(recipient):
    mail = make_mail()
    reference = EmailMessage()
    reference["Subject"] = mail.subject
    reference["From"] = Address(mail.from_name, addr_spec=mail.from_address)
    reference["To"] = Address(recipient.name, addr_spec=recipient.email)
    reference.set_content(fill(mail.text, values(recipient)))
    reference.add_alternative(fill(mail.html, escaped(recipient)), subtype="html")

    ours, theirs = parse(build(mail, recipient)), parse(reference.as_bytes())
    for header in ("Subject", "From", "To"):
        assert str(ours[header]) == str(theirs[header])
    assert ours["To"].addresses == theirs["To"].addresses
    assert parts(ours) == parts(theirs)
