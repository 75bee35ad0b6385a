"""HTML- and message-level checks: each one run on a built sample edition mutated to trip it,
and on the untouched edition, which must stay clean."""
from __future__ import annotations

import dataclasses
import re
from email.message import EmailMessage

import lxml.html
import pytest

from newsletter.build.pipeline import build
from newsletter.checks.context import EditionDoc, make_context
from newsletter.checks.runner import ALL_CHECKS
from newsletter.project.config import load_config

from .conftest import SAMPLE_ISSUE, copy_project

CHECKS = {c.id: c for c in ALL_CHECKS}
EDITION_CHECKS = [c.id for c in ALL_CHECKS if c.scope == "edition"]


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    root = copy_project(tmp_path_factory.mktemp("checks") / "project")
    result = build(root / SAMPLE_ISSUE, root / "dist", environ={})
    ctx = make_context(load_config(root), result.issue, result.editions)
    return ctx, {b.edition.id: b for b in result.editions}


def run(sample, check_id: str, edition: str = "hearts/en", sub=None, **parts):
    """Run one check on one edition, after `sub=(old, new)` on its HTML or replacing parts."""
    ctx, built = sample
    b = built[edition]
    if sub:
        old, new = sub
        assert old in b.html, old
        parts["html"] = b.html.replace(old, new, 1)
    b = dataclasses.replace(b, **parts)
    return CHECKS[check_id].run(ctx, EditionDoc(b, lxml.html.document_fromstring(b.html)))


def levels(findings) -> list[str]:
    return [f.level for f in findings]


@pytest.mark.parametrize("edition", ["hearts/en", "mhwx/zh-Hans", "svwomen/zh-Hans+en"])
@pytest.mark.parametrize("check_id", EDITION_CHECKS)
def test_untouched_editions_pass(sample, check_id, edition):
    assert run(sample, check_id, edition) == []


def test_gmail_clip_warns_near_and_fails_over_the_limit(sample):
    html = sample[1]["hearts/en"].html
    near = html.replace("</body>", f"<!-- {'x' * (95_000 - len(html))} --></body>")
    over = html.replace("</body>", f"<!-- {'x' * 110_000} --></body>")
    assert levels(run(sample, "size.gmail-clip", html=near)) == ["warning"]
    found = run(sample, "size.gmail-clip", html=over)
    assert levels(found) == ["error"] and "102,000" in found[0].message
    assert found[0].editions == ("hearts/en",)


def test_eml_lines_over_998_octets(sample):
    eml = sample[1]["hearts/en"].eml.replace(b"\r\n\r\n", b"\r\nX-Long: " + b"a" * 1200 + b"\r\n\r\n", 1)
    found = run(sample, "size.eml-line-length", eml=eml)
    assert levels(found) == ["error"] and "octets" in found[0].message


def test_img_without_alt_but_empty_alt_is_fine(sample):
    assert levels(run(sample, "a11y.img-alt", sub=('alt="HEARTS logo"', ""))) == ["error"]
    assert run(sample, "a11y.img-alt", sub=('alt="HEARTS logo"', 'alt=""')) == []


def test_heading_that_skips_a_level(sample):
    found = run(sample, "a11y.heading-order", sub=('<h2 class="title"', '<h4 class="title"'))
    assert levels(found) == ["warning"] and "level 4 right after level 1" in found[0].message


@pytest.mark.parametrize("text", ["click here", "Read more", "更多", "点击这里", "这里"])
def test_link_text_that_says_nothing(sample, text):
    edition = "hearts/zh-Hans" if not text.isascii() else "hearts/en"
    html = sample[1][edition].html
    label = re.search(r'<a href="%%view_url%%"[^>]*>([^<]+)</a>', html).group(1)
    found = run(sample, "a11y.link-text", edition, sub=(f">{label}</a>", f">{text}</a>"))
    assert levels(found) == ["warning"] and text in found[0].message


