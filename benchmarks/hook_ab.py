"""Two versions of provcheck's hook, run for run alternately in one repository.

    python benchmarks/hook_ab.py REPO OLD_SRC NEW_SRC [--runs 25] [--args "--no-cache"] [--new-repo REPO2]

Each run is a fresh ``python -m provcheck hook run ARGS`` in ``REPO`` (e.g. the repository
``benchmarks/hook.py --workdir W --leave-staged`` leaves in ``W/dataset-repo``: 100 records
appended to 20,000 and staged) with ``PYTHONPATH`` at one version's ``src`` (a detached
worktree of ``main`` for the old one) and a cache directory of each version's own; the order
alternates run by run, after one warm-up each, so that both see the same load. Printed: wall
and CPU time (user + system of the process and its git children, ``getrusage``) median and
best, the load average at the start and end, and whether the hook's stderr (timings masked) and
exit code were the same in every run of both. On a shared machine only such interleaved figures
compare two versions.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time

TIMINGS = re.compile(rb"in [0-9.]+ s \(matching [0-9.]+ s\)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("repo")
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("--runs", type=int, default=25)
    parser.add_argument("--args", default="--no-cache", help="arguments of `hook run` (one string)")
    parser.add_argument(
        "--new-repo",
        help="the new version's own copy of the repository (an index of another tokenizer version "
        "needs one: each copy's .provcheck.yaml names the index its version reads)",
    )
    args = parser.parse_args()
    repos = {"old": args.repo, "new": args.new_repo or args.repo}
    versions = {"old": os.path.abspath(args.old), "new": os.path.abspath(args.new)}
    caches = {name: tempfile.mkdtemp(prefix=f"provcheck-ab-{name}-") for name in versions}
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}  # compiled, as installed
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in versions}
    outputs: dict[str, set[tuple[int, bytes]]] = {name: set() for name in versions}

    def once(name: str) -> tuple[float, float, int, bytes]:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "provcheck", "hook", "run", *args.args.split()],
            cwd=repos[name],
            env={**env, "PYTHONPATH": versions[name], "PROVCHECK_CACHE_DIR": caches[name]},
            capture_output=True,
            check=False,
        )
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
        return wall, cpu, proc.returncode, TIMINGS.sub(b"in T", proc.stderr)

    for name in versions:
        once(name)  # bytecode, policy and index stamps
    load = os.getloadavg()[0]
    for i in range(args.runs):
        for name in list(versions) if i % 2 == 0 else list(versions)[::-1]:
            wall, cpu, code, err = once(name)
            times[name].append((wall, cpu))
            outputs[name].add((code, err))
    print(f"load average {load:.1f} -> {os.getloadavg()[0]:.1f}; {args.runs} runs each; hook run {args.args}")
    for name, path in versions.items():
        walls = [w for w, _ in times[name]]
        cpus = [c for _, c in times[name]]
        print(
            f"{name} ({path}): wall median {statistics.median(walls):.3f} s, best {min(walls):.3f} s; "
            f"CPU median {statistics.median(cpus):.3f} s, best {min(cpus):.3f} s; "
            f"exit codes {sorted({c for c, _ in outputs[name]})}"
        )
    same = len(outputs["old"]) == 1 and outputs["old"] == outputs["new"]  # paths differ with --new-repo
    print(f"the same output in every run of both: {same}")


if __name__ == "__main__":
    main()
