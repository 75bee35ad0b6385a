"""`newsletter new DIR` and `newsletter new-issue YYYY-MM`: start a project or an issue."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from ..project.config import load_config
from ..project.root import find_project_root
from ..project.scaffold import SAMPLE_ISSUE, new_issue, new_project
from .common import reports_errors


@click.command()
@click.argument("folder", type=click.Path(path_type=Path))
@reports_errors
def new(folder: Path) -> None:
    """Create a ready-to-build newsletter project in FOLDER (which must be new or empty)."""
    target = new_project(folder)
    click.echo(f"Created a newsletter project in {target}")
    click.echo(f"Next: cd {click.format_filename(folder)} && newsletter build {SAMPLE_ISSUE}")
    click.echo("Then edit newsletter.toml, authors.yaml and the sample issue; each file explains itself.")


@click.command(name="new-issue")
@click.argument("month", metavar="YYYY-MM")
@click.option("--article", "slug", default="first-article", show_default=True,
              help="File name (without language) of the first article.")
@reports_errors
def new_issue_command(month: str, slug: str) -> None:
    """Start issues/YYYY-MM with an issue.yaml and one article per language, dated today."""
    config = load_config(find_project_root(Path.cwd()))
    folder = new_issue(config, month, dt.date.today(), slug)
    click.echo(f"Created {folder.relative_to(config.root)}: fill in every TODO, add the picture to images/, "
               f"then: newsletter build {folder.relative_to(config.root)}")
