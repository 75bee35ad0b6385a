"""The edition pipeline end to end, with the real Jinja2, Babel, premailer and nh3."""
from __future__ import annotations

import email
import email.policy
import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsletter.build.pipeline import build
from newsletter.cli import main
from newsletter.text.width import display_width

from .conftest import REPO, SAMPLE_ISSUE, copy_project, edit

GOLDEN = Path(__file__).parent / "fixtures" / "golden"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """The bundled sample, built once for the read-only tests of this module."""
    root = copy_project(tmp_path_factory.mktemp("sample") / "project")
    return build(root / SAMPLE_ISSUE, environ={})


@pytest.fixture
def golden_project(tmp_path: Path) -> Path:
    """The frozen golden project, using the repository's current templates and catalogs."""
    root = tmp_path / "golden"
    shutil.copytree(GOLDEN / "project", root)
    for part in ("templates", "translations"):
        shutil.copytree(REPO / part, root / part)
    return root


@pytest.mark.parametrize("edition", ["garden/en", "garden/zh-Hans", "garden/zh-Hans+en"])
def test_golden_output(golden_project: Path, edition: str) -> None:
    """Byte-for-byte output; after an intended change run `UPDATE_GOLDEN=1 scripts/test -k golden`
    and review the diff of tests/fixtures/golden/expected/ like any other code change."""
    result = build(golden_project / "issues/2026-12", environ={"SOURCE_DATE_EPOCH": "1764547200"})
    built = next(b for b in result.editions if b.edition.id == edition)
    for suffix, actual in ((".html", built.html), (".txt", built.text)):
        expected_path = GOLDEN / "expected" / (edition.replace("/", "_") + suffix)
        if UPDATE:
            expected_path.parent.mkdir(exist_ok=True)
            expected_path.write_text(actual, encoding="utf-8")
        assert actual == expected_path.read_text(encoding="utf-8"), f"{expected_path} differs"


def test_nine_editions_under_gmail_limit(sample) -> None:
    ids = sorted(b.edition.id for b in sample.editions)
    assert len(ids) == 9
    assert ids[:3] == ["hearts/en", "hearts/zh-Hans", "hearts/zh-Hans+en"]
    assert all(b.html_bytes < 102_000 for b in sample.editions)


def test_manifest_describes_every_file(sample) -> None:
    manifest = json.loads((sample.out_dir / "manifest.json").read_text(encoding="utf-8"))
    assert len(manifest["editions"]) == 9
    for entry in manifest["editions"]:
        html = (sample.out_dir / entry["html"]).read_bytes()
        assert entry["html_bytes"] == len(html)
        assert entry["sha256"] == hashlib.sha256(html).hexdigest()
        assert (sample.out_dir / entry["text"]).is_file() and (sample.out_dir / entry["eml"]).is_file()
        assert entry["subject"] and entry["preheader"]
    assert (sample.out_dir / "images/hip-hinge.jpg").is_file()


def test_chinese_dates_lists_and_plurals(sample) -> None:
    zh = _edition(sample, "hearts/zh-Hans")
    assert "2026年11月24日" in zh.html
    assert "HEARTS、美华文学和硅谷女性" in zh.html          # Babel's format_list for zh
    assert "本期共 7 篇文章" in zh.html                      # nplurals=1 catalog plural
    en = _edition(sample, "hearts/en")
    assert "November 24, 2026" in en.html
    assert "HEARTS, Chinese American Literary Society, and Silicon Valley Women in Tech" in en.html
    assert "7 articles in this issue" in en.html


def test_html_structure_for_email_clients(sample) -> None:
    zh = _edition(sample, "mhwx/zh-Hans").html
    assert zh.startswith("<!DOCTYPE html>")
    assert '<html lang="zh-Hans" dir="ltr"' in zh
    assert '<div class="wrapper" lang="zh-Hans" dir="ltr">' in zh
    assert "prefers-color-scheme: dark" in zh and "max-width: 620px" in zh
    assert '"PingFang SC", "Hiragino Sans GB", "Microsoft YaHei"' in zh and "line-height:1.75" in zh
    assert "%%unsubscribe_url%%" in zh and "%%name%%" in zh          # filled only when sending
    assert '<table role="presentation"' in zh and 'class="preheader"' in zh


def test_outlook_dark_mode_rules_survive_inlining(sample) -> None:
    """Outlook.com marks what its dark mode recolours with data-ogsc; inlined, those rules
    would match nothing and vanish, so they must reach <head> as written."""
    for edition in sample.editions:
        head = edition.html.split("</head>", 1)[0]
        colors = edition.edition.sponsor.colors
        assert f"[data-ogsc] a {{ color: {colors.dark_primary} !important; }}" in head
        assert "[data-ogsc] .text" in head and "data-premailer" not in edition.html


