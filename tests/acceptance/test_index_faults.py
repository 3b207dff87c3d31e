"""The index survives faults: killed writers, a full disk, concurrent writers and readers.

Every test runs ``provcheck index add`` as a real process and checks the index afterwards the
way a user would: ``index verify`` passes and a scan gives the answers it gave before.
``PROVCHECK_KILL_ITERATIONS`` sets how many times the SIGKILL test kills a writer (``make fuzz``
runs many more than the default run).
"""

from __future__ import annotations

import json
import os
import random
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers import REFERENCE_TEXTS, run_cli, write_jsonl
from provcheck.index import ReferenceIndex

pytestmark = pytest.mark.slow  # whole processes, real repositories or kills: `make unit` skips them

KILL_ITERATIONS = int(os.environ.get("PROVCHECK_KILL_ITERATIONS", "20"))
WORDS = [
    *("river", "stone", "light", "north", "paper", "garden", "window", "silver", "market", "winter"),
    *("engine", "harbor", "forest", "signal", "copper", "lantern", "meadow", "canyon", "island"),
    *("thunder", "velvet", "orchard", "glacier", "compass"),
]


def provcheck(*args: object, **kwargs: object) -> subprocess.Popen[str]:
    """``provcheck ARGS`` as its own process."""
    return subprocess.Popen(
        [sys.executable, "-m", "provcheck", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,  # type: ignore[call-overload]
    )


def finished(*args: object, **kwargs: object) -> subprocess.CompletedProcess[str]:
    proc = provcheck(*args, **kwargs)
    out, err = proc.communicate(timeout=120)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def reference_rows(count: int, seed: int) -> list[dict[str, str]]:
    """Distinct texts of 80 words: enough of them make an ``add`` take about a second."""
    rng = random.Random(seed)
    return [{"id": f"t{seed}-{i}", "text": " ".join(rng.choices(WORDS, k=80))} for i in range(count)]


@pytest.fixture
def base(tmp_path: Path) -> tuple[Path, Path]:
    """An index of source ``base`` (the three reference texts) and a dataset copying them."""
    idx = tmp_path / "idx"
    refs = write_jsonl(
        tmp_path / "base.jsonl", [{"id": f"b{i}", "text": t} for i, t in enumerate(REFERENCE_TEXTS)]
    )
    run_cli(["index", "add", idx, refs, "--source", "base", "--provider", "openai", "-q"])
    data = write_jsonl(
        tmp_path / "data" / "d.jsonl", [{"id": f"d{i}", "text": t} for i, t in enumerate(REFERENCE_TEXTS)]
    )
    return idx, data


def answers(idx: Path, data: Path) -> list[tuple[str, str, str]]:
    """What a scan of ``data`` finds: (record, source, reference) of every match."""
    out = run_cli(["scan", data, "--index", idx, "-f", "json", "-q", "--fail-on", "never"]).stdout
    return sorted(
        (m["record"]["id"], m["reference"]["source"], m["reference"]["id"])
        for m in json.loads(out)["matches"]
    )


def sound(idx: Path) -> None:
    """``index verify`` passes (every checksum) and the index opens."""
    result = run_cli(["index", "verify", idx])
    assert "every checksum matches" in result.stdout + result.stderr


def leftovers(idx: Path) -> dict[str, bool]:
    live = {s["name"] for s in json.loads((idx / "manifest.json").read_text())["shards"]}
    return {
        "tmp": (idx / "tmp").exists() and any((idx / "tmp").iterdir()),
        "orphan shard": any(p.name not in live for p in (idx / "shards").iterdir()),
        "manifest.json.tmp": (idx / "manifest.json.tmp").exists(),
    }


def test_add_killed_at_random_points_leaves_the_previous_index_usable(
    tmp_path: Path, base: tuple[Path, Path]
) -> None:
    idx, data = base
    before = answers(idx, data)
    assert len(before) == 3
    refs = write_jsonl(tmp_path / "more.jsonl", reference_rows(2500, seed=1))
    timing = tmp_path / "timing"
    run_cli(["index", "add", timing, refs, "--source", "x", "-q"])  # warm the page cache
    started = time.monotonic()
    assert finished("index", "add", timing, refs, "--source", "y", "-q", "-j", "1").returncode == 0
    full = time.monotonic() - started
    rng = random.Random(8)
    seen = {"tmp": 0, "orphan shard": 0, "manifest.json.tmp": 0, "committed": 0}
    committed: set[str] = set()
    for i in range(KILL_ITERATIONS):
        proc = provcheck("index", "add", idx, refs, "--source", f"s{i}", "-q", "-j", "1")
        time.sleep(rng.uniform(0.3, 1.05) * full)
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
        for what, present in leftovers(idx).items():
            seen[what] += present
        sound(idx)
        index = ReferenceIndex(str(idx))
        new = set(index.sources) - {"base"} - committed
        assert new <= {f"s{i}"}, new  # the killed add is either whole or absent
        if new:
            seen["committed"] += 1
            committed |= new
            assert index.manifest.sources[f"s{i}"].records == 2500
        assert answers(idx, data) == before
    print(f"\n{KILL_ITERATIONS} kills in a {full:.2f} s add; index state found after them: {seen}")
    # The next add cleans up after the killed ones and completes.
    result = finished("index", "add", idx, refs, "--source", "last", "-q")
    assert result.returncode == 0, result.stderr
    assert leftovers(idx) == {"tmp": False, "orphan shard": False, "manifest.json.tmp": False}
    sound(idx)
    assert answers(idx, data) == before
    assert set(ReferenceIndex(str(idx)).sources) == {"base", "last"} | committed
    assert seen["tmp"] + seen["orphan shard"] > 0  # some kills did land in the middle of a write


def _file_size_limit(limit: int) -> None:
    # A full disk, simulated: writes past `limit` bytes per file fail with EFBIG.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


@pytest.mark.parametrize("limit", [50_000, 400_000])
def test_a_full_disk_leaves_the_previous_index_intact(
    tmp_path: Path, base: tuple[Path, Path], limit: int
) -> None:
    idx, data = base
    before = answers(idx, data)
    manifest = (idx / "manifest.json").read_bytes()
    refs = write_jsonl(tmp_path / "more.jsonl", reference_rows(3000, seed=2))
    result = finished(
        "index", "add", idx, refs, "--source", "more", "-q", preexec_fn=lambda: _file_size_limit(limit)
    )
    assert result.returncode == 5, result.stderr
    assert "cannot write the index: File too large" in result.stderr
    assert "nothing was added: the index is as it was before this command" in result.stderr
    assert "hint: free disk space" in result.stderr and "internal error" not in result.stderr
    assert (idx / "manifest.json").read_bytes() == manifest
    assert leftovers(idx) == {"tmp": False, "orphan shard": False, "manifest.json.tmp": False}
    sound(idx)
    assert answers(idx, data) == before
    # With space again, the same add works.
    assert finished("index", "add", idx, refs, "--source", "more", "-q").returncode == 0
    assert set(ReferenceIndex(str(idx)).sources) == {"base", "more"}


def test_a_report_that_cannot_be_written_is_a_clear_error(tmp_path: Path, base: tuple[Path, Path]) -> None:
    idx, data = base
    out = tmp_path / "report.json"
    out.write_text("previous report\n")
    result = finished(
        "scan", data, "--index", idx, "-f", "json", "-o", out, "-q", preexec_fn=lambda: _file_size_limit(1000)
    )
    assert result.returncode == 2, result.stderr
    assert f"--output {out}: cannot write: File too large; the previous file is unchanged" in result.stderr
    assert out.read_text() == "previous report\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".provcheck-")] == []


def test_concurrent_writers_are_serialized(tmp_path: Path, base: tuple[Path, Path]) -> None:
    idx, data = base
    files = [write_jsonl(tmp_path / f"w{i}.jsonl", reference_rows(1500, seed=10 + i)) for i in range(3)]
    procs = [
        provcheck("index", "add", idx, f, "--source", f"w{i}", "-q", "-j", "1") for i, f in enumerate(files)
    ]
    results = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], results
    sound(idx)
    index = ReferenceIndex(str(idx))
    assert set(index.sources) == {"base", "w0", "w1", "w2"}
    assert [index.manifest.sources[f"w{i}"].records for i in range(3)] == [1500] * 3
    assert len(index.shards) == 4 and answers(idx, data) == answers(idx, data)


