"""Language fallback chains, per-language senders, the bilingual subject, Traditional
Chinese fonts, optional hero/discuss and one finding per source line (issue 16, parts 1–3, 7, 9)."""
from __future__ import annotations

import email
import email.policy
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsletter.build.pipeline import build
from newsletter.checks.issue import check_issue
from newsletter.cli import main
from newsletter.errors import InputError
from newsletter.project.config import load_config
from newsletter.project.fallback import default_chain, make_fallbacks

from .conftest import SAMPLE_ISSUE, edit, failed_build_errors

TOML = "newsletter.toml"
ISSUE_YAML = f"{SAMPLE_ISSUE}/issue.yaml"


def add_zh_hant(project: Path) -> None:
    """What a volunteer does to add Traditional Chinese: two lines of newsletter.toml."""
    edit(project / TOML, 'languages = ["en", "zh-Hans"]', 'languages = ["en", "zh-Hans", "zh-Hant"]')
    edit(project / TOML, 'editions = ["en", "zh-Hans", "zh-Hans+en"]',
         'editions = ["en", "zh-Hans", "zh-Hant", "zh-Hans+en"]')


def edition(result, edition_id: str):
    return next(b for b in result.editions if b.edition.id == edition_id)


def message(built) -> email.message.EmailMessage:
    return email.message_from_bytes(built.eml, policy=email.policy.default)


def test_default_chains() -> None:
    languages = ["en", "zh-Hans", "zh-Hant"]
    assert default_chain("zh-Hant", languages) == ("zh-Hant", "zh-Hans", "en")
    assert default_chain("en", languages) == ("en",)
    configured = make_fallbacks(languages, {"zh-Hant": ["en"]})
    assert configured.chain("zh-Hant") == ("zh-Hant", "en")
    assert configured.first({"en": 1, "zh-Hans": 2}, "zh-Hant") == "en"


def test_zh_hant_edition_builds_through_the_chain(project: Path) -> None:
    add_zh_hant(project)
    result = build(project / SAMPLE_ISSUE, environ={})
    assert len(result.editions) == 12
    tc = edition(result, "mhwx/zh-Hant")
    html = tc.html
    assert re.search(r'<div class="wrapper" lang="zh-Hant"', html)
    assert 'class="masthead text cjk cjk-tc"' in html and '"PingFang TC"' in html and "Noto Sans CJK TC" in html
    # texts and articles come from zh-Hans, marked as such, with notices
    assert tc.subject == "强健腰背、泛黄家书和满满的货架"
    assert '<h1 class="issue-title" lang="zh-Hans"' in html
    assert "Parts of this issue are not translated yet" in html or "部分内容" in html
    assert 'id="hip-hinge" lang="zh-Hant"' in html and '<div lang="zh-Hans"' in html
    assert "学会屈髋，护住腰背" in html and "Hinge at the hips" not in html
    assert html.count('class="notice"') >= 6
    # the author keeps a Chinese byline and an "About the author" (zh-Hans UI strings)
    assert "林薇" in html and "关于作者" in html and "林薇是一名物理治疗师" in html
    # the Chinese-only poem needs no notice in zh-Hant? it does: it is zh-Hans
    assert "Wei Lin" not in html


def test_zh_hant_article_pages_choose_along_the_chain_like_editions(project: Path) -> None:
    """A zh-Hant page of an article written in English and translated to zh-Hans shows
    the zh-Hans version, as the zh-Hant edition does, not the English original."""
    add_zh_hant(project)
    result = build(project / SAMPLE_ISSUE, environ={})
    page = (result.out_dir / "zh-Hant" / "hip-hinge.html").read_text(encoding="utf-8")
    assert "学会屈髋，护住腰背" in page and "Hinge at the hips" not in page
    assert '<html lang="zh-Hant"' in page and 'lang="zh-Hans"' in page
    assert "本文暂无您所用语言的版本" in page       # "here it is in …": a stand-in, not the original
    assert "本文暂无中文译文" not in page
    edition_html = edition(result, "mhwx/zh-Hant").html
    assert "2026-11/zh-Hant/hip-hinge.html" in edition_html   # the email's link lands on that page