def test_untranslated_article_keeps_original_with_notice(project: Path) -> None:
    (project / SAMPLE_ISSUE / "bike-repair-cafe.zh-Hans.md").unlink()   # English only now
    result = build(project / SAMPLE_ISSUE, environ={})
    en = _edition(result, "hearts/en").html     # the poem is in Chinese only
    assert "Not translated yet: here is the original in Chinese (Simplified)." in en
    assert 'id="poem-of-the-month" lang="en"' in en and '<div lang="zh-Hans" dir="ltr">' in en
    zh = _edition(result, "hearts/zh-Hans").html
    assert "本文暂无中文译文，以下为英语原文。" in zh


def test_hide_policy_leaves_untranslated_out(project: Path) -> None:
    edit(project / SAMPLE_ISSUE / "issue.yaml", "untranslated: keep", "untranslated: hide")
    result = build(project / SAMPLE_ISSUE, environ={})
    en = _edition(result, "hearts/en").html
    assert "poem-of-the-month" not in en and "6 articles in this issue" in en
    assert "bike-repair-cafe" in en


def test_bilingual_edition_marks_each_block(sample) -> None:
    both = _edition(sample, "svwomen/zh-Hans+en")
    assert both.html.count('id="hip-hinge"') == 2
    assert '<p class="site-name" lang="en"' in both.html and '<p class="site-name" lang="zh-Hans"' in both.html
    assert both.preheader.endswith("Strong backs, old letters and a full pantry")


def test_plain_text_wrapped_for_mixed_chinese_and_english(sample) -> None:
    for built in sample.editions:
        for line in built.text.splitlines():
            is_url = line.strip().startswith(("https://", "%%"))
            assert is_url or display_width(line) <= 72, (built.edition.id, line)
            assert not line.startswith(tuple("，。、；：？！）》")), (built.edition.id, line)


def test_sample_eml_is_a_complete_message(sample) -> None:
    raw = _edition(sample, "mhwx/zh-Hans+en").eml
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert msg["Subject"] == "强健腰背、泛黄家书和满满的货架 | Strong backs, old letters and a full pantry"
    assert b"=?utf-8?" in raw.split(b"\r\n\r\n", 1)[0]           # RFC 2047 encoded words
    assert msg["Content-Language"] == "zh-Hans, en"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "<https://" in msg["List-Unsubscribe"] and "<mailto:" in msg["List-Unsubscribe"]
    assert msg["Message-ID"] and msg["Date"] and msg.get_content_type() == "multipart/alternative"
    text, html = (part.get_content() for part in msg.iter_parts())
    assert "Alex Chen，您好！" in text and "%%" not in text + html
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998


def test_build_is_deterministic(project: Path, tmp_path: Path) -> None:
    environ = {"SOURCE_DATE_EPOCH": "1795000000"}
    first = build(project / SAMPLE_ISSUE, tmp_path / "a", environ=environ)
    second = build(project / SAMPLE_ISSUE, tmp_path / "b", environ=environ)
    files = sorted(p.relative_to(first.out_dir) for p in first.out_dir.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second.out_dir) for p in second.out_dir.rglob("*") if p.is_file())
    for relative in files:
        assert (first.out_dir / relative).read_bytes() == (second.out_dir / relative).read_bytes(), relative
    assert b"Date: Wed, 18 Nov 2026 11:06:40 +0000" in (first.out_dir / "hearts/en.eml").read_bytes()


def test_failed_build_leaves_previous_output_untouched(project: Path) -> None:
    first = build(project / SAMPLE_ISSUE, environ={})
    before = {p: p.read_bytes() for p in first.out_dir.rglob("*") if p.is_file()}
    edit(project / SAMPLE_ISSUE / "hip-hinge.en.md", "author: lin-wei", "author: nobody")
    result = CliRunner().invoke(main, ["build", str(project / SAMPLE_ISSUE)])
    assert result.exit_code == 2
    assert {p: p.read_bytes() for p in first.out_dir.rglob("*") if p.is_file()} == before
    # nothing left over beside the issue folder and the web archive's root index, feeds,
    # author and category pages
    assert sorted(p.name for p in first.out_dir.parent.iterdir()) == sorted(
        [first.out_dir.name, "index.en.html", "index.zh-Hans.html", "feed.en.xml", "feed.zh-Hans.xml",
         "authors", "categories"])


def test_template_error_is_reported_with_its_line(project: Path) -> None:
    edit(project / "templates/email/_footer.html.j2", "{% endfor %}", "{% endfo %}")
    result = CliRunner().invoke(main, ["build", str(project / SAMPLE_ISSUE)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "_footer.html.j2:" in result.output and "template error" in result.output


def test_cli_prints_summary_table(project: Path) -> None:
    result = CliRunner().invoke(main, ["build", str(project / SAMPLE_ISSUE)])
    assert result.exit_code == 0, result.output
    assert "hearts/zh-Hans+en" in result.output and "9 editions written" in result.output


def _edition(result, edition_id: str):
    return next(b for b in result.editions if b.edition.id == edition_id)
