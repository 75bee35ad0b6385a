"""Checks over the build `send` is about to deliver: the files in `dist/<issue>/`, not a
fresh build, so what was checked is byte for byte what subscribers get."""
from __future__ import annotations

import json
from pathlib import Path

from ..build.built import BuiltEdition
from ..build.plan import Edition
from ..errors import InputError, Problem
from ..project.config import load_config
from ..project.root import DIST_DIR, find_project_root
from ..project.sources import read_issue
from .runner import CheckReport, run_checks


def check_dist(issue_dir: Path, ignore=()) -> CheckReport:
    """Every `newsletter check` check over the built editions in dist/<issue>/."""
    root = find_project_root(issue_dir)
    config = load_config(root)
    issue = read_issue(config, issue_dir.resolve())
    folder = root / DIST_DIR / issue.name
    manifest_path = folder / "manifest.json"
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        built = [_built(config, issue.name, folder, entry) for entry in manifest["editions"]]
    except (OSError, ValueError, KeyError) as exc:
        raise InputError([Problem(manifest_path, None, f"the build cannot be read ({exc})",
                                  f"build it again: newsletter build {issue_dir}")]) from None
    return run_checks(config, issue, built).ignoring(ignore)


def _built(config, issue: str, folder: Path, entry: dict) -> BuiltEdition:
    sponsor = config.sponsor(entry["sponsor"])
    if sponsor is None:
        raise KeyError(f"sponsor {entry['sponsor']!r} is no longer in newsletter.toml")
    edition = Edition(issue, sponsor, tuple(entry["languages"]), config.site.base_url.rstrip("/"))
    return BuiltEdition(edition, entry["subject"], entry.get("preheader", ""),
                        (folder / entry["html"]).read_text(encoding="utf-8"),
                        (folder / entry["text"]).read_text(encoding="utf-8"),
                        (folder / entry["eml"]).read_bytes())
