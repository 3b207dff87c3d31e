"""Start-up cost of the commands people run most often, against Python's own start-up.

    python benchmarks/startup.py [--workdir DIR] [--records 20000] [--added 100] [--refs 20000] [--repeat 7]
                                 [--baseline SRC]

Whole processes, wall clock, median (and best) of ``--repeat`` runs, each figure beside the
baselines measured in the same run on the same machine:

- ``python -c pass`` and ``python -c "import click"`` (the floor any click program pays),
  ``import click, jsonschema`` (what validating a policy adds) and the libraries a hook that
  scans cannot avoid (its floor);
- ``provcheck --help``;
- ``provcheck hook run`` on a git repository holding one JSON Lines file of ``--records``
  Alpaca-style records, with ``--added`` records appended and staged (a tenth of them copies
  of indexed outputs, so the commit is refused as it should be), a policy of one rule, a
  reference index of ``--refs`` AlpacaEval outputs, and **no result cache** (``--no-cache``),
  with the policy known to pass its schema check (the warm-up run checked it), the same with
  the staged file named on the command line (as the pre-commit framework runs the hook: the
  matcher's import then starts before git is asked anything), then the same with the policy
  checked on every run (as after an edit of it);
- a commit that changes no dataset file.

``--baseline SRC`` (the ``src`` folder of another checkout, e.g. ``git worktree add --detach
/tmp/old main``) times each provcheck command of that code too, run for run alternately with
this one (``PYTHONPATH=SRC``), so that both see the same machine load: on a shared machine
only such interleaved figures compare two versions.

Bytecode: the environment may set ``PYTHONDONTWRITEBYTECODE=1`` (this sandbox does), which
makes every start compile the whole package again. The benchmark unsets it for its children
and runs each command once before timing, so what is measured is a warm, compiled start — what
an installed package has. ``python -X importtime`` of each provcheck command is summarised (the
slowest imports, cumulative) so that the next regression shows in a name, not a feeling.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ALPACAEVAL, PROVCHECK, alpacaeval_rows, require_corpora, table

POLICY = """\
use: {purpose: train-competing-model, commercial: true}
rules:
  - id: no-indexed-outputs
    title: Output of an indexed model in the training set
    when: {source.name: alpacaeval}
    action: block
    message: "copies an output of {source.name}"
