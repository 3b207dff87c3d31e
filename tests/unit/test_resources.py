"""Bounded resources: worker counts, the cgroup CPU quota, streamed JSON wrappers, the string
limit per record, non-regular input files and batched blob reads."""

from __future__ import annotations

import json
import multiprocessing.context
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from provcheck.gitscan.repo import parse_batch
from provcheck.inputs import Limits, discover, read
from provcheck.inputs.base import RawRecord
from provcheck.model import ErrorKind, RecordError
from provcheck.runtime import executors
from provcheck.runtime.executors import InProcess, ProcessPool, WorkerPlan, cgroup_cpu_quota, executor_for


@dataclass(frozen=True)
class Times10:
    def __call__(self) -> Callable[[list[int]], list[int]]:
        return lambda batch: [x * 10 for x in batch]


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the worker processes actually started (fork context, as the pool uses)."""
    count: list[int] = []
    original = multiprocessing.context.ForkProcess.start

    def start(self: multiprocessing.context.ForkProcess) -> None:
        count.append(1)
        original(self)

    monkeypatch.setattr(multiprocessing.context.ForkProcess, "start", start)
    return count


def test_sixty_workers_on_six_batches_start_no_more_than_the_usable_cpus(
    started: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(executors, "usable_cpus", lambda: (4, "CPU affinity"))
    executor, batches = executor_for(Times10(), iter([[i] for i in range(6)]), 60)
    try:
        assert list(executor.map(batches)) == [[i * 10] for i in range(6)]
    finally:
        executor.close()
    assert isinstance(executor, ProcessPool)
    assert len(started) == 4
    assert executor.plan == WorkerPlan(60, 4, "4 usable CPUs, by CPU affinity")
    assert executor.plan.sentence() == "60 workers requested, 4 used (4 usable CPUs, by CPU affinity)"


def test_workers_are_capped_at_the_batches_there_are(
    started: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(executors, "usable_cpus", lambda: (64, "CPU affinity"))
    executor, batches = executor_for(Times10(), iter([[i] for i in range(3)]), 40)
    try:
        assert list(executor.map(batches)) == [[0], [10], [20]]
    finally:
        executor.close()
    assert len(started) == 3 and executor.plan == WorkerPlan(40, 3, "3 batches of work")
    one, rest = executor_for(Times10(), iter([[1]]), 40)
    assert isinstance(one, InProcess) and one.plan == WorkerPlan(40, 1, "1 batch of work")
    assert list(one.map(rest)) == [[10]] and len(started) == 3


def test_the_real_machine_caps_too(started: list[int]) -> None:
    cpus, _ = executors.usable_cpus()
    executor, batches = executor_for(Times10(), iter([[i] for i in range(6)]), 60)
    try:
        list(executor.map(batches))
    finally:
        executor.close()
    assert len(started) <= min(cpus, 6) and executor.plan.used == max(1, len(started))


def _cgroup(tmp_path: Path, lines: str, files: dict[str, str]) -> tuple[str, str]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    proc = tmp_path / "cgroup"
    proc.write_text(lines)
    root = tmp_path / "fs"
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return str(root), str(proc)


def test_cgroup_v2_quota_is_read_from_the_cgroup_and_its_ancestors(tmp_path: Path) -> None:
    root, proc = _cgroup(
        tmp_path,
        "0::/kubepods/pod1/ctr\n",
        {
            "kubepods/cpu.max": "max 100000\n",
            "kubepods/pod1/cpu.max": "150000 100000\n",  # 1.5 CPUs: 2 workers
            "kubepods/pod1/ctr/cpu.max": "max 100000\n",
        },
    )
    assert cgroup_cpu_quota(root, proc) == 2
    root, proc = _cgroup(tmp_path / "none", "0::/\n", {"cpu.max": "max 100000\n"})
    assert cgroup_cpu_quota(root, proc) is None


def test_cgroup_v1_quota(tmp_path: Path) -> None:
    root, proc = _cgroup(
        tmp_path,
        "4:memory:/x\n1:cpu,cpuacct:/docker/abc\n",
        {
            "cpu,cpuacct/docker/abc/cpu.cfs_quota_us": "300000\n",
            "cpu,cpuacct/docker/abc/cpu.cfs_period_us": "100000\n",
        },
    )
    assert cgroup_cpu_quota(root, proc) == 3
    root, proc = _cgroup(
        tmp_path / "unlimited",
        "1:cpu:/\n",
        {"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n"},
    )
    assert cgroup_cpu_quota(root, proc) is None


def _wrapper(path: Path, rows: int, indent: int | None) -> Path:
    records = [{"id": f"r{i}", "text": f"record {i} " + "word " * 40} for i in range(rows)]
    path.write_text(json.dumps({"version": 1, "data": records, "meta": {"n": rows}}, indent=indent))
    return path


@pytest.mark.parametrize("indent", [None, 1], ids=["one-line", "indented"])
def test_a_wrapped_record_list_is_streamed_not_read_whole(tmp_path: Path, indent: int | None) -> None:
    path = _wrapper(tmp_path / "w.json", 60_000, indent)
    size = path.stat().st_size
    source, items = read(str(path), str(path), Limits())
    first = next(items)
    assert isinstance(first, RawRecord) and first.data["id"] == "r0" and first.line is not None
    # Records come while most of the file is still unread: memory for one element at a time.
    assert source.consumed < size / 4
    rest = list(items)
    assert len(rest) == 59_999 and all(isinstance(r, RawRecord) for r in rest)
    assert [r.index for r in rest[:2]] == [1, 2]


def test_a_wrapper_with_an_error_in_its_list_keeps_the_records_before_it(tmp_path: Path) -> None:
    rows = ",\n".join(json.dumps({"text": f"t{i}"}) for i in range(12))
    path = tmp_path / "w.json"
    path.write_text('{"version": 1,\n"data": [\n' + rows + ',\n{"text" "bad"}\n]}\n')
    _, items = read(str(path), str(path), Limits())
    got = list(items)
    assert [r.data["text"] for r in got if isinstance(r, RawRecord)] == [f"t{i}" for i in range(12)]
    error = got[-1]
    assert isinstance(error, RecordError) and error.kind is ErrorKind.PARSE and error.line == 15


def test_json_lines_named_json_whose_records_hold_a_data_list_stay_records(tmp_path: Path) -> None:
    path = tmp_path / "l.json"
    rows = [{"id": i, "data": [{"role": "user", "text": "hi"}]} for i in range(3)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    _, items = read(str(path), str(path), Limits())
    assert [r.data for r in items if isinstance(r, RawRecord)] == rows


def _wide(n: int) -> dict[str, str]:
    return {f"f{i}": "v" for i in range(n)}


def test_a_record_of_too_many_strings_is_a_located_limit_error(tmp_path: Path) -> None:
    limits = Limits(max_record_strings=1000)
    jl = tmp_path / "wide.jsonl"
    jl.write_text(
        json.dumps({"text": "a"})
        + "\n"
        + json.dumps(_wide(600))
        + "\n"
        + json.dumps({"text": 'b \\" "'})
        + "\n"
    )
    _, items = read(str(jl), str(jl), limits)
    got = list(items)
    assert isinstance(got[0], RawRecord) and isinstance(got[2], RawRecord)
    error = got[1]
    assert isinstance(error, RecordError) and error.kind is ErrorKind.LIMIT
    assert (error.line, error.index) == (2, 1) and "1,200 JSON strings" in error.message
    arr = tmp_path / "wide.json"
    arr.write_text(json.dumps([{"text": "a"}, _wide(600), {"text": "b"}], indent=1))
    _, items = read(str(arr), str(arr), limits)
    got = list(items)
    assert [type(g).__name__ for g in got] == ["RawRecord", "RecordError", "RawRecord"]
    assert isinstance(got[1], RecordError) and got[1].kind is ErrorKind.LIMIT and got[1].index == 1
    # Escaped quotes are not strings: a record under the limit is read.
    ok = tmp_path / "quotes.jsonl"
    ok.write_text(json.dumps({"text": '"' * 5000}) + "\n")
    _, items = read(str(ok), str(ok), limits)
    assert isinstance(next(items), RawRecord)


def test_the_default_string_limit_stops_a_record_of_a_million_fields(tmp_path: Path) -> None:
    jl = tmp_path / "wide.jsonl"
    jl.write_text(json.dumps(_wide(150_000)) + "\n")
    _, items = read(str(jl), str(jl), Limits())
    error = next(items)
    assert isinstance(error, RecordError) and error.kind is ErrorKind.LIMIT and "100,000" in error.message


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_named_as_input_is_refused_with_a_located_error(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    link = tmp_path / "link.jsonl"
    link.symlink_to(fifo)
    for path in (fifo, link):
        (item,) = list(discover([str(path)]))
        assert isinstance(item, RecordError) and item.path == str(path)
        assert "named pipe (FIFO), not a regular file" in item.message
    # Reading it anyway (a race, or a caller that skips discovery) does not block either.
    _, items = read(str(fifo), str(fifo), Limits())
    (error,) = list(items)
    assert isinstance(error, RecordError) and "not a regular file" in error.message


def test_cat_file_batch_output_is_parsed_with_binary_and_missing_objects() -> None:
    out = b"a" * 40 + b" blob 5\nx\ny\n\n\n" + b"b" * 40 + b" missing\n" + b"c" * 40 + b" blob 0\n\n"
    assert parse_batch(out) == {"a" * 40: b"x\ny\n\n", "c" * 40: b""}