def test_link_text_with_context_and_empty_links(sample):
    label = "View in browser"
    assert run(sample, "a11y.link-text", sub=(f">{label}</a>", ">Read more about the clinic</a>")) == []
    assert levels(run(sample, "a11y.link-text", sub=(f">{label}</a>", "></a>"))) == ["error"]


def test_lang_and_dir_on_html_and_wrapper(sample):
    found = run(sample, "a11y.lang-dir", sub=('<div class="wrapper" lang="en" dir="ltr">', '<div class="wrapper">'))
    assert sorted(f.message for f in found) == ["<div> has no dir attribute", "<div> has no lang attribute"]
    found = run(sample, "a11y.lang-dir", sub=('<html lang="en"', '<html lang="zh-Hans"'))
    assert levels(found) == ["error"] and "edition is en" in found[0].message


def test_layout_table_without_role_but_data_tables_are_fine(sample):
    html = sample[1]["hearts/en"].html
    first = html.index('<table role="presentation"')
    stripped = html[:first] + "<table" + html[first + len('<table role="presentation"'):]
    assert levels(run(sample, "a11y.layout-table", html=stripped)) == ["error"]
    data = "<table><tr><th>Day</th></tr><tr><td>Sat</td></tr></table></body>"
    assert run(sample, "a11y.layout-table", sub=("</body>", data)) == []


def _retarget(sample, check_id: str, new_href: str):
    """Point the first article's discuss button somewhere else."""
    href = re.search(r'<a class="button" href="([^"]+)"', sample[1]["hearts/en"].html).group(1)
    return run(sample, check_id, sub=(f'href="{href}"', f'href="{new_href}"'))


@pytest.mark.parametrize("check_id, href, level", [
    ("links.https", "http://forum.baybridge.example.org/t/x", "warning"),
    ("links.empty", "#", "error"),
    ("links.empty", "", "error"),
    ("links.javascript", "javascript:alert(1)", "error"),
    ("links.javascript", "JavaScript :void(0)", "error"),
    ("links.related", "https://news.baybridge.example.org/2026-11/hearts/en.html#no-such-article", "error"),
    ("links.related", "https://news.baybridge.example.org/2026-11/en/no-such-article.html", "error"),
])
def test_bad_links(sample, check_id, href, level):
    assert levels(_retarget(sample, check_id, href)) == [level]


def test_related_link_to_an_article_in_the_edition_is_fine(sample):
    assert _retarget(sample, "links.related", "https://news.baybridge.example.org/2026-11/hearts/en.html#food-drive") == []
    assert _retarget(sample, "links.related", "https://news.baybridge.example.org/2026-11/zh-Hans/food-drive.html") == []


@pytest.mark.parametrize("text", ["{{ event_date }}", "TODO: confirm room", "Doors open at TK pm", "%%first_name%%"])
def test_unfilled_placeholders(sample, text):
    found = run(sample, "links.placeholder", sub=("</body>", f"<p>{text}</p></body>"))
    assert levels(found) == ["error"] and "unfilled placeholder" in found[0].message


def test_known_tokens_and_words_containing_tk_are_not_placeholders(sample):
    assert run(sample, "links.placeholder", sub=("</body>", "<p>Hi %%name%%, TKO and TODOs</p></body>")) == []


def test_sample_eml_must_have_every_token_filled(sample):
    eml = sample[1]["hearts/en"].eml.replace(b"Subject: ", b"Subject: %%name%% ", 1)
    found = run(sample, "links.placeholder", eml=eml)
    assert levels(found) == ["error"] and "%%name%%" in found[0].message


def _message(html: str | None, text: str | None, headers: dict) -> bytes:
    msg = EmailMessage()
    for key, value in {"Subject": "x", **headers}.items():
        msg[key] = value
    if text is not None:
        msg.set_content(text)
    if html is not None:
        (msg.add_alternative if text is not None else msg.set_content)(html, subtype="html")
    return bytes(msg)


