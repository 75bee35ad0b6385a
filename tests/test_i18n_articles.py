"""Article translations: which are missing, and which were made from an older source."""
from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner

from newsletter.cli import main
from newsletter.project.config import load_config
from newsletter.project.sources import read_article

from .conftest import SAMPLE_ISSUE, edit

HIP_EN = f"{SAMPLE_ISSUE}/hip-hinge.en.md"
HIP_ZH = f"{SAMPLE_ISSUE}/hip-hinge.zh-Hans.md"


def unmark(project: Path) -> None:
    """The sample may already record translated_from; these tests start without it."""
    path = project / HIP_ZH
    path.write_bytes(re.sub(rb"(?m)^translated_from:.*\n", b"", path.read_bytes()))


def cli(project: Path, *args: str):
    return CliRunner().invoke(main, ["i18n", *args])


def status(project: Path) -> dict:
    result = CliRunner().invoke(main, ["i18n", "status", "--format", "json", "--project", str(project)])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def gaps(project: Path, slug: str) -> list[tuple[str, str, str, str]]:
    return [(g["kind"], g["language"], g["source"], g["translation"])
            for g in status(project)["articles"] if g["slug"] == slug]


def test_mark_translated_changes_only_its_own_line(project):
    unmark(project)
    path = project / HIP_ZH
    before = path.read_bytes()
    result = cli(project, "mark-translated", str(path))
    assert result.exit_code == 0, result.output
    source = read_article(load_config(project), project / HIP_EN)
    after = path.read_bytes()
    added = f'translated_from: "{source.content_hash}"\n'.encode()
    closing = before.index(b"\n---\n", 4) + 1
    assert after == before[:closing] + added + before[closing:]
    assert read_article(load_config(project), path).meta.translated_from == source.content_hash
    assert gaps(project, "hip-hinge") == []


def test_marking_again_replaces_the_value_in_place_and_keeps_crlf(project):
    unmark(project)
    path = project / HIP_ZH
    lines = path.read_bytes().replace(b"\n", b"\r\n").split(b"\r\n")
    lines.insert(2, b'translated_from: "000000000000"   ')
    path.write_bytes(b"\r\n".join(lines))
    before = path.read_bytes()
    assert cli(project, "mark-translated", str(path)).exit_code == 0
    digest = read_article(load_config(project), project / HIP_EN).content_hash
    assert path.read_bytes() == before.replace(b'translated_from: "000000000000"   ',
                                               f'translated_from: "{digest}"'.encode())


def test_status_lists_translations_whose_source_changed_with_both_paths(project):
    cli(project, "mark-translated", str(project / HIP_ZH))
    edit(project / HIP_EN, "sharp twinge", "sudden twinge")
    assert gaps(project, "hip-hinge") == [("outdated", "zh-Hans", HIP_EN, HIP_ZH)]
    result = CliRunner().invoke(main, ["i18n", "status", "--strict", "--project", str(project)])
    assert result.exit_code == 1
    assert (f"outdated: {HIP_ZH}: its source {HIP_EN} changed since it was translated; update the "
            f"translation, then run: newsletter i18n mark-translated {HIP_ZH}") in result.output


def test_status_lists_articles_with_no_translation(project):
    (project / f"{SAMPLE_ISSUE}/bike-repair-cafe.zh-Hans.md").unlink(missing_ok=True)
    (project / f"{SAMPLE_ISSUE}/poem-of-the-month.en.md").unlink(missing_ok=True)
    assert gaps(project, "bike-repair-cafe") == [
        ("missing", "zh-Hans", f"{SAMPLE_ISSUE}/bike-repair-cafe.en.md", f"{SAMPLE_ISSUE}/bike-repair-cafe.zh-Hans.md")]
    assert gaps(project, "poem-of-the-month") == [
        ("missing", "en", f"{SAMPLE_ISSUE}/poem-of-the-month.zh-Hans.md", f"{SAMPLE_ISSUE}/poem-of-the-month.en.md")]


def test_unmarked_translations_are_listed_but_do_not_fail_strict(project):
    unmark(project)
    assert gaps(project, "hip-hinge") == [("unmarked", "zh-Hans", HIP_EN, HIP_ZH)]
    result = CliRunner().invoke(main, ["i18n", "status", "--strict", "--project", str(project)])
    assert result.exit_code == 0, result.output


def test_mark_translated_refuses_an_article_with_no_source(project):
    path = project / f"{SAMPLE_ISSUE}/poem-of-the-month.zh-Hans.md"
    before = path.read_bytes()
    result = cli(project, "mark-translated", str(path))
    assert result.exit_code == 2
    assert "is the original of this article, not a translation" in result.output
    assert path.read_bytes() == before


def test_mark_translated_with_explicit_source_language(project):
    unmark(project)
    result = cli(project, "mark-translated", str(project / HIP_EN), "--from", "zh-Hans")
    assert result.exit_code == 0, result.output
    digest = read_article(load_config(project), project / HIP_ZH).content_hash
    assert read_article(load_config(project), project / HIP_EN).meta.translated_from == digest
