"""Write docs/cli.md, the command reference, from the click commands themselves.

    python scripts/cli_reference.py          # rewrite docs/cli.md
    python scripts/cli_reference.py --check  # exit 1 when docs/cli.md is not current (a test runs this)

Generated, never written by hand: an option added to a command appears here with its own help text,
and a test fails until the file is regenerated, so the reference cannot drift from the program.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from provcheck.cli import cli

OUT = Path(__file__).resolve().parent.parent / "docs" / "cli.md"

HEADER = """# Command reference

Generated from the commands by `python scripts/cli_reference.py` (a test checks that it is
current). Every option is listed with its own help text; `provcheck COMMAND --help` prints the same.
Exit codes, the policy format and the limits are in [exit-codes.md](exit-codes.md),
[policy.md](policy.md) and [limits.md](limits.md).
"""


def _commands(group: click.Group, ctx: click.Context, prefix: str) -> list[tuple[str, click.Command]]:
    out: list[tuple[str, click.Command]] = []
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if command is None or command.hidden:
            continue
        path = f"{prefix} {name}"
        if isinstance(command, click.Group):
            out += _commands(command, ctx, path)
        else:
            out.append((path, command))
    return out


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _option_row(ctx: click.Context, param: click.Parameter) -> str | None:
    if not isinstance(param, click.Option) or param.hidden:
        return None
    record = param.get_help_record(ctx)
    if record is None:
        return None
    names, help_text = record
    return f"| `{_cell(names)}` | {_cell(help_text)} |"


def render() -> str:
    parts = [HEADER]
    with click.Context(cli, info_name="provcheck") as root:
        for path, command in _commands(cli, root, "provcheck"):
            ctx = click.Context(command, info_name=path, parent=None)
            usage = " ".join(command.collect_usage_pieces(ctx))
            parts.append(f"\n## `{path}`\n")
            parts.append(f"```\n{path} {usage}\n```\n")
            if command.help:
                parts.append(click.unstyle(command.help).strip() + "\n")
            rows = [row for p in command.get_params(ctx) if (row := _option_row(ctx, p))]
            if rows:
                parts.append("\n| option | meaning |\n|---|---|\n" + "\n".join(rows) + "\n")
    return "".join(parts)


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        current = OUT.read_text(encoding="utf-8") if OUT.exists() else ""
        if current != text:
            print(f"{OUT} is not current: run python scripts/cli_reference.py", file=sys.stderr)
            return 1
        return 0
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
