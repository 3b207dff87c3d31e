"""The pre-commit hook on a commit of many small dataset files: git's part of the run.

    python benchmarks/hook_files.py [--files 10000] [--repeat 1] [--src DIR]

A real git repository in a temporary directory gets ``--files`` small JSON Lines files (one
record each), all staged for the first commit; ``provcheck hook run`` then scans them as
``git commit`` would. The index is built from the bundled demo sources (fixtures/demo), so
matching costs little and the figure is mostly git and per-file work. No corpora needed.

Printed: the wall time of the whole hook process, the time the hook itself reports, and the
number of ``git`` processes it started (counted through a ``git`` wrapper put first on PATH).
``--src DIR`` runs the provcheck sources in DIR/src instead (e.g. a checkout of an older
commit) to compare before and after with the same interpreter and repository.

Measured 2026-12-05 (2 cores shared with other jobs, so wall times vary; git process counts
do not), 10,000 staged one-record files: before (one ``git cat-file blob`` per file) 67 s
wall, 10,008 git processes, the hook saying 4.93 s (the matching only); after (one
``git cat-file --batch``) 19 s wall, 9 git processes, the hook saying 16.48 s (the whole run).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import PROVCHECK, ROOT, table

WRAPPER = """#!/bin/sh
echo x >> "{log}"
exec "{git}" "$@"
"""


def make_repo(path: Path, files: int) -> None:
    """A repository with ``files`` one-record JSON Lines files staged, nothing committed."""
    env = {**os.environ, "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@example.org"}
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True, env=env)
    data = path / "data"
    for i in range(files):
        sub = data / f"part{i // 1000:03d}"
        sub.mkdir(parents=True, exist_ok=True)
        record = {"id": f"r{i}", "text": f"Record {i}: a short note about gardening and tomato plant {i}."}
        (sub / f"r{i:05d}.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    subprocess.run(["git", "add", "-A"], cwd=path, check=True, env=env)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--src", type=Path, default=None, help="run the provcheck sources in SRC/src")
    args = parser.parse_args()
    git = shutil.which("git")
    if git is None:
        sys.exit("git is not installed")
    with tempfile.TemporaryDirectory(prefix="provcheck-hook-files-") as tmp:
        work = Path(tmp)
        index = work / "index"
        subprocess.run(
            [
                *PROVCHECK,
                "index",
                "build",
                str(index),
                "--sources",
                str(ROOT / "fixtures/demo/sources.yaml"),
                "-q",
            ],
            check=True,
        )
        repo = work / "repo"
        started = time.perf_counter()
        make_repo(repo, args.files)
        print(f"repository of {args.files:,} staged files made in {time.perf_counter() - started:.1f} s")
        bindir = work / "bin"
        bindir.mkdir()
        log = work / "git-calls"
        wrapper = bindir / "git"
        wrapper.write_text(WRAPPER.format(log=log, git=git), encoding="utf-8")
        wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
        env = {
            **os.environ,
            "PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}",
            "PROVCHECK_CACHE_DIR": str(work / "cache"),
            "OPENBLAS_NUM_THREADS": "1",
        }
        if args.src is not None:
            env["PYTHONPATH"] = str(args.src.resolve() / "src")
        rows = []
        for _ in range(args.repeat):
            log.write_text("")
            started = time.perf_counter()
            proc = subprocess.run(
                [*PROVCHECK, "hook", "run", "-i", str(index), "--no-cache"],
                cwd=repo,
                env=env,
                capture_output=True,
                text=True,
            )
            wall = time.perf_counter() - started
            said = re.search(r" in ([0-9.]+) s", proc.stderr)
            calls = len(log.read_text().splitlines())
            rows.append([args.files, round(wall, 2), said.group(1) if said else "?", calls, proc.returncode])
            if proc.returncode not in (0, 1):
                print(proc.stderr[-2000:])
        print(table(["staged files", "hook wall s", "hook says s", "git processes", "exit"], rows))


if __name__ == "__main__":
    main()
