"""Shared fixtures: a private copy of the bundled sample project for each test that edits it."""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PROJECT_PARTS = ("newsletter.toml", "authors.yaml", "assets", "issues", "templates", "translations")
SAMPLE_ISSUE = "issues/2026-11"


def _installed_command() -> list[str]:
    """The `newsletter` script installed beside this Python, as a user runs it; subprocess
    tests use it so that they exercise the installed package, not this source tree."""
    script = Path(sys.executable).with_name("newsletter")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "newsletter"]


NEWSLETTER = _installed_command()


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory):
    """Builds keep line breaks in the user's cache folder; the tests' builds (and the
    commands they start) keep theirs in a folder of their own instead."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NEWSLETTER_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        yield


def copy_project(target: Path) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    for part in PROJECT_PARTS:
        source = REPO / part
        if source.is_dir():
            shutil.copytree(source, target / part)
        else:
            shutil.copy2(source, target / part)
    return target


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A writable copy of the sample project."""
    return copy_project(tmp_path / "project")


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    """Replace text in a fixture file, failing loudly if the text is not there."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def cli_build(project: Path):
    """Run `newsletter build` on the project's sample issue through the real CLI."""
    from click.testing import CliRunner

    from newsletter.cli import main

    return CliRunner().invoke(main, ["build", str(project / SAMPLE_ISSUE)])


def failed_build_errors(project: Path) -> tuple[list[str], str]:
    """Run a build that must fail as bad input: exit 2, no traceback, nothing written.
    Returns its `error:` lines and the whole output."""
    result = cli_build(project)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert not (project / "dist").exists()
    return [line for line in result.output.splitlines() if line.startswith("error: ")], result.output


@pytest.fixture
def theme_without_catalogs(tmp_path: Path, monkeypatch) -> None:
    """A default theme with its templates but no catalogs, so that a test sees only what the
    project's own catalog says (otherwise the theme supplies every string it leaves open)."""
    from newsletter.project import theme

    fake = tmp_path / "theme-without-catalogs"
    fake.mkdir()
    (fake / "templates").symlink_to(theme.THEME_DIR / "templates")
    monkeypatch.setattr(theme, "THEME_DIR", fake)
