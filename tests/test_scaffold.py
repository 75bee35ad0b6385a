"""`newsletter new`, `newsletter new-issue` and the default theme with a project's overrides."""
from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsletter.build.pipeline import build
from newsletter.cli import main
from newsletter.errors import InputError
from newsletter.project.config import load_config
from newsletter.project.scaffold import SAMPLE_ISSUE, new_issue, new_project
from newsletter.project.theme import THEME_DIR

from .conftest import NEWSLETTER, edit


def _run(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*NEWSLETTER, *args], cwd=cwd, capture_output=True, text=True, timeout=180,
                          env={"PATH": "/usr/bin:/bin", "COLUMNS": "200", "HOME": str(cwd)})


def test_new_project_builds_and_checks_clean_with_the_installed_command(tmp_path: Path) -> None:
    made = _run(tmp_path, "new", "mynews")
    assert made.returncode == 0, made.stderr
    project = tmp_path / "mynews"
    built = _run(project, "build", SAMPLE_ISSUE)
    assert built.returncode == 0, built.stdout + built.stderr
    assert sorted(p.name for p in (project / "dist/welcome").rglob("*.eml")) == ["en.eml", "zh-Hans+en.eml", "zh-Hans.eml"]
    checked = _run(project, "check", "--strict", SAMPLE_ISSUE)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "0 errors, 0 warnings" in checked.stdout


def test_new_project_has_no_theme_copy_and_explains_itself(tmp_path: Path) -> None:
    project = new_project(tmp_path / "p")
    assert not (project / "translations").exists()
    assert [p.name for p in (project / "templates").iterdir()] == ["README.md"]
    toml = (project / "newsletter.toml").read_text(encoding="utf-8")
    assert "To add a group, copy the whole block" in toml and "To add a language" in toml
    assert "required" in (project / "authors.yaml").read_text(encoding="utf-8")
    assert (project / "issues/welcome/images/tool-library.jpg").stat().st_size > 1000


def test_new_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "notes.txt").write_text("mine", encoding="utf-8")
    result = CliRunner().invoke(main, ["new", str(tmp_path / "p")])
    assert result.exit_code == 2 and "already exists and is not empty" in result.output
    assert [p.name for p in (tmp_path / "p").iterdir()] == ["notes.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["p"]   # no staging folder left behind


def test_new_accepts_an_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "p").mkdir()
    assert (new_project(tmp_path / "p") / "newsletter.toml").is_file()


def test_new_issue_writes_issue_and_one_article_per_language(tmp_path: Path) -> None:
    project = new_project(tmp_path / "p")
    folder = new_issue(load_config(project), "2027-01", dt.date(2027, 1, 5))
    assert sorted(p.name for p in folder.iterdir()) == ["first-article.en.md", "first-article.zh-Hans.md",
                                                         "images", "issue.yaml"]
    issue = (folder / "issue.yaml").read_text(encoding="utf-8")
    assert "number: 2\n" in issue and "date: 2027-01-05" in issue
    assert "date: 2027-01-05" in (folder / "first-article.en.md").read_text(encoding="utf-8")
    assert "author: sam-lee" in (folder / "first-article.zh-Hans.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name, slug, message", [
    ("2027-13", "first-article", "an issue is named by its month as YYYY-MM"),
    ("january", "first-article", "an issue is named by its month as YYYY-MM"),
    ("2027-02", "Spring Market", "an article name uses lowercase letters, digits and dashes"),
    ("welcome", "first-article", "this issue already exists"),
])
def test_new_issue_refuses_bad_names(tmp_path: Path, name: str, slug: str, message: str) -> None:
    project = new_project(tmp_path / "p")
    with pytest.raises(InputError) as caught:
        new_issue(load_config(project), name, dt.date(2027, 2, 1), slug)
    assert message in [p.message for p in caught.value.problems]


def test_new_issue_command_inside_a_project(tmp_path: Path) -> None:
    new_project(tmp_path / "p")
    result = _run(tmp_path / "p" / "issues", "new-issue", "2027-03")
    assert result.returncode == 0, result.stderr
    assert "fill in every TODO" in result.stdout
    assert (tmp_path / "p/issues/2027-03/issue.yaml").is_file()


def test_project_template_overrides_the_theme_by_name(tmp_path: Path) -> None:
    project = new_project(tmp_path / "p")
    footer = project / "templates/email/_footer.html.j2"
    footer.parent.mkdir()
    shutil.copy(THEME_DIR / "templates/email/_footer.html.j2", footer)
    footer.write_text(footer.read_text(encoding="utf-8") + "<p>Printed on recycled electrons.</p>\n", encoding="utf-8")
    result = build(project / SAMPLE_ISSUE, environ={})
    assert all("Printed on recycled electrons." in b.html for b in result.editions)


def test_project_catalog_overrides_one_string_and_the_theme_supplies_the_rest(tmp_path: Path) -> None:
    project = new_project(tmp_path / "p")
    runner = CliRunner()
    assert runner.invoke(main, ["i18n", "init", "zh-Hans", "--project", str(project)]).exit_code == 0
    po = project / "translations/zh_Hans/LC_MESSAGES/messages.po"
    edit(po, 'msgstr "关于作者"', 'msgstr "作者小传"')
    zh = next(b for b in build(project / SAMPLE_ISSUE, environ={}).editions if b.edition.language == "zh-Hans")
    assert "作者小传" in zh.html and "关于作者" not in zh.html
    assert "退订" in zh.html   # still translated: from the theme's catalog


def test_i18n_commands_work_without_pyproject(tmp_path: Path) -> None:
    project = new_project(tmp_path / "p")
    assert not (project / "pyproject.toml").exists()
    runner = CliRunner()
    for args in (["extract"], ["init", "zh-Hans"], ["update"], ["status"]):
        result = runner.invoke(main, ["i18n", *args, "--project", str(project)])
        assert result.exit_code == 0, (args, result.output)
    pot = (project / "translations/messages.pot").read_text(encoding="utf-8")
    assert 'msgid "About the author"' in pot and "#: templates/email/" in pot


def test_snapshot_without_the_browser_extra_prints_the_install_command(tmp_path: Path) -> None:
    project = new_project(tmp_path / "p")
    code = ("import sys; sys.modules['selenium'] = None\n"
            "from newsletter.cli import main; main(['snapshot', 'issues/welcome'])")
    result = subprocess.run([sys.executable, "-c", code], cwd=project, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip() == ("error: cannot take screenshots: the browser extra is not installed; "
                                     "install it with: pip install 'newsletter[browser]'")
