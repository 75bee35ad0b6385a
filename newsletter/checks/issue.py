"""Checks over a whole build: `check_build` for a build just made, `check_issue` for an
issue: its current build in dist/ when there is one (see build/reuse.py), else a build
into a throw-away folder, so checking never touches dist/; `check_dist` for the build in
dist/ as it is, the one `send` is about to deliver."""
from __future__ import annotations

import tempfile
from pathlib import Path

from ..build.built import BuildResult
from ..build.reuse import load_build, read_build
from .runner import CheckReport, run_checks


def check_build(result: BuildResult, fetch=None) -> CheckReport:
    """`fetch` (e.g. `online.fetch`) also checks that every linked address answers."""
    return run_checks(result.config, result.issue, result.editions, fetch=fetch)


def check_issue(issue_dir: Path, ignore=(), environ: dict | None = None, fetch=None) -> CheckReport:
    result = load_build(Path(issue_dir))
    if result is not None:
        return check_build(result, fetch).ignoring(ignore)
    from ..build.pipeline import (
        build,  # only now: the build's libraries are heavy to load
    )
    with tempfile.TemporaryDirectory(prefix="newsletter-check-") as tmp:
        result = build(Path(issue_dir), Path(tmp), environ)
    return check_build(result, fetch).ignoring(ignore)


def check_dist(issue_dir: Path, ignore=(), fetch=None) -> CheckReport:
    """Every check over the files in dist/<issue>/, not a fresh build: what was checked
    is byte for byte what subscribers get."""
    return check_build(read_build(Path(issue_dir)), fetch).ignoring(ignore)
