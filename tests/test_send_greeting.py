"""No name, no fake name: a subscriber without a name is greeted neutrally, in each
language from the catalogs, never with their address's local part or an empty name."""
from __future__ import annotations

import mailbox

from newsletter.mailing.subscribers import SubscriberStore, database_path, import_csv
from newsletter.project.config import load_config
from tests.test_send_cli import _run
from tests.test_send_support import (  # noqa: F401
    ENV,
    built_template,
    parse,
    sending_project,
)
from tests.conftest import SAMPLE_ISSUE


def _parts(raw: bytes) -> tuple[str, str]:
    msg = parse(raw)
    return (msg.get_body(("plain",)).get_content(), msg.get_body(("html",)).get_content())


def test_nameless_subscribers_get_a_neutral_greeting_in_each_language(sending_project):
    csv = ("email,name,language,sponsor\n"
           "jw8823@example.com,,zh-Hans,hearts\nkq1177@example.com,,en,hearts\n"
           "both42@example.com,,both,hearts\nlin@example.com,林薇,zh-Hans,hearts\n")
    (sending_project / "people.csv").write_text(csv, encoding="utf-8")
    config = load_config(sending_project)
    with SubscriberStore(database_path(config)) as store:
        import_csv(config, store, sending_project / "people.csv")
    result = _run(sending_project, "send", SAMPLE_ISSUE, "--yes")
    assert result.returncode == 0, result.stdout + result.stderr
    box = mailbox.Maildir(sending_project / "outbox", create=False)
    by_rcpt = {parse(m.as_bytes())["To"].addresses[0].addr_spec: m.as_bytes() for m in box}
    text, html = _parts(by_rcpt["jw8823@example.com"])
    for part in (text, html):
        assert "jw8823" not in part.replace("jw8823@example.com", "")
        assert "您好！" in part and "，您好" not in part
    text, html = _parts(by_rcpt["kq1177@example.com"])
    assert "\nHello,\n" in text and ">Hello,<" in html and "kq1177" not in text.replace("kq1177@example.com", "")
    assert "Hello ," not in text + html
    text, html = _parts(by_rcpt["both42@example.com"])        # bilingual: greeted in its first language
    assert "您好！" in text and "，您好" not in text
    text, html = _parts(by_rcpt["lin@example.com"])          # a name is still used
    assert "林薇，您好！" in text and "林薇，您好！" in html
    assert parse(by_rcpt["kq1177@example.com"])["To"] == "kq1177@example.com"
