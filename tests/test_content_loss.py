"""Content that must not vanish or turn into something else on its way to subscribers
(issue 15, items 1, 7 and 9): deep nesting that the inliner's parser would cut short, the
required parts verified after inlining, and `%%placeholders%%` typed into articles."""
from __future__ import annotations

import mailbox
import os
import re
import subprocess
from email import policy
from pathlib import Path

import pytest

from newsletter.text import markdown

from .conftest import (
    NEWSLETTER,
    SAMPLE_ISSUE,
    cli_build,
    edit,
    failed_build_errors,
)

ARTICLE = f"{SAMPLE_ISSUE}/hip-hinge.en.md"
ISSUE = f"{SAMPLE_ISSUE}/issue.yaml"
DEEP = "\n\nBefore the quote.\n\n" + "<blockquote>" * 260 + "too deep" + "</blockquote>" * 260 + "\n"


def body_line(project: Path) -> int:
    return (project / ARTICLE).read_text(encoding="utf-8").count("\n") + 1


def test_deep_nesting_is_refused_where_it_was_typed(project: Path) -> None:
    line = body_line(project) + 4   # two blank lines, a paragraph, a blank line, then <blockquote>
    with (project / ARTICLE).open("a", encoding="utf-8") as fp:
        fp.write(DEEP)
    errors, output = failed_build_errors(project)
    assert errors == [f"error: {project}/{ARTICLE}:{line}: the article's HTML is nested 260 levels deep, more "
                      f"than the {markdown.MAX_NESTING} an email can safely hold (mail programs drop everything "
                      "below the limit, footer and unsubscribe link included); remove the extra nested tags "
                      "(<blockquote>, <div>, lists) pasted here"], output


def test_content_lost_in_inlining_is_caught_after_it(project: Path, monkeypatch) -> None:
    """With the sanitiser's limit lifted, the parser really drops the rest of the email;
    the check after inlining names the article and the build writes nothing."""
    monkeypatch.setattr(markdown, "MAX_NESTING", 10_000)
    with (project / ARTICLE).open("a", encoding="utf-8") as fp:
        fp.write(DEEP)
    errors, output = failed_build_errors(project)
    assert errors, output
    assert errors[0].startswith(f"error: {project}/{ARTICLE}: edition hearts/en: after this part the email "
                                "lost the article “"), output
    assert "the unsubscribe link, the postal address when its CSS was inlined" in errors[0]


def test_placeholder_typed_in_a_header_field_is_an_input_error(project: Path) -> None:
    edit(project / ISSUE, '  en: "Strong backs', '  en: "%%name%%, strong backs')
    errors, _ = failed_build_errors(project)
    assert errors == [f"error: {project}/{ISSUE}:3: title: contains '%%', which marks a per-subscriber "
                      "placeholder, but this text is the same for every subscriber (only the templates "
                      "personalise); write a single % or remove it"]


def test_unknown_placeholder_in_a_template_is_a_plain_error(project: Path) -> None:
    edit(project / "templates/email/_footer.html.j2", "<p>{{ h.footer }}</p>", "<p>%%Name%% {{ h.footer }}</p>")
    result = cli_build(project)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "error: templates/email: unknown placeholder(s) ['Name']" in result.output


def _send(root: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSLETTER_")}
    env |= {"NEWSLETTER_UNSUBSCRIBE_SECRET": "s" * 32}
    return subprocess.run([*NEWSLETTER, *args], cwd=root, capture_output=True, text=True,
                          timeout=300, env=env)


NAMES = ["javascript:alert(document.cookie)//", "data:text/html,<script>alert(1)</script>",
         '"><script>alert(1)</script>', "%%email%%", "vbscript:msgbox(1)"]


def test_placeholders_typed_in_articles_are_never_filled(project: Path) -> None:
    """A real build and a real send to the Maildir outbox: what an article says about
    `%%name%%` reaches every subscriber as typed; only the template's greeting is personal."""
    with (project / ARTICLE).open("a", encoding="utf-8") as fp:
        fp.write('\n\nHello %%Name%%, now 100%%off%%. <a href="%%name%%">My page</a> '
                 '<img src="%%view_url%%" alt="%%email%%">\n')
    rows = "".join(f'reader{i}@example.com,"{name.replace(chr(34), chr(34) * 2)}",en,hearts\n'
                   for i, name in enumerate(NAMES))
    (project / "people.csv").write_text("email,name,language,sponsor\n" + rows, encoding="utf-8")
    for command in (["build", SAMPLE_ISSUE], ["subscribers", "import", "people.csv"], ["send", SAMPLE_ISSUE, "--yes", "--ignore", "images.missing"]):  # the gate rightly refuses the made-up image
        done = _send(project, *command)
        assert done.returncode == 0, done.stdout + done.stderr
    messages = list(mailbox.Maildir(project / "outbox", factory=None, create=False))
    assert len(messages) == len(NAMES)
    for message in messages:
        parsed = message_from(message)
        html = parsed.get_body(("html",)).get_content()
        text = parsed.get_body(("plain",)).get_content()
        links = re.findall(r'(?:href|src)="([^"]*)"', html)
        assert not [u for u in links if re.match(r"\s*(javascript|data|vbscript):", u, re.IGNORECASE)], links
        assert "<script" not in html
        article = html[html.index("Hello %"):]
        assert "Hello %\u2060%Name%\u2060%, now 100%\u2060%off%\u2060%" in article
        assert "Hello %\u2060%Name%\u2060%" in text
        assert "@example.com" not in article.split("</td>")[0]   # %%email%% in the alt stays as typed


def message_from(message):
    import email
    return email.message_from_bytes(message.as_bytes(), policy=policy.default)


@pytest.mark.parametrize("typed", ["%%Name%%", "100%%off%%", "%%%name%%%", "%%unsubscribe_url%%"])
def test_percent_runs_in_an_article_build(project: Path, typed: str) -> None:
    with (project / ARTICLE).open("a", encoding="utf-8") as fp:
        fp.write(f"\n\nSay {typed} here.\n")
    result = cli_build(project)
    assert result.exit_code == 0, result.output
    html = (project / "dist/2026-11/hearts/en.email.html").read_text(encoding="utf-8")
    assert html.count("%%unsubscribe_url%%") == 1