"""

INDEX_OPTIONS = ("--provider", "mixed", "--text-field", "output", "-q")
HOOK_LIBRARIES = "click, yaml, numpy, rapidfuzz, rich.console, xxhash, wcmatch.glob"
"""What a hook that scans and finds something cannot avoid importing: its floor (jsonschema
only when the policy has changed since it last passed the check)."""
HEAVY = ("numpy", "pyarrow", "rich", "rapidfuzz", "jsonschema", "datasketch", "fastjsonschema")


def child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # measure compiled starts, as installed
    env["PATH"] = f"{Path(sys.executable).parent}:{env['PATH']}"
    return env


def timed(
    cmd: list[str],
    cwd: Path | None,
    repeat: int,
    envs: list[dict[str, str]],
    forget: Path | None = None,
) -> list[tuple[list[float], list[float], int]]:
    """Per environment: wall seconds and CPU seconds (user + system, the process and its
    children: git) of ``repeat`` runs after one warm-up run, and the exit code. The
    environments take turns, run for run (interleaved A/B). On a shared machine the CPU time
    varies less than the wall time: both are printed. ``forget``: a file removed before each
    run (the policy-check stamps, to time a policy that is checked)."""
    codes = [subprocess.run(cmd, cwd=cwd, env=env, capture_output=True).returncode for env in envs]
    times: list[list[float]] = [[] for _ in envs]
    cpu: list[list[float]] = [[] for _ in envs]
    for _ in range(repeat):
        for i, env in enumerate(envs):
            if forget is not None:
                forget.unlink(missing_ok=True)
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t = time.perf_counter()
            codes[i] = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True).returncode
            times[i].append(time.perf_counter() - t)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu[i].append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return list(zip(times, cpu, codes, strict=True))


def row(label: str, times: list[float], cpu: list[float], code: int) -> list[object]:
    """A table row: median and best wall time, median CPU time, exit code."""
    return [
        label,
        f"{statistics.median(times):.3f}",
        f"{min(times):.3f}",
        f"{statistics.median(cpu):.3f}",
        code,
    ]


def importtime(cmd: list[str], cwd: Path | None, env: dict[str, str], top: int = 8) -> list[list[object]]:
    """The slowest top-level imports (cumulative ms) of one run, and which heavy ones ran."""
    out = subprocess.run(
        [sys.executable, "-X", "importtime", *cmd[1:]], cwd=cwd, env=env, capture_output=True, text=True
    )
    rows = []
    for line in out.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if m and len(m.group(3)) <= 2:  # a module imported by the program, not by another module
            rows.append((int(m.group(2)), m.group(4)))
    rows.sort(reverse=True)
    return [[name, f"{us / 1000:.1f}"] for us, name in rows[:top]]


def heavy_modules(cmd: list[str], cwd: Path | None, env: dict[str, str]) -> list[str]:
    """Which of the modules that a start-up should not pay for a provcheck command imported."""
    code = (
        "import runpy, sys\n"
        "sys.argv = ['provcheck', *sys.argv[1:]]\n"
        "try:\n"
        "    runpy.run_module('provcheck', run_name='__main__')\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print('heavy:', *sorted(m for m in {HEAVY!r} if m in sys.modules), file=sys.__stderr__)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, *cmd[3:]], cwd=cwd, env=env, capture_output=True, text=True
    )
    found = [line.split()[1:] for line in out.stderr.splitlines() if line.startswith("heavy:")]
    return found[-1] if found else ["?"]


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, capture_output=True, check=True, env=child_env())


def build(work: Path, records: int, added: int, refs: int) -> Path:
    """The reference index and the dataset repository with a staged change; the repository."""
    rows = []
    for row in alpacaeval_rows():
        rows.append(row)
        if len(rows) >= max(refs, records):
            break
    index = work / f"index-{refs}"
    probe = subprocess.run([*PROVCHECK, "index", "info", str(index)], capture_output=True)
    if probe.returncode != 0:
        print(f"building an index of {refs:,} outputs...", file=sys.stderr)
        shutil.rmtree(index, ignore_errors=True)
        src = work / "refs.jsonl"
        with open(src, "w", encoding="utf-8") as fh:
            for row in rows[:refs]:
                fh.write(json.dumps({"output": row["output"]}, ensure_ascii=False) + "\n")
        subprocess.run(
            [*PROVCHECK, "index", "add", str(index), str(src), "--source", "alpacaeval", *INDEX_OPTIONS],
            check=True,
        )
        src.unlink()
    repo = work / "dataset-repo"
    shutil.rmtree(repo, ignore_errors=True)
    repo.mkdir()
    git(repo, "init", "-q")
    git(repo, "config", "user.email", "bench@example.org")
    git(repo, "config", "user.name", "bench")
    (repo / "policy.yaml").write_text(POLICY)
    (repo / ".provcheck.yaml").write_text(f"index: {index}\npolicy: policy.yaml\ninclude: ['data/**']\n")
    data = repo / "data" / "train.jsonl"
    data.parent.mkdir()
    with open(data, "w", encoding="utf-8") as fh:
        for i in range(records):
            row = rows[i % len(rows)]
            rec = {"id": f"r{i}", "instruction": row["instruction"], "output": row["output"]}
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "dataset")
    rng = random.Random(6)
    with open(data, "a", encoding="utf-8") as fh:
        for i in range(added):
            row = rows[rng.randrange(len(rows))]
            words = row["output"].split()
            if i >= max(1, added // 10):
                rng.shuffle(words)  # no run of words survives: not a copy
            rec = {"id": f"new{i}", "instruction": row["instruction"], "output": " ".join(words)}
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    git(repo, "add", "data")
    return repo


def main() -> None:
    """Build the repository, time each command beside the baselines, print the figures."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workdir", help="reuse this directory (the index is built once and kept)")
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--added", type=int, default=100)
    parser.add_argument("--refs", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument(
        "--baseline", metavar="SRC", help="also time the provcheck code in SRC, interleaved with this one"
    )
    args = parser.parse_args()
    require_corpora()
    assert ALPACAEVAL.exists()
    work = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="provcheck-startup-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        repo = build(work, args.records, args.added, args.refs)
        env = child_env()
        env["PROVCHECK_CACHE_DIR"] = str(work / "cache")
        py = sys.executable
        commands = [
            ("python -c pass", [py, "-c", "pass"], None),
            ('python -c "import click"', [py, "-c", "import click"], None),
            ('python -c "import click, jsonschema"', [py, "-c", "import click, jsonschema"], None),
            (f'python -c "import {HOOK_LIBRARIES}"', [py, "-c", f"import {HOOK_LIBRARIES}"], None),
            ("provcheck --help", [*PROVCHECK, "--help"], None),
            ("provcheck hook --help", [*PROVCHECK, "hook", "--help"], None),
            (
                f"provcheck hook run --no-cache ({args.added} rows staged, {args.records:,}-row file)",
                [*PROVCHECK, "hook", "run", "--no-cache", "-q"],
                repo,
            ),
        ]
        commands.append(
            (
                "the same, the staged file named (as the pre-commit framework runs it)",
                [*PROVCHECK, "hook", "run", "--no-cache", "-q", "data/train.jsonl"],
                repo,
            )
        )
        commands.append(
            (
                "the same, the policy checked again (as after an edit of it: jsonschema)",
                [*PROVCHECK, "hook", "run", "--no-cache", "-q"],
                repo,
            )
        )
        stamps = work / "cache" / "policy-checked.json"
        load_before = os.getloadavg()[0]
        results = []
        details = []
        envs = [env]
        if args.baseline:
            baseline = dict(env)
            baseline["PYTHONPATH"] = str(Path(args.baseline).resolve())
            envs.append(baseline)
        for label, cmd, cwd in commands:
            forget = stamps if label.startswith("the same, the policy checked") else None
            ours = cmd[:3] == PROVCHECK
            runs = timed(cmd, cwd, args.repeat, envs if ours else [env], forget)
            results.append(row(label, *runs[0]))
            if len(runs) > 1:
                results.append(row(f"... baseline {args.baseline}", *runs[1]))
            if ours and forget is None:
                details.append((label, heavy_modules(cmd, cwd, env), importtime(cmd, cwd, env)))
        # A commit that touches no dataset file: what every commit pays with the plain git hook.
        # In a clone, so that the repository keeps its staged change for the next run (--workdir).
        quiet = work / "quiet-repo"
        shutil.rmtree(quiet, ignore_errors=True)
        subprocess.run(["git", "clone", "-q", str(repo), str(quiet)], check=True, env=child_env())
        (quiet / "notes.txt").write_text("no dataset here\n")
        git(quiet, "add", "notes.txt")
        repo = quiet
        runs = timed([*PROVCHECK, "hook", "run", "-q"], repo, args.repeat, envs)
        results.append(row("provcheck hook run, no dataset file staged", *runs[0]))
        if len(runs) > 1:
            results.append(row(f"... baseline {args.baseline}", *runs[1]))
        print(
            f"# provcheck start-up ({time.strftime('%Y-%m-%d')}, {os.cpu_count()} CPUs, load average "
            f"{load_before:.1f} at the start and {os.getloadavg()[0]:.1f} at the end, "
            f"Python {sys.version.split()[0]}, compiled bytecode, "
            f"median and best of {args.repeat} after one warm-up run)\n"
        )
        print(table(["command", "median s", "best s", "median CPU s", "exit"], results))
        for label, heavy, slowest in details:
            print(f"\n## {label}\n\nheavy modules imported: {', '.join(heavy) or 'none'}\n")
            print(table(["slowest imports", "cumulative ms"], slowest))
    finally:
        if not args.workdir:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
