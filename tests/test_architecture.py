"""The package listing is the architecture: these tests keep it true.

Layers, bottom to top: text ← project ← build ← checks, i18n ← mailing ← web ← cli.
A module may import its own layer or any lower one, never a higher one; there are no
import cycles between modules; only `cli/` prints or exits; and the mailing side loads
none of the build's heavy libraries.
"""
from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

import newsletter

PACKAGE = Path(newsletter.__file__).parent
LAYERS = {"errors": 0, "text": 0, "project": 1, "build": 2, "checks": 3, "i18n": 3,
          "mailing": 4, "web": 5, "cli": 6, "__main__": 7, "__init__": 7}
TOP_LEVEL_FILES = {"__init__.py", "__main__.py", "errors.py"}
HEAVY = ("premailer", "lxml", "PIL", "jinja2", "cssutils", "markdown_it", "nh3")
MAX_LINES = 400


def modules() -> dict[str, Path]:
    """Dotted module name → file, for every module of the installed package."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(["newsletter", *parts])] = path
    return found


def imported(name: str, path: Path) -> set[str]:
    """Every newsletter module `name` imports, relative imports resolved, at any depth
    of the file (imports inside functions count: they are still dependencies)."""
    is_package = path.name == "__init__.py"
    package = name if is_package else name.rpartition(".")[0]
    targets = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets |= {a.name for a in node.names if a.name.startswith("newsletter")}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([base] if base else []))
            if base.startswith("newsletter"):
                targets |= {f"{base}.{a.name}" for a in node.names} | {base}
    known = modules()
    return {t for t in targets if t in known and t != name}


def layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def graph() -> dict[str, set[str]]:
    return {name: imported(name, path) for name, path in modules().items()}


def test_top_level_holds_only_subpackages_and_three_files() -> None:
    files = {p.name for p in PACKAGE.iterdir() if p.is_file() and p.suffix == ".py"}
    assert files == TOP_LEVEL_FILES
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert folders == set(LAYERS) - {"errors", "__main__", "__init__"}


def test_imports_only_go_downward() -> None:
    upward = [f"{a} imports {b}" for a, targets in graph().items() for b in targets
              if layer(a) != "__init__" and LAYERS[layer(b)] > LAYERS[layer(a)]]
    assert upward == []


def test_library_never_imports_the_cli() -> None:
    offenders = [a for a, targets in graph().items()
                 if layer(a) not in ("cli", "__main__") and any(layer(b) == "cli" for b in targets)]
    assert offenders == []


def test_no_import_cycles() -> None:
    edges = graph()
    cycles, state = [], {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(edges[node]):
            if state.get(nxt) == "open":
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, [*stack, nxt])
        state[node] = "done"

    for start in sorted(edges):
        if start not in state:
            visit(start, [start])
    # a package's __init__ importing its own submodules is not a cycle of modules
    real = [c for c in cycles if not all(m == c[0] or m.startswith(c[0] + ".") for m in c)]
    assert real == []


def test_cli_entry_point_is_not_imported_by_its_commands() -> None:
    back = [a for a, targets in graph().items() if a.startswith("newsletter.cli.") and "newsletter.cli" in targets]
    assert back == []


def _calls(path: Path) -> list[str]:
    """`print(…)`, `sys.exit(…)`, `exit(…)`, `os._exit(…)` and click/rich output in a file."""
    found = []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            name = f.id if isinstance(f, ast.Name) else f"{getattr(f.value, 'id', '?')}.{f.attr}" if isinstance(f, ast.Attribute) else ""
            if name in ("print", "exit", "quit", "sys.exit", "os._exit", "click.echo", "click.secho"):
                found.append(f"{path.name}:{node.lineno}: {name}")
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            mods = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            found += [f"{path.name}:{node.lineno}: imports {m}" for m in mods if m.split(".")[0] in ("click", "rich")]
    return found


def test_only_the_cli_prints_or_exits() -> None:
    offenders = [c for name, path in modules().items() if layer(name) not in ("cli", "__main__") for c in _calls(path)]
    assert offenders == []


def test_no_module_over_400_lines() -> None:
    long = {name: n for name, path in modules().items() if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}


@pytest.mark.parametrize("module", ["newsletter.mailing", "newsletter.mailing.send", "newsletter.mailing.ledger",
                                    "newsletter.mailing.subscribers", "newsletter.mailing.transports",
                                    "newsletter.mailing.tokens", "newsletter.mailing.store",
                                    "newsletter.mailing.lock", "newsletter.mailing.bounces.process"])
def test_mailing_side_loads_none_of_the_build_libraries(module: str) -> None:
    """A fresh interpreter, so nothing imported by other tests hides a heavy import."""
    code = f"import sys, {module}; print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env,
                         cwd=PACKAGE.parent)
    assert out.stdout.strip() == ""


def test_the_checker_sees_an_upward_import(tmp_path: Path) -> None:
    """The graph test can fail: a made-up text module importing build is caught."""
    fake = tmp_path / "fake.py"
    fake.write_text("from ..build.pipeline import build\nfrom . import width\n", encoding="utf-8")
    found = imported("newsletter.text.fake", fake)
    assert "newsletter.build.pipeline" in found and "newsletter.text.width" in found
    assert any(LAYERS[layer(b)] > LAYERS["text"] for b in found)
