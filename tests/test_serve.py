"""`newsletter serve` over real HTTP on 127.0.0.1: unsubscribe, safety headers and limits,
and every way a request can be wrong (uvicorn in a thread, urllib as the client)."""
from __future__ import annotations

import http.client
import socket
import urllib.parse

from newsletter.mailing.send import Settings, load_campaign, send
from newsletter.mailing.subscribers import SubscriberStore, database_path
from newsletter.mailing.tokens import CONFIRM, PREFERENCES, make_token, secret_from
from newsletter.mailing.transports import make_transport
from newsletter.project.config import load_config
from newsletter.web.app import create_app
from newsletter.web.context import Limits
from tests.conftest import SAMPLE_ISSUE
from tests.serve_support import Client, served, start  # noqa: F401
from tests.test_send_support import (  # noqa: F401
    ENV,
    built_template,
    sending_project,
    smtp_server,
    write_subscribers,
)

ONE_CLICK = b"List-Unsubscribe=One-Click"


def _status(served, email: str) -> str:
    return served.person(email).status


def test_get_and_head_show_the_page_and_change_nothing(served):
    email = served.rows[0]["email"]
    url = f"/unsubscribe/{served.token(email)}"
    browser = served.client("en")
    page = browser.get(url)
    assert page.status == 200 and "Stop sending the newsletter to" in page.body
    assert 'method="post"' in page.body and "re****" in page.body and email not in page.body
    assert "/preferences/" in page.body          # "change language instead"
    for method in ("HEAD", "GET", "OPTIONS"):
        browser.request(url, method=method)
    assert _status(served, email) == "active"
    assert browser.request(url, method="HEAD").status == 200


def test_page_language_follows_accept_language_then_switcher_cookie(served):
    email = served.rows[0]["email"]
    url = f"/unsubscribe/{served.token(email)}"
    reader = served.client("zh-CN,zh;q=0.9,en;q=0.5")
    page = reader.get(url)
    assert '<html lang="zh-Hans"' in page.body and "确定不再向" in page.body
    assert served.client("zh-TW").get(url).body.count('<html lang="en"') == 1   # not Simplified for Traditional
    switched = reader.get(url + "?lang=en")
    assert '<html lang="en"' in switched.body
    assert '<html lang="en"' in reader.get(url).body                        # the cookie remembers the choice
    assert '<html lang="en"' in served.client("fr").get(url).body             # site default


def test_one_click_post_unsubscribes_without_cookies_and_replay_is_idempotent(served):
    email = served.rows[1]["email"]
    url = f"/unsubscribe/{served.token(email)}"
    mail_app = served.client()
    first = mail_app.request(url, ONE_CLICK)
    assert first.status == 200 and "no more newsletters" in first.body
    assert _status(served, email) == "unsubscribed"
    assert mail_app.request(url, ONE_CLICK).status == 200
    with SubscriberStore(database_path(served.config)) as store:
        assert [c.reason for c in store.history(email)][-1] == "one-click"
        assert store.db.execute("SELECT COUNT(*) FROM unsubscribes").fetchone()[0] == 1


def test_the_button_unsubscribes_and_undo_brings_the_reader_back(served):
    email = served.rows[2]["email"]
    url = f"/unsubscribe/{served.token(email)}"
    browser = served.client("zh-CN")
    done = browser.submit(url, {"action": "unsubscribe"})
    assert done.status == 200 and "将不会再收到" in done.body and 'value="undo"' in done.body
    assert _status(served, email) == "unsubscribed"
    undone = browser.submit(url, {"action": "undo"}, page=done.body)
    assert undone.status == 200 and "仍在订阅中" in undone.body
    assert _status(served, email) == "active"


def test_a_form_post_without_a_valid_csrf_token_changes_nothing(served):
    email = served.rows[3]["email"]
    url = f"/unsubscribe/{served.token(email)}"
    browser = served.client("en")
    browser.get(url)                                             # has the cookie, not the token
    for fields in ({"action": "unsubscribe"}, {"action": "unsubscribe", "csrf": "1.zzzzzz.AAAAAAAAAAAAAAAAAAAAAA"},
                   {"action": "unsubscribe", "csrf": "", "List-Unsubscribe": "One-Click"}):
        reply = browser.request(url, fields)
        assert reply.status == 403 and "nothing was changed" in reply.body
    stranger = served.client("en")                               # a token from another browser's page
    token = browser.get(url).body.split('name="csrf" value="')[1].split('"')[0]
    assert stranger.request(url, {"action": "unsubscribe", "csrf": token}).status == 403
    assert _status(served, email) == "active"


