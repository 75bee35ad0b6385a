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
from .test_send_support import (  # noqa: F401
    ENV,
    built_template,
    sending_project,
    smtp_server,
    write_subscribers,
)

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


# --- issue 15: subscriber names, SMTP replies and CSV cells ----------------------------
# Text from outside the project reaches the email, the terminal and spreadsheets. Whatever
# it holds, it must change no link or tag of the email, print as typed (no markup, no
# escape sequence) and never become a spreadsheet formula.

HOSTILE_PIECES = ["[/]", "[link=https://evil.example]", "[bold]", "\x1b[2J", "\x1b]8;;https://evil.example\x1b\\",
                  "\x1b]8;;\x07", "\u202e", "\u200b", "%%name%%", "%%email%%", "%%", "javascript:", "data:",
                  "\"><script>", "<a href='x'>", "&amp;", "=", "+", "-", "@", "\t", "＝", "\x9b31m", "\\"]
hostile_text = st.lists(st.one_of(st.sampled_from(HOSTILE_PIECES), st.text(max_size=8)), max_size=6).map("".join)
one_line_text = hostile_text.map(lambda t: "".join(c for c in t if c not in "\r\n\x00\u2028\u2029\x85"))
ARTICLE_WITH_TOKENS = '\n\nHello %%name%%, <a href="%%name%%">me</a> <img src="%%email%%" alt="%%name%%">\n'


@pytest.fixture(scope="module")
def hostile_build(tmp_path_factory):
    """The sample built once with an article that types placeholders into attributes."""
    from newsletter.build.pipeline import build
    project = copy_project(tmp_path_factory.mktemp("hostile") / "project")
    with (project / SAMPLE_ISSUE / "hip-hinge.en.md").open("a", encoding="utf-8") as fp:
        fp.write(ARTICLE_WITH_TOKENS)
    return build(project / SAMPLE_ISSUE, environ={})


def _links_and_tags(html: str) -> tuple[list[str], list[str]]:
    import re
    return re.findall(r'(?:href|src)="([^"]*)"', html), re.findall(r"<([a-zA-Z][a-zA-Z0-9]*)", html)


@SETTINGS
@given(name=one_line_text)
def test_a_subscriber_name_changes_no_link_or_tag(hostile_build, name: str) -> None:
    import datetime as dt
    import email
    from email import policy

    from newsletter.build.sample import edition_mail
    from newsletter.text.mime import PreparedEdition, Recipient
    built = next(b for b in hostile_build.editions if b.edition.id == "hearts/en")
    mail = edition_mail(hostile_build.config, built.edition, built.subject, built.html, built.text, built.greetings)
    prepared = PreparedEdition(mail)

    def html_for(person: str) -> str:
        raw = prepared.message(Recipient("reader@example.com", person, "https://u.example/unsubscribe/t",
                                         built.edition.view_url, "https://u.example/preferences/t"),
                               date=dt.datetime(2026, 11, 27, tzinfo=dt.timezone.utc), message_id="<a@b.example>")
        return email.message_from_bytes(raw, policy=policy.default).get_body(("html",)).get_content()

    assert _links_and_tags(html_for(name)) == _links_and_tags(html_for("Alex"))


@SETTINGS
@given(name=one_line_text.map(lambda t: t.replace("\t", " ")))  # rich pads tabs in cells its own way
def test_a_subscriber_name_prints_as_typed(tmp_path_factory, name: str) -> None:
    import os

    from newsletter.cli.common import plain
    from newsletter.mailing.subscribers import Subscriber, SubscriberStore, database_path
    project = _shared_project(tmp_path_factory)
    with SubscriberStore(database_path(load_config(project))) as store:
        store.save([Subscriber("reader@example.com", name, "en", "hearts")])
    cwd = os.getcwd()
    try:
        os.chdir(project)
        result = CliRunner().invoke(main, ["subscribers", "list"], env={"COLUMNS": "400"})
    finally:
        os.chdir(cwd)
    assert result.exit_code == 0 and result.exception is None, result.output
    assert "\x1b" not in result.output and "\u202e" not in result.output
    shown = " ".join(plain(name).split())
    assert not shown or shown[:12] in " ".join(result.output.replace("│", " ").split())


_PROJECTS: dict[str, Path] = {}


def _shared_project(factory) -> Path:
    if "p" not in _PROJECTS:
        _PROJECTS["p"] = copy_project(factory.mktemp("names") / "project")
    return _PROJECTS["p"]


@SETTINGS
@given(cells=st.lists(hostile_text, min_size=1, max_size=4))
def test_exported_csv_cells_are_never_formulas(tmp_path_factory, cells: list[str]) -> None:
    import csv
    import io

    from newsletter.mailing.subscribers import FORMULA_START, Subscriber, SubscriberStore, database_path, export_csv
    project = _shared_project(tmp_path_factory)
    people = [Subscriber(f"{i}{c[:1] if c[:1] in '=+-@' else ''}x@example.com", c, "en", "hearts")
              for i, c in enumerate(cells)]
    with SubscriberStore(database_path(load_config(project))) as store:
        store.save(people)
        out = io.StringIO()
        export_csv(store, out)
    rows = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
    by_email = {row[0].lstrip("'"): row for row in rows[1:]}
    for person in people:
        row = by_email[person.email]
        for original, cell in zip((person.email, person.name), row):
            assert not cell.startswith(FORMULA_START), cell
            assert cell == original or (cell == "'" + original and original.startswith(FORMULA_START))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(reply=st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7e) | st.sampled_from(
    ["\x1b", "\x07", "\t"]), max_size=40) | st.sampled_from(["[/]", "[link=https://evil.example]x[/link]",
                                                            "\x1b]8;;https://evil.example\x07x"]))
def test_an_smtp_reply_prints_as_typed(sending_project, smtp_server, reply: str) -> None:
    import os
    import shutil
    server, url = smtp_server
    project = sending_project.parent / "reply"
    shutil.rmtree(project, ignore_errors=True)
    shutil.copytree(sending_project, project)
    write_subscribers(project, 1)
    server.defer_data.append(f"550 5.7.1 {reply}")
    cwd = os.getcwd()
    try:
        os.chdir(project)
        result = CliRunner().invoke(main, ["send", SAMPLE_ISSUE, "--smtp", url, "--yes"], env={**ENV, "COLUMNS": "400"})
    finally:
        os.chdir(cwd)
        server.defer_data.clear()
    assert result.exit_code in (1, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "\x1b" not in result.output and "\x07" not in result.output
    if result.exit_code == 1:
        assert "not delivered:" in result.output
