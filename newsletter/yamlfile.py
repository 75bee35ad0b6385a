"""YAML reading that remembers where every key was written.

PyYAML's composed nodes carry line marks; we keep a map from key path to line so any
later problem (missing author, bad date) can point at `file:line`.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .errors import InputError, Problem
from .schema import KeyProblem


class _Loader(yaml.SafeLoader):
    """SafeLoader, so no YAML tag can build arbitrary Python objects."""


def parse(text: str, path: Path, first_line: int = 1) -> tuple[Any, dict[str, int]]:
    """Parse YAML; return the data and {key path: 1-based line}."""
    try:
        node = yaml.compose(text, Loader=_Loader)
        data = yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = first_line + mark.line if mark else None
        raise InputError([Problem(path, line, f"not valid YAML: {exc.problem or exc.context}",
                                  "check the indentation, colons and quotes on that line")]) from None
    except yaml.YAMLError as exc:
        raise InputError([Problem(path, None, f"not valid YAML: {exc}", "check the file's syntax")]) from None
    lines: dict[str, int] = {}
    if node is not None:
        _walk(node, "", first_line, lines)
    return data, lines


def _walk(node: yaml.Node, path: str, offset: int, lines: dict[str, int]) -> None:
    lines.setdefault(path, node.start_mark.line + offset)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = f"{path}.{key.value}" if path else str(key.value)
            lines[child] = key.start_mark.line + offset
            _walk(value, child, offset, lines)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, f"{path}[{i}]", offset, lines)


def line_of(key: str, lines: dict[str, int]) -> int | None:
    """The line of `key`, or of its nearest written parent (a missing key has no line)."""
    while key:
        if key in lines:
            return lines[key]
        key = key.rsplit(".", 1)[0] if "." in key else key.rsplit("[", 1)[0] if "[" in key else ""
    return lines.get("")


def located(path: Path, lines: dict[str, int], problems: list[KeyProblem]) -> list[Problem]:
    return [Problem(path, line_of(p.key, lines), f"{p.key}: {p.message}", p.fix) for p in problems]


def read_text(path: Path) -> str:
    """Read a UTF-8 source file (BOM and Windows line endings accepted)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError([Problem(path, None, "file not found", "check the file name and folder")]) from None
    try:
        return data.decode("utf-8-sig").replace("\r\n", "\n")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError([Problem(path, line, "is not saved as UTF-8",
                                  "open it in your editor and save it with encoding UTF-8")]) from None
