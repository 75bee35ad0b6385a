"""Finding the characters a Chinese input method slips into YAML.

With a Chinese IME on, the keys `:` `,` `"` and space type `：` `，` `“”` and `　`. They look
almost the same, so PyYAML's own message ("mapping values are not allowed here") leaves
a volunteer staring at a line that looks right. We name the character, its line and
column, and the plain character to type instead.

Two passes, because some slips break the YAML and some silently change its meaning:
`line_problems` reads the raw lines after PyYAML has failed; `node_problems` reads the
parsed tree (a `[a，b]` list with one item, a title wrapped in curly quotes).
"""
from __future__ import annotations

import re
from pathlib import Path

import yaml

from ..errors import Problem

_INDENT = re.compile(r"^[ \t\u3000]*")
_KEY_COLON = re.compile(r"^[ \t\u3000]*(?:-[ \t\u3000]+)?(?P<key>[^\s:：#\"'“”\[\]{},][^:：#]*?)[ \t\u3000]*：")
_OPENING, _CLOSING = "“‘”", "”’"
COLON_FIX = "type a plain colon ':' followed by a space"


def line_problems(text: str, path: Path | str, first_line: int = 1) -> list[Problem]:
    """IME characters where YAML needs a plain one, read line by line (for broken YAML)."""
    problems: list[Problem] = []
    for number, line in enumerate(text.split("\n"), start=first_line):
        indent = _INDENT.match(line).group(0)
        if "\u3000" in indent:
            problems.append(at(path, number, indent.index("\u3000"), "full-width space '　' in the indentation",
                               "indent with plain spaces (switch the input method to half-width)"))
        if "\t" in indent:
            problems.append(at(path, number, indent.index("\t"), "a tab in the indentation",
                               "YAML needs plain spaces to indent; replace the tab with spaces"))
        key = _KEY_COLON.match(line)
        if key and ":" not in line[: key.end()]:
            problems.append(at(path, number, key.end() - 1,
                               f"full-width colon '：' after the key `{key['key'].strip()}`", COLON_FIX))
        if "，" in line and re.search(r":[ \t]+\[[^\]]*，", line):
            problems.append(at(path, number, line.index("，"), "full-width comma '，' in the list",
                               "separate list items with a plain comma ',' and a space"))
    return problems


def node_problems(node: yaml.Node | None, path: Path | str, first_line: int = 1) -> list[Problem]:
    """IME slips that still parse, found in the composed tree with their exact position."""
    problems: list[Problem] = []
    stack = [node] if node is not None else []
    while stack:
        current = stack.pop()
        if isinstance(current, yaml.MappingNode):
            for key, value in current.value:
                problems += _key_problems(key, path, first_line)
                stack.append(value)
        elif isinstance(current, yaml.SequenceNode):
            problems += _list_problems(current, path, first_line)
            stack.extend(current.value)
        elif isinstance(current, yaml.ScalarNode):
            problems += _quote_problems(current, path, first_line)
    return sorted(problems, key=lambda p: (p.line or 0, p.message))


def _key_problems(key: yaml.Node, path, first_line: int) -> list[Problem]:
    if not isinstance(key, yaml.ScalarNode) or not isinstance(key.value, str):
        return []
    mark, text = key.start_mark, key.value
    if text.startswith("\u3000"):
        return [at(path, first_line + mark.line, mark.column, "full-width space '　' in the indentation",
                   "indent with plain spaces (switch the input method to half-width)")]
    if "：" in text and key.style is None:
        name = text.split("：", 1)[0].strip()
        return [at(path, first_line + mark.line, mark.column + text.index("："),
                   f"full-width colon '：' after the key `{name}`", COLON_FIX)]
    return []


def _list_problems(node: yaml.SequenceNode, path, first_line: int) -> list[Problem]:
    for item in node.value:
        if node.flow_style and isinstance(item, yaml.ScalarNode) and item.style is None and "，" in item.value:
            mark = item.start_mark
            return [at(path, first_line + mark.line, mark.column + item.value.index("，"),
                       "full-width comma '，' in the list", "separate list items with a plain comma ',' and a space")]
    return []


def _quote_problems(node: yaml.ScalarNode, path, first_line: int) -> list[Problem]:
    text = node.value
    if node.style is None and len(text) >= 2 and text[0] in _OPENING and text[-1] in _CLOSING:
        mark = node.start_mark
        return [at(path, first_line + mark.line, mark.column, f"curly quotes {text[0]}…{text[-1]} around the value",
                   "use straight quotes \"…\" (type them with the input method in English mode)")]
    return []


def at(path: Path | str, number: int, index: int, what: str, fix: str) -> Problem:
    """A problem at a 0-based column, shown 1-based as editors count."""
    return Problem(path, number, f"column {index + 1}: {what}", fix)
