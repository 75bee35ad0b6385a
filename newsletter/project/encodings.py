"""Decoding source files the way volunteers really save them.

Windows editors in China often save as GBK/GB18030, Notepad's "Unicode" is UTF-16, and
many editors add a UTF-8 byte-order mark or Windows line endings. The last two are
harmless and accepted; the first two get a message naming the encoding we recognised,
because "not UTF-8" alone does not tell a volunteer which menu to look for.
"""
from __future__ import annotations

import codecs
from pathlib import Path

from ..errors import InputError, Problem

RESAVE = "open it in your editor and save it again with encoding UTF-8"
_UTF16_BOMS = {codecs.BOM_UTF16_LE: "UTF-16 (little-endian)", codecs.BOM_UTF16_BE: "UTF-16 (big-endian)"}


def decode_source(data: bytes, path: Path | str) -> str:
    """UTF-8 text with `\\n` line ends; raises InputError naming the encoding it looks like."""
    utf16 = looks_like_utf16(data)
    if utf16:
        raise InputError([Problem(path, 1, f"is saved as {utf16}, not UTF-8",
                                  f"{RESAVE} (Notepad: File → Save As → Encoding: UTF-8)")])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError([_not_utf8(data, exc.start, path)]) from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise InputError([Problem(path, line, "contains a NUL character (code 0), so it is not a text file",
                                  f"delete that character, or {RESAVE}")])
    return text.replace("\r\n", "\n").replace("\r", "\n")


def looks_like_utf16(data: bytes) -> str | None:
    """UTF-16 by its byte-order mark, or (without one) by the NUL byte every other byte
    that ASCII letters leave in it."""
    for bom, name in _UTF16_BOMS.items():
        if data.startswith(bom):
            return name
    sample = data[:4096]
    pairs = len(sample) // 2
    if pairs < 2:
        return None
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    if odd_nuls >= pairs * 0.1 and odd_nuls > 3 * even_nuls:
        return "UTF-16 (little-endian)"
    if even_nuls >= pairs * 0.1 and even_nuls > 3 * odd_nuls:
        return "UTF-16 (big-endian)"
    return None


def _not_utf8(data: bytes, bad_at: int, path: Path | str) -> Problem:
    line = data[:bad_at].count(b"\n") + 1
    try:
        data.decode("gb18030")
    except UnicodeDecodeError:
        return Problem(path, line, "is not saved as UTF-8 (an unreadable byte on this line)", RESAVE)
    return Problem(path, line, "looks saved as GBK/GB18030 (Chinese Windows encoding), not UTF-8",
                   f"{RESAVE} (Notepad: File → Save As → Encoding: UTF-8)")
