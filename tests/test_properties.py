"""Property-based tests: real files of the sample, mutated the way typing, pasting and
saving go wrong (IME characters, tabs, quotes, control characters, cut lines, random
Unicode), fed to the readers and to the CLI. The only outcomes allowed are success or
the project's InputError / exit 2 with a location — never another exception."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsletter.cli import main
from newsletter.errors import InputError
from newsletter.project.config import load_config
from newsletter.project.sources import read_article, read_issue

from .conftest import REPO, SAMPLE_ISSUE, copy_project

pytestmark = pytest.mark.slow

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
PIECES = ["：", "，", "　", "“", "”", "‘", "’", "\t", "\r\n", "\r", "\x00", "\x07", "\ufeff", "\u2028", "---\n",
          ": ", "- ", "[", "]", "{", "}", "\"", "'", "&a ", "*a", "!!python/object:os.system ", "? ", "|\n",
          "2026/11/24", "2026年11月24日", "2026-02-30", "9" * 30, "../../etc/passwd", "/etc/passwd", "#", "%",
          "\n  ", "\n\t", "= ", "[[sponsors]]\n", "[site]\n", "\"\"\"", "\\", "null", "~", "yes", "1e999"]


@st.composite
def mutated(draw, text: str) -> str:
    """`text` after a few edits: inserted pieces or random characters, deleted spans, lines
    swapped for random text."""
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        kind = draw(st.sampled_from(["piece", "chars", "delete", "line"]))
        if kind == "piece":
            text = text[:at] + draw(st.sampled_from(PIECES)) + text[at:]
        elif kind == "chars":
            text = text[:at] + draw(st.text(max_size=6)) + text[at:]
        elif kind == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 40)):]
        else:
            lines = text.split("\n")
            lines[draw(st.integers(0, len(lines) - 1))] = draw(st.text(max_size=30))
            text = "\n".join(lines)
    return text


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    return copy_project(tmp_path_factory.mktemp("properties") / "project")


def assert_located(error: InputError) -> None:
    assert error.problems
    for problem in error.problems:
        assert problem.path, problem
        assert problem.line or ": " in problem.message, f"no location: {problem}"
        assert "\n" not in str(problem), f"a message must be one line: {problem!r}"


def mutate_file(path: Path, text: str, encoding: str = "utf-8") -> None:
    path.write_bytes(text.encode(encoding, errors="surrogatepass"))


def text_of(root: Path, name: str) -> str:
    """The file as the sample ships it (the test copy is restored to this after each example)."""
    return (REPO / name).read_text(encoding="utf-8")


@st.composite
def article_text(draw, root_text: str) -> str:
    return draw(st.one_of(mutated(root_text), st.text(max_size=200).map(lambda t: "---\n" + t + "\n---\nbody")))


@SETTINGS
@given(data=st.data())
def test_front_matter_reader(root: Path, data) -> None:
    name = f"{SAMPLE_ISSUE}/hip-hinge.en.md"
    original = text_of(root, name)
    path = root / SAMPLE_ISSUE / "fuzz.en.md"
    mutate_file(path, data.draw(article_text(original)))
    try:
        read_article(load_config(root), path)
    except InputError as error:
        assert_located(error)
    finally:
        path.unlink()


@SETTINGS
@given(data=st.data(), which=st.sampled_from([f"{SAMPLE_ISSUE}/issue.yaml", "authors.yaml",
                                              f"{SAMPLE_ISSUE}/memoir-circle.zh-Hans.md"]))
def test_issue_reader(root: Path, data, which: str) -> None:
    original = text_of(root, which)
    try:
        mutate_file(root / which, data.draw(mutated(original)))
        read_issue(load_config(root), root / SAMPLE_ISSUE)
    except InputError as error:
        assert_located(error)
    finally:
        (root / which).write_text(original, encoding="utf-8")


@SETTINGS
@given(data=st.data())
def test_config_reader(root: Path, data) -> None:
    original = text_of(root, "newsletter.toml")
    try:
        mutate_file(root / "newsletter.toml", data.draw(mutated(original)))
        load_config(root)
    except InputError as error:
        assert_located(error)
    finally:
        (root / "newsletter.toml").write_text(original, encoding="utf-8")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), which=st.sampled_from(["newsletter.toml", f"{SAMPLE_ISSUE}/issue.yaml",
                                              f"{SAMPLE_ISSUE}/hip-hinge.en.md"]),
       encoding=st.sampled_from(["utf-8", "utf-8", "utf-8", "utf-16", "gb18030"]))
def test_cli_build_exits_0_or_2(root: Path, tmp_path: Path, data, which: str, encoding: str) -> None:
    original = text_of(root, which)
    try:
        text = data.draw(mutated(original))
        try:
            mutate_file(root / which, text, encoding)
        except UnicodeEncodeError:
            mutate_file(root / which, text)
        result = CliRunner().invoke(main, ["build", str(root / SAMPLE_ISSUE), "--out", str(tmp_path / "out")])
        assert result.exit_code in (0, 2), result.output
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
        assert "Traceback" not in result.output
        if result.exit_code == 2:
            assert result.output.startswith("error: "), result.output
    finally:
        (root / which).write_text(original, encoding="utf-8")
