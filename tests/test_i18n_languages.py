"""A third language with no code change, and what a fuzzy entry does to a build."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel import Locale
from babel.dates import format_date
from babel.messages.pofile import read_po, write_po
from click.testing import CliRunner

from newsletter.build.pipeline import build
from newsletter.cli import main

from .conftest import SAMPLE_ISSUE, edit

PO = "translations/{}/LC_MESSAGES/messages.po"
HANT = {  # Traditional Chinese for a few strings, so the test can tell the catalogs apart
    "About the author": "關於作者",
    "Check also": "延伸閱讀",
    "%(num)s article in this issue": "本期共 %(num)s 篇文章",
}


def add_language_to_config(project: Path, tag: str, like: str) -> None:
    """What an editor does by hand: list the language and give the site's texts in it
    (copied from `like` here; a real project would translate them)."""
    toml = project / "newsletter.toml"
    text = toml.read_text(encoding="utf-8")
    text = re.sub(rf'{like} = ("(?:[^"\\]|\\.)*")', rf'{like} = \1, {tag} = \1', text)
    text = text.replace('languages = ["en", "zh-Hans"]', f'languages = ["en", "zh-Hans", "{tag}"]')
    text = text.replace('"zh-Hans+en"]', f'"zh-Hans+en", "{tag}"]')
    toml.write_text(text, encoding="utf-8")
    for path in [project / "authors.yaml", *project.glob("issues/*/issue.yaml")]:
        text = path.read_text(encoding="utf-8")
        text = re.sub(rf'(, {like}: ("[^"]*"))', rf'\1, {tag}: \2', text)
        text = re.sub(rf'^(\s+){like}: (.*)$', rf'\1{like}: \2\n\1{tag}: \2', text, flags=re.M)
        path.write_text(text, encoding="utf-8")


def fill_catalog(project: Path, tag_folder: str, source_folder: str) -> None:
    """The translator's work, done programmatically: every entry filled in."""
    with (project / PO.format(source_folder)).open("rb") as fp:
        done = {m.id: m.string for m in read_po(fp) if m.id}
    path = project / PO.format(tag_folder)
    with path.open("rb") as fp:
        catalog = read_po(fp)
    for message in catalog:
        if message.id:
            key = message.id[0] if isinstance(message.id, tuple) else message.id
            message.string = HANT.get(key, done[message.id]) if not isinstance(message.id, tuple) \
                else (HANT.get(key, done[message.id][0]),)
    with path.open("wb") as fp:
        write_po(fp, catalog)


def test_third_language_builds_with_no_code_change(project):
    add_language_to_config(project, "zh-Hant", like="zh-Hans")
    runner = CliRunner()
    assert runner.invoke(main, ["i18n", "init", "zh-Hant", "--project", str(project)]).exit_code == 0
    fill_catalog(project, "zh_Hant", "zh_Hans")
    status = runner.invoke(main, ["i18n", "status", "--strict", "--project", str(project)])
    assert status.exit_code == 0, status.output
    assert "zh-Hant: 100% translated" in status.output

    result = build(project / SAMPLE_ISSUE)
    hant = [b for b in result.editions if b.edition.language == "zh-Hant"]
    assert len(hant) == 3 and not result.warnings
    html, text = hant[0].html, hant[0].text
    assert 'lang="zh-Hant"' in html
    assert "關於作者" in html and "延伸閱讀" in text
    issue_date = result.issue.meta.date
    assert format_date(issue_date, "long", locale=Locale.parse("zh_Hant")) in html
    page = (result.out_dir / f"{hant[0].edition.stem}.html").read_text(encoding="utf-8")
    count = len(result.issue.articles)
    assert f"本期共 {count} 篇文章" in page  # Babel's plural rule for zh_Hant: one form


@pytest.mark.usefixtures("theme_without_catalogs")
def test_fuzzy_entry_shows_english_and_is_reported(project):
    po = project / PO.format("zh_Hans")
    edit(po, 'msgid "About the author"', '#, fuzzy\nmsgid "About the author"')
    result = build(project / SAMPLE_ISSUE)
    zh = next(b for b in result.editions if b.edition.language == "zh-Hans")
    assert "About the author" in zh.html and "关于作者" not in zh.html
    messages = [str(w) for w in result.warnings]
    assert any("About the author" in m and "fuzzy" in m and "English text is shown" in m for m in messages), messages
    cli = CliRunner(env={"COLUMNS": "500"}).invoke(main, ["build", str(project / SAMPLE_ISSUE)])
    assert cli.exit_code == 0
    assert "fuzzy, so the English text is shown" in cli.output


@pytest.mark.usefixtures("theme_without_catalogs")
def test_broken_placeholder_falls_back_to_english_instead_of_crashing(project):
    po = project / PO.format("zh_Hans")
    edit(po, 'msgstr "相关文章"', 'msgstr "相关文章 100%"')
    edit(po, 'msgstr "本邮件由%(sponsor)s发送。"', 'msgstr "本邮件由%(sponser)s发送。"')
    result = build(project / SAMPLE_ISSUE)
    zh = next(b for b in result.editions if b.edition.language == "zh-Hans")
    assert "Check also" in zh.html and "相关文章" not in zh.html
    assert "Sent to you by" in zh.html
    messages = [str(w) for w in result.warnings]
    assert any(m.endswith("msgid 'Check also': a lone \"%\" (character 9) would stop the email from being built, "
                          "so the English text is shown; fix the placeholders (see: newsletter i18n status)")
               for m in messages), messages
    assert any("placeholder %(sponsor)s was renamed to %(sponser)s" in m for m in messages), messages
