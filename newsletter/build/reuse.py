"""Reading a finished build back, when it is still what the sources would build.

The manifest records a hash of every file a build reads (configuration, authors, the
issue folder, templates, catalogs, assets) and the newsletter version that built it.
`newsletter check` reuses `dist/<issue>` when they all match now, instead of building
the whole issue again; anything that differs, is missing or was edited by hand in
`dist/` means "not current", and the caller builds afresh.
"""
from __future__ import annotations

import hashlib
import json
from importlib import metadata
from pathlib import Path

from ..project.config import load_config
from ..project.root import DIST_DIR, find_project_root
from ..project.sources import read_issue
from .built import BuildResult, BuiltEdition
from .catalogs import load_catalogs
from .plan import plan_editions

# What a build reads, relative to the project root; the issue folder comes on top.
SOURCE_PARTS = ("newsletter.toml", "authors.yaml", "templates", "translations", "assets")


def current_sources(root: Path, issue_folder: Path) -> dict:
    """The manifest's record of what was built from: {"builder": …, "sources": {path: sha256}}."""
    files: list[Path] = []
    for part in [*(root / name for name in SOURCE_PARTS), issue_folder]:
        if part.is_file():
            files.append(part)
        elif part.is_dir():
            files += [p for p in part.rglob("*") if p.is_file() and not _hidden(p.relative_to(part))]
    return {"builder": _builder(),
            "sources": {_key(root, p): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(files)}}


def load_build(issue_dir: Path, out_root: Path | None = None) -> BuildResult | None:
    """The build in `<out_root>/<issue>` (default dist/) if it is current, else None."""
    root = find_project_root(issue_dir)
    folder = issue_dir.resolve()
    out_dir = (out_root or root / DIST_DIR) / folder.name
    try:
        manifest = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or manifest.get("sources") is None \
            or {k: manifest.get(k) for k in ("builder", "sources")} != current_sources(root, folder):
        return None
    config = load_config(root)
    issue = read_issue(config, folder)
    loaded = load_catalogs(config)
    built = _editions(out_dir, manifest, {e.id: e for e in plan_editions(config, issue)})
    if built is None:
        return None
    warnings = [w for c in loaded.values() for w in c.warnings]
    return BuildResult(config, issue, out_dir, built, warnings, manifest)


def _editions(out_dir: Path, manifest: dict, planned: dict) -> list[BuiltEdition] | None:
    """The built editions, or None when they are not exactly the planned ones, intact."""
    entries = manifest.get("editions") or []
    if sorted(e.get("id", "") for e in entries) != sorted(planned):
        return None
    built = []
    for entry in entries:
        try:
            html = (out_dir / entry["html"]).read_text(encoding="utf-8")
            text = (out_dir / entry["text"]).read_text(encoding="utf-8")
            eml = (out_dir / entry["eml"]).read_bytes()
        except (OSError, KeyError, UnicodeDecodeError):
            return None
        if hashlib.sha256(html.encode("utf-8")).hexdigest() != entry.get("sha256"):
            return None  # edited by hand after the build
        greeting = entry.get("greeting") or {}
        built.append(BuiltEdition(planned[entry["id"]], entry["subject"], entry["preheader"], html, text, eml,
                                  greetings=(greeting.get("named", ""), greeting.get("neutral", ""))))
    return built


def _builder() -> str:
    try:
        return f"newsletter {metadata.version('newsletter')}"
    except metadata.PackageNotFoundError:
        return "newsletter (not installed)"


def _key(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else path.as_posix()


def _hidden(relative: Path) -> bool:
    """Editor swap files, .DS_Store, __pycache__: never read by a build."""
    return any(part.startswith(".") or part == "__pycache__" for part in relative.parts)
