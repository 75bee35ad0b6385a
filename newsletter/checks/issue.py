"""`check_issue`: build into a throw-away folder and return the check report, so checking
never touches dist/."""
from __future__ import annotations

import tempfile
from pathlib import Path

from ..build import build
from .runner import CheckReport


def check_issue(issue_dir: Path, ignore=(), environ: dict | None = None) -> CheckReport:
    with tempfile.TemporaryDirectory(prefix="newsletter-check-") as tmp:
        result = build(Path(issue_dir), Path(tmp), environ)
    return result.checks.ignoring(ignore)