def test_zh_hant_check_lists_what_is_missing_once_per_line(project: Path) -> None:
    add_zh_hant(project)
    findings = check_issue(project / SAMPLE_ISSUE, environ={}).findings
    missing = [f for f in findings if f.check == "i18n.fallback"]
    title = next(f for f in missing if f.message.startswith("title "))
    assert title.path == ISSUE_YAML and title.line == 3
    assert "zh-Hant editions show the zh-Hans one" in title.message and title.fix == 'add zh-Hant: "…" to title'
    assert set(title.editions) == {"hearts/zh-Hant", "mhwx/zh-Hant", "svwomen/zh-Hant"}
    bio = next(f for f in missing if f.message.startswith("lin-wei.bio"))
    assert (bio.path, bio.line) == ("authors.yaml", 4)
    footer = next(f for f in missing if f.message.startswith("sponsors[1].footer"))
    assert footer.path == TOML and 'footer = { en = "You are on this list' in \
        (project / TOML).read_text(encoding="utf-8").splitlines()[footer.line - 1]
    ui = [f for f in findings if f.check == "i18n.ui-strings"]
    assert ui and all(f.level == "warning" and "zh-Hans UI strings are shown" in f.message for f in ui)
    articles = [f for f in findings if f.check == "i18n.untranslated-article" and "zh-Hant" in f.message]
    assert articles and "shows the zh-Hans version" in articles[0].message


def test_configured_chain_is_used_everywhere(project: Path) -> None:
    add_zh_hant(project)
    edit(project / TOML, 'sample_subscriber =', 'fallback = { zh-Hant = ["en", "zh-Hans"] }\nsample_subscriber =')
    result = build(project / SAMPLE_ISSUE, environ={})
    html = edition(result, "hearts/zh-Hant").html
    assert "Hinge at the hips" in html and "Wei Lin" in html and "学会屈髋" not in html


def test_fallback_naming_an_unknown_language(project: Path) -> None:
    edit(project / TOML, 'sample_subscriber =', 'fallback = { zh-Hans = ["fr"] }\nsample_subscriber =')
    with pytest.raises(InputError) as caught:
        load_config(project)
    assert "site.fallback.zh-Hans: 'fr' is not in site.languages" in str(caught.value)


def test_title_missing_a_language_falls_back_and_warns(project: Path) -> None:
    edit(project / ISSUE_YAML, '  zh-Hans: "强健腰背、泛黄家书和满满的货架"\n', "")
    result = build(project / SAMPLE_ISSUE, environ={})
    assert edition(result, "hearts/zh-Hans").subject == "Strong backs, old letters and a full pantry"
    findings = [f for f in check_issue(project / SAMPLE_ISSUE, environ={}).findings if f.check == "i18n.fallback"]
    assert [(f.path, f.line, f.fix) for f in findings] == [(ISSUE_YAML, 3, 'add zh-Hans: "…" to title')]


def test_required_text_without_any_fallback_is_a_located_error(project: Path) -> None:
    edit(project / ISSUE_YAML, '  en: "Strong backs, old letters and a full pantry"\n', "")
    errors, _ = failed_build_errors(project)
    assert errors == [f'error: {project / ISSUE_YAML}:3: title: no text in en; add en: "…"']


def test_author_without_any_fallback_is_a_located_error(project: Path) -> None:
    edit(project / "authors.yaml", 'name: { en: "Wei Lin", zh-Hans: "林薇" }', 'name: { zh-Hans: "林薇" }')
    errors, _ = failed_build_errors(project)
    assert errors == [f'error: {project / "authors.yaml"}:3: lin-wei.name: no text in en; add en: "…"']


def test_sponsor_text_without_any_fallback_is_an_error(project: Path) -> None:
    edit(project / TOML, 'name = { en = "HEARTS", zh-Hans = "HEARTS" }', 'name = { zh-Hans = "HEARTS" }')
    errors, _ = failed_build_errors(project)
    assert errors == [f'error: {project / TOML}: sponsors[0].name: no text in en; add en = "…"']


def test_sender_name_per_language(project: Path) -> None:
    edit(project / TOML, 'sender = { name = "Chinese American Literary Society",',
         'sender = { name = { en = "Chinese American Literary Society", zh-Hans = "美华文学" },')
    result = build(project / SAMPLE_ISSUE, environ={})
    assert message(edition(result, "mhwx/zh-Hans"))["From"].addresses[0].display_name == "美华文学"
    assert message(edition(result, "mhwx/zh-Hans+en"))["From"].addresses[0].display_name == "美华文学"
    assert message(edition(result, "mhwx/en"))["From"].addresses[0].display_name == "Chinese American Literary Society"
    assert message(edition(result, "hearts/zh-Hans"))["From"].addresses[0].display_name == "HEARTS Community News"


