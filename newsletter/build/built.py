"""What a build produces, in a module of its own so that checks, preview and the CLI can
read built editions without importing the pipeline that makes them."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Problem
from ..project.config import Config
from ..project.sources import Issue
from .plan import Edition


@dataclass(frozen=True)
class BuiltEdition:
    edition: Edition
    subject: str
    preheader: str
    html: str          # inlined, with %%placeholders%% for per-subscriber values
    text: str
    eml: bytes         # the sample message
    warnings: list[Problem] = field(default_factory=list)
    greetings: tuple[str, str] = ("", "")   # (named with %%name%%, neutral): see greeting.py

    @property
    def html_bytes(self) -> int:
        return len(self.html.encode("utf-8"))


@dataclass(frozen=True)
class BuildResult:
    config: Config
    issue: Issue
    out_dir: Path
    editions: list[BuiltEdition]
    warnings: list[Problem]
    manifest: dict
