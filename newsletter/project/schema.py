"""A tiny typed-record loader shared by the config and source readers.

Records are frozen dataclasses whose fields carry a doc line and an optional check.
Loading walks the data once and collects every problem with its key path
(`sponsors[2].colors.primary: ...`) instead of stopping at the first.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import re
import types
import typing
import unicodedata
from collections.abc import Callable
from typing import Any

MISSING = dataclasses.MISSING
_DATE_PARTS = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")
_BREAKS = re.compile(r"[\r\n\x00\u2028\u2029\x85]")


def field(doc: str, *, default: Any = MISSING, check: Callable[[Any], str | None] | None = None):
    """A record field with its documentation and a check returning an error text or None."""
    kwargs: dict[str, Any] = {"metadata": {"doc": doc, "check": check}}
    if isinstance(default, (list, dict)):
        kwargs["default_factory"] = lambda d=default: type(d)(d)
    elif default is not MISSING:
        kwargs["default"] = default
    return dataclasses.field(**kwargs)


@dataclasses.dataclass
class KeyProblem:
    """A problem at a key path inside one file; the reader adds file and line."""

    key: str
    message: str
    fix: str = ""


class Loader:
    """Loads plain data (from TOML or YAML) into records, collecting KeyProblems."""

    def __init__(self, localized_languages: list[str] | None = None, syntax: str = "toml"):
        self.problems: list[KeyProblem] = []
        self.languages = localized_languages
        self.syntax = syntax  # "toml" or "yaml": fixes are written in the file's own syntax

    def record(self, cls: type, data: Any, path: str = "") -> Any:
        """The record, or None when any of its fields had a problem (already collected),
        so later checks only ever see well-formed records."""
        before = len(self.problems)
        if not isinstance(data, dict):
            self._fail(path, f"expected a table of fields, found {_kind(data)}")
            return None
        hints = typing.get_type_hints(cls)
        known = {f.name for f in dataclasses.fields(cls)}
        for key in data:
            if key not in known:
                self._unknown(path, str(key), known)
        values = {}
        for f in dataclasses.fields(cls):
            key = _join(path, f.name)
            if f.name not in data:
                if f.default is MISSING and f.default_factory is MISSING:
                    add = f"{f.name}:" if self.syntax == "yaml" else f"{f.name} = …"
                    self._fail(key, "is missing", f"add `{add}` ({f.metadata.get('doc', '')})")
                continue
            value = self.value(hints[f.name], data[f.name], key)
            check = f.metadata.get("check")
            if value is not None and check and (message := check(value)):
                self._fail(key, message)
            values[f.name] = value
        if len(self.problems) > before:
            return None
        return cls(**values)

    def value(self, hint: Any, data: Any, key: str) -> Any:
        origin, args = typing.get_origin(hint), typing.get_args(hint)
        if origin in (types.UnionType, typing.Union):
            if data is None and type(None) in args:
                return None
            options = [a for a in args if a is not type(None)]
            hint = next((a for a in options if typing.get_origin(a) is dict and isinstance(data, dict)), options[0])
            return self.value(hint, data, key)
        if origin is list:
            if not isinstance(data, list):
                return self._fail(key, f"expected a list, found {_kind(data)}", "write it as [a, b]")
            return [self.value(args[0], item, f"{key}[{i}]") for i, item in enumerate(data)]
        if origin is dict:
            return self._mapping(args[1], data, key)
        if dataclasses.is_dataclass(hint):
            return self.record(hint, data, key)
        return self._scalar(hint, data, key)

    def _mapping(self, hint: Any, data: Any, key: str) -> dict | None:
        if not isinstance(data, dict):
            example = ("{ en: \"…\", zh-Hans: \"…\" }" if self.syntax == "yaml"
                       else "{ en = \"…\", zh-Hans = \"…\" }")
            return self._fail(key, f"expected one value per language, found {_kind(data)}",
                              f"write it as {example}")
        if self.languages is not None and hint is str:
            for lang in data:
                if lang not in self.languages:
                    self._fail(f"{key}.{lang}", "is not one of the site's languages",
                               f"use one of: {', '.join(self.languages)}")
        return {str(k): self.value(hint, v, f"{key}.{k}") for k, v in data.items()}

    def _scalar(self, hint: Any, data: Any, key: str) -> Any:
        if hint is dt.date:
            if isinstance(data, dt.date) and not isinstance(data, dt.datetime):
                return data
            return self._fail(key, f"{str(data)!r} is not a date", date_fix(data))
        if hint is str and isinstance(data, (int, float)) and not isinstance(data, bool):
            return str(data)
        if not isinstance(data, hint) or (hint is int and isinstance(data, bool)):
            return self._fail(key, f"expected {_kind_name(hint)}, found {_kind(data)}")
        if hint is str and not data.strip():
            return self._fail(key, "is empty", "write a value or remove the line")
        return data

    def _unknown(self, path: str, key: str, known: set[str]) -> None:
        close = difflib.get_close_matches(key, sorted(known), n=1)
        fix = f"did you mean `{close[0]}`?" if close else f"known fields: {', '.join(sorted(known))}"
        self._fail(_join(path, key), "is not a known field", fix)

    def _fail(self, key: str, message: str, fix: str = "") -> None:
        self.problems.append(KeyProblem(key or "(top level)", message, fix))
        return None


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _kind(data: Any) -> str:
    return {dict: "a table", list: "a list", str: "text", bool: "true/false", type(None): "nothing"}.get(
        type(data), _kind_name(type(data)))


def _kind_name(hint: Any) -> str:
    return {str: "text", int: "a whole number", float: "a number", bool: "true or false"}.get(
        hint, getattr(hint, "__name__", str(hint)))


def date_fix(data: Any) -> str:
    """How to write a date the way YAML and TOML read it, computed from what was typed
    (`2026/11/24`, `2026年11月24日`, full-width digits, a date with a time)."""
    if isinstance(data, dt.datetime):
        return f"write only the date: {data.date().isoformat()}"
    match = _DATE_PARTS.match(unicodedata.normalize("NFKC", str(data)))
    if match:
        try:
            return f"write it as {dt.date(*map(int, match.groups())).isoformat()} (YYYY-MM-DD)"
        except ValueError:
            return "this day does not exist in the calendar; write a real date as YYYY-MM-DD"
    return "write it as YYYY-MM-DD, e.g. 2026-11-24"


def one_line(value: Any) -> str | None:
    """Check for text that ends up in an email header (subject, sender): a line break or
    NUL there would start a header of its own."""
    texts = value.values() if isinstance(value, dict) else [value]
    for text in texts:
        if isinstance(text, str) and (bad := _BREAKS.search(text)):
            return (f"contains a line break or invisible character ({ord(bad.group()):#04x}); "
                    "write it on one line")
        if isinstance(text, str) and "%%" in text:
            return ("contains '%%', which marks a per-subscriber placeholder, but this text is the same "
                    "for every subscriber (only the templates personalise); write a single % or remove it")
    return None
