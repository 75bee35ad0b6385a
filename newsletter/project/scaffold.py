"""Starting things: a whole project (`newsletter new`) and one issue (`newsletter new-issue`).

Each is assembled in a temporary folder beside its destination and moved into place in
one rename, so an interrupted command leaves nothing half-made.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import tempfile
from pathlib import Path

import yaml

from ..errors import InputError, Problem
from .config import Config
from .sources import ISSUE_FILE

SKELETON_DIR = Path(__file__).resolve().parent.parent / "skeleton"
SAMPLE_ISSUE = "issues/welcome"
ISSUE_NAME = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".DS_Store")


def new_project(target: Path) -> Path:
    """Copy the skeleton (settings, authors, a logo, a bilingual sample issue) to `target`."""
    target = Path(target).absolute()
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise InputError([Problem(target, None, "this folder already exists and is not empty",
                                  "give a new folder name, e.g. newsletter new mynews")])
    _move_into_place(target, lambda staging: shutil.copytree(SKELETON_DIR, staging, ignore=IGNORED,
                                                             dirs_exist_ok=True))
    return target


def new_issue(config: Config, name: str, today: dt.date, slug: str = "first-article") -> Path:
    """`issues/<name>/` with an issue.yaml and one article in every language, dated `today`."""
    folder = config.root / "issues" / name
    problems = _issue_problems(config, name, slug, folder)
    if problems:
        raise InputError(problems)
    number = _next_number(config.root / "issues")
    _move_into_place(folder, lambda staging: _write_issue(staging, config, number, today, slug))
    return folder


def _issue_problems(config: Config, name: str, slug: str, folder: Path) -> list[Problem]:
    problems = []
    if not ISSUE_NAME.fullmatch(name):
        problems.append(Problem(name, None, "an issue is named by its month as YYYY-MM",
                                f"for example: newsletter new-issue {dt.date.today():%Y-%m}"))
    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug):
        problems.append(Problem(slug, None, "an article name uses lowercase letters, digits and dashes",
                                "for example: --article spring-market"))
    if folder.exists():
        problems.append(Problem(folder, None, "this issue already exists",
                                "choose another month, or edit the files that are there"))
    return problems


def _next_number(issues: Path) -> int:
    """One more than the highest `number:` of the existing issues (unreadable ones skipped)."""
    numbers = [0]
    for path in issues.glob(f"*/{ISSUE_FILE}"):
        try:
            number = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("number")
        except (yaml.YAMLError, UnicodeDecodeError, AttributeError):
            continue
        if isinstance(number, int):
            numbers.append(number)
    return max(numbers) + 1


def _write_issue(staging: Path, config: Config, number: int, today: dt.date, slug: str) -> None:
    languages = config.site.languages
    staging.mkdir(parents=True, exist_ok=True)
    (staging / "images").mkdir()
    texts = "\n".join(f'  {lang}: "TODO"' for lang in languages)
    (staging / ISSUE_FILE).write_text(ISSUE_TEMPLATE.format(number=number, date=today.isoformat(), texts=texts,
                                                            slug=slug), encoding="utf-8")
    authors = sorted(_author_ids(config.root / "authors.yaml")) or ["TODO"]
    for lang in languages:
        (staging / f"{slug}.{lang}.md").write_text(
            ARTICLE_TEMPLATE.format(date=today.isoformat(), author=authors[0], slug=slug), encoding="utf-8")


def _author_ids(path: Path) -> list[str]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        return []
    return list(data) if isinstance(data, dict) else []


def _move_into_place(target: Path, fill) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        fill(staging)
        os.chmod(staging, 0o777 & ~_umask())
        if target.is_dir():
            target.rmdir()  # an empty folder the user made for it
        os.rename(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


ISSUE_TEMPLATE = """\
# issue.yaml: this issue's title, introduction and the list of its articles.
# Replace every TODO, then: newsletter build issues/<this folder>, and newsletter check.
number: {number}
date: {date}
# the email subject, per language
title:
{texts}
intro:
{texts}
untranslated: keep
sponsors: all
# the articles in order: file names without the language part
articles:
  - {slug}
"""

ARTICLE_TEMPLATE = """\
---
# Replace every TODO. Required: title, author (an id from authors.yaml), category, date,
# hero (a picture you put in images/), hero_alt (what the picture shows, in words) and
# discuss (an https link where readers can talk about the article).
title: "TODO"
author: {author}
category: "TODO"
date: {date}
hero: images/{slug}.jpg
hero_alt: "TODO"
discuss: https://forum.example.org/t/{slug}
---
TODO: write the article here, in Markdown. A blank line starts a new paragraph.
"""
