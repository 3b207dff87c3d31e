"""Start-up: a command imports what it uses and nothing else (behaviour, not time: the time is
measured by benchmarks/startup.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest

from provcheck.cli import _COMMANDS, cli
from provcheck.policy.sourcecheck import near_name

HEAVY = ("numpy", "pyarrow", "rapidfuzz", "rich", "datasketch", "jsonschema")
"""Libraries whose import costs tens of milliseconds each: loaded only by the code that uses them."""


def _imported(args: list[str], cwd: Path) -> tuple[int, list[str]]:
    """Run ``provcheck ARGS`` in a fresh interpreter; its exit code and the heavy modules it loaded."""
    code = (
        "import json, sys\n"
        "from provcheck.cli import main\n"
        "sys.argv = ['provcheck', *sys.argv[1:]]\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as exc:\n"
        "    rc = exc.code\n"
        f"print(json.dumps([rc, sorted(m for m in {HEAVY!r} if m in sys.modules)]), file=sys.__stderr__)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PROVCHECK_", "GIT_"))}
    env["HOME"] = str(cwd)
    proc = subprocess.run(
        [sys.executable, "-c", code, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60
    )
    rc, heavy = json.loads(proc.stderr.strip().splitlines()[-1])
    return rc, heavy


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["hook", "--help"], ["policy", "--help"]])
def test_help_imports_no_heavy_library(args: list[str], tmp_path: Path) -> None:
    rc, heavy = _imported(args, tmp_path)
    assert rc == 0
    assert heavy == []


def test_help_lists_every_command_with_its_own_first_sentence() -> None:
    ctx = click.Context(cli)
    for name, (_, sentence) in _COMMANDS.items():
        command = cli.get_command(ctx, name)
        assert command is not None and command.help is not None
        assert command.help.split("\n\n")[0].strip() == sentence, name
        for limit in (30, 45, 80):
            stand_in = click.Command(name, help=sentence).get_short_help_str(limit)
            assert stand_in == command.get_short_help_str(limit)


@pytest.mark.parametrize("own", [None, "3"])
def test_the_entry_point_keeps_numpy_from_starting_blas_threads(own: str | None, tmp_path: Path) -> None:
    """provcheck does no linear algebra: numpy's OpenBLAS thread pool (a spinning thread per
    core, ~70 ms of CPU per command) is kept to the calling thread, unless the user set it."""
    code = (
        "import json, os, sys\n"
        "from provcheck.cli import main\n"
        "sys.argv = ['provcheck', '--version']\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "import numpy\n"
        "tasks = len(os.listdir('/proc/self/task')) if os.path.isdir('/proc/self/task') else None\n"
        "print(json.dumps([os.environ.get('OPENBLAS_NUM_THREADS'), tasks]), file=sys.__stderr__)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PROVCHECK_", "OPENBLAS_", "OMP_"))}
    env["HOME"] = str(tmp_path)
    if own is not None:
        env["OPENBLAS_NUM_THREADS"] = own
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    setting, tasks = json.loads(proc.stderr.strip().splitlines()[-1])
    assert setting == (own or "1")
    if own is None and tasks is not None:
        assert tasks == 1  # no BLAS thread beside the main one


def test_a_policy_naming_no_such_field_looks_for_no_misspelling(monkeypatch: pytest.MonkeyPatch) -> None:
    """difflib (a "did you mean") is imported only when there is a name to misspell: a policy
    whose rules name no provider made every hook run import it for nothing."""
    monkeypatch.delitem(sys.modules, "difflib", raising=False)
    assert near_name("mixed", set()) is None
    assert "difflib" not in sys.modules
    assert near_name("open-ai", {"openai"}) == "openai"  # squashed alike: still no difflib
    assert "difflib" not in sys.modules
    assert near_name("opnai", {"openai"}) == "openai"  # a misspelling is still found
