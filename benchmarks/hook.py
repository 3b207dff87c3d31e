"""Speed of the pre-commit hook on a large dataset repository, and index open time vs size.

    python benchmarks/hook.py [--workdir DIR | --keep] [--records 100000] [--added 100] [--repeat 3]

Reference index: every AlpacaEval output (~166k distinct texts, built once and reused from the
work directory). Dataset repository: a git repository with one JSON Lines file of ``--records``
Alpaca-style records committed, then ``--added`` records appended and staged (a tenth of them
are copies of indexed outputs, so the commit is refused, as it should be). Timings are wall
clock of whole processes (interpreter start-up, imports, git, index open, scan, report):

- ``hook run``: the hook as ``git commit`` runs it, with an empty cache directory, with a
  warm one (a repeated run), and with ``--no-cache`` (no result cache; the policy's schema
  check and the index verification, remembered in the cache directory, are not redone);
- ``git commit``: a real commit through the hook ``provcheck hook install`` wrote;
- an edit in the middle of the file (the base must be read: no append shortcut), with an
  empty and a warm cache;
- a commit that changes no dataset file (what every commit pays with the plain git hook).

Index open time is measured in a fresh process for indexes of several sizes, with the memory
that opening costs (resident set before and after).
"""

from __future__ import annotations

import argparse
import atexit
import json
import lzma
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from common import ALPACAEVAL, PROVCHECK, require_corpora, run, table

POLICY = """\
use: {purpose: train-competing-model, commercial: true}
rules:
  - id: no-indexed-outputs
    title: Output of an indexed model in the training set
    when: {source.name: alpacaeval}
    action: block
    message: "copies an output of {source.name}"
"""


