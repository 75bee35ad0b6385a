"""The `newsletter` command: one group, one module per command group beside it.

Commands import what they share from `common`, never from here, so this entry point only
assembles them. Each command's module is imported when that command runs (click's
lazily loaded subcommands): `newsletter send` and `newsletter check` never load the
build's libraries (Jinja2, premailer, lxml's CSS machinery) unless they build.
"""
from __future__ import annotations

import importlib

import click

# command name -> (module beside this one, attribute)
COMMANDS = {
    "new": ("new", "new"),
    "new-issue": ("new", "new_issue_command"),
    "build": ("build", "build"),
    "check": ("check", "check"),
    "preview": ("preview", "preview"),
    "snapshot": ("preview", "snapshot"),
    "send": ("send", "send"),
    "status": ("send", "status"),
    "serve": ("send", "serve"),
    "subscribers": ("subscribers", "subscribers"),
    "bounces": ("bounces", "bounces"),
    "i18n": ("i18n", "i18n"),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return super().get_command(ctx, name)
        module, attribute = COMMANDS[name]
        return getattr(importlib.import_module(f"{__name__}.{module}"), attribute)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="newsletter")
def main() -> None:
    """Build, check, preview and send bilingual community newsletters."""
