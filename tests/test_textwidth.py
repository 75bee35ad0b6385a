"""Tests for newsletter.textwidth: display columns, excerpts and plain-text wrapping."""
from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from uniseg.graphemecluster import grapheme_clusters
from uniseg.linebreak import line_break_boundaries, line_break_breakables

from newsletter.text import width as textwidth
from newsletter.text.width import display_width, truncate, wrap, wrap_paragraphs

MIXED = (
    "周六上午10点在 Cupertino 图书馆举行，欢迎带上朋友一起来。"
    "请在 https://forum.example.org/t/123 报名。"
)
URL = "https://forum.example.org/t/123"
ENGLISH = (
    "This month the community shipped the long-awaited 2.0 release, translated "
    "the user guide into Simplified Chinese, and held three meetups in two cities. "
    "Thank you to everyone who reviewed pull requests, answered questions on the "
    "forum, or simply showed up with snacks; none of it happens without you. The "
    "next release is planned for early spring, and the call for talks is open now."
)
CHINESE = (
    "本期通讯汇总了社区在过去一个月里的主要进展：新版本发布、文档翻译、线下聚会以及志愿者招募。"
    "感谢所有贡献者的辛勤付出！如果你想参与翻译工作，请先阅读贡献指南，然后在论坛上留言"
    "（我们会尽快回复）。下一次线下聚会定于十二月，地点仍在市中心图书馆《开源之夜》活动室；"
    "欢迎新朋友加入、旁听或者分享自己的项目。"
)
CLOSING = "，。、；：？！）》」』…"


def squash(text: str) -> str:
    return "".join(text.split())


def assert_no_closing_punct_at_line_start(lines: list[str]) -> None:
    for line in lines[1:]:
        assert line[:1] not in CLOSING, lines


# --- display_width -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "width"),
    [
        ("", 0),
        ("hello", 5),
        ("Hello, world!", 13),
        ("中文", 4),
        ("图书馆", 6),
        ("，。！？", 8),  # full-width punctuation
        ("（）《》", 8),
        ("ＡＢＣ", 6),  # full-width Latin
        ("Hi 你好", 7),
        ("👩\u200d👩\u200d👧", 2),  # ZWJ family sequence: one cluster, drawn once
        ("👍🏽", 2),  # emoji + skin tone modifier
        ("❤\ufe0f", 2),  # text-default heart turned emoji by VS16
        ("🇨🇳", 2),  # flag: two regional indicators
        ("1\ufe0f\u20e3", 2),  # keycap
        ("e\u0301", 1),  # base + combining acute counts as the base
        ("Cafe\u0301", 4),
        ("Café", 4),
        ("a\u0308\u0301b", 2),  # two stacked combining marks
        ("a\u200bb", 2),  # zero-width space
        ("𠀀𠀁", 4),  # CJK Extension B, outside the BMP
        ("10点", 4),
    ],
)
def test_display_width(text: str, width: int) -> None:
    assert display_width(text) == width


# --- truncate ------------------------------------------------------------------------


def test_truncate_returns_text_unchanged_when_it_fits() -> None:
    assert truncate("short", 10) == "short"
    assert truncate("exactly ten", 11) == "exactly ten"
    assert truncate("你好世界", 8) == "你好世界"
    assert truncate("", 0) == ""


def test_truncate_english_never_cuts_a_word() -> None:
    text = "The quick brown fox jumps over the lazy dog"
    assert truncate(text, 20) == "The quick brown fox…"
    assert truncate(text, 19) == "The quick brown…"
    for width in range(1, display_width(text)):
        short = truncate(text, width)
        assert display_width(short) <= width
        kept = short.removesuffix("…").split()
        assert kept == text.split()[: len(kept)]


def test_truncate_strips_dangling_punctuation_but_keeps_word_punctuation() -> None:
    assert truncate("Hello, world and more", 8) == "Hello…"
    assert truncate("Growth was 10% this year", 15) == "Growth was 10%…"
    assert truncate("We use well-known tools daily", 12) == "We use…"
    assert truncate("The quick brown fox", 12, ellipsis="...") == "The quick..."


