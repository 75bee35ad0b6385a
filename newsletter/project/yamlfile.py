"""YAML reading that remembers where every key was written, and explains what went wrong.

PyYAML's composed nodes carry line marks; we keep a map from key path to line so any
later problem (missing author, bad date) can point at `file:line`. PyYAML's own messages
("mapping values are not allowed here") are translated into plain words, after first
looking for the Chinese-IME characters that cause most of them.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from ..errors import InputError, Problem
from . import ime, limits
from .encodings import decode_source
from .schema import KeyProblem

_QUOTED_VALUE = re.compile(r"^[ \t]*(?:-[ \t]+)?(?:[^\s:#\"'][^:#]*?:[ \t]+)?(?P<quote>[\"'])(?P<rest>.*)$")
QUOTE_FIX = "put the value in straight quotes, e.g. title: \"Note: …\""
# PyYAML's wording → (what it means, how to fix it), by the start of its message.
_PLAIN_WORDS = (
    ("mapping values are not allowed", "a colon ':' where a value was expected", QUOTE_FIX),
    ("could not find expected ':'", "this line is not `name: value`",
     "write each field as `name: value`, or indent a continued line"),
    ("found unexpected end of stream", "a quote is opened but never closed", "close the quote on the same line"),
    ("found character '\\t'", "a tab in the indentation", "YAML needs plain spaces to indent; replace the tab"),
    ("expected ',' or ']'", "a list in [ ] is not closed", "end the list with ]"),
    ("expected ',' or '}'", "a { } table is not closed", "end it with }"),
    ("expected <block end>", "the indentation does not line up", "indent fields of the same level equally"),
    ("found undefined alias", "a '*' starts a YAML alias here", QUOTE_FIX),
    ("YAML aliases", "a '*' or '&' starts a YAML alias or anchor here", QUOTE_FIX),
)


class _Loader(yaml.SafeLoader):
    """SafeLoader (no YAML tag can build Python objects) without aliases: volunteers never
    need them, and a few nested aliases expand into billions of values."""

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise yaml.composer.ComposerError(None, None, "YAML aliases are not supported", event.start_mark)
        return super().compose_node(parent, index)

    def construct_yaml_timestamp(self, node):
        """An impossible date (2026-02-30) stays text, so the schema can say it is not a date."""
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError):
            return node.value


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)


def parse(text: str, path: Path, first_line: int = 1) -> tuple[Any, dict[str, int]]:
    """Parse YAML; return the data and {key path: 1-based line}."""
    node, data = _compose_and_construct(text, path, first_line)
    problems = ime.node_problems(node, path, first_line)
    lines: dict[str, int] = {}
    if node is not None:
        _walk(node, "", first_line, lines, path, problems)
    if problems:
        raise InputError(problems)
    return data, lines


def _compose_and_construct(text: str, path: Path, first_line: int) -> tuple[yaml.Node | None, Any]:
    loader = None
    try:
        loader = _Loader(text)
        node = loader.get_single_node()
        return node, (loader.construct_document(node) if node is not None else None)
    except yaml.MarkedYAMLError as exc:
        found = ime.line_problems(text, path, first_line) or _unclosed_quotes(text, path, first_line)
        raise InputError(found or [_translate(exc, path, first_line)]) from None
    except yaml.reader.ReaderError as exc:
        line = first_line + text[: exc.position].count("\n")
        raise InputError([Problem(path, line, f"an invisible control character (code {exc.character:#04x})",
                                  "delete it; it usually comes with text pasted from elsewhere")]) from None
    except (yaml.YAMLError, ValueError, TypeError, OverflowError, RecursionError) as exc:
        raise InputError([Problem(path, first_line, f"not valid YAML: {exc}", "check the file's syntax")]) from None
    finally:
        if loader is not None:
            loader.dispose()


def _unclosed_quotes(text: str, path: Path, first_line: int) -> list[Problem]:
    """Values that open a quote and leave it open: PyYAML reads on into the next lines and
    complains far below, where nothing is wrong."""
    problems = []
    for number, line in enumerate(text.split("\n"), start=first_line):
        match = _QUOTED_VALUE.match(line)
        if match and not _closes(match["rest"], match["quote"]):
            problems.append(Problem(path, number, f"column {match.start('quote') + 1}: the quote {match['quote']} "
                                    "is opened but not closed on this line",
                                    f"end the value with {match['quote']} on the same line"))
    return problems


def _closes(rest: str, quote: str) -> bool:
    if quote == "'":
        return rest.replace("''", "").count("'") % 2 == 1
    return rest.replace("\\\\", "").replace('\\"', "").count('"') % 2 == 1


def _translate(exc: yaml.MarkedYAMLError, path: Path, first_line: int) -> Problem:
    problem = exc.problem or exc.context or ""
    mark = exc.problem_mark or exc.context_mark
    if problem.startswith(("found unexpected end of stream", "could not find expected ':'")) and exc.context_mark:
        mark = exc.context_mark  # where the quote or the line began, not where PyYAML gave up
    line = first_line + mark.line if mark else first_line
    where = f"column {mark.column + 1}: " if mark else ""
    for start, what, fix in _PLAIN_WORDS:
        if problem.startswith(start):
            return Problem(path, line, where + what, fix)
    return Problem(path, line, f"{where}not valid YAML ({problem})", "check the indentation, colons and quotes")


def _walk(node: yaml.Node, path: str, offset: int, lines: dict[str, int], file: Path,
          problems: list[Problem]) -> None:
    lines.setdefault(path, node.start_mark.line + offset)
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            name = str(key.value)
            child = f"{path}.{name}" if path else name
            if name in seen:
                problems.append(Problem(file, key.start_mark.line + offset, f"{child}: is written twice",
                                        "keep one of the two lines"))
            seen.add(name)
            lines[child] = key.start_mark.line + offset
            _walk(value, child, offset, lines, file, problems)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, f"{path}[{i}]", offset, lines, file, problems)


def line_of(key: str, lines: dict[str, int]) -> int | None:
    """The line of `key`, or of its nearest written parent (a missing key has no line)."""
    while key:
        if key in lines:
            return lines[key]
        key = key.rsplit(".", 1)[0] if "." in key else key.rsplit("[", 1)[0] if "[" in key else ""
    return lines.get("")


def located(path: Path, lines: dict[str, int], problems: list[KeyProblem]) -> list[Problem]:
    return [Problem(path, line_of(p.key, lines), f"{p.key}: {p.message}", p.fix) for p in problems]


def read_text(path: Path, limit: int = limits.MAX_TEXT_BYTES) -> str:
    """Read a UTF-8 source file (BOM and Windows line endings accepted), refusing files
    too large to be an article before reading them."""
    try:
        limits.check_file_size(path, limit)
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError([Problem(path, None, "file not found", "check the file name and folder")]) from None
    except IsADirectoryError:
        raise InputError([Problem(path, None, "is a folder, not a file", "give the path of a file")]) from None
    return decode_source(data, path)