def outputs() -> list[dict[str, Any]]:
    """AlpacaEval rows: generator, instruction, output."""
    with lzma.open(ALPACAEVAL / "outputs.jsonl.xz", "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def build_index(path: Path, source: Path, quiet: bool = True) -> float:
    """``provcheck index add`` of a JSON Lines file of outputs; seconds."""
    started = time.perf_counter()
    args = [
        *PROVCHECK,
        "index",
        "add",
        str(path),
        str(source),
        "--source",
        "alpacaeval",
        "--provider",
        "mixed",
        "--text-field",
        "output",
    ]
    subprocess.run([*args, "-q"] if quiet else args, check=True)
    return time.perf_counter() - started


def open_time(path: Path, repeat: int = 5) -> tuple[float, float, float]:
    """Seconds to open the index in a fresh process (best of ``repeat``), and RSS MB before/after."""
    code = (
        "import resource,time,sys\n"
        "from provcheck.index import ReferenceIndex\n"
        "def rss():\n"
        "    with open('/proc/self/statm') as f: return int(f.read().split()[1])*4096/2**20\n"
        "before=rss(); t=time.perf_counter(); idx=ReferenceIndex(sys.argv[1]); s=time.perf_counter()-t\n"
        "print(s, before, rss())\n"
    )
    best = (float("inf"), 0.0, 0.0)
    for _ in range(repeat):
        out = subprocess.run(
            [sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True
        )
        s, before, after = map(float, out.stdout.split())
        best = min(best, (s, before, after))
    return best


def git(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=check, env=env)


def shuffled(text: str, rng: random.Random) -> str:
    """The words of a text in another order: no run of words survives to match."""
    words = text.split()
    rng.shuffle(words)
    return " ".join(words)


def timed(args: list[str], cwd: Path, env: dict[str, str], repeat: int) -> tuple[list[float], Any]:
    times = []
    last = None
    for _ in range(repeat):
        here = os.getcwd()
        os.chdir(cwd)
        try:
            last = run(args, env=env)
        finally:
            os.chdir(here)
        times.append(last.seconds)
    return times, last


def main() -> None:
    """Build what is missing, time the hook, print the figures."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--workdir", help="reuse this directory (indexes are built once and kept); default: a temporary one"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary working directory")
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--added", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--leave-staged",
        action="store_true",
        help="end with the appended records staged again in WORKDIR/dataset-repo (for benchmarks/hook_ab.py)",
    )
    args = parser.parse_args()
    require_corpora()
    if args.workdir:
        work = Path(args.workdir)
        work.mkdir(parents=True, exist_ok=True)
    else:
        work = Path(tempfile.mkdtemp(prefix="provcheck-bench-hook-"))
        if not args.keep:
            atexit.register(shutil.rmtree, work, True)
    print(f"working in {work}", file=sys.stderr)
    rows = outputs()
    rng = random.Random(6)

    # --- reference indexes of several sizes (the largest holds every output) ---------------
    sizes = [20_000, 80_000, len(rows)]
    indexes = {}
    for n in sizes:
        path = work / f"index-{n}"
        usable = subprocess.run([*PROVCHECK, "index", "info", str(path)], capture_output=True).returncode == 0
        if not usable:  # missing, or built by a version that stored other files
            print(f"building the index of {n:,} outputs...", file=sys.stderr)
            shutil.rmtree(path, ignore_errors=True)
            if n == len(rows):
                build_index(path, ALPACAEVAL / "outputs.jsonl.xz")
            else:
                src = work / f"refs-{n}.jsonl"
                with open(src, "w", encoding="utf-8") as fh:
                    for row in rows[:n]:
                        fh.write(json.dumps({"output": row["output"]}, ensure_ascii=False) + "\n")
                build_index(path, src)
                src.unlink()
        indexes[n] = path
    big = indexes[len(rows)]
    info = json.loads(
        subprocess.run(
            [*PROVCHECK, "index", "info", str(big), "--format", "json"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )

    # --- the dataset repository ----------------------------------------------------------
    repo = work / "dataset-repo"
    shutil.rmtree(repo, ignore_errors=True)
    repo.mkdir()
    git(repo, "init", "-q")
    git(repo, "config", "user.email", "bench@example.org")
    git(repo, "config", "user.name", "bench")
    (repo / "policy.yaml").write_text(POLICY)
    (repo / ".provcheck.yaml").write_text(f"index: {big}\npolicy: policy.yaml\ninclude: ['data/**']\n")
    data = repo / "data" / "train.jsonl"
    data.parent.mkdir()
    base_rows = [rows[i % len(rows)] for i in range(args.records)]
    with open(data, "w", encoding="utf-8") as fh:
        for i, row in enumerate(base_rows):
            rec = {"id": f"r{i}", "instruction": row["instruction"], "output": row["output"]}
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "dataset")
    size_mb = data.stat().st_size / 2**20
    copies = max(1, args.added // 10)
    added = []
    for i in range(args.added):
        row = rows[rng.randrange(len(rows))]
        out = row["output"] if i < copies else shuffled(row["output"], rng)
        added.append({"id": f"new{i}", "instruction": row["instruction"], "output": out})
    with open(data, "a", encoding="utf-8") as fh:
        for rec in added:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    git(repo, "add", "data")

    cache = work / "cache"
    env = {"PROVCHECK_CACHE_DIR": str(cache), "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    hook = [*PROVCHECK, "hook", "run"]
    results: list[list[Any]] = []

    def measure(label: str, cold: bool, cmd: list[str] = hook) -> Any:
        times = []
        last = None
        for _ in range(args.repeat):
            if cold:
                shutil.rmtree(cache, ignore_errors=True)
            t, last = timed(cmd, repo, env, 1)
            times.extend(t)
        results.append([label, min(times), statistics.median(times), last.code if last else None])
        return last

    first = measure(f"hook run, {args.added} appended, empty cache", cold=True)
    measure(f"hook run, {args.added} appended, warm cache (repeat)", cold=False)
    # No result cache, but what the cache directory remembers besides results is kept: the
    # policy that passed its schema check and the index files already verified (an empty
    # cache directory above re-checks both).
    measure(
        f"hook run --no-cache, {args.added} appended (policy, index stamps kept)",
        cold=False,
        cmd=[*hook, "--no-cache"],
    )
    subprocess.run([*PROVCHECK, "hook", "install"], cwd=repo, check=True, capture_output=True)
    measure(
        "git commit through the installed hook, empty cache",
        cold=True,
        cmd=["git", "commit", "-q", "-m", "x"],
    )
    # An edit in the middle: the base is no longer a prefix, so its lines must be hashed.
    lines = data.read_text(encoding="utf-8").splitlines(keepends=True)
    mid = len(lines) // 2
    lines[mid] = (
        json.dumps({"id": "edited", "instruction": "edited", "output": shuffled(lines[mid], rng)}) + "\n"
    )
    data.write_text("".join(lines), encoding="utf-8")
    git(repo, "add", "data")
    measure(f"hook run, edit in the middle + {args.added} appended, empty cache", cold=True)
    measure(f"hook run, edit in the middle + {args.added} appended, warm cache", cold=False)
    git(repo, "reset", "-q", "--hard")
    (repo / "tools").mkdir()
    (repo / "tools" / "prepare.py").write_text("print('no dataset here')\n")
    git(repo, "add", "tools")
    measure("hook run, a commit without dataset files", cold=False)
    imports = statistics.median(
        run([sys.executable, "-c", "import provcheck.cli"]).seconds for _ in range(args.repeat)
    )

    print(
        f"# provcheck hook benchmark ({time.strftime('%Y-%m-%d')}, {os.cpu_count()} CPUs, "
        f"load {os.getloadavg()[0]:.1f})\n"
    )
    print(
        f"index: {info['references']:,} reference outputs, {info['texts']:,} distinct texts, "
        f"{info['size_bytes'] / 2**20:,.0f} MiB ({big})"
    )
    print(
        f"dataset: {args.records:,} records committed ({size_mb:,.0f} MiB JSON Lines), "
        f"{args.added} appended and staged ({copies} copies of indexed outputs)\n"
    )
    print(table(["run", "best s", "median s", "exit"], results))
    print(f"\nimport provcheck.cli: {imports:.3f} s (median, whole interpreter)")
    if args.leave_staged:  # the state of the first runs: the appended records staged
        git(repo, "reset", "-q", "--hard")
        shutil.rmtree(repo / "tools", ignore_errors=True)
        with open(data, "a", encoding="utf-8") as fh:
            for rec in added:
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
        git(repo, "add", "data")
    print("\nhook output (first run):")
    print("\n".join(first.stderr.splitlines()[-3:]) if first else "")
    rows_open = []
    for n, path in indexes.items():
        s, before, after = open_time(path)
        meta = subprocess.run(
            [*PROVCHECK, "index", "info", str(path), "--format", "json"],
            capture_output=True,
            text=True,
            check=True,
        )
        disk = json.loads(meta.stdout)["size_bytes"] / 2**20
        rows_open.append([f"{n:,}", f"{disk:,.0f}", s * 1000, after - before])
    print("\nindex open (fresh process, best of 5):\n")
    print(table(["reference outputs", "shard files MiB", "open ms", "RSS growth MiB"], rows_open))


if __name__ == "__main__":
    main()
