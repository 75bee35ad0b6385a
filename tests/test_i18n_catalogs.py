"""Catalog commands through Babel's real API, and the shipped catalog held to GNU msgfmt."""
from __future__ import annotations

import gettext
import json
import shutil
import subprocess
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from click.testing import CliRunner

from newsletter.cli import main
from newsletter.i18n import catalog_stats

from .conftest import REPO, edit

POT = "translations/messages.pot"
PO = "translations/zh_Hans/LC_MESSAGES/messages.po"


def run(project: Path, *args: str):
    return CliRunner().invoke(main, ["i18n", *args, "--project", str(project)])


def with_pyproject(project: Path) -> Path:
    shutil.copy(REPO / "pyproject.toml", project / "pyproject.toml")
    return project


def read(path: Path):
    with path.open("rb") as fp:
        return read_po(fp)


def test_shipped_catalog_passes_gnu_msgfmt_check_format():
    run_ = subprocess.run(["msgfmt", "--check-format", "--check-header", "-o", "/dev/null", REPO / PO],
                          capture_output=True, text=True)
    assert run_.returncode == 0, run_.stderr


def test_shipped_catalog_is_complete_and_strict_status_passes(project):
    stats = catalog_stats(project, "zh-Hans")
    assert (stats.percent, stats.fuzzy, stats.untranslated) == (100, 0, 0)
    result = CliRunner().invoke(main, ["i18n", "status", "--strict", "--format", "json", "--project", str(project)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["problems"] == 0
    assert report["catalogs"][0]["stats"]["translated"] == stats.translated


def test_shipped_template_is_up_to_date_and_not_rewritten(project):
    with_pyproject(project)
    before = (project / POT).read_bytes()
    result = run(project, "extract")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("unchanged:")
    assert (project / POT).read_bytes() == before


def test_extract_keeps_comments_contexts_and_plurals(project):
    with_pyproject(project)
    template = project / "templates/email/_footer.html.j2"
    template.write_text(template.read_text(encoding="utf-8") +
                        '{#- Translators: count of readers, shown in the footer. -#}\n'
                        '{% trans count=3 %}{{ count }} reader{% pluralize %}{{ count }} readers{% endtrans %}\n'
                        '{{ pgettext("menu", "Archive") }}\n', encoding="utf-8")
    assert run(project, "extract").output.startswith("updated:")
    messages = {m.id if isinstance(m.id, str) else m.id[0]: m for m in read(project / POT) if m.id}
    readers = messages["%(count)s reader"]
    assert readers.id == ("%(count)s reader", "%(count)s readers")
    assert readers.auto_comments == ["count of readers, shown in the footer."]
    assert readers.locations[0][0] == "templates/email/_footer.html.j2"
    assert messages["Archive"].context == "menu"
    assert "python-format" in readers.flags


def test_extract_fails_loudly_on_a_template_syntax_error(project):
    with_pyproject(project)
    before = (project / POT).read_bytes()
    (project / "templates/email/broken.html.j2").write_text("<p>\n{% trans %}Hello\n<p>\n", encoding="utf-8")
    (project / "templates/email/also-broken.txt.j2").write_text("{{ gettext('x') \n", encoding="utf-8")
    result = run(project, "extract")
    assert result.exit_code == 2
    assert "error: templates/email/broken.html.j2:2: template syntax error:" in result.output
    assert "error: templates/email/also-broken.txt.j2:1: template syntax error:" in result.output
    assert "Traceback" not in result.output
    assert (project / POT).read_bytes() == before


def test_update_adds_new_strings_untranslated_and_skips_unchanged_files(project):
    with_pyproject(project)
    footer = project / "templates/email/_footer.html.j2"
    footer.write_text(footer.read_text(encoding="utf-8") + '<p>{{ gettext("Forward this email to a friend") }}</p>\n',
                      encoding="utf-8")
    run(project, "extract")
    assert run(project, "update").output.startswith("updated:")
    entry = read(project / PO).get("Forward this email to a friend")
    assert entry is not None and entry.string == ""
    stats = catalog_stats(project, "zh-Hans")
    assert stats.untranslated == 1 and stats.percent < 100
    mtime = (project / PO).stat().st_mtime_ns
    before = (project / PO).read_bytes()
    assert run(project, "extract").output.startswith("unchanged:")
    assert run(project, "update").output.startswith("unchanged:")
    assert (project / PO).read_bytes() == before and (project / PO).stat().st_mtime_ns == mtime


def test_update_marks_changed_english_fuzzy(project):
    with_pyproject(project)
    for name in ("email/_article.html.j2", "email/email.txt.j2", "web/_article.html.j2"):
        edit(project / "templates" / name, "About the author", "About this author")
    run(project, "extract")
    run(project, "update")
    stats = catalog_stats(project, "zh-Hans")
    assert (stats.fuzzy, stats.obsolete, stats.untranslated) == (1, 0, 0)
    assert 'msgid "About this author": is marked fuzzy' in run(project, "status").output


def test_update_keeps_strings_gone_from_the_template_as_obsolete(project):
    template = (project / POT).read_text(encoding="utf-8")
    start = template.index("#. heading of a list of links to related articles.")
    end = template.index("\n\n", start) + 2
    (project / POT).write_text(template[:start] + template[end:], encoding="utf-8")
    run(project, "update")
    assert '#~ msgid "Check also"' in (project / PO).read_text(encoding="utf-8")
    assert catalog_stats(project, "zh-Hans").obsolete == 1


def test_init_new_language_takes_plural_rule_from_babel(project):
    result = run(project, "init", "zh-Hant")
    assert result.exit_code == 0, result.output
    path = project / "translations/zh_Hant/LC_MESSAGES/messages.po"
    text = path.read_text(encoding="utf-8")
    assert '"Plural-Forms: nplurals=1; plural=0;\\n"' in text
    assert '"Language: zh_Hant\\n"' in text
    template_ids = {m.id for m in read(project / POT) if m.id}
    assert {m.id for m in read(path) if m.id} == template_ids
    again = run(project, "init", "zh-Hant")
    assert again.exit_code == 2 and "already exists" in again.output
    assert run(project, "init", "xx-Nope").exit_code == 2


def test_init_takes_the_plural_rule_from_babel(project):
    """French has two forms in older CLDR data and three (one, many, other) since Babel
    2.19: the catalog follows the Babel in use rather than a rule written here."""
    run(project, "init", "fr")
    catalog = read(project / "translations/fr/LC_MESSAGES/messages.po")
    assert catalog.plural_forms == Catalog(locale="fr").plural_forms and catalog.num_plurals >= 2
    plural = next(m for m in catalog if isinstance(m.id, tuple))
    assert len(plural.string) == catalog.num_plurals


def test_compile_writes_mo_without_fuzzy_entries(project):
    edit(project / PO, 'msgid "About the author"', '#, fuzzy\nmsgid "About the author"')
    result = run(project, "compile")
    assert result.exit_code == 0, result.output
    mo = project / "translations/zh_Hans/LC_MESSAGES/messages.mo"
    with mo.open("rb") as fp:
        translations = gettext.GNUTranslations(fp)
    assert translations.gettext("About the author") == "About the author"
    assert translations.gettext("Check also") == "相关文章"
    assert run(project, "compile").output.startswith("unchanged:")
