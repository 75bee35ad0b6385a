"""What volunteers really type: each case asserts the exact `file:line: what; how to fix`
line, exit code 2, no traceback and nothing written — or, for what must work, a build."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsletter.cli import main

from .conftest import SAMPLE_ISSUE, edit, failed_build_errors
from .conftest import cli_build as build

ARTICLE = f"{SAMPLE_ISSUE}/hip-hinge.en.md"
ZH_ARTICLE = f"{SAMPLE_ISSUE}/hip-hinge.zh-Hans.md"
ISSUE = f"{SAMPLE_ISSUE}/issue.yaml"
RESAVE = "open it in your editor and save it again with encoding UTF-8 (Notepad: File → Save As → Encoding: UTF-8)"


def fails_with(project: Path, expected: str) -> None:
    """`expected` is the whole error line after `error: <project>/`; it must be the only one."""
    errors, output = failed_build_errors(project)
    assert errors == [f"error: {project}/{expected}"], output
    assert "1 problem(s); nothing was written." in output


def builds(project: Path) -> Path:
    result = build(project)
    assert result.exit_code == 0, result.output
    return project / "dist" / "2026-11"


# --- encodings ------------------------------------------------------------------------

def test_gbk_file_is_named_as_gbk(project: Path) -> None:
    path = project / ZH_ARTICLE
    path.write_bytes(path.read_text(encoding="utf-8").encode("gb18030"))
    fails_with(project, f"{ZH_ARTICLE}:2: looks saved as GBK/GB18030 (Chinese Windows encoding), not UTF-8; {RESAVE}")


@pytest.mark.parametrize("codec, name", [("utf-16", "UTF-16 (little-endian)"), ("utf-16-le", "UTF-16 (little-endian)"),
                                         ("utf-16-be", "UTF-16 (big-endian)")])
def test_utf16_file_is_named_as_utf16(project: Path, codec: str, name: str) -> None:
    path = project / ZH_ARTICLE
    path.write_bytes(path.read_text(encoding="utf-8").encode(codec))
    fails_with(project, f"{ZH_ARTICLE}:1: is saved as {name}, not UTF-8; {RESAVE}")


def test_bom_and_windows_line_endings_are_accepted(project: Path) -> None:
    for name in (ARTICLE, ZH_ARTICLE, ISSUE, "authors.yaml", "newsletter.toml"):
        path = project / name
        path.write_bytes(b"\xef\xbb\xbf" + path.read_text(encoding="utf-8").replace("\n", "\r\n").encode("utf-8"))
    out = builds(project)
    assert "\r" not in (out / "hearts/en.txt").read_text(encoding="utf-8").replace("\r\n", "")


# --- YAML typed with a Chinese input method -------------------------------------------

IME_CASES = [
    pytest.param(ARTICLE, "author: lin-wei", "author：lin-wei",
                 f"{ARTICLE}:3: column 7: full-width colon '：' after the key `author`; "
                 "type a plain colon ':' followed by a space", id="full-width-colon"),
    pytest.param(ISSUE, '  en: "Strong backs', '　　en: "Strong backs',
                 f"{ISSUE}:4: column 1: full-width space '　' in the indentation; "
                 "indent with plain spaces (switch the input method to half-width)", id="full-width-space"),
    pytest.param(ARTICLE, 'title: "Hinge at the hips, spare your back"', "title: “Hinge at the hips, spare your back”",
                 f"{ARTICLE}:2: column 8: curly quotes “…” around the value; "
                 "use straight quotes \"…\" (type them with the input method in English mode)", id="curly-quotes"),
    pytest.param(ARTICLE, "related: [deadlift-clinic]", "related: [deadlift-clinic，memoir-circle]",
                 f"{ARTICLE}:9: column 26: full-width comma '，' in the list; "
                 "separate list items with a plain comma ',' and a space", id="full-width-comma"),
    pytest.param(ISSUE, '  en: "Strong backs', '\ten: "Strong backs',
                 f"{ISSUE}:4: column 1: a tab in the indentation; "
                 "YAML needs plain spaces to indent; replace the tab with spaces", id="tab"),
    pytest.param(ARTICLE, "date: 2026-11-10", "date: 2026年11月10日",
                 f"{ARTICLE}:5: date: '2026年11月10日' is not a date; write it as 2026-11-10 (YYYY-MM-DD)",
                 id="chinese-date"),
    pytest.param(ARTICLE, "date: 2026-11-10", "date: ２０２６/１１/１０",
                 f"{ARTICLE}:5: date: '２０２６/１１/１０' is not a date; write it as 2026-11-10 (YYYY-MM-DD)",
                 id="full-width-date"),
    pytest.param(ARTICLE, "date: 2026-11-10", "date: 2026-02-30",
                 f"{ARTICLE}:5: date: '2026-02-30' is not a date; "
                 "this day does not exist in the calendar; write a real date as YYYY-MM-DD", id="impossible-date"),
    pytest.param(ISSUE, "number: 12", "number: twelve",
                 f"{ISSUE}:1: number: expected a whole number, found text", id="wrong-type-number"),
    pytest.param(ARTICLE, "related: [deadlift-clinic]", "related: {deadlift-clinic: 1}",
                 f"{ARTICLE}:9: related: expected a list, found a table; write it as [a, b]", id="wrong-type-list"),
    pytest.param(ARTICLE, "excerpt:", "excerpts:",
                 f"{ARTICLE}:8: excerpts: is not a known field; did you mean `excerpt`?", id="unknown-field"),
    pytest.param(ARTICLE, "category: Health", "category: Health\ncategory: Fitness",
                 f"{ARTICLE}:5: category: is written twice; keep one of the two lines", id="duplicate-key"),
    pytest.param(ARTICLE, "category: Health", "category: &c Health",
                 f"{ARTICLE}:4: column 11: a '*' or '&' starts a YAML alias or anchor here; "
                 "put the value in straight quotes, e.g. title: \"Note: …\"", id="yaml-anchor"),
    pytest.param(ARTICLE, "category: Health", "category: Health: and safety",
                 f"{ARTICLE}:4: column 17: a colon ':' where a value was expected; "
                 "put the value in straight quotes, e.g. title: \"Note: …\"", id="colon-in-value"),
    pytest.param(ARTICLE, "category: Health", "category: Health\x07",
                 f"{ARTICLE}:4: an invisible control character (code 0x07); "
                 "delete it; it usually comes with text pasted from elsewhere", id="control-character"),
]


@pytest.mark.parametrize("file, old, new, expected", IME_CASES)
def test_what_volunteers_type(project: Path, file: str, old: str, new: str, expected: str) -> None:
    edit(project / file, old, new)
    fails_with(project, expected)


def test_colon_inside_a_chinese_value_is_fine(project: Path) -> None:
    edit(project / ZH_ARTICLE, "category: ", "category: 健康：腰背 ")
    builds(project)


def test_front_matter_without_closing_line(project: Path) -> None:
    path = project / ARTICLE
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("sponsors: [hearts]\n---\n", "sponsors: [hearts]\n"), encoding="utf-8")
    fails_with(project, f"{ARTICLE}:1: the front matter starting here has no closing '---'; "
                        "add a line with only '---' after the last field, before the article text")


# --- file names -----------------------------------------------------------------------

def test_spaces_and_chinese_in_file_names_work(project: Path) -> None:
    folder = project / SAMPLE_ISSUE
    (folder / "images/hip-hinge.jpg").rename(folder / "images/髋关节 hip hinge.jpg")
    for lang in ("en", "zh-Hans"):
        (folder / f"hip-hinge.{lang}.md").rename(folder / f"髋关节 hinge.{lang}.md")
        edit(folder / f"髋关节 hinge.{lang}.md", "hero: images/hip-hinge.jpg", 'hero: "images/髋关节 hip hinge.jpg"')
    edit(folder / "issue.yaml", "  - hip-hinge", '  - "髋关节 hinge"')
    for name in folder.glob("*.md"):
        edit(name, "[hip-hinge", '["髋关节 hinge"', count=1) if "[hip-hinge" in name.read_text("utf-8") else None
    out = builds(project)
    assert (out / "images/髋关节 hip hinge.jpg").is_file()
    html = (out / "hearts/en.email.html").read_text(encoding="utf-8")
    assert "images/%E9%AB%8B%E5%85%B3%E8%8A%82%20hip%20hinge.jpg" in html or "髋关节 hip hinge.jpg" in html


def test_wrong_letter_case_names_the_file_that_exists(project: Path) -> None:
    folder = project / SAMPLE_ISSUE
    (folder / "images/hip-hinge.jpg").rename(folder / "images/Hero.JPG")
    edit(project / ZH_ARTICLE, "hero: images/hip-hinge.jpg", "hero: images/Hero.JPG")
    edit(project / ARTICLE, "hero: images/hip-hinge.jpg", "hero: Images/hero.jpg")
    fails_with(project, f"{ARTICLE}:6: hero: image 'Images/hero.jpg' not found; "
                        "did you mean `images/Hero.JPG`? (letter case matters on the web server)")


def test_missing_image(project: Path) -> None:
    edit(project / ARTICLE, "hero: images/hip-hinge.jpg", "hero: images/nothing-here.jpg")
    fails_with(project, f"{ARTICLE}:6: hero: image 'images/nothing-here.jpg' not found; "
                        f"put the file in {project / SAMPLE_ISSUE} or fix the path")


def test_backslashes_in_a_path(project: Path) -> None:
    edit(project / ARTICLE, "hero: images/hip-hinge.jpg", "hero: images\\hip-hinge.jpg")
    fails_with(project, f"{ARTICLE}:6: hero: image 'images\\\\hip-hinge.jpg' uses backslashes '\\'; "
                        "write it with forward slashes: images/hip-hinge.jpg")


# --- paths leading out of the project -------------------------------------------------

@pytest.mark.parametrize("hero, what", [
    ("../../etc/passwd", "points outside its folder with '..'; copy the file into {folder} and use a path without '..'"),
    ("/etc/passwd", "is an absolute path; copy the file into the project and write its path relative to {folder}"),
    ("C:/Windows/win.ini", "is an absolute path; copy the file into the project and write its path relative to {folder}"),
])
def test_hero_outside_the_project_is_refused(project: Path, hero: str, what: str) -> None:
    edit(project / ARTICLE, "hero: images/hip-hinge.jpg", f"hero: {hero}")
    fails_with(project, f"{ARTICLE}:6: hero: image {hero!r} " + what.format(folder=project / SAMPLE_ISSUE))


def test_symlink_leading_out_is_refused(project: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.jpg"
    secret.write_bytes(b"private")
    (project / SAMPLE_ISSUE / "images/evil.jpg").symlink_to(secret)
    edit(project / ARTICLE, "hero: images/hip-hinge.jpg", "hero: images/evil.jpg")
    fails_with(project, f"{ARTICLE}:6: hero: image 'images/evil.jpg' leads outside the project folder "
                        "(a link to a file elsewhere); copy the file itself into the project instead of linking to it")


def test_symlinked_article_leading_out_is_refused(project: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.md"
    outside.write_text("---\ntitle: x\n---\n", encoding="utf-8")
    (project / SAMPLE_ISSUE / "stolen.en.md").symlink_to(outside)
    fails_with(project, f"{SAMPLE_ISSUE}/stolen.en.md: is a link to a file outside the project folder; "
                        "copy the article file itself into the issue folder")


def test_logo_outside_the_project_is_refused(project: Path) -> None:
    edit(project / "newsletter.toml", 'logo = "assets/logos/hearts.png"', 'logo = "../../etc/passwd"')
    fails_with(project, "newsletter.toml: sponsors[0].logo: file '../../etc/passwd' points outside its folder "
                        f"with '..'; copy the file into {project} and use a path without '..'")


def test_related_path_is_not_an_article(project: Path) -> None:
    edit(project / ARTICLE, "related: [deadlift-clinic]", "related: [../../etc/passwd]")
    fails_with(project, f"{ARTICLE}:9: related: '../../etc/passwd' is not another article of this issue; "
                        "use the slug of an article listed in issue.yaml")


# --- sizes ----------------------------------------------------------------------------

def test_50_mb_markdown_is_refused_before_reading(project: Path) -> None:
    with open(project / ARTICLE, "r+b") as fp:
        fp.truncate(50_000_000)   # sparse: the limit must be checked before the bytes are read
    fails_with(project, f"{ARTICLE}: is 50.0 MB, more than the limit of 1.0 MB; "
                        "check that this is the right file; split a very long text or shrink the image")


def test_huge_image_is_refused_before_reading(project: Path) -> None:
    with open(project / SAMPLE_ISSUE / "images/hip-hinge.jpg", "r+b") as fp:
        fp.truncate(30_000_000)
    expected = ("hero: image 'images/hip-hinge.jpg' is 30.0 MB, more than the limit of 10.0 MB; "
                "check that this is the right file; split a very long text or shrink the image")
    result = build(project)
    assert result.exit_code == 2
    assert f"error: {project}/{ARTICLE}:6: {expected}" in result.output
    assert f"error: {project}/{ZH_ARTICLE}:6: {expected}" in result.output


def test_ten_thousand_article_files_are_refused(project: Path) -> None:
    folder = project / SAMPLE_ISSUE
    for i in range(10_000):
        (folder / f"a{i}.en.md").touch()
    count = len(list(folder.glob("*.md")))
    fails_with(project, f"{SAMPLE_ISSUE}: {count} Markdown files, more than the limit of 500; "
                        "one issue holds a few dozen articles at most; move the others to another folder")


def test_ten_thousand_listed_articles_are_refused(project: Path) -> None:
    slugs = "\n".join(f"  - a{i}" for i in range(10_000))
    edit(project / ISSUE, "  - hip-hinge", slugs)
    fails_with(project, f"{ISSUE}:14: 10006 articles listed, more than the limit of 100; split them into several issues")


# --- header injection on the build side -----------------------------------------------

@pytest.mark.parametrize("file, old, new, expected", [
    (ISSUE, '  en: "Strong backs', '  en: "Bcc: all@example.org\\nStrong backs',
     f"{ISSUE}:3: title: contains a line break or invisible character (0x0a); write it on one line"),
    (ISSUE, '  en: "Strong backs', '  en: "Strong\\r\\nX-Evil: 1 backs',
     f"{ISSUE}:3: title: contains a line break or invisible character (0x0d); write it on one line"),
    (ISSUE, '  en: "Strong backs', '  en: "Strong\\0 backs',
     f"{ISSUE}:3: title: contains a line break or invisible character (0x00); write it on one line"),
    ("newsletter.toml", 'name = "HEARTS Community News"', 'name = "HEARTS\\r\\nBcc: all@example.org"',
     "newsletter.toml: sponsors[0].sender.name: contains a line break or invisible character (0x0d); "
     "write it on one line"),
    ("newsletter.toml", 'address = "news@hearts.example.org"', 'address = "news@hearts.example.org\\nBcc: x@y.org"',
     "newsletter.toml: sponsors[0].sender.address: 'news@hearts.example.org\\nBcc: x@y.org' is not an email address"),
    ("newsletter.toml", 'address = "news@hearts.example.org"', 'address = "news@hearts.example.org\\u0000"',
     "newsletter.toml: sponsors[0].sender.address: 'news@hearts.example.org\\x00' is not an email address"),
])
def test_line_breaks_in_header_fields_are_input_errors(project: Path, file: str, old: str, new: str,
                                                       expected: str) -> None:
    edit(project / file, old, new)
    fails_with(project, expected)


def test_secrets_never_reach_output_or_messages(project: Path) -> None:
    secrets = {"NEWSLETTER_SMTP_PASSWORD": "pw-SECRET-7f3a9c", "NEWSLETTER_UNSUBSCRIBE_SECRET": "hmac-SECRET-51be0d"}
    runner = CliRunner(env=secrets)
    ok = runner.invoke(main, ["build", str(project / SAMPLE_ISSUE)])
    assert ok.exit_code == 0, ok.output
    edit(project / ARTICLE, "author: lin-wei", "author: nobody")
    failed = runner.invoke(main, ["build", str(project / SAMPLE_ISSUE)])
    assert failed.exit_code == 2
    files = [p for p in (project / "dist").rglob("*") if p.is_file()]
    assert len(files) > 20
    for value in secrets.values():
        assert value not in ok.output + failed.output
        for path in files:
            assert value.encode() not in path.read_bytes(), path
    assert os.environ.get("NEWSLETTER_SMTP_PASSWORD") != secrets["NEWSLETTER_SMTP_PASSWORD"]
