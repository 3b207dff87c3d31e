"""Option definitions shared by the commands: one definition each, so that the same option
means the same thing, with the same help, everywhere.

``scan``, ``hook run`` and ``baseline`` take the options they share from here (the index, the
policy, the declared use, the configuration, the fail-on level, Git LFS, the result cache,
waivers, how records are read, the role filter, workers); ``index add/build`` take the record
options and the worker count. tests/unit/test_cli_shared_options.py checks that an option a
command shares has the same flags, type, default and help in every command that takes it, and
tests/acceptance/test_cli_options.py that every command reads every option it accepts.

Light to import: the pre-commit hook with nothing to scan imports this module, so the record
schemas (and numpy behind them) are loaded only when a schema choice is checked or listed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import click

from provcheck.cli.common import ADDRESS, ENGINE
from provcheck.projectfile import FAIL_ON as FAIL_ON_LEVELS
from provcheck.projectfile import FILENAME, LFS_MODES
from provcheck.waivers import DEFAULT_FILE as DEFAULT_WAIVERS

F = TypeVar("F", bound=Callable[..., Any])


class LazyChoice(click.Choice):  # type: ignore[type-arg]
    """A ``click.Choice`` whose choices are computed when first needed."""

    def __init__(self, load: Callable[[], Iterable[str]]) -> None:
        self._load = load
        self._loaded: tuple[str, ...] | None = None
        super().__init__(())

    @property
    def choices(self) -> tuple[str, ...]:
        if self._loaded is None:
            self._loaded = tuple(self._load())
        return self._loaded

    @choices.setter
    def choices(self, value: Iterable[str]) -> None:
        pass  # click.Choice.__init__ sets them; they are loaded instead


def _schema_names() -> list[str]:
    from provcheck.inputs.schemas import SCHEMAS

    return ["auto", *SCHEMAS]


SCHEMA_CHOICES = LazyChoice(_schema_names)

CONFIG = click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    help=f"Project configuration (default: the nearest {FILENAME} from the working directory up).",
)
INDEXES = click.option(
    "-i",
    "--index",
    "index_path",
    metavar="INDEX",
    multiple=True,
    help=f"Reference index or fingerprint pack to match against (required unless {FILENAME} sets "
    "`index:`); repeat to match against several as one (docs/packs.md).",
)
"""``scan``'s ``--index``: repeatable, so that indexes and packs are matched as one."""
POLICY = click.option(
    "-p",
    "--policy",
    "policy_path",
    type=click.Path(dir_okay=False),
    help=f"Policy file (default: `policy:` of {FILENAME}, else every match is a review finding).",
)
USE = click.option(
    "--use",
    "uses",
    multiple=True,
    metavar="PURPOSE",
    help="Intended use, added to the policy's and .provcheck.yaml's: a purpose (train-competing-model, "
    "fine-tune...) or commercial, non-commercial, distributed, internal, research-only. Repeatable. "
    "A value that contradicts the declared use is an error unless --use-only is given.",
)
USE_ONLY = click.option(
    "--use-only",
    is_flag=True,
    help="The --use values replace the declared use (of the policy and .provcheck.yaml) "
    "instead of adding to it.",
)
FAIL_ON = click.option(
    "--fail-on",
    type=click.Choice(list(FAIL_ON_LEVELS)),
    default=None,
    help="Fail (exit 1; the hook refuses the commit) on findings with this action or a more severe "
    "one.  [default: block]",
)
LFS = click.option(
    "--lfs",
    "lfs_mode",
    type=click.Choice(list(LFS_MODES)),
    default=None,
    help="Git LFS pointers in a diff-aware scan (hook run, scan --changed-since): report as unreadable, "
    "scan the local LFS object, or skip.  [default: report]",
)
CACHE_DIR = click.option(
    "--cache-dir",
    metavar="DIR",
    help="Cache per-record results here (default in a diff-aware scan: $XDG_CACHE_HOME/provcheck).",
)
NO_CACHE = click.option("--no-cache", is_flag=True, help="Do not read or write the result cache.")
WAIVERS = click.option(
    "--waivers",
    "waivers_path",
    type=click.Path(dir_okay=False),
    default=None,
    help=f"Waivers file (default: `waivers:` of {FILENAME}, else {DEFAULT_WAIVERS} in its folder or "
    "the current directory, if present).",
)
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


SCAN_ROLES = roles(
    "Scan only these turns (role names or kinds: system, user, assistant, reasoning, tool_call, tool, "
    "text, field)."
)
"""``--roles`` of the commands that scan (``scan``, ``baseline``)."""
SCAN_WORKERS = workers("Processes matching records (default: all cores; small scans use one).")
"""``-j/--workers`` of the commands that scan (``scan``, ``baseline``)."""


def records(fn: F) -> F:
    """``--schema``, ``--text-field`` and ``--id-field``: how records are read."""
    for option in (ID_FIELD, TEXT_FIELD, SCHEMA):
        fn = option(fn)
    return fn


__all__ = [
    "ADDRESS",
    "ALLOW_INCLUDE_OUTSIDE",
    "CACHE_DIR",
    "CONFIG",
    "ENGINE",
    "FAIL_ON",
    "INDEXES",
    "LFS",
    "NO_CACHE",
    "POLICY",
    "QUIET",
    "SCAN_ROLES",
    "SCAN_WORKERS",
    "SCHEMA_CHOICES",
    "USE",
    "USE_ONLY",
    "WAIVERS",
    "records",
    "roles",
    "workers",
]