def test_truncate_chinese_counts_double_and_drops_trailing_comma() -> None:
    text = "周六上午十点在图书馆举行，欢迎带上朋友一起来。"
    assert truncate(text, 10) == "周六上午…"
    assert truncate(text, 9) == "周六上午…"
    assert truncate(text, 8) == "周六上…"
    assert truncate(text, 26) == "周六上午十点在图书馆举行…"  # "，" dropped
    for width in range(1, display_width(text)):
        short = truncate(text, width)
        assert display_width(short) <= width
        assert text.startswith(short.removesuffix("…"))


def test_truncate_mixed_keeps_english_word_whole() -> None:
    assert truncate(MIXED, 20) == "周六上午10点在…"
    assert truncate(MIXED, 26) == "周六上午10点在 Cupertino…"
    assert truncate(MIXED, 28) == "周六上午10点在 Cupertino 图…"


def test_truncate_never_splits_emoji_or_astral_characters() -> None:
    family = "👩\u200d👩\u200d👧"
    text = "🎉" + family + "🎉🎉🎉"
    assert truncate(text, 5) == "🎉" + family + "…"
    assert truncate(text, 4) == "🎉…"
    assert truncate("𠀀𠀁𠀂𠀃", 5) == "𠀀𠀁…"
    # a UTF-16 surrogate pair smuggled in as two code points stays together
    pair = "\ud83d\ude00"
    assert truncate("好" + pair * 3, 5) == "好…"
    assert truncate("ab " + pair + " cd", 6) == "ab " + pair + "…"
    mixed = "Party time 🎉👍🏽 with 中文"
    for width in range(1, display_width(mixed)):
        short = truncate(mixed, width).removesuffix("…")
        clusters = list(grapheme_clusters(short))
        assert clusters == list(grapheme_clusters(mixed))[: len(clusters)]
        short.encode("utf-8")  # no lone surrogate halves


def test_truncate_edge_widths() -> None:
    assert truncate("Supercalifragilistic is long", 10) == "…"
    assert truncate("abc def", 0) == ""
    assert truncate("中文", 1) == "…"


# --- wrap ----------------------------------------------------------------------------


def test_wrap_long_english_paragraph() -> None:
    lines = wrap(ENGLISH)
    assert len(lines) > 3
    assert all(display_width(line) <= 72 for line in lines)
    assert " ".join(lines).split() == ENGLISH.split()  # words intact, nothing lost
    assert " ".join(lines) == " ".join(ENGLISH.split())
    assert all(line == line.strip() for line in lines)
    # greedy: the next line's first word would not have fitted
    for line, following in zip(lines, lines[1:]):
        assert display_width(line + " " + following.split()[0]) > 72


def test_wrap_long_chinese_paragraph() -> None:
    for width in (72, 30, 11):
        lines = wrap(CHINESE, width)
        assert all(display_width(line) <= width for line in lines), lines
        assert "".join(lines) == CHINESE  # no space inserted between Han characters
        assert_no_closing_punct_at_line_start(lines)
    assert wrap(CHINESE, 30)[:3] == [
        "本期通讯汇总了社区在过去一个月",
        "里的主要进展：新版本发布、文档",
        "翻译、线下聚会以及志愿者招募。",
    ]


def test_wrap_mixed_paragraph_puts_url_on_its_own_line() -> None:
    assert wrap(MIXED, 30) == [
        "周六上午10点在 Cupertino 图书",
        "馆举行，欢迎带上朋友一起来。请",
        "在",
        URL,
        "报名。",
    ]
    assert wrap(MIXED, 72) == [
        "周六上午10点在 Cupertino 图书馆举行，欢迎带上朋友一起来。请在",
        URL,
        "报名。",
    ]
    narrow = wrap(MIXED, 10)
    assert "Cupertino" in narrow and URL in narrow
    assert all(display_width(line) <= 10 for line in narrow if line != URL)