def test_missing_plain_text_part(sample):
    found = run(sample, "mail.text-part", eml=_message("<p>hi</p>", None, {}))
    assert [f.message for f in found] == ["the email has no plain-text part"]


def test_missing_list_unsubscribe_headers(sample):
    found = run(sample, "mail.list-unsubscribe", eml=_message("<p>hi</p>", "hi", {}))
    assert levels(found) == ["error", "warning", "error"]
    half = {"List-Unsubscribe": "<https://news.example.org/u/1>, <mailto:u@example.org>"}
    found = run(sample, "mail.list-unsubscribe", eml=_message("<p>hi</p>", "hi", half))
    assert [f.message for f in found] == ["List-Unsubscribe-Post: List-Unsubscribe=One-Click header is missing"]


def test_unsubscribe_link_missing_or_hidden(sample):
    link = re.search(r'<a href="%%unsubscribe_url%%"[^>]*>', sample[1]["hearts/en"].html).group()
    assert levels(run(sample, "mail.unsubscribe-link", sub=(link, "<a>"))) == ["error"]
    hidden = link.replace("<a ", '<a style="display:none" ')
    assert levels(run(sample, "mail.unsubscribe-link", sub=(link, hidden))) == ["error"]
    text = sample[1]["hearts/en"].text.replace("%%unsubscribe_url%%", "")
    assert [f.message for f in run(sample, "mail.unsubscribe-link", text=text)] == [
        "no unsubscribe address in the plain-text part"]


def test_preference_link_missing(sample):
    assert run(sample, "mail.preferences-link") == []
    link = re.search(r'<a href="%%preferences_url%%"[^>]*>', sample[1]["hearts/en"].html).group()
    assert levels(run(sample, "mail.preferences-link", sub=(link, "<a>"))) == ["warning"]
    text = sample[1]["hearts/en"].text.replace("%%preferences_url%%", "")
    assert [f.message for f in run(sample, "mail.preferences-link", text=text)] == [
        "no preference-centre address in the plain-text part"]


def test_postal_address_missing(sample):
    address = sample[1]["hearts/en"].edition.sponsor.postal_address
    found = run(sample, "mail.postal-address", sub=(address, "San Jose"))
    assert [f.message for f in found] == ["the postal address is not shown in the HTML"]


def test_english_paragraph_in_chinese_text(sample):
    html = sample[1]["hearts/zh-Hans"].html
    body = re.search(r'<div class="body-text" lang="zh-Hans" dir="ltr"[^>]*>', html).group()
    para = "<p>Please bring comfortable shoes and a water bottle.</p>"
    found = run(sample, "i18n.english-paragraph", "hearts/zh-Hans", sub=(body, body + para))
    assert levels(found) == ["warning"] and "Please bring" in found[0].message
    fine = '<p lang="en">Please bring comfortable shoes and a water bottle.</p><p>地址：1250 Coleman Avenue</p>'
    assert run(sample, "i18n.english-paragraph", "hearts/zh-Hans", sub=(body, body + fine)) == []
    assert run(sample, "i18n.english-paragraph", "hearts/en") == []


def test_image_file_missing_and_sizes_missing(sample):
    html = sample[1]["hearts/en"].html
    src = re.search(r'<img class="hero" src="([^"]+)"', html).group(1)
    found = run(sample, "images.missing", sub=(src, src.replace(".jpg", "-gone.jpg")))
    assert levels(found) == ["error"] and "not found" in found[0].message
    tag = re.search(r'<img class="hero"[^>]*>', html).group()
    no_size = re.sub(r' (width|height)="[^"]*"', "", tag)
    found = run(sample, "images.dimensions", sub=(tag, no_size))
    assert levels(found) == ["warning"] and "width or height" in found[0].message
    assert found[0].path.endswith(".en.md") and found[0].line  # pointed at the hero field
