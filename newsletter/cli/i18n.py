"""`newsletter i18n …`: the translators' commands. Prints; the work is in `newsletter.i18n`."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..errors import InputError
from ..i18n.articles import OUTDATED, article_gaps, mark_translated
from ..i18n.draft import CONVERSIONS, draft_language
from ..i18n.extract import extract as extract_template
from ..i18n.report import language_report
from ..i18n.workflow import (
    compile_languages,
    init_language,
    translated,
    update_languages,
)
from ..project.config import load_config
from ..project.root import find_project_root
from .common import EXIT_PROBLEMS, echo, reports_errors

project_option = click.option("--project", type=click.Path(path_type=Path), default=".",
                              help="Project folder (default: the one holding the current folder).")


@click.group()
def i18n() -> None:
    """Translate the newsletter: UI string catalogs and article translations."""


@i18n.command()
@project_option
@reports_errors
def extract(project: Path) -> None:
    """Collect the English UI strings of the templates into translations/messages.pot."""
    path, changed = extract_template(find_project_root(project))
    echo(f"{'updated' if changed else 'unchanged'}: {path}")


@i18n.command()
@click.argument("language")
@project_option
@reports_errors
def init(language: str, project: Path) -> None:
    """Start the catalog of a new LANGUAGE (a BCP 47 tag such as zh-Hant)."""
    written = init_language(find_project_root(project), language)
    echo(f"created: {written.path}")
    echo(f"Next: add {language!r} to site.languages in newsletter.toml, translate the file, "
               "then check it with: newsletter i18n status")


@i18n.command()
@project_option
@reports_errors
def update(project: Path) -> None:
    """Merge new and changed strings from messages.pot into every language's catalog."""
    config = load_config(find_project_root(project))
    _echo_written(update_languages(config.root, config.site.languages), "updated")


@i18n.command(name="compile")
@project_option
@reports_errors
def compile_(project: Path) -> None:
    """Write messages.mo beside each catalog (fuzzy entries left out). The build does not need it."""
    config = load_config(find_project_root(project))
    _echo_written(compile_languages(config.root, config.site.languages), "compiled")


def _echo_written(written: list, verb: str) -> None:
    for w in written:
        echo(f"{verb if w.changed else 'unchanged'}: {w.path}")


@i18n.command()
@click.argument("language")
@click.option("--from", "source", required=True, metavar="LANGUAGE", help="The language to convert from (zh-Hans).")
@click.option("--conversion", type=click.Choice(CONVERSIONS), default=None,
              help="OpenCC configuration: s2twp (Taiwan phrases, default), s2hk (Hong Kong), s2tw, s2t.")
@click.option("--issue", "issues", multiple=True, type=click.Path(path_type=Path),
              help="Only this issue folder's articles (repeatable); default: every issue.")
@project_option
@reports_errors
def draft(language: str, source: str, conversion: str | None, issues: tuple[Path, ...], project: Path) -> None:
    """Draft LANGUAGE's catalog and articles from another script with OpenCC, for review:
    converted catalog entries are marked fuzzy, converted articles `draft: true`."""
    config = load_config(find_project_root(project))
    folders = [p.resolve() for p in issues] if issues else None
    for written in draft_language(config, language, source, conversion, folders):
        echo(f"drafted: {written.path} ({written.what})")
    echo("Next: review each draft (Poedit: entries marked 'Needs work'; articles: remove `draft: true`).")


@i18n.command()
@click.option("--strict", is_flag=True, help="Exit with code 1 when any problem is found.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", help="Output format.")
@project_option
@reports_errors
def status(strict: bool, fmt: str, project: Path) -> None:
    """Report per language: UI strings done, every catalog problem, and article translations
    that are missing or older than their source."""
    config = load_config(find_project_root(project))
    catalogs = [_catalog_entry(config.root, lang) for lang in translated(config.site.languages)]
    gaps = [g.as_dict(config.root) | {"message": g.describe(config.root)} for g in article_gaps(config)]
    count = sum(len(c["problems"]) for c in catalogs) + sum(1 for g in gaps if g["kind"] == OUTDATED)
    if fmt == "json":
        echo(json.dumps({"catalogs": catalogs, "articles": gaps, "problems": count},
                              ensure_ascii=False, indent=2))
    else:
        _print_status(catalogs, gaps, count)
    if strict and count:
        sys.exit(EXIT_PROBLEMS)


def _catalog_entry(root: Path, language: str) -> dict:
    try:
        stats, problems = language_report(root, language)
    except InputError as exc:
        return {"language": language, "stats": None, "problems": [str(p) for p in exc.problems]}
    return {"language": language, "stats": stats.as_dict(), "problems": [str(p) for p in problems]}


def _print_status(catalogs: list[dict], gaps: list[dict], count: int) -> None:
    echo("UI strings (translations/):")
    for entry in catalogs:
        s = entry["stats"]
        if s:
            echo(f"  {entry['language']}: {s['percent']}% translated — {s['translated']} translated, "
                 f"{s['broken']} broken, {s['fuzzy']} fuzzy, {s['untranslated']} untranslated, "
                 f"{s['obsolete']} obsolete")
        for problem in entry["problems"]:
            echo(f"    {problem}")
    echo("Articles:")
    for gap in gaps:
        echo(f"  {gap['kind']}: {gap['message']}")
    if not gaps:
        echo("  every article is translated and up to date")
    echo(f"{count} problem(s)" if count else "No problems.")


@i18n.command(name="mark-translated")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--from", "source_language", metavar="LANGUAGE",
              help="The language it was translated from, when it cannot be told from the files.")
@reports_errors
def mark_translated_command(path: Path, source_language: str | None) -> None:
    """Record in PATH's front matter that it matches the current text of its source."""
    config = load_config(find_project_root(path.parent))
    source, digest = mark_translated(config, path, source_language)
    echo(f"{path}: translated_from: \"{digest}\" (from {source.path.name})")
