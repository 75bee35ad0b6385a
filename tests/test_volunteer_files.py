"""Volunteer-proof issue folders (issue 16, part 8): duplicates, unlisted files, "did you
mean" for slugs, paths and language suffixes, no false follow-up error, YAML-syntax fixes."""
from __future__ import annotations

from pathlib import Path

from newsletter.checks.issue import check_issue

from .conftest import SAMPLE_ISSUE, edit, failed_build_errors

ISSUE = f"{SAMPLE_ISSUE}/issue.yaml"
ARTICLE = f"{SAMPLE_ISSUE}/hip-hinge.en.md"


def errors_of(project: Path) -> list[str]:
    errors, _ = failed_build_errors(project)
    return [line.replace(f"error: {project}/", "") for line in errors]


def test_article_listed_twice(project: Path) -> None:
    edit(project / ISSUE, "  - bike-repair-cafe", "  - bike-repair-cafe\n  - hip-hinge")
    assert errors_of(project) == [f"{ISSUE}:22: articles[7]: 'hip-hinge' is listed twice (first at line 15); "
                                  "remove one of the two lines: an article appears once in an issue"]


def test_misspelt_slug_in_issue_file_names_the_file(project: Path) -> None:
    edit(project / ISSUE, "  - deadlift-clinic", "  - deadlift-clinc")
    errors = errors_of(project)
    assert errors == [f"{ISSUE}:16: articles[1]: no article file for 'deadlift-clinc'; did you mean "
                      f"'deadlift-clinic'? (a file deadlift-clinic.<language>.md is in 2026-11/)"]


def test_misspelt_related_slug(project: Path) -> None:
    edit(project / ARTICLE, "related: [deadlift-clinic]", "related: [deadlift-clinik]")
    assert errors_of(project) == [f"{ARTICLE}:9: related: 'deadlift-clinik' is not another article of this "
                                  "issue; did you mean 'deadlift-clinic'?"]


def test_misspelt_image_path(project: Path) -> None:
    edit(project / ARTICLE, "hero: images/hip-hinge.jpg", "hero: images/hip_hinge.jpg")
    assert errors_of(project) == [f"{ARTICLE}:6: hero: image 'images/hip_hinge.jpg' not found; "
                                  "did you mean `images/hip-hinge.jpg`?"]


def test_language_suffix_in_the_wrong_case_is_told_to_rename(project: Path) -> None:
    folder = project / SAMPLE_ISSUE
    (folder / "hip-hinge.zh-Hans.md").rename(folder / "hip-hinge.zh-hans.md")
    (folder / "food-drive.zh-Hans.md").rename(folder / "food-drive.zh-CN.md")
    errors = errors_of(project)
    assert errors == [
        f"{SAMPLE_ISSUE}/food-drive.zh-CN.md: language 'zh-CN' is not one of the site's languages; "
        "rename the file to food-drive.zh-Hans.md",
        f"{SAMPLE_ISSUE}/hip-hinge.zh-hans.md: language 'zh-hans' is not one of the site's languages; "
        "rename the file to hip-hinge.zh-Hans.md"]


def test_a_broken_one_language_article_is_not_also_missing(project: Path) -> None:
    edit(project / f"{SAMPLE_ISSUE}/poem-of-the-month.zh-Hans.md", "author: zhou-yuqing", "author: [zhou")
    errors = errors_of(project)
    assert len(errors) == 1 and "poem-of-the-month.zh-Hans.md" in errors[0]
    assert not any("no article file" in e for e in errors)


def test_yaml_files_get_yaml_fixes(project: Path) -> None:
    edit(project / ISSUE, 'title:\n  en: "Strong backs, old letters and a full pantry"\n  zh-Hans: "强健腰背、泛黄家书和满满的货架"',
         'title: "Strong backs"')
    assert errors_of(project) == [f'{ISSUE}:3: title: expected one value per language, found text; '
                                  'write it as { en: "…", zh-Hans: "…" }']


def test_toml_keeps_toml_fixes(project: Path) -> None:
    edit(project / "newsletter.toml", 'footer = { en = "You are receiving', 'footer_x = { en = "You are receiving')
    _, output = failed_build_errors(project)
    assert "sponsors[0].footer: is missing; add `footer = …`" in output


def test_unlisted_article_file_is_reported(project: Path) -> None:
    folder = project / SAMPLE_ISSUE
    (folder / "tea-social.en.md").write_text((folder / "food-drive.en.md").read_text(encoding="utf-8"),
                                             encoding="utf-8")
    edit(project / ISSUE, "  - food-drive\n", "")
    findings = [f for f in check_issue(folder, environ={}).findings if f.check == "issue.unlisted-article"]
    assert [(f.path, f.line, f.level) for f in findings] == [
        (f"{SAMPLE_ISSUE}/food-drive.en.md", 1, "warning"),
        (f"{SAMPLE_ISSUE}/food-drive.zh-Hans.md", 1, "warning"),
        (f"{SAMPLE_ISSUE}/tea-social.en.md", 1, "warning")]
    assert findings[2].message == "tea-social.en.md is not listed in issue.yaml, so no edition shows it"
    assert findings[2].fix.startswith("add `  - tea-social` under `articles:`")
