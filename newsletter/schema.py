"""A tiny typed-record loader shared by the config and source readers.

Records are frozen dataclasses whose fields carry a doc line and an optional check.
Loading walks the data once and collects every problem with its key path
(`sponsors[2].colors.primary: ...`) instead of stopping at the first.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import types
import typing
from collections.abc import Callable
from typing import Any

MISSING = dataclasses.MISSING


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

    def __init__(self, localized_languages: list[str] | None = None):
        self.problems: list[KeyProblem] = []
        self.languages = localized_languages

    def record(self, cls: type, data: Any, path: str = "") -> Any:
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
                    self._fail(key, "is missing", f"add `{f.name}:` ({f.metadata.get('doc', '')})")
                continue
            value = self.value(hints[f.name], data[f.name], key)
            check = f.metadata.get("check")
            if value is not None and check and (message := check(value)):
                self._fail(key, message)
            values[f.name] = value
        if len(values) + self._defaults(cls, values) < len(dataclasses.fields(cls)):
            return None
        return cls(**values)

    def value(self, hint: Any, data: Any, key: str) -> Any:
        origin, args = typing.get_origin(hint), typing.get_args(hint)
        if origin in (types.UnionType, typing.Union):
            if data is None and type(None) in args:
                return None
            hint = next(a for a in args if a is not type(None))
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
            return self._fail(key, f"expected one value per language, found {_kind(data)}",
                              "write it as { en = \"…\", zh-Hans = \"…\" }")
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
            return self._fail(key, f"{data!r} is not a date", "write it as YYYY-MM-DD, e.g. 2026-11-24")
        if hint is str and isinstance(data, (int, float)) and not isinstance(data, bool):
            return str(data)
        if not isinstance(data, hint) or (hint is int and isinstance(data, bool)):
            return self._fail(key, f"expected {_kind_name(hint)}, found {_kind(data)}")
        if hint is str and not data.strip():
            return self._fail(key, "is empty", "write a value or remove the line")
        return data

    def _defaults(self, cls: type, values: dict) -> int:
        return sum(1 for f in dataclasses.fields(cls) if f.name not in values
                   and (f.default is not MISSING or f.default_factory is not MISSING))

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
