"""The command line: the only place that prints, exits or draws progress."""

from __future__ import annotations

import click

from provcheck import __version__
from provcheck.cli.baseline import baseline
from provcheck.cli.common import run_main
from provcheck.cli.index import index
from provcheck.cli.policy import policy
from provcheck.cli.scan import scan


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="provcheck")
def cli() -> None:
    """Find model-generated and restricted material in training data, and say why it matters.

    Build a reference index of known sources (`provcheck index add`), then scan datasets
    against it (`provcheck scan`) under a policy for your intended use.
    """


cli.add_command(index)
cli.add_command(scan)
cli.add_command(policy)
cli.add_command(baseline)


def main() -> None:
    """Console entry point."""
    run_main(cli)
