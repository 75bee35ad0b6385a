"""Where a project is: the folder holding newsletter.toml, found the way git finds .git."""
from __future__ import annotations

from pathlib import Path

from ..errors import InputError, Problem
from .config import CONFIG_NAME

DIST_DIR = "dist"


def find_project_root(start: Path) -> Path:
    """The nearest folder at or above `start` holding newsletter.toml."""
    start = start.resolve()
    if not start.is_dir():
        raise InputError([Problem(start, None, "issue folder not found",
                                  "give the folder holding issue.yaml, e.g. issues/2026-11")])
    for folder in (start, *start.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder
    raise InputError([Problem(start, None, f"no {CONFIG_NAME} in this folder or above it",
                              "run newsletter inside a project folder")])
