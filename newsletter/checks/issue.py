"""Checks over a whole build: `check_build` for a build just made, `check_issue` for an
issue built into a throw-away folder, so checking never touches dist/."""
from __future__ import annotations

import tempfile
from pathlib import Path

from ..build.built import BuildResult
from ..build.pipeline import build
from .runner import CheckReport, run_checks


def check_build(result: BuildResult, fetch=None) -> CheckReport:
    """`fetch` (e.g. `online.fetch`) also checks that every linked address answers."""
    return run_checks(result.config, result.issue, result.editions, fetch=fetch)


def check_issue(issue_dir: Path, ignore=(), environ: dict | None = None, fetch=None) -> CheckReport:
    with tempfile.TemporaryDirectory(prefix="newsletter-check-") as tmp:
        result = build(Path(issue_dir), Path(tmp), environ)
    return check_build(result, fetch).ignoring(ignore)
