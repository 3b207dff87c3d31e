"""Local executors: results in order, and a worker that dies fails the run cleanly."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from provcheck.errors import EngineError, ExitCode
from provcheck.runtime import executors
from provcheck.runtime.executors import InProcess, ProcessPool, executor_for


@dataclass(frozen=True)
class Recipe:
    """Multiplies; the worker process dies on the batch ``die_on``."""

    die_on: int | None = None

    def __call__(self) -> Callable[[list[int]], list[int]]:
        def run(batch: list[int]) -> list[int]:
            if batch == [self.die_on]:
                os._exit(1)  # as under the OOM killer: no exception, the process is gone
            return [x * 10 for x in batch]

        return run


def test_process_pool_keeps_input_order() -> None:
    pool = ProcessPool(Recipe(), 2)
    try:
        assert list(pool.map([[i] for i in range(20)])) == [[i * 10] for i in range(20)]
    finally:
        pool.close()


def test_a_dead_worker_process_is_an_engine_error_not_a_traceback() -> None:
    pool = ProcessPool(Recipe(die_on=5), 2)
    try:
        with pytest.raises(EngineError, match="worker process died") as info:
            list(pool.map([[i] for i in range(20)]))
    finally:
        pool.close()
    assert info.value.exit_code == ExitCode.ENGINE == 7


def test_small_runs_stay_in_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    # As on a machine of 2 CPUs or more (workers are capped at the usable CPUs).
    monkeypatch.setattr(executors, "usable_cpus", lambda: (2, "CPU affinity"))
    executor, batches = executor_for(Recipe(), iter([[1]]), 2)
    assert isinstance(executor, InProcess) and list(executor.map(batches)) == [[10]]
    executor, batches = executor_for(Recipe(), iter([[1], [2]]), 2)
    try:
        assert isinstance(executor, ProcessPool) and list(executor.map(batches)) == [[10], [20]]
    finally:
        executor.close()
