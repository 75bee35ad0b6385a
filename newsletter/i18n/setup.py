"""Where the extraction settings come from: `[tool.babel]` in the project's pyproject.toml,
the same section `pybabel` reads, so both tools always agree on keywords and options."""
from __future__ import annotations

import io
import tomllib
from dataclasses import dataclass
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS
from babel.messages.frontend import (
    ConfigurationError,
    _parse_mapping_toml,
    parse_keywords,
)

from ..errors import InputError, Problem

PYPROJECT = "pyproject.toml"


@dataclass(frozen=True)
class ExtractSettings:
    method_map: list[tuple[str, str]]
    options_map: dict[str, dict]
    keywords: dict
    comment_tags: list[str]


def read_settings(root: Path) -> ExtractSettings:
    path = root / PYPROJECT
    if not path.is_file():
        raise InputError([Problem(path, None, "not found; extraction settings live in its [tool.babel] section",
                                  "run the command in the project folder")])
    data = path.read_bytes()
    try:
        method_map, options_map = _parse_mapping_toml(io.BytesIO(data), str(path), style="pyproject.toml")
    except ConfigurationError as exc:
        raise InputError([Problem(path, None, f"[tool.babel]: {exc}", "see Babel's configuration docs")]) from None
    babel = tomllib.loads(data.decode("utf-8"))["tool"]["babel"]
    keywords = {**DEFAULT_KEYWORDS, **parse_keywords(babel.get("keywords", []))}  # as pybabel does
    return ExtractSettings(method_map, options_map, keywords, list(babel.get("add_comments", [])))
