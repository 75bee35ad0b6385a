"""The catalog report: one crafted bad catalog per problem (tests/fixtures/catalogs/),
each checked through the real CLI for the exact file:line and message."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsletter.cli import main
from newsletter.i18n import catalog_problems, catalog_stats
from newsletter.i18n.report import language_report

FIXTURES = Path(__file__).parent / "fixtures" / "catalogs"
PO = "translations/zh_Hans/LC_MESSAGES/messages.po"

EXPECTED = {
    "placeholder-renamed": f'{PO}:11: msgid "By %(author)s · %(date)s": placeholder %(author)s was renamed to '
                           "%(autor)s; copy %(author)s exactly; only the words around it are translated",
    "placeholder-dropped": f'{PO}:11: msgid "Sent to you by %(sponsor)s.": placeholder %(sponsor)s is missing; '
                           "copy %(sponsor)s from the English text into the translation",
    "placeholder-added": f'{PO}:11: msgid "Sponsored by %(names)s": placeholder %(count)s is not in the English '
                         "text; use only the English text's placeholders (%(names)s)",
    "placeholder-type": f'{PO}:12: msgid "No. %(number)s": placeholder %(number)s became %(number)d; '
                        "keep the letter after the name: %(number)s",
    "placeholder-positional": f'{PO}:11: msgid "%s new articles": placeholders %d do not match the English %s; '
                              "use the same placeholders in the same order",
    "stray-percent": f'{PO}:11: msgid "%(count)s%% of the goal": a lone "%" (character 15) would stop the email '
                     "from being built; write %% for a percent sign",
    "html-tags": f'{PO}:10: msgid "Read the <a>full story</a> online.": HTML tags differ: the English text has '
                 "<a> </a>, the translation has <a>; keep exactly the English text's tags, translating only the "
                 "words between them",
    "whitespace": f'{PO}:10: msgid "About the author": the translation ends with a line break, the English text '
                  "does not; make the translation end like the English text",
    "plural-forms-wrong": f'{PO}:5: header: Plural-Forms is "nplurals=2; plural=(n != 1);", which is wrong for '
                          'Chinese (Simplified); set it to "nplurals=1; plural=0;" '
                          "(Poedit: Translation → Properties → Plural forms)",
    "plural-forms-missing": f'{PO}:2: header: Plural-Forms is missing; Chinese (Simplified) needs it; set it to '
                            '"nplurals=1; plural=0;" (Poedit: Translation → Properties → Plural forms)',
    "halfwidth": f'{PO}:10: msgid "Hello, world.": half-width punctuation ",", "." next to Chinese characters; '
                 'use the full-width "，", "。"',
    "fuzzy": f'{PO}:11: msgid "About the author": is marked fuzzy (needs work), so emails show the English text; '
             "check the translation, then clear the fuzzy flag (Poedit: turn off 'Needs work')",
    "untranslated": f'{PO}:10: msgid "About the author": has no translation yet, so emails show the English text; '
                    "translate it in Poedit or Weblate",
}


def with_catalog(project: Path, fixture: str) -> Path:
    shutil.copy(FIXTURES / f"{fixture}.po", project / PO)
    return project


def test_every_fixture_has_an_expectation():
    assert sorted(p.stem for p in FIXTURES.glob("*.po")) == sorted(EXPECTED)


@pytest.mark.parametrize("fixture", sorted(EXPECTED))
def test_status_reports_the_problem_with_file_line_and_fix(project, fixture):
    with_catalog(project, fixture)
    result = CliRunner().invoke(main, ["i18n", "status", "--strict", "--project", str(project)])
    assert result.exit_code == 1, result.output
    problems = [line.strip() for line in result.output.splitlines() if line.strip().startswith(PO)]
    assert problems == [EXPECTED[fixture]]
    assert [str(p) for p in catalog_problems(project, "zh-Hans")] == [EXPECTED[fixture]]


@pytest.mark.parametrize("fixture", ["placeholder-renamed", "placeholder-dropped", "placeholder-added",
                                     "placeholder-type", "placeholder-positional", "stray-percent", "whitespace"])
def test_gnu_msgfmt_rejects_the_same_catalogs(fixture):
    """Cross-check against GNU gettext: what we flag as a format error, msgfmt does too."""
    run = subprocess.run(["msgfmt", "--check-format", "-o", "/dev/null", FIXTURES / f"{fixture}.po"],
                         capture_output=True, text=True)
    assert run.returncode != 0, run.stderr


def test_fuzzy_is_not_counted_as_translated(project):
    with_catalog(project, "fuzzy")
    stats = catalog_stats(project, "zh-Hans")
    assert (stats.translated, stats.fuzzy, stats.untranslated, stats.percent) == (0, 1, 0, 0)


def test_without_strict_problems_are_reported_but_exit_is_zero(project):
    with_catalog(project, "halfwidth")
    result = CliRunner().invoke(main, ["i18n", "status", "--project", str(project)])
    assert result.exit_code == 0
    assert EXPECTED["halfwidth"] in result.output


def test_missing_catalog_for_a_site_language_is_one_problem(project):
    problems = catalog_problems(project, "ja")  # neither the project nor the default theme has one
    assert [(p.message, p.fix) for p in problems] == [("no UI translations for 'ja'",
                                                       "run: newsletter i18n init ja")]


def test_without_its_own_catalog_a_project_uses_the_default_themes(project):
    (project / PO).unlink()
    stats, problems = language_report(project, "zh-Hans")
    assert stats.path == "(default theme) translations/zh_Hans/LC_MESSAGES/messages.po"
    assert stats.translated == stats.total and problems == []