def test_wrap_never_breaks_a_long_url_or_word() -> None:
    long_url = "https://example.org/a/very/long/path/that/goes/on?and=on#forever"
    assert wrap(f"See {long_url} for details", 20) == ["See", long_url, "for details"]
    assert wrap("a supercalifragilisticexpialidocious word", 10) == [
        "a",
        "supercalifragilisticexpialidocious",
        "word",
    ]
    assert wrap("a well-known e-mail and/or thing", 8) == [
        "a",
        "well-known",
        "e-mail",
        "and/or",
        "thing",
    ]


def test_wrap_source_newlines_are_soft() -> None:
    assert wrap("Hello\nworld") == ["Hello world"]
    assert wrap("Hello  \n   world\r\nagain") == ["Hello world again"]
    assert wrap("你好\n世界") == ["你好世界"]
    assert wrap("你好，\n  世界") == ["你好，世界"]
    assert wrap("欢迎\nCupertino\n的朋友") == ["欢迎 Cupertino 的朋友"]


def test_wrap_empty_and_blank() -> None:
    assert wrap("") == []
    assert wrap("  \n\t ") == []
    assert wrap("   word   ") == ["word"]


def test_wrap_keeps_emoji_clusters_whole() -> None:
    family = "👩\u200d👩\u200d👧"
    lines = wrap(("欢迎" + family) * 10, 9)
    assert all(display_width(line) <= 9 for line in lines)
    assert "".join(lines) == ("欢迎" + family) * 10
    assert all(not line.startswith("\u200d") for line in lines)


# --- wrap_paragraphs -----------------------------------------------------------------


def test_wrap_paragraphs_keeps_blank_lines_and_hangs_list_items() -> None:
    text = (
        "Dear members,\nthis is the December issue.\n"
        "\n"
        "Highlights:\n"
        "- The 2.0 release is out, with faster builds and a new plugin API for everyone\n"
        "* 周六上午10点在 Cupertino 图书馆举行，欢迎带上朋友一起来。\n"
        "  continued item text\n"
        "\n\n"
        "Bye!\n\n\n"
    )
    assert wrap_paragraphs(text, 30) == (
        "Dear members, this is the\n"
        "December issue.\n"
        "\n"
        "Highlights:\n"
        "- The 2.0 release is out, with\n"
        "  faster builds and a new\n"
        "  plugin API for everyone\n"
        "* 周六上午10点在 Cupertino 图\n"
        "  书馆举行，欢迎带上朋友一起\n"
        "  来。 continued item text\n"
        "\n"
        "\n"
        "Bye!"
    )


def test_wrap_paragraphs_list_item_with_url_and_indent() -> None:
    text = f"  - 报名请访问 {URL} 谢谢"
    assert wrap_paragraphs(text, 20) == f"  - 报名请访问\n    {URL}\n    谢谢"


def test_wrap_paragraphs_result_has_no_trailing_whitespace() -> None:
    out = wrap_paragraphs("\n\n" + ENGLISH + "   \n\n  \n")
    assert out == out.strip()
    assert all(line == line.rstrip() for line in out.splitlines())
    assert all(display_width(line) <= 72 for line in out.splitlines())


# --- properties ----------------------------------------------------------------------

HAN = st.text(alphabet="的一是在不了有和人这中大为上个国我以要他时来用们生到作地于", min_size=1, max_size=12)
WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABC", min_size=1, max_size=14)
PUNCT = st.sampled_from(list("，。、；：？！（）《》"))
SPACES = st.sampled_from([" ", "  ", "\n"])
MIXED_TEXT = st.lists(st.one_of(HAN, WORD, PUNCT, SPACES), max_size=40).map("".join)


