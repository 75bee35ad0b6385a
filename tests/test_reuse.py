"""`newsletter check` reuses a current build in dist/ and builds afresh whenever that
build is not exactly what the sources would build now."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from newsletter.build import pipeline
from newsletter.build.reuse import load_build
from newsletter.checks.issue import check_issue

from .conftest import SAMPLE_ISSUE, copy_project, edit

ARTICLE = f"{SAMPLE_ISSUE}/hip-hinge.en.md"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    root = copy_project(tmp_path_factory.mktemp("reuse") / "project")
    pipeline.build(root / SAMPLE_ISSUE, environ={})
    return root


@pytest.fixture
def project(built: Path, tmp_path: Path) -> Path:
    """A private copy of the built project (dist/ included)."""
    return Path(shutil.copytree(built, tmp_path / "project", symlinks=True))


@pytest.fixture
def no_building(monkeypatch):
    """Fails the test if anything builds."""
    def refuse(*args, **kwargs):
        raise AssertionError("built again")
    monkeypatch.setattr(pipeline, "build", refuse)


def test_check_reuses_a_current_build(project: Path, no_building) -> None:
    report = check_issue(project / SAMPLE_ISSUE, environ={})
    assert len(report.sizes) == 9 and not report.failed()


def test_reused_editions_are_the_built_ones(project: Path) -> None:
    result = load_build(project / SAMPLE_ISSUE)
    manifest = json.loads((project / "dist" / SAMPLE_ISSUE.split("/")[1] / "manifest.json").read_text("utf-8"))
    assert result is not None and [b.edition.id for b in result.editions] == [e["id"] for e in manifest["editions"]]
    for b, entry in zip(result.editions, manifest["editions"]):
        assert b.subject == entry["subject"] and b.html_bytes == entry["html_bytes"] and b.eml


@pytest.mark.parametrize("change", ["article", "template", "catalog", "config", "new file"])
def test_any_source_change_means_not_current(project: Path, change: str) -> None:
    if change == "article":
        edit(project / ARTICLE, "The box was not heavy.", "The box was not very heavy.")
    elif change == "template":
        path = project / "templates/email/email.txt.j2"
        path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    elif change == "catalog":
        path = project / "translations/zh_Hans/LC_MESSAGES/messages.po"
        path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    elif change == "config":
        path = project / "newsletter.toml"
        path.write_text(path.read_text(encoding="utf-8") + "\n# note\n", encoding="utf-8")
    else:
        (project / SAMPLE_ISSUE / "notes.txt").write_text("draft", encoding="utf-8")
    assert load_build(project / SAMPLE_ISSUE) is None


def test_an_edited_output_file_means_not_current(project: Path) -> None:
    page = next((project / "dist" / "2026-11" / "hearts").glob("en.email.html"))
    page.write_text(page.read_text(encoding="utf-8").replace("</body>", "<p>x</p></body>"), encoding="utf-8")
    assert load_build(project / SAMPLE_ISSUE) is None


def test_a_manifest_without_source_hashes_means_not_current(project: Path) -> None:
    path = project / "dist" / "2026-11" / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    del manifest["sources"]
    path.write_text(json.dumps(manifest), encoding="utf-8")
    assert load_build(project / SAMPLE_ISSUE) is None


def test_check_sees_a_change_made_after_the_build(project: Path) -> None:
    """The stale build is not reused: the new problem is found (in a fresh build)."""
    edit(project / ARTICLE, "## What a hip hinge is", "#### What a hip hinge is")
    report = check_issue(project / SAMPLE_ISSUE, environ={})
    assert [f.check for f in report.findings] == ["a11y.heading-order"]


def test_hidden_files_do_not_count(project: Path, no_building) -> None:
    (project / SAMPLE_ISSUE / ".hip-hinge.en.md.swp").write_bytes(b"\0editor")
    assert load_build(project / SAMPLE_ISSUE) is not None


def test_check_of_a_current_build_loads_none_of_the_build_libraries(project: Path) -> None:
    """A fresh interpreter running the whole `newsletter check` command."""
    code = ("import sys\nfrom newsletter.cli import main\ntry:\n    main(['check', sys.argv[1]])\n"
            "except SystemExit:\n    pass\n"
            "print('loaded:' + ','.join(m for m in ('premailer', 'cssutils', 'jinja2', 'markdown_it', 'nh3') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code, str(project / SAMPLE_ISSUE)], capture_output=True, text=True,
                         check=True, cwd=project)
    assert out.stdout.strip().splitlines()[-1] == "loaded:", out.stdout


def test_the_send_gate_reads_the_build_as_it_is_even_when_not_current(project: Path, no_building) -> None:
    """`send` delivers dist/ as it is, so its check reads dist/ as it is: an edit made
    after the build does not count there (send rebuilds first when it must)."""
    from newsletter.checks.issue import check_dist
    edit(project / ARTICLE, "The box was not heavy.", "The box was not heavy {{ venue }}.")
    assert load_build(project / SAMPLE_ISSUE) is None
    report = check_dist(project / SAMPLE_ISSUE)
    assert len(report.sizes) == 9 and not report.failed()


@pytest.mark.parametrize("damage", ["no manifest", "a sponsor removed since"])
def test_a_build_that_cannot_be_read_says_to_build_again(project: Path, damage: str) -> None:
    from newsletter.checks.issue import check_dist
    from newsletter.errors import InputError
    if damage == "no manifest":
        (project / "dist/2026-11/manifest.json").unlink()
    else:
        manifest = project / "dist/2026-11/manifest.json"
        data = json.loads(manifest.read_text(encoding="utf-8"))
        data["editions"][0]["id"] = "gone/en"
        manifest.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        check_dist(project / SAMPLE_ISSUE)
    [problem] = caught.value.problems
    assert problem.path.name == "manifest.json" and "newsletter build" in problem.fix
