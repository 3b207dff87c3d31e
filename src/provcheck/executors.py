"""Where record batches are matched: in this process, or in a pool of worker processes.

Each worker opens the index itself (memory-mapped, so the pages are shared by the OS, not
copied) and keeps its own reference-fingerprint cache. At most ``2 × workers`` batches are in
flight, so memory stays bounded whatever the dataset's size.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Generic, Protocol, TypeVar, cast

T = TypeVar("T")
R = TypeVar("R")
T_contra = TypeVar("T_contra", contravariant=True)
R_co = TypeVar("R_co", covariant=True)


class Executor(Protocol[T_contra, R_co]):
    """Runs a batch function over batches, yielding results in input order."""

    def map(self, batches: Iterable[T_contra]) -> Iterator[R_co]:
        """Results of every batch, in order."""
        ...

    def close(self) -> None:
        """Release workers."""
        ...


class InProcess(Generic[T, R]):
    """Runs batches one after another in this process."""

    def __init__(self, make: Callable[[], Callable[[T], R]]) -> None:
        self._fn = make()

    def map(self, batches: Iterable[T]) -> Iterator[R]:
        """Results in order."""
        for batch in batches:
            yield self._fn(batch)

    def close(self) -> None:
        """Nothing to release."""


_STATE: dict[str, Callable[..., object]] = {}


def _init(make: Callable[[], Callable[[object], object]]) -> None:
    # Worker processes must not compete for the main thread's BLAS threads.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    _STATE["fn"] = make()


def _run(batch: object) -> object:
    return _STATE["fn"](batch)


class ProcessPool(Generic[T, R]):
    """Runs batches in ``workers`` processes; at most ``2 × workers`` batches in flight."""

    def __init__(self, make: Callable[[], Callable[[T], R]], workers: int) -> None:
        method = "fork" if sys.platform.startswith("linux") else "spawn"
        init: Callable[..., None] = _init
        self._pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context(method),
            initializer=init,
            initargs=(make,),
        )
        self._depth = 2 * workers

    def map(self, batches: Iterable[T]) -> Iterator[R]:
        """Results in order, submitting ahead while results are consumed."""
        pending: deque[Future[R]] = deque()
        for batch in batches:
            pending.append(cast("Future[R]", self._pool.submit(_run, batch)))
            if len(pending) >= self._depth:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()

    def close(self) -> None:
        """Stop the workers."""
        self._pool.shutdown(wait=True, cancel_futures=True)


def default_workers() -> int:
    """All cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1
