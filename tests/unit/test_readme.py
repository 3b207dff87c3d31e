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


def _anchors(text: str) -> set[str]:
    """The anchors GitHub gives the headings of a Markdown page (lower case, punctuation but
    `-` and `_` dropped, spaces to `-`, `-N` for the N-th repeat), and explicit `<a id=...>`."""
    anchors: set[str] = set(re.findall(r'<a (?:name|id)="([^"]+)"', text))
    seen: dict[str, int] = {}
    for heading in re.findall(r"^#{1,6}\s+(.+?)\s*#*\s*$", _prose(text), flags=re.M):
        heading = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading.replace("`", ""))
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        anchors.add(slug if count == 0 else f"{slug}-{count}")
    return anchors


def _prose(text: str) -> str:
    """The page without its fenced code blocks."""
    return re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)


def test_every_relative_link_of_the_readme_and_docs_resolves() -> None:
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    broken = []
    for page in pages:
        for link in re.findall(r"\]\(([^)\s]+)\)", _prose(page.read_text(encoding="utf-8"))):
            if re.match(r"^[a-z][a-z0-9+.-]*:", link):
                continue  # https:, mailto:...
            path, _, fragment = link.partition("#")
            target = (page.parent / path).resolve() if path else page
            if not target.exists():
                broken.append(f"{page.relative_to(ROOT)}: {link} (no such file)")
            elif (
                fragment
                and target.suffix == ".md"
                and fragment not in _anchors(target.read_text(encoding="utf-8"))
            ):
                broken.append(f"{page.relative_to(ROOT)}: {link} (no such heading)")
    assert not broken, broken
