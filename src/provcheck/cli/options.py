"""Option definitions shared by the commands that read records (``scan``, ``baseline``,
``index add/build``): one definition each, so that the same option means the same thing
everywhere, and a test (tests/acceptance/test_cli_options.py) checks that every command reads
every option it accepts.

Kept apart from ``cli.common`` so that a pre-commit hook with nothing to scan does not import
the record schemas.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from provcheck.cli.common import ADDRESS, ENGINE
from provcheck.inputs.schemas import SCHEMAS

F = TypeVar("F", bound=Callable[..., Any])

SCHEMA_CHOICES = click.Choice(["auto", *SCHEMAS])

SCHEMA = click.option(
    "--schema",
    type=SCHEMA_CHOICES,
    default=None,
    help="Record schema; detected per record by default.  [default: auto]",
)
TEXT_FIELD = click.option("--text-field", metavar="FIELD", help="Read only this (dotted) field as the text.")
ID_FIELD = click.option("--id-field", metavar="FIELD", help="Field holding record ids (default: id).")
ALLOW_INCLUDE_OUTSIDE = click.option(
    "--allow-include-outside", is_flag=True, help="Let the policy include files outside its directory."
)
QUIET = click.option("-q", "--quiet", is_flag=True, help="No progress bar and no summary.")


def roles(help: str) -> Callable[[F], F]:
    """``--roles R,...``: which turns a command reads (scanned, or indexed as reference)."""
    return click.option("--roles", multiple=True, metavar="R,...", help=help)


def workers(help: str) -> Callable[[F], F]:
    """``-j/--workers N``: processes doing the work (capped by the runtime)."""
    return click.option("-j", "--workers", type=click.IntRange(min=1), default=None, help=help)


def records(fn: F) -> F:
    """``--schema``, ``--text-field`` and ``--id-field``: how records are read."""
    for option in (ID_FIELD, TEXT_FIELD, SCHEMA):
        fn = option(fn)
    return fn


__all__ = [
    "ADDRESS",
    "ALLOW_INCLUDE_OUTSIDE",
    "ENGINE",
    "QUIET",
    "SCHEMA_CHOICES",
    "records",
    "roles",
    "workers",
]
