"""The command line: the only place that prints, exits or draws progress."""

from __future__ import annotations

import importlib

import click

from provcheck import __version__
from provcheck.errors import ReaderGone

_COMMANDS = {
    "index": "provcheck.cli.index:index",
    "scan": "provcheck.cli.scan:scan",
    "policy": "provcheck.cli.policy:policy",
    "baseline": "provcheck.cli.baseline:baseline",
    "hook": "provcheck.cli.hook:hook",
    "merge": "provcheck.cli.merge:merge",
    "pack": "provcheck.cli.pack:pack",
}
"""Subcommands, imported when used: a hook or ``index add`` does not pay for the others."""


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*super().list_commands(ctx), *_COMMANDS]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = _COMMANDS.get(cmd_name)
        if target is None:
            return super().get_command(ctx, cmd_name)
        module, attr = target.split(":")
        command: click.Command = getattr(importlib.import_module(module), attr)
        return command

    def invoke(self, ctx: click.Context) -> object:
        # click turns a closed pipe into exit 1, the code of blocking findings: caught first.
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            raise ReaderGone("the reader of the output went away") from None


@click.group(
    cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100}
)
@click.version_option(__version__, prog_name="provcheck")
def cli() -> None:
    """Find model-generated and restricted material in training data, and say why it matters.

    Build a reference index of known sources (`provcheck index add`), then scan datasets
    against it (`provcheck scan`) under a policy for your intended use.
    """


def main() -> None:
    """Console entry point."""
    from provcheck.cli.common import run_main

    run_main(cli)
