"""`newsletter i18n draft zh-Hant --from zh-Hans` (issue 16, part 5): OpenCC converts the
catalog (entries fuzzy) and the articles (`draft: true`); the build shows drafts with a
notice or hides them; reviewed work is never overwritten."""
from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po
from click.testing import CliRunner

from newsletter.build.pipeline import build
from newsletter.checks.issue import check_issue
from newsletter.cli import main

from .conftest import SAMPLE_ISSUE, edit
from .test_fallback import add_zh_hant

HANT_PO = "translations/zh_Hant/LC_MESSAGES/messages.po"


def draft(project: Path, *extra: str):
    return CliRunner().invoke(main, ["i18n", "draft", "zh-Hant", "--from", "zh-Hans", "--project", str(project), *extra])


def test_draft_converts_catalog_and_articles(project: Path) -> None:
    add_zh_hant(project)
    result = draft(project)
    assert result.exit_code == 0, result.output
    with (project / HANT_PO).open("rb") as fp:
        catalog = read_po(fp, locale="zh_Hant")
    about = catalog.get("About the author")
    assert about.string == "關於作者" and about.fuzzy
    assert all(m.fuzzy for m in catalog if m.id and m.string)
    article = (project / SAMPLE_ISSUE / "hip-hinge.zh-Hant.md").read_text(encoding="utf-8")
    assert article.startswith("---\ndraft: true\ntitle: \"學會屈髖，護住腰背\"")
    assert "author: lin-wei" in article and "related: [deadlift-clinic]" in article  # ids stay as they are


def test_taiwan_and_hong_kong_phrases(project: Path) -> None:
    add_zh_hant(project)
    edit(project / SAMPLE_ISSUE / "returners-night.zh-Hans.md", "---\n", "---\n", 1)
    body = project / SAMPLE_ISSUE / "returners-night.zh-Hans.md"
    body.write_text(body.read_text(encoding="utf-8") + "\n带上你的软件和鼠标。\n", encoding="utf-8")
    assert draft(project, "--conversion", "s2twp").exit_code == 0
    assert "帶上你的軟體和滑鼠。" in (project / SAMPLE_ISSUE / "returners-night.zh-Hant.md").read_text(encoding="utf-8")
    (project / SAMPLE_ISSUE / "returners-night.zh-Hant.md").unlink()
    assert draft(project, "--conversion", "s2hk").exit_code == 0
    assert "帶上你的軟件和鼠標。" in (project / SAMPLE_ISSUE / "returners-night.zh-Hant.md").read_text(encoding="utf-8")


def test_build_shows_drafts_with_a_notice_or_hides_them(project: Path) -> None:
    add_zh_hant(project)
    assert draft(project).exit_code == 0
    result = build(project / SAMPLE_ISSUE, environ={})
    html = next(b.html for b in result.editions if b.edition.id == "hearts/zh-Hant")
    assert "學會屈髖，護住腰背" in html and "Not translated yet" not in html
    assert html.count("This translation was made by a program") + html.count("本译文由程序转换") >= 7
    findings = [f for f in check_issue(project / SAMPLE_ISSUE, environ={}).findings if f.check == "i18n.draft"]
    assert len(findings) == 7 and findings[0].line == 2 and findings[0].level == "warning"
    edit(project / SAMPLE_ISSUE / "issue.yaml", "untranslated: keep", "untranslated: keep\ndrafts: hide")
    hidden = build(project / SAMPLE_ISSUE, environ={})
    html = next(b.html for b in hidden.editions if b.edition.id == "hearts/zh-Hant")
    assert "學會屈髖" not in html and "学会屈髋，护住腰背" in html


def test_reviewed_work_is_kept(project: Path) -> None:
    add_zh_hant(project)
    assert draft(project).exit_code == 0
    po = project / HANT_PO
    text = po.read_text(encoding="utf-8").replace('#, fuzzy\nmsgid "About the author"\nmsgstr "關於作者"',
                                                  'msgid "About the author"\nmsgstr "作者簡介"')
    po.write_text(text, encoding="utf-8")
    article = project / SAMPLE_ISSUE / "hip-hinge.zh-Hant.md"
    article.write_text(article.read_text(encoding="utf-8").replace("draft: true\n", ""), encoding="utf-8")
    assert draft(project).exit_code == 0
    assert 'msgid "About the author"\nmsgstr "作者簡介"' in po.read_text(encoding="utf-8")
    assert "draft: true" not in article.read_text(encoding="utf-8")


def test_draft_needs_the_language_in_the_site_and_the_right_pair(project: Path) -> None:
    result = draft(project)
    assert result.exit_code == 2 and "site.languages: 'zh-Hant' is not listed" in result.output
    wrong = CliRunner().invoke(main, ["i18n", "draft", "en", "--from", "zh-Hans", "--project", str(project)])
    assert wrong.exit_code == 2 and "newsletter i18n draft zh-Hant --from zh-Hans" in wrong.output
