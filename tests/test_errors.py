"""One bad input per case, each asserting the exact `file:line: what; how to fix` line,
exit code 2, no traceback, and that nothing was written."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from newsletter.cli import main

from .conftest import SAMPLE_ISSUE, edit, failed_build_errors

ARTICLE = f"{SAMPLE_ISSUE}/hip-hinge.en.md"
ISSUE = f"{SAMPLE_ISSUE}/issue.yaml"


def assert_fails_with(project: Path, expected: str) -> str:
    _, output = failed_build_errors(project)
    assert f"error: {project}/{expected}" in output, output
    return output


CASES = [
    pytest.param(ARTICLE, "author: lin-wei\n", "", f"{ARTICLE}:2: author: is missing; add `author:` (author id from authors.yaml)",
                 id="missing-field"),
    pytest.param(ARTICLE, "author: lin-wei", "author: nobody",
                 f"{ARTICLE}:3: author: unknown author 'nobody'; add 'nobody' to authors.yaml or use one of:",
                 id="unknown-author"),
    pytest.param(ARTICLE, "date: 2026-11-10", "date: 2026/11/10",
                 f"{ARTICLE}:5: date: '2026/11/10' is not a date; write it as 2026-11-10 (YYYY-MM-DD)",
                 id="bad-date"),
    pytest.param(ARTICLE, "hero: images/hip-hinge.jpg", "hero: images/missing.jpg",
                 f"{ARTICLE}:6: hero: image 'images/missing.jpg' not found; put the file in",
                 id="missing-image"),
    pytest.param(ARTICLE, "related: [deadlift-clinic]", "related: [no-such-article]",
                 f"{ARTICLE}:9: related: 'no-such-article' is not another article of this issue; "
                 "use the slug of an article listed in issue.yaml", id="unknown-related"),
    pytest.param(ARTICLE, "sponsors: [hearts]", "sponsors: [acme]",
                 f"{ARTICLE}:11: sponsors: unknown sponsor 'acme'; use one of: hearts, mhwx, svwomen",
                 id="unknown-sponsor-article"),
    pytest.param(ARTICLE, "category: Health", "category: Health\nhero_alt_text: x",
                 f"{ARTICLE}:5: hero_alt_text: is not a known field; did you mean `hero_alt`?",
                 id="unknown-field"),
    pytest.param(ARTICLE, "title: \"Hinge at the hips, spare your back\"", "title: \"Hinge at the hips",
                 f"{ARTICLE}:2: column 8: the quote \" is opened but not closed on this line", id="yaml-error"),
    pytest.param(ARTICLE, "discuss: https://", "discuss: http://",
                 f"{ARTICLE}:10: discuss: 'http://forum.baybridge.example.org/t/hip-hinge' must be an https:// link",
                 id="http-link"),
    pytest.param(ISSUE, "sponsors: all", "sponsors: [hearts, acme]",
                 f"{ISSUE}:13: sponsors: unknown sponsor 'acme'; use one of: hearts, mhwx, svwomen",
                 id="unknown-sponsor-issue"),
    pytest.param(ISSUE, "  - bike-repair-cafe", "  - bike-repair-cafe\n  - no-such-slug",
                 f"{ISSUE}:22: articles[7]: no article file for 'no-such-slug'; create no-such-slug.<language>.md",
                 id="unknown-article"),
    pytest.param(ISSUE, "untranslated: keep", "untranslated: maybe",
                 f"{ISSUE}:12: untranslated: 'maybe' must be keep or hide", id="bad-policy"),
    pytest.param(ISSUE, "  zh-Hans: \"强健", "  fr: \"x\"\n  zh-Hans: \"强健",
                 f"{ISSUE}:5: title.fr: is not one of the site's languages; use one of: en, zh-Hans",
                 id="unknown-language-key"),
    pytest.param("newsletter.toml", "primary = \"#b3261e\"", "primary = \"red\"",
                 "newsletter.toml: sponsors[0].colors.primary: 'red' is not a colour; write it as #rrggbb",
                 id="bad-colour"),
    pytest.param("newsletter.toml", "languages = [\"en\", \"zh-Hans\"]", "languages = [\"en\", \"zh-Hans\", \"xx-Qqqq\"]",
                 "newsletter.toml: site.languages: 'xx-Qqqq' is not a language tag Babel knows", id="unknown-language"),
    pytest.param("newsletter.toml", "[site]", "[site\n", "newsletter.toml:2: not valid TOML:", id="toml-error"),
]


@pytest.mark.parametrize("file, old, new, expected", CASES)
def test_bad_input(project: Path, file: str, old: str, new: str, expected: str) -> None:
    edit(project / file, old, new)
    assert_fails_with(project, expected)


def test_all_problems_of_a_file_listed_at_once(project: Path) -> None:
    article = project / ARTICLE
    edit(article, "author: lin-wei", "author: nobody")
    edit(article, "related: [deadlift-clinic]", "related: [nope]")
    output = assert_fails_with(project, f"{ARTICLE}:3: author: unknown author")
    assert f"{ARTICLE}:9: related: 'nope'" in output
    assert "2 problem(s); nothing was written." in output


def test_article_language_not_configured(project: Path) -> None:
    (project / SAMPLE_ISSUE / "hip-hinge.fr.md").write_text("---\ntitle: x\n---\n", encoding="utf-8")
    assert_fails_with(project, f"{SAMPLE_ISSUE}/hip-hinge.fr.md: language 'fr' is not one of the site's "
                               "languages; use one of: en, zh-Hans (see newsletter.toml)")


def test_front_matter_missing(project: Path) -> None:
    (project / ARTICLE).write_text("Just a body.\n", encoding="utf-8")
    assert_fails_with(project, f"{ARTICLE}:1: front matter not found; start the file with a line '---'")


def test_not_utf8(project: Path) -> None:
    (project / ARTICLE).write_bytes("---\ntitle: 标题\n---\n".encode("gbk"))
    assert_fails_with(project, f"{ARTICLE}:2: looks saved as GBK/GB18030 (Chinese Windows encoding), not UTF-8; "
                               "open it in your editor and save it")


@pytest.mark.usefixtures("theme_without_catalogs")  # else the theme's catalog stands in
def test_missing_catalog(project: Path) -> None:
    (project / "translations/zh_Hans/LC_MESSAGES/messages.po").unlink()
    assert_fails_with(project, "translations/zh_Hans/LC_MESSAGES/messages.po: no UI translations for "
                               "'zh-Hans'; run: newsletter i18n init zh-Hans")


def test_issue_folder_missing(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["build", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert "issue folder not found" in result.output