@settings(max_examples=200, deadline=None)
@given(text=MIXED_TEXT, width=st.integers(min_value=2, max_value=60))
def test_wrap_property(text: str, width: int) -> None:
    lines = wrap(text, width)
    assert squash("".join(lines)) == squash(text)  # only whitespace may change
    for line in lines:
        assert line and line == line.strip()
        if display_width(line) > width:  # only a single unbreakable token may overflow
            # uniseg may only see breaks before ；：… after a space, which wrap refuses
            inside = list(line_break_boundaries(line))[:-1]
            assert all(line[i] in CLOSING for i in inside), (line, lines)
    assert_no_closing_punct_at_line_start(lines)


@settings(max_examples=200, deadline=None)
@given(text=MIXED_TEXT, width=st.integers(min_value=0, max_value=40))
def test_truncate_property(text: str, width: int) -> None:
    short = truncate(text, width)
    assert display_width(short) <= width
    if short != text:
        head = short.removesuffix("…")
        assert text.startswith(head)
        assert head == head.rstrip()


# The shortcuts must agree with plain uniseg on text that exercises its rules: quotes,
# combining marks, ZWJ, emoji modifiers, flags, Hangul, Thai, numbers, opening and closing
# punctuation, no-break spaces, word joiners, Hebrew, hyphens and dotted circles.
NASTY = (
    "aZ09 \t\n\r.,;:!?()[]{}'\"-/$%#@&*+=_"
    "中文字，。、；：？！（）「」『』《》…“”‘’—–·"
    "\u0301\u0308\u200d\ufe0f\ufe0e\u200b\u00a0\u2060\u2010\u25cc\u00ad"
    "👩👧🎉❤👍🏽🇨🇳\U0001fc00"
    "\u1100\u1161\u11a8가각ก\u0e31าא־①\u0600क\u094dष"
)
NASTY_TEXT = st.text(alphabet=NASTY, max_size=60)


@settings(max_examples=200, deadline=None)
@given(text=NASTY_TEXT)
def test_memoised_windows_equal_uniseg(text: str) -> None:
    assert textwidth._uax14(text) == list(line_break_breakables(text))


@settings(max_examples=200, deadline=None)
@given(text=NASTY_TEXT)
def test_grapheme_shortcut_equals_uniseg(text: str) -> None:
    expected = sum(textwidth._cluster_width(g) for g in grapheme_clusters(text))
    assert display_width(text) == expected


@settings(max_examples=200, deadline=None)
@given(text=NASTY_TEXT, width=st.integers(min_value=1, max_value=30))
def test_wrap_never_splits_a_grapheme_cluster(text: str, width: int) -> None:
    text = text.replace("\n", " ").replace("\r", " ")  # joining lines is tested elsewhere
    clusters = set(grapheme_clusters(text))
    # wrap strips spaces at line ends, even a space that is part of a cluster ("\u0600 ")
    clusters |= {c.strip() for c in clusters if any(ch.isspace() for ch in c)}
    for line in wrap(text, width):
        for cluster in grapheme_clusters(line):
            if not any(c.isspace() for c in cluster):
                assert cluster in clusters, (cluster, line)


# --- performance ---------------------------------------------------------------------


def make_email(size: int = 8000) -> str:
    rng = random.Random(7)
    words = ENGLISH.split()
    han = [chr(rng.randint(0x4E00, 0x62FF)) for _ in range(1500)]
    paragraphs = []
    while sum(map(len, paragraphs)) < size:
        parts = []
        while sum(map(len, parts)) < 400:
            if rng.random() < 0.5:
                parts.append(" ".join(rng.choices(words, k=rng.randint(3, 12))) + " ")
            else:
                parts.append("".join(rng.choices(han, k=rng.randint(4, 20))) + rng.choice(CLOSING))
                parts.append(rng.choice(["", " Cupertino ", f" {URL} ", " 10 "]))
        paragraphs.append("".join(parts))
    return "\n\n".join(paragraphs)[:size]


def test_wrapping_a_whole_email_keeps_every_character() -> None:
    """Its speed is measured in benchmarks/build.py, not here (shared machines)."""
    email = make_email()
    assert squash(wrap_paragraphs(email, 72)) == squash(email)
