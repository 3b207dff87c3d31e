"""The documentation stays true: every exit code, command and option is documented, and the README
names every command."""

from __future__ import annotations

import re

import click

from helpers import ROOT
from provcheck.cli import cli
from provcheck.errors import ExitCode

README = (ROOT / "README.md").read_text(encoding="utf-8")
EXIT_CODES = (ROOT / "docs" / "exit-codes.md").read_text(encoding="utf-8")
COMMANDS = "".join(
    (ROOT / "docs" / name).read_text(encoding="utf-8") for name in ("commands.md", "repository.md")
)
"""The hand-written guides to the commands (the hook commands are in the repository guide)."""


def _commands(group: click.Group, ctx: click.Context, prefix: str) -> list[tuple[str, click.Command]]:
    out = []
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None
        if isinstance(command, click.Group):
            out += _commands(command, ctx, f"{prefix} {name}")
        else:
            out.append((f"{prefix} {name}", command))
    return out


def test_every_exit_code_is_in_the_exit_code_table() -> None:
    table = dict(re.findall(r"^\| (\d+) \| (.+) \|$", EXIT_CODES, flags=re.M))
    assert {int(code) for code in table} == {int(code) for code in ExitCode}


def test_every_exit_code_is_named_in_the_readme() -> None:
    line = README[README.index("`provcheck scan` exits 0") :].split("\n\n")[0]
    assert {int(c) for c in re.findall(r"\b(\d+)\b", line)} >= {int(code) for code in ExitCode}


def test_every_command_and_option_is_documented() -> None:
    with click.Context(cli) as ctx:
        commands = _commands(cli, ctx, "provcheck")
    missing = []
    for name, command in commands:
        if f"`{name}" not in README or f"`{name}" not in COMMANDS:
            missing.append(name)
        for param in command.params:
            if isinstance(param, click.Option) and not param.hidden:
                longest = max(param.opts, key=len)
                if longest not in ("--help",) and f"{longest}" not in COMMANDS:
                    missing.append(f"{name} {longest}")
    assert not missing, (
        f"not in README.md (commands) or the guides in docs/ (commands and options): {missing}"
    )
