"""Bounded resources through the CLI and real processes: capped workers, workers that end with
a killed parent, a FIFO given as input, and one git process for all small staged blobs."""

from __future__ import annotations

import json
import multiprocessing.context
import os
import re
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gitrepo import PROVCHECK, GitRepo, clean, isolated_env, jsonl
from helpers import UNRELATED_TEXT, run_cli, write_jsonl
from provcheck.gitscan import changes as changesets
from provcheck.gitscan.repo import Repo
from provcheck.runtime.executors import usable_cpus

pytestmark = pytest.mark.slow  # whole processes, real repositories or kills: `make unit` skips them


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the worker processes the in-process CLI actually starts."""
    count: list[int] = []
    original = multiprocessing.context.ForkProcess.start

    def start(self: multiprocessing.context.ForkProcess) -> None:
        count.append(1)
        original(self)

    monkeypatch.setattr(multiprocessing.context.ForkProcess, "start", start)
    return count


def _records(path: Path, n: int) -> Path:
    return write_jsonl(path, [{"id": f"r{i}", "text": f"{UNRELATED_TEXT} ({i})"} for i in range(n)])


def test_j_60_on_a_small_input_starts_no_more_workers_than_the_cap(
    tmp_path: Path, index_dir: Path, started: list[int]
) -> None:
    data = _records(tmp_path / "d.jsonl", 700)  # 3 batches of 256
    out = tmp_path / "r.json"
    result = run_cli(["scan", data, "-i", index_dir, "-j", "60", "-f", "json", "-o", out])
    cap = min(usable_cpus()[0], 3)
    run = json.loads(out.read_text())["run"]
    assert len(started) <= cap and run["workers"] == max(1, len(started)) <= cap
    assert run["workers_requested"] == 60 and run["workers_from"] == "command line"
    assert f"60 workers requested, {run['workers']} used (" in result.stderr


def test_workers_from_the_configuration_are_capped_too(
    tmp_path: Path, index_dir: Path, started: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    # 40, not 5000: on the code before, this test forked every worker asked for.
    (project / ".provcheck.yaml").write_text(f"index: {index_dir}\nworkers: 40\n")
    _records(project / "d.jsonl", 700)
    monkeypatch.chdir(project)
    result = run_cli(["scan", "d.jsonl", "-f", "json", "-o", "r.json"])
    run = json.loads((project / "r.json").read_text())["run"]
    assert run["workers_requested"] == 40 and run["workers_from"] == "configuration"
    assert len(started) <= min(usable_cpus()[0], 3) and run["workers"] <= 3
    assert "40 workers requested" in result.stderr


def _children(pid: int) -> set[int]:
    """Every live descendant of ``pid`` (zombies are dead)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat_line = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat_line.rsplit(")", 1)[1].split()
        if fields[0] != "Z":
            parents[int(entry)] = int(fields[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {p for p, pp in parents.items() if pp in frontier} - found
        found |= frontier
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc (Linux)")
@pytest.mark.parametrize("command", ["scan", "index add"])
def test_workers_end_when_their_parent_is_killed(tmp_path: Path, index_dir: Path, command: str) -> None:
    data = _records(tmp_path / "d.jsonl", 40_000)
    if command == "scan":
        args = [
            "scan",
            str(data),
            "-i",
            str(index_dir),
            "-j",
            "2",
            "-q",
            "-f",
            "json",
            "-o",
            str(tmp_path / "r"),
        ]
    else:
        args = ["index", "add", str(tmp_path / "idx"), str(data), "--source", "s", "-j", "2", "-q"]
    env = {**isolated_env(tmp_path), "PROVCHECK_CACHE_DIR": str(tmp_path / "cache")}
    log = tmp_path / "stderr"
    with open(log, "wb") as err:
        proc = subprocess.Popen([*PROVCHECK, *args], env=env, stdout=subprocess.DEVNULL, stderr=err)
    try:
        deadline = time.monotonic() + 120
        workers: set[int] = set()
        while time.monotonic() < deadline and proc.poll() is None:
            workers = _children(proc.pid)
            if len(workers) >= 2:
                break
            time.sleep(0.05)
        if len(workers) < 2:
            pytest.fail(f"the workers never started: exit {proc.poll()}, {log.read_text()}")
        proc.send_signal(signal.SIGKILL)  # as the OOM killer or a CI runner's hard timeout
        proc.wait(timeout=30)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and any(_alive(p) for p in workers):
            time.sleep(0.1)
        survivors = [p for p in workers if _alive(p)]
    finally:
        for p in _children(proc.pid) | workers:
            if _alive(p):
                os.kill(p, signal.SIGKILL)
        if proc.poll() is None:
            proc.kill()
    assert survivors == [], f"worker processes {survivors} outlived their killed parent"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_scanning_a_fifo_is_a_located_error_not_a_hang(tmp_path: Path, index_dir: Path) -> None:
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    ok = _records(tmp_path / "ok.jsonl", 3)
    env = isolated_env(tmp_path)
    proc = subprocess.run(
        [*PROVCHECK, "scan", str(fifo), str(ok), "-i", str(index_dir)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,  # the code before blocked forever opening the FIFO
    )
    assert proc.returncode == 4, proc.stderr
    assert f"{fifo}: file: a named pipe (FIFO), not a regular file" in proc.stderr
    assert "scanned 3 records" in proc.stderr


def test_staged_small_blobs_are_read_by_one_git_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = isolated_env(tmp_path)
    repo = GitRepo(tmp_path / "dataset", env)
    for i in range(40):
        repo.write(f"data/f{i:02d}.jsonl", jsonl([clean(i)]))
    pointer = "version https://git-lfs.github.com/spec/v1\noid sha256:" + "a" * 64 + "\nsize 12345\n"
    blob = repo.git("hash-object", "-w", "--stdin", input=pointer.encode()).stdout.strip()
    repo.git("add", "data")
    repo.git("update-index", "--add", "--cacheinfo", f"100644,{blob},data/lfs.jsonl")
    log = tmp_path / "git-calls"
    bindir = tmp_path / "bin"
    bindir.mkdir()
    git = subprocess.run(
        ["sh", "-c", "command -v git"], capture_output=True, text=True, check=True
    ).stdout.strip()
    wrapper = bindir / "git"
    wrapper.write_text(f'#!/bin/sh\necho "$*" >> "{log}"\nexec "{git}" "$@"\n')
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{env['PATH']}")
    changes = changesets.staged(Repo(str(repo.path)), None, None, "report", cwd=str(repo.path))
    calls = log.read_text().splitlines()
    # One git process per question, none per file (the code before ran `git cat-file blob`
    # once per staged file: 18 s for 10,000 files).
    assert len(calls) < 10, calls
    assert sum(1 for c in calls if c.startswith("cat-file")) <= 2
    assert len([f for f in changes.files if f.error is None]) == 40
    (lfs,) = [f for f in changes.files if f.error is not None]
    assert lfs.path == "data/lfs.jsonl" and "Git LFS pointer (sha256:aaaa" in lfs.error
    assert sys.executable  # the wrapper ran real git


def test_index_add_says_how_many_of_the_workers_asked_for_it_used(tmp_path: Path, started: list[int]) -> None:
    data = _records(tmp_path / "refs.jsonl", 2500)  # 3 batches of 1,024
    result = run_cli(["index", "add", tmp_path / "idx", data, "--source", "s", "-j", "60"])
    used = min(usable_cpus()[0], 3)
    assert len(started) <= used
    assert f"60 workers requested, {max(1, len(started))} used (" in result.stderr


def test_the_hook_reports_the_time_of_the_whole_run(tmp_path: Path, index_dir: Path) -> None:
    repo = GitRepo(tmp_path / "dataset", isolated_env(tmp_path))
    repo.write(".provcheck.yaml", f"index: {index_dir}\n")
    repo.write("data/a.jsonl", jsonl([clean(1)]))
    repo.git("add", ".")
    out = repo.provcheck("hook", "run")
    # git's questions, the index's opening and the matching: the matching alone is shown apart.
    line = next(x for x in out.stderr.splitlines() if "scanned 1 new record" in x)
    total, matching = (float(v) for v in re.findall(r"([0-9.]+) s", line))
    assert "(matching" in line and total >= matching
