"""`newsletter check` end to end: a copy of the sample made bad in one way per check must
trip exactly that check, at the source line; the sample itself passes --strict."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from newsletter.checks.issue import check_issue
from newsletter.checks.runner import ALL_CHECKS
from newsletter.cli import main

from .conftest import REPO, SAMPLE_ISSUE, copy_project, edit

ISSUE = SAMPLE_ISSUE
HIP_EN, HIP_ZH = f"{ISSUE}/hip-hinge.en.md", f"{ISSUE}/hip-hinge.zh-Hans.md"
BIKE_EN, BIKE_ZH = f"{ISSUE}/bike-repair-cafe.en.md", f"{ISSUE}/bike-repair-cafe.zh-Hans.md"
PO = "translations/zh_Hans/LC_MESSAGES/messages.po"


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    return check_issue(copy_project(tmp_path_factory.mktemp("clean") / "project") / ISSUE, environ={})


def found(project: Path, check_id: str):
    return [f for f in check_issue(project / ISSUE, environ={}).findings if f.check == check_id]


def line_of(project: Path, relative: str, text: str) -> int:
    lines = (project / relative).read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if text in line)


@pytest.mark.parametrize("check_id", [c.id for c in ALL_CHECKS])
def test_the_sample_trips_no_check(clean, check_id):
    assert [str(f) for f in clean.findings if f.check == check_id] == []


def test_sample_passes_strict_and_reports_sizes():
    result = CliRunner().invoke(main, ["check", str(REPO / ISSUE), "--strict"])
    assert result.exit_code == 0, result.output
    assert "hearts/zh-Hans+en" in result.output and "bytes" in result.output
    assert "0 errors, 0 warnings in 9 editions (strict): ok" in result.output


def test_json_format_and_exit_code_1_on_problems(project):
    edit(project / "newsletter.toml", 'primary = "#b3261e"', 'primary = "#ff9a9a"')
    result = CliRunner().invoke(main, ["check", str(project / ISSUE), "--format", "json"])
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    assert report["passed"] is False and report["counts"]["error"] == 2
    assert {e["id"]: e["html_bytes"] for e in report["editions"]}["hearts/en"] > 10_000
    assert {f["check"] for f in report["findings"]} == {"a11y.contrast"}
    ignored = CliRunner().invoke(main, ["check", str(project / ISSUE), "--ignore", "a11y.contrast"])
    assert ignored.exit_code == 0, ignored.output


def test_bad_input_exits_2(tmp_path):
    assert CliRunner().invoke(main, ["check", str(REPO / ISSUE), "--ignore", "a11y.nope"]).exit_code == 2
    result = CliRunner().invoke(main, ["check", str(tmp_path / "missing")])
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_list_shows_every_check():
    output = CliRunner().invoke(main, ["check", "--list"]).output
    assert all(c.id in output for c in ALL_CHECKS)


def test_readme_documents_every_check_id():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    missing = [c.id for c in ALL_CHECKS if f"`{c.id}`" not in readme]
    assert missing == []


def test_build_shows_the_check_summary(project):
    edit(project / HIP_EN, "the same injury", "the same injury ([more](https://hearts.example.org/x))")
    result = CliRunner().invoke(main, ["build", str(project / ISSUE)])
    assert result.exit_code == 0, result.output
    assert "checks: 0 errors, 1 warning in 9 editions" in result.output


@pytest.mark.parametrize("key, color, what", [
    ("primary", "#ff9a9a", "links on the background"),
    ("dark_primary", "#3a3a3a", "dark-mode links on the dark background"),
    ("dark_text", "#444444", "dark-mode text on the dark background"),
])
def test_contrast_light_and_dark(project, key, color, what):
    old = re.search(rf'\b{key} = "#[0-9a-f]{{6}}"', (project / "newsletter.toml").read_text()).group()
    edit(project / "newsletter.toml", old, f'{key} = "{color}"')
    hits = found(project, "a11y.contrast")
    assert any(what in f.message and "hearts" in f.message for f in hits), hits
    assert hits[0].path == "newsletter.toml" and hits[0].line == line_of(project, "newsletter.toml", "colors = {")


def test_untranslated_article_warns_with_keep_and_informs_with_hide(project):
    (project / BIKE_ZH).unlink()
    (hit,) = found(project, "i18n.untranslated-article")
    assert hit.level == "warning" and hit.path == BIKE_EN and "translated_from:" in hit.fix
    assert hit.editions == ("hearts/zh-Hans", "mhwx/zh-Hans", "svwomen/zh-Hans")
    edit(project / ISSUE / "issue.yaml", "untranslated: keep", "untranslated: hide")
    assert [f.level for f in found(project, "i18n.untranslated-article")] == ["info"]
    assert CliRunner().invoke(main, ["check", str(project / ISSUE), "--strict"]).exit_code == 0


def test_translation_older_than_its_source(project):
    edit(project / BIKE_EN, "I will be the one", "I will be the person")
    (hit,) = found(project, "i18n.stale-translation")
    assert (hit.path, hit.line) == (BIKE_ZH, line_of(project, BIKE_ZH, "translated_from:"))


def test_missing_translated_from_is_not_stale(project):
    edit(project / BIKE_ZH, "translated_from:", "# translated_from:")
    assert found(project, "i18n.stale-translation") == []


@pytest.mark.usefixtures("theme_without_catalogs")
def test_fuzzy_and_untranslated_ui_strings(project):
    edit(project / PO, 'msgid "About the author"\nmsgstr "关于作者"', '#, fuzzy\nmsgid "About the author"\nmsgstr "关于作者"')
    edit(project / PO, 'msgstr "到网上参与讨论"', 'msgstr ""')
    hits = found(project, "i18n.ui-strings")
    assert sorted(f.message for f in hits) == [
        'msgid "About the author": is marked fuzzy (needs work), so emails show the English text',
        'msgid "Discuss on the web": has no translation yet, so emails show the English text']
    assert {f.level for f in hits} == {"warning"}
    assert all(f.path == PO and f.line for f in hits)


def test_halfwidth_punctuation_next_to_chinese(project):
    edit(project / HIP_ZH, "其实箱子并不重，", "其实箱子并不重,")
    (hit,) = found(project, "i18n.halfwidth-punctuation")
    assert (hit.path, hit.line) == (HIP_ZH, line_of(project, HIP_ZH, "其实箱子并不重,"))
    assert "，" in hit.fix


def test_english_paragraph_in_a_chinese_article(project):
    text = "\n\nPlease bring comfortable shoes and a bottle of water.\n"
    (project / HIP_ZH).write_text((project / HIP_ZH).read_text(encoding="utf-8") + text, encoding="utf-8")
    (hit,) = found(project, "i18n.english-paragraph")
    assert (hit.path, hit.line) == (HIP_ZH, line_of(project, HIP_ZH, "Please bring comfortable"))
    edit(project / HIP_ZH, "Please bring comfortable shoes and a bottle of water.",
         '<p lang="en">Please bring comfortable shoes and a bottle of water.</p>')
    assert found(project, "i18n.english-paragraph") == []


@pytest.mark.parametrize("title, lang", [
    ("A very long subject line that keeps going well past what any inbox shows", "en"),
    ("强健的腰背、泛黄的家书、装满的货架和更多更多", "zh-Hans"),
])
def test_subject_too_long(project, title, lang):
    old = re.search(rf'  {lang}: "[^"]+"', (project / ISSUE / "issue.yaml").read_text(encoding="utf-8")).group()
    edit(project / ISSUE / "issue.yaml", old, f'  {lang}: "{title}"')
    hits = found(project, "mail.subject")
    assert hits and hits[0].level == "warning" and hits[0].path == f"{ISSUE}/issue.yaml"


def test_preheader_repeating_the_subject(project):
    yaml = (project / ISSUE / "issue.yaml").read_text(encoding="utf-8")
    preheader = re.search(r'preheader:\n  en: "([^"]+)"', yaml).group(1)
    edit(project / ISSUE / "issue.yaml", preheader, "Strong backs, old letters and a full pantry")
    hits = found(project, "mail.preheader")
    assert hits and "repeats the subject" in hits[0].message


def test_postal_address_not_real(project):
    edit(project / "newsletter.toml", 'postal_address = "HEARTS, 418 Almaden Terrace, Suite 3, San Jose, CA 95112, USA"',
         'postal_address = "TBD"')
    hits = found(project, "mail.postal-address")
    assert hits and hits[0].path == "newsletter.toml" and "no real postal address" in hits[0].message


@pytest.mark.parametrize("check_id, markdown, level", [
    ("links.https", "[the guide](http://hearts.example.org/guide)", "warning"),
    ("links.placeholder", "TODO confirm the room", "error"),
    ("links.placeholder", "Doors open at TK.", "error"),
    ("a11y.link-text", "[click here](https://hearts.example.org/guide)", "warning"),
    ("a11y.img-alt", '<img src="https://hearts.example.org/map.png" width="10" height="10">', "error"),
    ("images.missing", "<img src=\"images/hall-map.png\" alt=\"Map of the hall\">", "error"),
    ("images.dimensions", "![Map of the hall](https://hearts.example.org/map.png)", "warning"),
])
def test_bad_markdown_is_traced_to_its_line(project, check_id, markdown, level):
    edit(project / HIP_EN, "The box was not heavy.", f"The box was not heavy.\n\n{markdown}\n")
    hits = found(project, check_id)
    assert [f.level for f in hits] == [level], hits
    assert (hits[0].path, hits[0].line) == (HIP_EN, line_of(project, HIP_EN, markdown.split("(")[0][:12]))
    assert hits[0].editions and all(e.endswith("en") for e in hits[0].editions)


def test_heading_level_skipped_in_an_article(project):
    edit(project / HIP_EN, "## What a hip hinge is", "#### What a hip hinge is")
    (hit,) = found(project, "a11y.heading-order")
    assert (hit.path, hit.line) == (HIP_EN, line_of(project, HIP_EN, "#### What a hip hinge is"))


def test_image_file_over_200_kb(project):
    hero = project / ISSUE / "images/hip-hinge.jpg"
    Image.effect_noise((900, 900), 120).convert("RGB").save(hero, quality=98)
    assert hero.stat().st_size > 200_000
    hits = found(project, "images.file-size")
    assert {(f.path, f.level) for f in hits} == {(HIP_EN, "warning"), (HIP_ZH, "warning")}
