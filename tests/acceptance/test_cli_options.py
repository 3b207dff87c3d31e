"""No option is accepted and dropped.

Two nets: every command's callback reads every parameter click hands it (``index add
--engine ray`` once ran locally because nothing read ``engine_name``), and, for ``scan``, which
writes a run record, every option given a value is either observable in the run record (or in
the output it chooses) or refused with exit 2. An option added without a case here fails the
second test: say how its effect is seen.
"""

from __future__ import annotations

import ast
import inspect
import json
import subprocess
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import pytest

from helpers import REFERENCE_TEXTS, UNRELATED_TEXT, run_cli, write_jsonl
from provcheck.cli import cli


def _commands() -> list[tuple[str, click.Command]]:
    out = []

    def walk(group: click.Group, prefix: str) -> None:
        with click.Context(group) as ctx:
            for name in group.list_commands(ctx):
                command = group.get_command(ctx, name)
                assert command is not None
                if isinstance(command, click.Group):
                    walk(command, f"{prefix} {name}")
                else:
                    out.append((f"{prefix} {name}".strip(), command))

    walk(cli, "")
    return out


@pytest.mark.parametrize(("name", "command"), _commands(), ids=[n for n, _ in _commands()])
def test_every_parameter_a_command_accepts_is_read(name: str, command: click.Command) -> None:
    callback = inspect.unwrap(command.callback)  # type: ignore[arg-type]
    tree = ast.parse(textwrap.dedent(inspect.getsource(callback)))
    (func,) = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    read = {n.id for n in ast.walk(func) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    params = [p.name for p in command.params if p.name]
    unread = [p for p in params if p not in read]
    assert not unread, f"provcheck {name} accepts {unread} and never reads them"


@dataclass(frozen=True)
class Case:
    """An option's value and how its effect is seen; ``refused``: exit 2 is the right answer."""

    args: list[str]
    seen: Callable[[dict[str, Any], click.testing.Result, Path], bool] | None = None
    refused: bool = False


def _cases(t: Path) -> dict[str, Case]:
    return {
        "index_path": Case(["-i", str(t / "idx")], lambda run, r, t: run["index"]["path"] == str(t / "idx")),
        "policy_path": Case(
            ["-p", str(t / "p.yaml")], lambda run, r, t: run["policy"]["path"] == str(t / "p.yaml")
        ),
        "uses": Case(["--use", "fine-tune"], lambda run, r, t: run["use_declared_by"] == "command line"),
        "formats": Case(
            ["-f", "csv", "-o", str(t / "r.csv")],
            lambda run, r, t: (t / "r.csv").read_text().startswith("finding_id"),
        ),
        "outputs": Case(
            ["-f", "markdown", "-o", str(t / "r.md")],
            lambda run, r, t: (t / "r.md").read_text().startswith("#"),
        ),
        "fail_on": Case(
            ["--fail-on", "warn"], lambda run, r, t: run["fail_on"] == ["block", "review", "warn"]
        ),
        "schema": Case(["--schema", "generic"], lambda run, r, t: run["schema"] == "generic"),
        "text_field": Case(["--text-field", "text"], lambda run, r, t: run["text_field"] == "text"),
        "id_field": Case(["--id-field", "key"], lambda run, r, t: run["id_field"] == "key"),
        "roles": Case(["--roles", "text"], lambda run, r, t: "text" in str(run["roles"])),
        "allow_include_outside": Case(
            ["--allow-include-outside"], lambda run, r, t: run["allow_include_outside"]
        ),
        "workers": Case(["-j", "1"], lambda run, r, t: 1 in _numbers(run["workers"])),
        "engine_name": Case(["--engine", "local"], lambda run, r, t: run["engine"] == "local"),
        "address": Case(["--address", "127.0.0.1:9"], refused=True),  # without --engine ray
        "match_options": Case(
            ["--match", "min_tokens=31"], lambda run, r, t: run["match"]["min_tokens"] == 31
        ),
        "waivers_path": Case(
            ["--waivers", str(t / "w.yaml")], lambda run, r, t: run["waivers"] == str(t / "w.yaml")
        ),
        "changed_since": Case(["--changed-since", "HEAD"], lambda run, r, t: run["changed_since"] == "HEAD"),
        "config_path": Case(
            ["--config", str(t / "c.yaml")], lambda run, r, t: run["config"] == str(t / "c.yaml")
        ),
        "lfs_mode": Case(["--lfs", "skip"], refused=True),  # without --changed-since
        "cache_dir": Case(
            ["--cache-dir", str(t / "c")], lambda run, r, t: run["cache"]["path"].startswith(str(t / "c"))
        ),
        "no_cache": Case(["--cache-dir", str(t / "c"), "--no-cache"], lambda run, r, t: "cache" not in run),
        "quiet": Case(["-q"], lambda run, r, t: r.stderr == ""),
        # The policy declares a commercial competing use; --use-only replaces it with the command line's.
        "use_only": Case(
            ["-p", str(t / "pu.yaml"), "--use-only", "--use", "fine-tune"],
            lambda run, r, t: run["use"]["purpose"] == ["fine-tune"] and run["use"]["commercial"] is None,
        ),
        "min_probability": Case(
            ["--min-probability", "0.42"], lambda run, r, t: run["match"]["min_probability"] == 0.42
        ),
        "decision_path": Case(
            ["--decision", str(t / "dec.yaml")], lambda run, r, t: run["decision"] == str(t / "dec.yaml")
        ),
        "shard_text": Case(
            ["--shard", "1/1", "--partial", str(t / "s.partial")],
            lambda run, r, t: run["shard"]["count"] == 1 and (t / "s.partial").stat().st_size > 0,
        ),
        "partial_path": Case(["--partial", str(t / "p.partial")], refused=True),  # without --shard
        "run_by": Case(
            ["--run-by", "A. Engineer"],
            lambda run, r, t: (run["run_by"], run["run_by_from"]) == ("A. Engineer", "command line"),
        ),
    }


def _numbers(value: Any) -> list[Any]:
    return list(value.values()) if isinstance(value, dict) else [value]


@pytest.fixture
def project(tmp_path: Path, reference_file: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository with a dataset, an index, a policy, waivers and a configuration."""
    root = tmp_path / "proj"
    root.mkdir()
    write_jsonl(root / "d.jsonl", [{"key": "k1", "text": REFERENCE_TEXTS[0]}, {"text": UNRELATED_TEXT}])
    run_cli(["index", "add", root / "idx", reference_file, "--source", "s", "--provider", "openai", "-q"])
    (root / "p.yaml").write_text(
        "rules:\n  - id: r\n    title: T\n    when: {source.provider: openai}\n    action: warn\n"
    )
    (root / "w.yaml").write_text("version: 1\nwaivers: []\n")
    (root / "c.yaml").write_text("index: idx\n")
    (root / "pu.yaml").write_text(
        "use: {purpose: train-competing-model, commercial: true}\n"
        "rules:\n  - id: r\n    title: T\n    when: {source.provider: openai}\n    action: warn\n"
    )
    (root / "dec.yaml").write_text("decision: reject\nname: A. Counsel\nrole: Counsel\ndate: 2026-12-05\n")
    for args in (
        ["init", "-q"],
        ["add", "-A"],
        ["-c", "user.email=t@e", "-c", "user.name=t", "commit", "-qm", "x"],
    ):
        subprocess.run(["git", "-C", str(root), *args], check=True)
    write_jsonl(root / "d.jsonl", [{"text": REFERENCE_TEXTS[1]}, {"text": UNRELATED_TEXT}])  # a change
    monkeypatch.chdir(root)
    return root


def test_every_scan_option_given_is_used_or_refused(project: Path) -> None:
    command = dict(_commands())["scan"]
    cases = _cases(project)
    options = [p.name for p in command.params if isinstance(p, click.Option) and p.name]
    missing = sorted(set(options) - set(cases))
    assert not missing, f"scan options without a case here (say how their effect is seen): {missing}"
    failures = []
    for name in options:
        case = cases[name]
        out = project / f"{name}.json"
        args: list[str] = ["scan", str(project / "d.jsonl"), "-f", "json", "-o", str(out), *case.args]
        if name not in ("index_path", "config_path"):
            args += ["-i", str(project / "idx")]
        from click.testing import CliRunner

        result = CliRunner().invoke(cli, args, catch_exceptions=False)
        if case.refused:
            if result.exit_code != 2:
                failures.append(f"{name}: {case.args} exited {result.exit_code}, expected 2 (refused)")
            continue
        if result.exit_code not in (0, 1) or not out.exists():
            failures.append(f"{name}: {case.args} exited {result.exit_code}: {result.stderr[-300:]}")
            continue
        run = json.loads(out.read_text())["run"]
        assert case.seen is not None
        try:
            seen = case.seen(run, result, project)
        except (KeyError, TypeError):
            seen = False
        if not seen:
            failures.append(f"{name}: {case.args} was accepted but its effect is not in the run record")
    assert not failures, "\n".join(failures)
