"""Column-aware truncation and wrapping for mixed English / Simplified Chinese plain text.

Monospace mail clients and terminals give East Asian Wide characters two columns, so
`len()` and `textwrap` get Chinese wrong, and Chinese has no spaces to break at. Where a
line may break comes from UAX #14 and what a "character" is from UAX #29, both computed
by uniseg; this module only measures and chooses among uniseg's opportunities.

Speed: uniseg's line breaker costs ~50 µs per character (~0.4 s for an 8,000-character
email) and its grapheme splitter ~12 µs. Its line-break decisions never look past two
letters or ideographs in a row, so `_uax14` hands it short windows cut between such
characters, each rewritten to one stand-in per set of properties uniseg reads, and
memoises them: a mixed 8,000-character email needs about 60 distinct windows. Graphemes go to
uniseg only around characters that can join a cluster. The tests check both shortcuts
against plain uniseg on random text.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from itertools import accumulate

from uniseg.graphemecluster import GCB, grapheme_cluster_break, grapheme_clusters
from uniseg.linebreak import (
    EA,
    GC,
    LB,
    boundaries,
    category,
    east_asian_width,
    extended_pictographic,
    line_break,
    line_break_breakables,
)

__all__ = ["display_width", "known_windows", "learn_windows", "truncate", "wrap", "wrap_paragraphs"]

_ZERO_WIDTH = {"Mn", "Me", "Mc", "Cf", "Cc", "Zl", "Zp"}
_SIMPLE_GCB = {GCB.OTHER, GCB.CONTROL, GCB.LF}  # such neighbours always end a cluster
# Trailing punctuation that belongs to the word or number before it survives truncation.
_WORD_PUNCT = "%‰‱#&@*'\""
_URL = re.compile(r"https?://\S+", re.IGNORECASE)
_SEGMENT_BREAK = re.compile(r"\s*[\n\r\v\f\x85\u2028\u2029]\s*")
_JOIN_REGION = re.compile(r"s?j+(?:sj+)*s?")
_SAFE_CUT = re.compile(r"(?<=aa)(?=[ao]{2})")
_LIST_ITEM = re.compile(r"([ \t]*)([-*] )(.*)")


# uniseg's UAX #14 answers by (stand-in) window: pure derived data, the same for every
# caller, so one memo per process; bounded, and emptied when full.
_WINDOWS: dict[str, tuple[int, ...]] = {}
_MAX_WINDOWS = 16384


class _CharInfo(dict):
    """char -> (columns alone, may join a neighbour's grapheme cluster, may not start a
    line even after a space); filled lazily, as wrap() asks for every character."""

    def __missing__(self, c: str) -> tuple[int, bool, bool]:
        if unicodedata.category(c) in _ZERO_WIDTH:
            width = 0
        else:
            width = 2 if unicodedata.east_asian_width(c) in "WF" else 1
        joins = c == "\r" or grapheme_cluster_break(c) not in _SIMPLE_GCB
        info = self[c] = (width, joins, line_break(c) in (LB.NS, LB.IN, LB.CJ))
        return info


class _StandIn(dict):
    """Code point -> the first character seen with the same properties uniseg's line
    breaker reads (class, the categories and East Asian widths it tests, emoji, the two
    characters it names), so equal windows get equal answers and one cache entry."""

    def __init__(self) -> None:
        super().__init__()
        self.by_key: dict[tuple, str] = {}
        self.kind: dict[int, str] = {}  # stand-in -> a(nchor) / u(nsafe lookahead) / o

    def __missing__(self, cp: int) -> str:
        c = chr(cp)
        cat = category(c)
        key = (
            line_break(c),
            cat if cat in (GC.PI, GC.PF, GC.MN, GC.MC, GC.CN) else None,
            east_asian_width(c) in (EA.F, EA.W, EA.H),
            extended_pictographic(c),
            c if c in "\u2010\u25cc" else "",
        )
        rep = self[cp] = self.by_key.setdefault(key, c)
        if key[0] in (LB.AL, LB.ID) and key[1] is None and not key[4]:
            self.kind[ord(rep)] = "a"  # no rule looks back through a letter/ideograph
        else:
            self.kind[ord(rep)] = "u" if key[0] in (LB.CM, LB.ZWJ, LB.SA) else "o"
        return rep


_INFO = _CharInfo()
_STAND_IN = _StandIn()


def display_width(text: str) -> int:
    """Columns a monospace client gives `text`: what a newsletter line budget is made of.
    Counted per grapheme cluster, so an emoji ZWJ sequence is 2 and e + accent is 1."""
    if text.isascii() and text.isprintable():
        return len(text)
    return sum(w for w in _cluster_widths(text) if w)


def truncate(text: str, width: int, ellipsis: str = "…") -> str:
    """Shorten an excerpt to `width` columns, ellipsis included, at a line-break
    opportunity (between English words, between Han characters), so neither a word nor
    a grapheme cluster is cut; dangling spaces and punctuation go before the ellipsis.
    A first word that does not fit leaves the ellipsis alone."""
    widths = _cluster_widths(text)
    cols = _columns(widths)
    if cols[-1] <= width:
        return text
    budget = width - display_width(ellipsis)
    if budget < 0:
        return ""
    best = ""
    for end in boundaries(_breakables(text, widths)):
        head = _strip_tail(text[:end])
        if cols[len(head)] > budget:
            break  # heads only grow with `end`
        best = head
    return best + ellipsis


def wrap(text: str, width: int = 72) -> list[str]:
    """Wrap one paragraph for a plain-text email, breaking only where UAX #14 allows
    (never before ，。、 and other closing punctuation) and never inside an English word:
    an over-long word overflows rather than breaking. URLs get a line of their own and
    are never broken, so mail clients can still link them. Source newlines are soft:
    they vanish between two CJK characters and become a space elsewhere."""
    text = _SEGMENT_BREAK.sub(_unbreak, text.strip().replace("\t", " "))
    lines: list[str] = []
    start = 0
    for url in _URL.finditer(text):
        lines += _fill(text[start : url.start()].strip(), width)
        lines.append(url.group())
        start = url.end()
    return lines + _fill(text[start:].strip(), width)


def wrap_paragraphs(text: str, width: int = 72) -> str:
    """Wrap a plain-text email body: blank lines between paragraphs are kept as they
    are, and "- " / "* " list items hang their continuation lines under the item text."""
    out: list[str] = []
    block: list[str] = []
    for line in text.splitlines() + [""]:
        if line.strip():
            block.append(line)
            continue
        out += _wrap_block(block, width)
        out.append("")
        block = []
    return "\n".join(out).lstrip("\n").rstrip()


def _wrap_block(lines: list[str], width: int) -> list[str]:
    """Wrap a run of non-blank lines: a leading plain paragraph, then one list item per
    marker line, continuation lines joining the item (or paragraph) above them."""
    items: list[list[str]] = []
    for line in lines:
        item = _LIST_ITEM.match(line)
        if item:
            items.append([item[1], item[2], item[3]])
        elif items:
            items[-1][2] += "\n" + line
        else:
            items.append(["", "", line])
    out: list[str] = []
    for indent, marker, body in items:
        wrapped = wrap(body, max(1, width - display_width(indent + marker))) or [""]
        out.append((indent + marker + wrapped[0]).rstrip())
        out += [indent + " " * len(marker) + line for line in wrapped[1:]]
    return out


def _fill(text: str, width: int) -> list[str]:
    """Greedy fill: a line takes break units while their visible part still fits;
    a unit wider than the line (a long word) stands alone."""
    widths = _cluster_widths(text)
    cols = _columns(widths)
    lines: list[str] = []
    start = end = 0
    for stop in boundaries(_breakables(text, widths)):
        visible = end + len(text[end:stop].rstrip())
        if end > start and cols[visible] - cols[start] > width:
            lines.append(text[start:end].rstrip())
            start = end
        end = stop
    if start < end:
        lines.append(text[start:end].rstrip())
    return lines


def _breakables(text: str, widths: list[int | None]) -> list[int]:
    """uniseg's UAX #14 opportunities (1 = may break before this index), minus three
    kinds: inside a grapheme cluster (UAX #14 allows 0|🏽); before a non-starter such as
    ；：… or 々 (UAX #14 allows it after a space); and between two narrow non-space
    clusters, since an English "word" runs from space or CJK to space or CJK: e-mail,
    and/or and C++/Rust are never split at - or /."""
    bits = _uax14(text)
    narrow = False
    for i, (c, width) in enumerate(zip(text, widths)):
        if width is None:  # inside a cluster
            bits[i] = 0
            continue
        now = width == 1 and not c.isspace()
        if _INFO[c][2] or (narrow and now):
            bits[i] = 0
        narrow = now
    return bits


def _uax14(text: str) -> list[int]:
    """Exactly `list(uniseg.linebreak.line_break_breakables(text))`, from memoised windows.

    Cuts go where two letters/ideographs are followed by two characters that are not
    combining: every rule stops looking back at such a pair and looks at most two
    characters ahead, so a window with two characters of context either side decides
    its middle exactly as the whole text would."""
    canon = text.translate(_STAND_IN)
    kinds = canon.translate(_STAND_IN.kind)
    cuts = [m.start() for m in _SAFE_CUT.finditer(kinds)]
    bits: list[int] = []
    for a, b in zip([0] + cuts, cuts + [len(text)]):
        lead = 2 if a else 0
        bits += _window(canon[a - lead : b + 2])[lead : lead + b - a]
    return bits


def _window(window: str) -> tuple[int, ...]:
    bits = _WINDOWS.get(window)
    if bits is None:
        if len(_WINDOWS) >= _MAX_WINDOWS:
            _WINDOWS.clear()
        bits = _WINDOWS[window] = tuple(line_break_breakables(window))
    return bits


def known_windows() -> dict[str, tuple[int, ...]]:
    """uniseg's answers for the windows met so far in this process, so a caller can keep
    them between runs: a fresh process otherwise pays ~0.5 ms of uniseg per window again
    (~0.1 s for a whole issue) for answers that only change with uniseg itself."""
    return dict(_WINDOWS)


def learn_windows(known: Mapping[str, Sequence[int]]) -> int:
    """Take answers kept from an earlier run (see `known_windows`); entries of the wrong
    shape are skipped, never trusted. Returns how many were taken."""
    taken = 0
    for window, bits in known.items():
        if len(_WINDOWS) >= _MAX_WINDOWS:
            break
        if isinstance(window, str) and len(bits) == len(window) and set(bits) <= {0, 1}:
            _WINDOWS[window] = tuple(bits)
            taken += 1
    return taken


def _cluster_widths(text: str) -> list[int | None]:
    """Columns per code point: a grapheme cluster's width on its first code point, None
    on the others. Only regions around characters that can join a cluster go through
    uniseg's UAX #29; two adjacent plain characters never share a cluster."""
    info = [_INFO[c] for c in text]
    widths: list[int | None] = [width for width, _, _ in info]
    flags = "".join("j" if joins else "s" for _, joins, _ in info)
    for region in _JOIN_REGION.finditer(flags):
        i = region.start()
        for cluster in grapheme_clusters(text[i : region.end()]):
            widths[i : i + len(cluster)] = [_cluster_width(cluster)] + [None] * (len(cluster) - 1)
            i += len(cluster)
    return widths


def _columns(widths: list[int | None]) -> list[int]:
    """Prefix sums: columns taken by the first i code points."""
    return list(accumulate((width or 0 for width in widths), initial=0))


def _cluster_width(cluster: str) -> int:
    """Emoji presentation (VS16) and flags are drawn two columns wide; otherwise the
    widest code point decides (the base, or a wide emoji inside a ZWJ sequence)."""
    if "\ufe0f" in cluster or (
        len(cluster) > 1 and grapheme_cluster_break(cluster[0]) == GCB.REGIONAL_INDICATOR
    ):
        return 2
    return max(_INFO[c][0] for c in cluster)


def _unbreak(match: re.Match[str]) -> str:
    """A source line break inside a paragraph: nothing between two wide (CJK) characters,
    a space otherwise, as CSS Text's segment break transformation does."""
    before, after = match.string[match.start() - 1], match.string[match.end()]
    return "" if _INFO[before][0] == 2 and _INFO[after][0] == 2 else " "


def _strip_tail(head: str) -> str:
    """Drop trailing spaces and punctuation, except closing brackets/quotes and
    punctuation that is part of a word (%, #, quotes)."""
    end = len(head)
    while end and (
        head[end - 1].isspace()
        or (
            unicodedata.category(head[end - 1]) in ("Po", "Pd", "Ps", "Pi", "Pc")
            and head[end - 1] not in _WORD_PUNCT
        )
    ):
        end -= 1
    return head[:end]
