"""Reading a finished build back, when it is still what the sources would build.

The manifest records a hash of every file a build reads (configuration, authors, the
issue folder, templates, catalogs, assets) and the newsletter version that built it.
`newsletter check` reuses `dist/<issue>` when they all match now, instead of building
the whole issue again; anything that differs, is missing or was edited by hand in
`dist/` means "not current", and the caller builds afresh. `send`'s pre-send check reads
the build as it is (`read_build`): what it checks is byte for byte what is delivered.
"""
from __future__ import annotations

import hashlib
import json
from importlib import metadata
from pathlib import Path

from ..errors import InputError, Problem
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


def read_build(issue_dir: Path, out_root: Path | None = None) -> BuildResult:
    """The build in `<out_root>/<issue>` (default dist/) as it is on disk, current or not:
    what `send` delivers, so what its pre-send check must read. InputError, saying to
    build again, when it is missing, unreadable or not the editions the plan makes now."""
    root = find_project_root(issue_dir)
    folder = issue_dir.resolve()
    out_dir = (out_root or root / DIST_DIR) / folder.name
    config = load_config(root)
    issue = read_issue(config, folder)
    manifest_path = out_dir / "manifest.json"
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        built = _editions(out_dir, manifest["editions"], {e.id: e for e in plan_editions(config, issue)})
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError([Problem(manifest_path, None, f"the build cannot be read ({exc})",
                                  f"build it again: newsletter build {issue_dir}")]) from None
    warnings = [w for c in load_catalogs(config).values() for w in c.warnings]
    return BuildResult(config, issue, out_dir, built, warnings, manifest)


def load_build(issue_dir: Path, out_root: Path | None = None) -> BuildResult | None:
    """`read_build` when that build is still current: built by this newsletter from the
    sources as they are now, and no output file edited since; else None."""
    root = find_project_root(issue_dir)
    out_dir = (out_root or root / DIST_DIR) / issue_dir.resolve().name
    try:
        manifest = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or manifest.get("sources") is None \
            or {k: manifest.get(k) for k in ("builder", "sources")} != current_sources(root, issue_dir.resolve()):
        return None
    try:
        result = read_build(issue_dir, out_root)
    except InputError:
        return None
    hashes = {entry.get("id"): entry.get("sha256") for entry in manifest["editions"]}
    if any(hashlib.sha256(b.html.encode("utf-8")).hexdigest() != hashes[b.edition.id] for b in result.editions):
        return None  # edited by hand after the build
    return result


def _editions(out_dir: Path, entries: list[dict], planned: dict) -> list[BuiltEdition]:
    """The built editions; ValueError unless they are exactly the planned ones."""
    if sorted(e["id"] for e in entries) != sorted(planned):
        raise ValueError("its editions are not the ones newsletter.toml and the issue make now")
    built = []
    for entry in entries:
        html = (out_dir / entry["html"]).read_text(encoding="utf-8")
        text = (out_dir / entry["text"]).read_text(encoding="utf-8")
        eml = (out_dir / entry["eml"]).read_bytes()
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
