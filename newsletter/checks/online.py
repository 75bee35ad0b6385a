"""Reachability (`newsletter check --online`): every picture and "View in browser" address
the emails point at must answer at `base_url` before anyone is sent them; otherwise
readers see empty boxes and a dead link until someone uploads the files.

Each address is fetched once (HEAD, then GET when the server refuses HEAD with 405), in
parallel, with a short timeout. An answer of 4xx/5xx is an error; a host that cannot be
reached at all is a warning (the volunteer may simply be offline). Names under the
reserved example domains (RFC 2606, RFC 6761) are never fetched. The network sits behind
`Fetch`, so tests use a real HTTP server on 127.0.0.1.
"""
from __future__ import annotations

import http.client
import socket
import urllib.error
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlsplit

from .registry import Finding, check, error, warning

CHECK_ID = "links.reachable"
WHY = ("Pictures and the 'View in browser' page must be online at base_url before sending, "
       "or readers see empty boxes and a dead link (only with --online).")
TIMEOUT = 5.0
WORKERS = 8
RESERVED = ("example", "example.com", "example.net", "example.org", "test", "invalid", "localhost")


@dataclass(frozen=True)
class Answer:
    status: int | None    # HTTP status, None when the host could not be reached
    reason: str = ""


Fetch = Callable[[str, float], Answer]


def reserved(url: str) -> bool:
    """Hosts under the example/test/invalid/localhost names reserved by RFC 2606 and 6761."""
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    return any(host == name or host.endswith("." + name) for name in RESERVED)


def fetch(url: str, timeout: float = TIMEOUT) -> Answer:
    """HEAD, then GET when the server does not allow HEAD; redirects are followed."""
    for method in ("HEAD", "GET"):
        request = urllib.request.Request(url, method=method, headers={"User-Agent": "newsletter-check"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (http/https only)
                return Answer(response.status, response.reason)
        except urllib.error.HTTPError as exc:
            if exc.code == 405 and method == "HEAD":
                continue
            return Answer(exc.code, exc.reason)
        except (urllib.error.URLError, socket.timeout, ConnectionError, http.client.HTTPException, OSError) as exc:
            return Answer(None, str(getattr(exc, "reason", exc)))
    return Answer(None, "no answer")


def reachability(urls: list[str], get: Fetch = fetch, timeout: float = TIMEOUT) -> dict[str, Answer]:
    """Every address fetched once, in parallel; reserved names are left out."""
    wanted = [u for u in dict.fromkeys(urls) if urlsplit(u).scheme in ("http", "https") and not reserved(u)]
    if not wanted:
        return {}
    with ThreadPoolExecutor(max_workers=min(WORKERS, len(wanted))) as pool:
        return dict(zip(wanted, pool.map(lambda u: get(u, timeout), wanted)))


def linked_urls(editions) -> dict[str, tuple[str, ...]]:
    """Address → editions that show it: every picture and each edition's web page."""
    found: dict[str, list[str]] = {}
    for doc in editions:
        for img in doc.tree.iter("img"):
            found.setdefault((img.get("src") or "").strip(), []).append(doc.id)
        found.setdefault(doc.built.edition.view_url, []).append(doc.id)
    return {url: tuple(dict.fromkeys(ids)) for url, ids in found.items() if url}


def online_findings(ctx, get: Fetch = fetch, timeout: float = TIMEOUT) -> list[Finding]:
    urls = linked_urls(ctx.editions)
    findings, unreachable = [], {}
    for url, answer in reachability(list(urls), get, timeout).items():
        where = {"element": url, "editions": urls[url]}
        if answer.status is None:
            unreachable.setdefault(urlsplit(url).hostname, []).append((url, answer.reason))
        elif answer.status >= 400:
            findings.append(error(f"{url} answers {answer.status} {answer.reason}".rstrip(),
                                  "upload the built dist/ folder to the web host at site.base_url "
                                  "(pictures and web pages), then check again", **where))
    for host, missed in unreachable.items():  # one warning per host: offline is one problem, not fifty
        editions = tuple(dict.fromkeys(e for url, _ in missed for e in urls[url]))
        findings.append(warning(f"could not reach {host} ({missed[0][1]}); {len(missed)} address(es) not checked, "
                                f"e.g. {missed[0][0]}", "check your internet connection and site.base_url, "
                                "then run newsletter check --online again", element=host, editions=editions))
    return [Finding(f.level, f.message, f.fix, f.path, f.line, f.element, f.editions, CHECK_ID) for f in findings]


@check(CHECK_ID, WHY, scope="issue")
def reachable(ctx):
    """Offline (nothing fetched) unless the context was given a fetcher (`--online`)."""
    if ctx.fetch is not None:
        yield from online_findings(ctx, ctx.fetch)


CHECKS = (reachable,)
