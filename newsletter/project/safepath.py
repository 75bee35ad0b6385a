"""Paths written in content files, checked before any file is opened.

A hero image, a logo or an article file must live inside the project: a path like
`../../etc/passwd`, an absolute path or a symlink leading out would otherwise copy a
private file into `dist/` and publish it. A wrong letter case works on a volunteer's Mac
but not on the web server, so we name the file that does exist.
"""
from __future__ import annotations

import difflib
import re
from pathlib import Path, PurePosixPath

from . import limits

_DRIVE = re.compile(r"^[A-Za-z]:")


def path_problem(base: Path, written: str, root: Path, max_bytes: int | None = None) -> tuple[str, str] | None:
    """(what is wrong, how to fix it) for `written`, relative to `base`, or None when it
    names a file inside `root` (no larger than `max_bytes`)."""
    if "\\" in written:
        return "uses backslashes '\\'", f"write it with forward slashes: {written.replace(chr(92), '/')}"
    pure = PurePosixPath(written)
    if pure.is_absolute() or _DRIVE.match(written):
        return "is an absolute path", f"copy the file into the project and write its path relative to {base}"
    if ".." in pure.parts:
        return "points outside its folder with '..'", f"copy the file into {base} and use a path without '..'"
    target = base / written
    if not target.resolve().is_relative_to(root.resolve()):
        return "leads outside the project folder (a link to a file elsewhere)", \
            "copy the file itself into the project instead of linking to it"
    if target.is_file():
        return limits.size_problem(target, max_bytes) if max_bytes else None
    if target.exists():
        return "is a folder, not a file", "give the path of the file inside it"
    twin = case_twin(base, pure)
    if twin:
        return "not found", f"did you mean `{twin}`? (letter case matters on the web server)"
    if near := near_name(base, pure):
        return "not found", f"did you mean `{near}`?"
    return "not found", f"put the file in {base} or fix the path"


def near_name(base: Path, relative: PurePosixPath) -> str | None:
    """A file in the same folder whose name is close to the one written (`hip_hinge.jpg`
    for `hip-hinge.jpg`, `.jpeg` for `.jpg`)."""
    folder = base / relative.parent
    try:
        names = sorted(p.name for p in folder.iterdir() if p.is_file())
    except OSError:
        return None
    close = difflib.get_close_matches(relative.name, names, n=1, cutoff=0.75)
    return (relative.parent / close[0]).as_posix() if close else None


def case_twin(base: Path, relative: PurePosixPath) -> str | None:
    """The existing path that differs from `relative` only in letter case, if any."""
    folder, found = base, []
    for part in relative.parts:
        try:
            match = next((p for p in sorted(folder.iterdir()) if p.name.casefold() == part.casefold()), None)
        except OSError:
            return None
        if match is None:
            return None
        found.append(match.name)
        folder = match
    return "/".join(found) if folder.is_file() else None


def inside(path: Path, root: Path) -> bool:
    """Whether `path`, with every symlink followed, stays inside `root`."""
    return path.resolve().is_relative_to(root.resolve())
