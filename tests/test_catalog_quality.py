"""One truth for catalog quality (issue 16, part 4): `newsletter check` reports every
finding of `i18n status`, once, with file:line and a level; status counts broken entries
apart; plural-count mistakes and full-width placeholders are explained in plain words."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from click.testing import CliRunner

from newsletter.build.pipeline import build
from newsletter.checks.issue import check_issue
from newsletter.cli import main
from newsletter.i18n.report import catalog_problems, catalog_stats

from .conftest import REPO, SAMPLE_ISSUE
from .test_i18n_checks import EXPECTED

FIXTURES = Path(__file__).parent / "fixtures" / "catalogs"
OURS = Path(__file__).parent / "fixtures" / "catalog-quality"
PO = "translations/zh_Hans/LC_MESSAGES/messages.po"
BREAKING = {"placeholder-renamed", "placeholder-dropped", "placeholder-added", "placeholder-type",
            "placeholder-positional", "stray-percent", "html-tags", "plural-forms-wrong", "plural-forms-missing"}


def merged_catalog(project: Path, fixture: str) -> None:
    """The fixture catalog in place of the shipped one: its entries are the only ones
    translated, so its problem is the only one besides untranslated entries."""
    shutil.copy((FIXTURES if (FIXTURES / f"{fixture}.po").exists() else OURS) / f"{fixture}.po", project / PO)


def theme_translates(fixture: str) -> bool:
    """Whether the default theme's catalog (the shipped one) translates the fixture's entry:
    then emails show the theme's translation and `check` leaves the warning out."""
    with (FIXTURES / f"{fixture}.po").open("rb") as fp:
        ours = [m for m in read_po(fp) if m.id]
    with (REPO / PO).open("rb") as fp:
        theme = read_po(fp)
    return bool(ours) and all((t := theme.get(m.id, context=m.context)) is not None and t.string and not t.fuzzy
                              for m in ours)


@pytest.mark.parametrize("fixture", sorted(EXPECTED))
def test_check_reports_what_status_reports(project: Path, fixture: str) -> None:
    merged_catalog(project, fixture)
    status = [str(p) for p in catalog_problems(project, "zh-Hans")]
    hits = [f for f in check_issue(project / SAMPLE_ISSUE, environ={}).findings if f.check == "i18n.ui-strings"]
    mine = [f for f in hits if (f.path, f.line) == (PO, int(EXPECTED[fixture].split(":")[1]))]
    assert EXPECTED[fixture] in status
    if fixture not in BREAKING and theme_translates(fixture):
        assert mine == []  # the email shows the default theme's translation: nothing to warn about
        return
    assert len(mine) == 1, [str(f) for f in hits]
    assert f"{mine[0].path}:{mine[0].line}: {mine[0].message}; {mine[0].fix}" == EXPECTED[fixture]
    assert mine[0].level == ("error" if fixture in BREAKING else "warning")
    assert {f"{f.path}:{f.line}: {f.message}; {f.fix}" for f in hits} <= set(status)  # nothing status lacks


def test_status_counts_broken_entries_apart(project: Path) -> None:
    merged_catalog(project, "placeholder-renamed")
    stats = catalog_stats(project, "zh-Hans")
    assert stats.broken == 1 and stats.translated == 0 and stats.percent == 0
    result = CliRunner().invoke(main, ["i18n", "status", "--project", str(project)])
    assert "zh-Hans: 0% translated — 0 translated, 1 broken, 0 fuzzy" in result.output


def test_html_added_by_a_translation_never_reaches_the_email(project: Path) -> None:
    merged_catalog(project, "html-added")
    result = build(project / SAMPLE_ISSUE, environ={})
    html = next(b.html for b in result.editions if b.edition.id == "hearts/zh-Hans")
    assert "<b>关于作者</b>" not in html and "关于作者" in html  # the default theme's translation
    assert any("its HTML tags differ" in str(w) for w in result.warnings)
    hits = [f for f in check_issue(project / SAMPLE_ISSUE, environ={}).findings if f.check == "i18n.ui-strings"]
    assert [(f.level, f.line) for f in hits] == [("error", 10)]
    gate = CliRunner().invoke(main, ["check", str(project / SAMPLE_ISSUE)])
    assert gate.exit_code == 1


def test_wrong_plural_count_in_plain_words(project: Path) -> None:
    merged_catalog(project, "plural-count")
    problems = [str(p) for p in catalog_problems(project, "zh-Hans")]
    assert problems == [f"{project / PO}:11: this plural entry has more forms (msgstr[0], msgstr[1], …) than "
                        "Chinese (Simplified) uses (1); keep msgstr[0] and delete the other msgstr[…] lines "
                        "(Poedit shows one box per form)"]
    result = CliRunner().invoke(main, ["build", str(project / SAMPLE_ISSUE)])
    assert result.exit_code == 2 and "num_plurals" not in result.output and "Traceback" not in result.output


def test_full_width_placeholder_from_a_chinese_ime(project: Path) -> None:
    merged_catalog(project, "fullwidth-percent")
    problems = [str(p) for p in catalog_problems(project, "zh-Hans")]
    assert problems == [f'{PO}:11: msgid "Hello %(name)s,": placeholder ％(name)s is typed with full-width '
                        "characters (a Chinese input method in full-width mode), so it is not filled in; switch "
                        "the input method to half-width (English) and type %(name)s"]
