"""The command line: the only place that prints, exits or draws progress."""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator

from provcheck.support import regexcode

# Before click: its patterns and those of the modules it imports (uuid's platform, gettext,
# textwrap) are reused too (support/regexcode.py).
regexcode.install()

import click  # noqa: E402

from provcheck import __version__  # noqa: E402
from provcheck.errors import ReaderGone  # noqa: E402

_COMMANDS: dict[str, tuple[str, str]] = {
    "index": (
        "provcheck.cli.index:index",
        "Build and inspect reference indexes (directories of fingerprinted known sources).",
    ),
    "scan": ("provcheck.cli.scan:scan", "Scan dataset files or directories (PATHS) against INDEX."),
    "policy": (
        "provcheck.cli.policy:policy",
        "Validate, explain and list policies and shipped policy packs.",
    ),
    "baseline": (
        "provcheck.cli.baseline:baseline",
        "Write a waiver for every current finding of a scan of PATHS.",
    ),
    "hook": (
        "provcheck.cli.hook:hook",
        "Check staged dataset files before each commit (pre-commit framework or plain git).",
    ),
    "merge": (
        "provcheck.cli.merge:merge",
        "Merge the N partials of `scan --shard I/N --partial FILE` into one scan's reports and exit code.",
    ),
    "pack": (
        "provcheck.cli.pack:pack",
        "Fingerprint packs: match against references whose text is never shared (docs/packs.md).",
    ),
}
"""Subcommands, imported when used: a hook or ``index add`` does not pay for the others, and
``provcheck --help`` lists them with the first sentence of their help written here instead of
importing every command (tests/unit/test_startup.py checks it against the commands' own)."""


class CheckedGroup(click.Group):
    """A group whose commands' arguments are checked before they run: an option given twice
    or given an empty value, and ``PROVCHECK_*`` variables that would be dropped, are refused.
    Every group uses it: ``hook run --fail-on block --fail-on never`` and ``index add
    --provider openai --provider "$P"`` (the last silently won) went unchecked when only the
    top-level group checked (adversarial pass 18)."""

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name, command, rest = super().resolve_command(ctx, args)
        if command is not None and not isinstance(command, click.Group):
            _refuse_repeated(command, ctx, rest)
            if any(k.startswith("PROVCHECK_") for k in os.environ):
                from provcheck.cli.environment import refuse_unread

                refuse_unread(command, ctx, rest)
        return name, command, rest


class _LazyGroup(CheckedGroup):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*super().list_commands(ctx), *_COMMANDS]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = _COMMANDS.get(cmd_name)
        if entry is None:
            return super().get_command(ctx, cmd_name)
        module, attr = entry[0].split(":")
        from provcheck.cli.common import collector_paused
        from provcheck.support import methodcode

        methodcode.install()  # the command's classes reuse their methods' compiled code
        with collector_paused():
            command: click.Command = getattr(importlib.import_module(module), attr)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # click's own version calls get_command for every subcommand: all of them imported.
        names = [name for name in self.list_commands(ctx) if name in _COMMANDS]
        if names:
            limit = formatter.width - 6 - max(len(name) for name in names)  # as click computes it
            # A stand-in command shortens the sentence exactly as click shortens a command's help.
            rows = [
                (name, click.Command(name, help=_COMMANDS[name][1]).get_short_help_str(limit))
                for name in names
            ]
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> object:
        # click turns a closed pipe into exit 1, the code of blocking findings: caught first.
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            raise ReaderGone("the reader of the output went away") from None


def _given(
    command: click.Command, ctx: click.Context, args: list[str]
) -> Iterator[tuple[str, click.Option, str]]:
    """``(option as written, option, value)`` for each option that takes a value in ``args``."""
    takes_value: dict[str, click.Option] = {}
    for declared in command.get_params(ctx):
        if isinstance(declared, click.Option) and not declared.is_flag and not declared.count:
            for opt in declared.opts + declared.secondary_opts:
                takes_value[opt] = declared
    tokens = iter(args)
    for token in tokens:
        if token == "--":
            break
        if token.startswith("--"):
            opt, eq, value = token.partition("=")
        elif token.startswith("-") and len(token) > 1:
            opt, value, eq = token[:2], token[2:], token[2:]
        else:
            continue
        option = takes_value.get(opt)
        if option is None:
            continue
        if not eq:
            value = next(tokens, "")
        yield opt, option, value


def _refuse_repeated(command: click.Command, ctx: click.Context, args: list[str]) -> None:
    """Refuse an option that takes one value given twice with different values, and an option
    given an empty value.

    click keeps the last: ``-p strict.yaml ... -p lax.yaml`` or a CI template's ``--fail-on
    block`` followed by a job's ``--fail-on never`` dropped the first without a word.
    Repeatable options (``--index``, ``--use``, ``-f``) and flags are not concerned.

    An empty value is what ``-p "$POLICY"`` gives when the variable is unset: ``--policy ''``
    was taken for the option left out, and the scan ran under the default policy (every match
    a review finding) and passed, exit 0; ``--text-field ''`` and ``--cache-dir ''`` were
    dropped likewise (adversarial pass 18).
    """
    given: dict[str, tuple[str, str]] = {}
    for opt, option, value in _given(command, ctx, args):
        if not value.strip():
            raise click.UsageError(
                f"{opt} {value!r} is empty, which declares nothing (an unset variable?): give a "
                "value, or leave the option out",
                ctx,
            )
        if option.multiple or option.name is None:
            continue
        first = given.setdefault(option.name, (opt, value))
        if first[1] != value:
            raise click.UsageError(
                f"{first[0]} given twice ({first[1]!r}, then {opt} {value!r}): give it once; "
                "the second would silently replace the first",
                ctx,
            )


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """``--version``: the version and the build the reports record (scan/build.py), so that an
    installation can be checked against a signed report."""
    if not value or ctx.resilient_parsing:
        return
    from provcheck.scan.build import build_facts

    click.echo(f"provcheck, version {__version__}\n{build_facts().describe()}")
    ctx.exit()


@click.group(
    cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100}
)
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_version,
    help="Show the version and which build it is (commit, code digest) and exit.",
)
def cli() -> None:
    """Find model-generated and restricted material in training data, and say why it matters.

    Build a reference index of known sources (`provcheck index add`), then scan datasets
    against it (`provcheck scan`) under a policy for your intended use.
    """


def main() -> None:
    """Console entry point."""
    # provcheck does no linear algebra, but numpy's OpenBLAS starts a thread per core when it
    # is imported, and they spin: ~70 ms of CPU in every command that imports numpy, for
    # nothing. Set before any command's import; a user's own setting is kept.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from provcheck.cli.common import run_main

    run_main(cli)