def test_a_writer_that_cannot_get_the_lock_fails_clearly(
    tmp_path: Path, base: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    import functools

    from provcheck.cli import index as index_cli
    from provcheck.index import IndexWriter

    idx, data = base
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from provcheck.index import IndexWriter\n"
            f"with IndexWriter({str(idx)!r}):\n    print('locked', flush=True); time.sleep(30)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        monkeypatch.setattr(index_cli, "IndexWriter", functools.partial(IndexWriter, lock_timeout=0.5))
        refs = write_jsonl(tmp_path / "more.jsonl", reference_rows(10, seed=3))
        result = run_cli(["index", "add", idx, refs, "--source", "more", "-q"], 5)
        assert f"another provcheck process (pid {holder.pid}) is writing to this index" in result.stderr
        assert "hint: wait for it to finish" in result.stderr
        assert answers(idx, data)  # readers are never blocked by a writer
    finally:
        holder.kill()
        holder.communicate()
    sound(idx)
    assert set(ReferenceIndex(str(idx)).sources) == {"base"}


def test_readers_during_writes_see_the_old_or_the_new_index(tmp_path: Path, base: tuple[Path, Path]) -> None:
    idx, _ = base
    files = [write_jsonl(tmp_path / f"r{i}.jsonl", reference_rows(300, seed=20 + i)) for i in range(6)]
    script = "; ".join(
        f"subprocess.run([sys.executable, '-m', 'provcheck', 'index', 'add', {str(idx)!r}, {str(f)!r}, "
        f"'--source', 'r{i}', '-q', '-j', '1'], check=True)"
        for i, f in enumerate(files)
    )
    writer = subprocess.Popen([sys.executable, "-c", f"import subprocess, sys; {script}"])
    states = []
    probe = REFERENCE_TEXTS[1]
    from provcheck.matching.fingerprint import Fingerprinter
    from provcheck.matching.params import MatchConfig

    try:
        while writer.poll() is None:
            index = ReferenceIndex(str(idx))  # verifies every file it has not verified before
            names = sorted(index.sources)
            # A state is whole: sources r0..rk added in order, each with all its records and texts.
            k = len(names) - 1
            assert names == sorted(["base", *(f"r{i}" for i in range(k))]), names
            assert sum(s.texts for s in index.manifest.shards) == 3 + 300 * k
            assert all(index.manifest.sources[n].records == 300 for n in names if n != "base")
            fp = Fingerprinter(index.config).of_text(probe)
            (cand, *_) = index.candidates(fp.anchors, MatchConfig())
            assert index.text(cand.key) == probe
            states.append(k)
    finally:
        writer.wait(120)
    assert writer.returncode == 0
    assert states == sorted(states) and len(set(states)) >= 2, states
    sound(idx)


def test_damage_is_reported_on_open_by_scan_and_listed_by_verify(
    tmp_path: Path, base: tuple[Path, Path]
) -> None:
    idx, data = base
    (shard,) = (idx / "shards").iterdir()
    target = shard / "postings.npy"
    body = bytearray(target.read_bytes())
    body[-1] ^= 0x01
    target.write_bytes(bytes(body))
    scan = run_cli(["scan", data, "--index", idx, "-q"], 5)
    assert f"{target}: checksum mismatch: the file was modified or damaged" in scan.stderr
    assert "hint: restore the index or rebuild it" in scan.stderr
    verify = run_cli(["index", "verify", idx], 5)
    assert f"checksum mismatch: {target}" in verify.stderr
    (shard / "texts.zst").unlink()
    verify = run_cli(["index", "verify", idx], 5)
    assert f"{shard / 'texts.zst'} (No such file or directory)" in verify.stderr
    manifest = idx / "manifest.json"
    manifest.write_bytes(manifest.read_bytes()[:-40])
    for args in (["scan", data, "--index", idx, "-q"], ["index", "verify", idx], ["index", "info", idx]):
        assert "unreadable manifest" in run_cli(args, 5).stderr
    manifest.unlink()
    result = run_cli(["scan", data, "--index", idx, "-q"], 5)
    assert "its first `index add` did not finish" in result.stderr
