"""What a user installs: the wheel holds every subpackage, the default theme and the
skeleton; the code uses no dependency's private names and declares every package it
imports."""
from __future__ import annotations

import ast
import importlib.metadata
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import newsletter

from .conftest import REPO

pytestmark = pytest.mark.slow

PACKAGE = Path(newsletter.__file__).parent
SOURCE = REPO / "newsletter"


def _expected_wheel_files() -> set[str]:
    """Every file of the source tree that belongs in the wheel, named as the wheel names it."""
    files = {f"newsletter/{p.relative_to(SOURCE).as_posix()}" for p in SOURCE.rglob("*.py")
             if "__pycache__" not in p.parts and "skeleton" not in p.parts and "theme" not in p.parts}
    files |= {f"newsletter/skeleton/{p.relative_to(SOURCE / 'skeleton').as_posix()}"
              for p in (SOURCE / "skeleton").rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    files |= {f"newsletter/theme/templates/{p.relative_to(REPO / 'templates').as_posix()}"
              for p in (REPO / "templates").rglob("*") if p.is_file()}
    files |= {f"newsletter/theme/translations/{p.relative_to(REPO / 'translations').as_posix()}"
              for p in (REPO / "translations").rglob("*") if p.suffix in (".po", ".pot")}
    return files


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out),
                    str(REPO)], check=True, capture_output=True, timeout=300)
    return zipfile.ZipFile(next(out.glob("newsletter-*.whl")))


def test_wheel_holds_every_module_theme_file_and_skeleton_file(wheel) -> None:
    names = {n for n in wheel.namelist() if not n.startswith("newsletter-")}
    assert _expected_wheel_files() - names == set()
    assert not [n for n in names if n.endswith((".mo", ".pyc"))]


def test_expected_list_is_not_empty() -> None:
    """The comparison above means something only if the walk finds the parts."""
    expected = _expected_wheel_files()
    for part in ("newsletter/cli/__init__.py", "newsletter/mailing/send.py", "newsletter/theme/templates/email/email.html.j2",
                 "newsletter/theme/translations/zh_Hans/LC_MESSAGES/messages.po", "newsletter/skeleton/newsletter.toml"):
        assert part in expected


def _third_party_imports() -> dict[str, list[str]]:
    """Top-level name of every non-standard-library module imported, → where."""
    found: dict[str, list[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module else []
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top != "newsletter":
                    found.setdefault(top, []).append(f"{path.name}:{node.lineno}")
    return found


def _private_uses(tree: ast.AST, third_party: set[str]) -> list[str]:
    """`from pkg.mod import _x`, `import pkg._mod`, and `alias._x` where alias is a third-party module."""
    aliases, found = {}, []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] in third_party:
                    aliases[a.asname or a.name.split(".")[0]] = a.name
                    found += [a.name] if any(p.startswith("_") for p in a.name.split(".")) else []
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module \
                and node.module.split(".")[0] in third_party:
            if any(p.startswith("_") for p in node.module.split(".")):
                found.append(node.module)
            found += [f"{node.module}.{a.name}" for a in node.names if a.name.startswith("_")]
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases \
                and node.attr.startswith("_") and not node.attr.startswith("__"):
            found.append(f"{aliases[node.value.id]}.{node.attr}")
    return found


def test_no_private_names_of_any_dependency() -> None:
    third_party = set(_third_party_imports())
    used = {f"{p.relative_to(PACKAGE)}: {u}" for p in PACKAGE.rglob("*.py")
            for u in _private_uses(ast.parse(p.read_text(encoding="utf-8")), third_party)}
    assert used == set()


def test_the_private_name_finder_finds_them() -> None:
    tree = ast.parse("from babel.messages.frontend import _parse_mapping_toml\nimport lxml.html\n"
                     "import premailer as p\nx = p._cache\nfrom jinja2._compat import y\n")
    assert _private_uses(tree, {"babel", "lxml", "premailer", "jinja2"}) == [
        "babel.messages.frontend._parse_mapping_toml", "jinja2._compat", "premailer._cache"]


def _declared_distributions() -> set[str]:
    requires = importlib.metadata.requires("newsletter") or []
    return {r.split(";")[0].split("[")[0].split("<")[0].split(">")[0].split("=")[0].strip().lower().replace("_", "-")
            for r in requires}


def test_every_imported_package_is_declared() -> None:
    provided = importlib.metadata.packages_distributions()
    declared = _declared_distributions()
    undeclared = {}
    for top, where in _third_party_imports().items():
        dists = {d.lower().replace("_", "-") for d in provided.get(top, [])}
        if not dists & declared:
            undeclared[top] = where
    assert undeclared == {}