def test_sender_name_per_language_rejects_unknown_languages(project: Path) -> None:
    edit(project / TOML, 'sender = { name = "Chinese American Literary Society",',
         'sender = { name = { en = "Chinese American Literary Society", fr = "Société" },')
    with pytest.raises(InputError) as caught:
        load_config(project)
    assert "sponsors[1].sender.name.fr: is not one of the site's languages" in str(caught.value)


def test_bilingual_subject_names_both_titles(project: Path) -> None:
    result = build(project / SAMPLE_ISSUE, environ={})
    both = edition(result, "hearts/zh-Hans+en")
    assert message(both)["Subject"] == "强健腰背、泛黄家书和满满的货架 | Strong backs, old letters and a full pantry"


def test_bilingual_subject_is_checked_part_by_part(project: Path) -> None:
    long = "Strong backs, old letters, a full pantry and a very long list of other things"
    edit(project / ISSUE_YAML, "Strong backs, old letters and a full pantry", long)
    hits = [f for f in check_issue(project / SAMPLE_ISSUE, environ={}).findings if f.check == "mail.subject"]
    assert len(hits) == 1 and hits[0].fix == "shorten title.en in issue.yaml"
    assert "hearts/zh-Hans+en" in hits[0].editions and "hearts/en" in hits[0].editions


def test_article_without_hero_and_discuss(project: Path) -> None:
    for lang in ("en", "zh-Hans"):
        path = project / SAMPLE_ISSUE / f"food-drive.{lang}.md"
        text = path.read_text(encoding="utf-8")
        text = re.sub(r"^(hero|hero_alt|discuss):.*\n", "", text, flags=re.M)
        path.write_text(text, encoding="utf-8")
    result = build(project / SAMPLE_ISSUE, environ={})
    for built in result.editions:
        block = built.html.split('id="food-drive"', 1)[1].split('class="article', 1)[0]
        assert "<img" not in block and 'class="button"' not in block
        assert "holiday-food-drive" not in built.text
    page = next(result.out_dir.parent.rglob("en/food-drive.html")).read_text(encoding="utf-8")
    assert 'class="hero"' not in page and 'class="discuss"' not in page and "og:image" not in page
    findings = check_issue(project / SAMPLE_ISSUE, environ={}).findings
    assert [str(f) for f in findings if f.level == "error"] == []


def test_hero_without_alt_and_alt_without_hero(project: Path) -> None:
    food = project / SAMPLE_ISSUE / "food-drive.en.md"
    edit(food, 'hero_alt: "Illustration of a cardboard box filled with canned food, rice and fresh vegetables"\n', "")
    edit(project / SAMPLE_ISSUE / "food-drive.zh-Hans.md", "hero: images/food-drive.jpg\n", "")
    errors, _ = failed_build_errors(project)
    text = "\n".join(errors)
    assert "food-drive.en.md:6: hero: the picture has no hero_alt; add `hero_alt:" in text
    assert re.search(r"food-drive.zh-Hans.md:\d+: hero_alt: there is no hero picture to describe; add `hero:", text)


def test_one_finding_per_source_line_across_fallback_editions(project: Path) -> None:
    (project / SAMPLE_ISSUE / "hip-hinge.zh-Hans.md").unlink()
    edit(project / SAMPLE_ISSUE / "hip-hinge.en.md", "Every autumn", "TODO check this. Every autumn")
    hits = [f for f in check_issue(project / SAMPLE_ISSUE, environ={}).findings if f.check == "links.placeholder"]
    assert len(hits) == 1, [str(f) for f in hits]
    assert hits[0].path == f"{SAMPLE_ISSUE}/hip-hinge.en.md" and len(hits[0].editions) == 9
    result = CliRunner().invoke(main, ["check", str(project / SAMPLE_ISSUE)])
    assert "in 9 editions (every edition): hearts/en" in result.output


def test_missing_catalog_uses_the_chain_with_a_warning(project: Path) -> None:
    add_zh_hant(project)
    result = build(project / SAMPLE_ISSUE, environ={})
    assert any("no UI translations for 'zh-Hant' yet, so zh-Hans ones are shown" in str(w) for w in result.warnings)
