"""The `newsletter` command: one group, one module per command group beside it.

Commands import what they share from `common`, never from here, so this entry point only
assembles them."""
from __future__ import annotations

import click

from .build import build
from .check import check
from .i18n import i18n
from .new import new, new_issue_command
from .preview import preview, snapshot
from .send import send, serve, status, subscribers


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="newsletter")
def main() -> None:
    """Build, check, preview and send bilingual community newsletters."""


for _command in (new, new_issue_command, build, check, preview, snapshot, send, status, serve, subscribers,
                 i18n):
    main.add_command(_command)