def test_forged_expired_cross_purpose_and_out_of_range_tokens_give_400(served):
    target, other = served.rows[2]["email"], served.rows[3]["email"]
    person = served.person(target)
    good = served.token(target)
    forged = make_token(b"not-the-real-secret-at-all", person.id, target)
    swapped = good.rsplit(".", 1)[0] + "." + served.token(other).rsplit(".", 1)[1]
    cross = [make_token(served.secret, person.id, target, purpose) for purpose in (CONFIRM, PREFERENCES)]
    huge = [f"{2**63}.zzzzzz.AAAAAAAAAAAAAAAAAAAAAA", f"{2**64 + 5}.zz.AAAAAAAAAAAAAAAAAAAAAA",
            "9" * 19 + ".zz.AAAAAAAAAAAAAAAAAAAAAA", "1." + "z" * 5000 + ".AAAAAAAAAAAAAAAAAAAAAA"]
    client = served.client("en")
    for token in (forged, swapped, *cross, "garbage", "1-AAAAAAAAAAAAAAAAAAAAAA", "%00", *huge):
        for method, body in (("GET", None), ("POST", ONE_CLICK)):
            reply = client.request(f"/unsubscribe/{urllib.parse.quote(token)}", body, method=method)
            assert reply.status == 400 and "not valid" in reply.body, (token, method, reply.status)
    served.clock.advance(days=801)
    expired = client.request(f"/unsubscribe/{good}", ONE_CLICK)
    assert expired.status == 410 and "expired" in expired.body and served.config.site.unsubscribe_mailto in expired.body
    assert {_status(served, r["email"]) for r in served.rows} == {"active"}


def test_security_headers_on_every_page_and_no_inline_script(served):
    client = served.client("en")
    for path in ("/subscribe", f"/unsubscribe/{served.token(served.rows[0]['email'])}", "/unsubscribe/garbage",
                 "/no-such-page", "/brand/hearts/style.css"):
        reply = client.get(path)
        headers = reply.headers
        policy = headers["content-security-policy"]
        assert "frame-ancestors 'none'" in policy and "script-src" not in policy and "default-src 'none'" in policy
        assert headers["x-content-type-options"] == "nosniff" and headers["referrer-policy"] == "no-referrer"
        assert "<script" not in reply.body and " style=" not in reply.body, path
    page = client.get("/subscribe")
    assert page.headers["cache-control"] == "no-store"


def test_a_server_error_page_carries_the_security_headers_too(served, monkeypatch):
    """A bug in a handler gives a plain 500, still with the headers every page has:
    Starlette answers it outside the middleware it is given, so ours wraps the whole app."""
    import newsletter.web.app as web_app

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")
    monkeypatch.setattr(web_app, "render_template", broken)
    reply = served.client("en").get("/brand/hearts/style.css")
    assert reply.status == 500 and "a bug" not in reply.body and "Traceback" not in reply.body
    assert "frame-ancestors 'none'" in reply.headers["content-security-policy"]
    assert reply.headers["x-content-type-options"] == "nosniff" and reply.headers["x-frame-options"] == "DENY"


