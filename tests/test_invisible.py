"""`newsletter check` names invisible characters in subjects, sender names and titles, and
per-subscriber tokens typed into articles, with file:line (issue 15, items 8 and 9)."""
from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from newsletter.cli import main

from .conftest import SAMPLE_ISSUE, edit

ARTICLE = f"{SAMPLE_ISSUE}/hip-hinge.en.md"
ISSUE = f"{SAMPLE_ISSUE}/issue.yaml"
RETYPE = "retype the text instead of pasting it [headers.invisible-characters]"


def check(project: Path) -> list[str]:
    result = CliRunner().invoke(main, ["check", str(project / SAMPLE_ISSUE), "--format", "text"])
    assert result.exit_code in (0, 1), result.output
    assert "Traceback" not in result.output
    return result.output.splitlines()


def test_bidi_and_zero_width_characters_are_named_where_they_are(project: Path) -> None:
    edit(project / ISSUE, '  en: "Strong backs', '  en: "Strong \\u202Eskcab\\u202C backs')
    edit(project / "newsletter.toml", 'sender = { name = "HEARTS Community News"',
         'sender = { name = "HEARTS\\u2067 Community\\u2069 News"')
    edit(project / ARTICLE, 'title: "Hinge at the hips', 'title: "Hinge\u200b at the hips')
    lines = check(project)
    assert ("error: issues/2026-11/issue.yaml:4: title.en (the subject) holds invisible text-direction controls "
            "(U+202E Right-To-Left Override, U+202C Pop Directional Formatting) that reorder what the reader "
            f"sees; {RETYPE}") in lines
    assert ("error: newsletter.toml:16: sender name holds invisible text-direction controls (U+2067 Right-To-Left "
            f"Isolate, U+2069 Pop Directional Isolate) that reorder what the reader sees; {RETYPE}") in lines
    assert ("warning: issues/2026-11/hip-hinge.en.md:2: title holds zero-width characters (U+200B Zero Width "
            "Space) that nobody can see; delete them: retype the text around them instead of pasting it "
            "[headers.invisible-characters]") in lines


def test_an_emoji_joiner_is_not_reported(project: Path) -> None:
    edit(project / ARTICLE, 'title: "Hinge at the hips', 'title: "👩\u200d💻 Hinge at the hips')
    assert not [line for line in check(project) if "headers.invisible-characters" in line]


def test_a_placeholder_typed_into_an_article_is_a_warning(project: Path) -> None:
    with (project / ARTICLE).open("a", encoding="utf-8") as fp:
        fp.write("\nDear %%name%%, see <a href=\"%%name%%\">this</a>.\n")
    line = (project / ARTICLE).read_text(encoding="utf-8").count("\n")
    assert (f"warning: {ARTICLE}:{line}: %%name%% is not replaced by each subscriber's value here; every "
            "subscriber sees it as typed; remove it; the greeting at the top of the email already uses the "
            "subscriber's name [personal.typed-placeholder]") in check(project)
