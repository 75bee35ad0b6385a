"""Half-width punctuation next to Han characters (`你好,世界.`), a common slip when
typing Chinese with an English keyboard layout. Shared by the catalog report and the
content checks."""
from __future__ import annotations

import re
from dataclasses import dataclass

FULL_WIDTH = {",": "，", ".": "。", ":": "：", ";": "；", "?": "？", "!": "！", "(": "（", ")": "）"}
_HAN = r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
# A mark right after a Han character, or "(" right before one. "." and ":" between
# digits or inside URLs/times are left alone.
_PATTERN = re.compile(rf"(?<={_HAN})[,.:;?!)](?![0-9/])|[(](?={_HAN})")


@dataclass(frozen=True)
class Slip:
    offset: int
    char: str

    @property
    def suggestion(self) -> str:
        return FULL_WIDTH[self.char]


def find(text: str) -> list[Slip]:
    """Every half-width mark touching Chinese text, with the full-width mark to use."""
    return [Slip(m.start(), m.group()) for m in _PATTERN.finditer(text)]