def test_bodies_over_the_limit_are_refused_before_parsing(served):
    email = served.rows[0]["email"]
    path = f"/unsubscribe/{served.token(email)}"
    big = served.client().request(path, b"List-Unsubscribe=One-Click&x=" + b"a" * 20_000)
    assert big.status == 413
    host, port = urllib.parse.urlsplit(served.base).netloc.split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:   # chunked, no length given
        sock.sendall(f"POST {path} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                     "Content-Type: application/x-www-form-urlencoded\r\n\r\n".encode())
        try:
            for _ in range(9):          # just over 8 KB: the server reads it all, then refuses
                sock.sendall(b"400\r\n" + b"a" * 1024 + b"\r\n")
            sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass            # the server may answer 413 and close before the client has finished
        assert sock.recv(64).startswith(b"HTTP/1.1 413")
    assert _status(served, email) == "active"


def test_redirects_never_leave_the_site(served):
    email = served.rows[4]["email"]
    path = f"/preferences/{served.token(email, PREFERENCES)}"
    browser = served.client("en")
    page = browser.get(path).body
    token = page.split('name="csrf" value="')[1].split('"')[0]
    host, port = urllib.parse.urlsplit(served.base).netloc.split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    cookie = "; ".join(f"{c.name}={c.value}" for c in browser.jar)
    connection.request("POST", path, urllib.parse.urlencode({"csrf": token, "action": "pause", "issues": "2"}),
                       {"Host": "evil.example", "Cookie": cookie, "X-Forwarded-Host": "evil.example",
                        "Content-Type": "application/x-www-form-urlencoded"})
    reply = connection.getresponse()
    assert reply.status == 303 and reply.getheader("Location").startswith(f"/preferences/{path.rsplit('/', 1)[1]}")


def test_later_sends_skip_an_address_unsubscribed_through_the_link(served, smtp_server):
    server, url = smtp_server
    campaign = load_campaign(served.root / SAMPLE_ISSUE, Settings(), ENV)
    job = next(j for j in campaign.jobs if j.recipient.email == served.rows[4]["email"])
    token = job.recipient.unsubscribe_url.rsplit("/", 1)[1]
    assert served.client().request(f"/unsubscribe/{token}", ONE_CLICK).status == 200
    campaign = load_campaign(served.root / SAMPLE_ISSUE, Settings(), ENV)
    send(campaign, make_transport(url, served.root / "outbox", ENV, "X"), Settings())
    assert set(server.recipients()) == {r["email"] for r in served.rows} - {served.rows[4]["email"]}


def test_serves_the_web_archive_at_the_view_in_browser_paths(served):
    campaign = load_campaign(served.root / SAMPLE_ISSUE, Settings(), ENV)
    for view_url in {j.recipient.view_url for j in campaign.jobs}:
        path = urllib.parse.urlsplit(view_url).path
        reply = served.client().get(path)
        assert reply.status == 200 and "<html" in reply.body.lower(), path


def test_the_links_in_a_planned_message_open_their_pages(served):
    campaign = load_campaign(served.root / SAMPLE_ISSUE, Settings(), ENV)
    job = next(iter(campaign.jobs))   # a Recipients stream
    for link in (job.recipient.unsubscribe_url, job.recipient.preferences_url):
        reply = served.client("en").get(urllib.parse.urlsplit(link).path)
        assert reply.status == 200, link


def test_behind_a_proxy_limits_count_forwarded_clients_and_redirects_keep_the_prefix(sending_project):
    """`--forwarded-allow-ips` and `--root-path`, as `newsletter serve` passes them to uvicorn."""
    rows = write_subscribers(sending_project, 3)
    config = load_config(sending_project)
    secret = secret_from(ENV, config.sending.unsubscribe_secret_env)
    app = create_app(config, secret, environ=ENV, limits=Limits(signups="2/hour"))
    server, thread, base = start(app, forwarded_allow_ips="127.0.0.1", root_path="/news")
    try:
        def sign_up(client_ip: str, n: int) -> int:
            browser = Client(base)
            page = browser.get("/subscribe").body
            token = page.split('name="csrf" value="')[1].split('"')[0]
            return browser.request("/subscribe", {"csrf": token, "email": f"p{n}@example.com", "language": "en",
                                                  "sponsor": "hearts"},
                                   headers={"X-Forwarded-For": client_ip, "X-Forwarded-Proto": "https"}).status
        assert [sign_up("203.0.113.7", n) for n in range(3)] == [200, 200, 429]
        assert sign_up("198.51.100.9", 4) == 200                      # another visitor, another count
        browser = Client(base)
        person = make_token(secret, 1, rows[0]["email"], PREFERENCES)
        # The proxy strips /news; the app puts it back in the links and redirects it makes.
        page = browser.get(f"/preferences/{person}", headers={"X-Forwarded-Proto": "https"})
        assert page.status == 200 and "Secure" in page.headers.get("set-cookie", "")
        assert 'href="/news/brand/' in page.body and f'action="/news/preferences/{person}"' in page.body
        token = page.body.split('name="csrf" value="')[1].split('"')[0]
        cookie = page.headers["set-cookie"].split(";")[0]
        reply = http.client.HTTPConnection(*urllib.parse.urlsplit(base).netloc.split(":"), timeout=10)
        reply.request("POST", f"/preferences/{person}", urllib.parse.urlencode(
            {"csrf": token, "action": "resume"}), {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
        answer = reply.getresponse()
        assert answer.status == 303 and answer.getheader("Location").startswith(f"/news/preferences/{person}?done=")
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_strange_requests_get_a_clear_4xx_never_500(served):
    """Broken bodies, wrong content types, too many fields, odd paths and methods."""
    token = served.token(served.rows[0]["email"])
    form = "application/x-www-form-urlencoded"
    cases = [
        ("POST", f"/unsubscribe/{token}", b"\xff\xfe=1&%zz=%", form, 403),
        ("POST", f"/unsubscribe/{token}", b"--x\r\nbroken", "multipart/form-data", 400),
        ("POST", f"/unsubscribe/{token}", b"--x\r\nbroken", "multipart/form-data; boundary=x", 403),
        ("POST", f"/unsubscribe/{token}", b'{"List-Unsubscribe": "One-Click"}', "application/json", 403),
        ("POST", "/subscribe", b"&".join([b"a=1"] * 2000), form, 400),
        ("POST", "/subscribe", b"email=a&email=b&csrf=x&csrf=y", form, 403),
        ("GET", "/unsubscribe/%E4%BD%A0%E5%A5%BD", None, None, 400),
        ("GET", "/preferences/" + "1." * 30, None, None, 400),
        ("GET", "/subscribe?sponsor=%00&lang=%ff&email=" + "a" * 3000, None, None, 200),
        ("GET", "/brand/hearts%2F..%2F..%2Fnewsletter.toml/logo", None, None, 404),
        ("PUT", "/subscribe", b"x", "text/plain", 405),
        ("DELETE", f"/unsubscribe/{token}", None, None, 405),
    ]
    host, port = urllib.parse.urlsplit(served.base).netloc.split(":")
    for method, path, body, kind, expected in cases:
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        connection.request(method, path, body, {"Content-Type": kind} if kind else {})
        reply = connection.getresponse()
        reply.read()
        assert reply.status == expected, (method, path[:50], reply.status)
        assert "frame-ancestors 'none'" in reply.getheader("content-security-policy", "")
    assert served.person(served.rows[0]["email"]).status == "active"
