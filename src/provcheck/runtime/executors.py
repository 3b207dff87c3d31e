"""Where record batches are matched: in this process, or in a pool of worker processes.

Each worker opens the index itself (memory-mapped, so the pages are shared by the OS, not
copied) and keeps its own reference-fingerprint cache. At most ``2 × workers`` batches are in
flight, so memory stays bounded whatever the dataset's size.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import signal
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Generic, Protocol, TypeVar, cast

from provcheck.errors import EngineError, UsageError

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
_RAY_RETRIES = 2
"""Restarts of a dead Ray actor, and retries of the batch it was running."""


def _init(make: Callable[[], Callable[[object], object]]) -> None:
    # Worker processes must not compete for the main thread's BLAS threads.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    # Ctrl-C reaches the whole process group: the main process stops the pool (a worker would
    # only print a traceback). SIGTERM ends a worker at once, as it would without provcheck's
    # handler of the main process (inherited through fork).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
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
        try:
            for batch in batches:
                pending.append(cast("Future[R]", self._pool.submit(_run, batch)))
                if len(pending) >= self._depth:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        except BrokenProcessPool:
            raise EngineError(
                "a worker process died (killed by a signal or by the system, e.g. out of memory); "
                "the run is incomplete and no report was written",
                hint="rerun with fewer workers (-j) or with more memory",
            ) from None

    def close(self) -> None:
        """Stop the workers."""
        self._pool.shutdown(wait=True, cancel_futures=True)


class RayPool(Generic[T, R]):
    """Runs batches on a Ray cluster: one actor per worker, each holding the batch function.

    Every actor builds its function once (opening the index, which must be at a path all
    nodes can read) and then serves batches. A batch whose actor dies is retried on a restarted
    actor (``max_task_retries``); if it still fails, ``map`` raises and the scan fails rather
    than report partial results as complete.
    """

    def __init__(
        self, make: Callable[[], Callable[[T], R]], workers: int, address: str | None = None
    ) -> None:
        try:
            import ray
        except ImportError as exc:
            raise ImportError("the Ray engine needs the ray package: pip install 'provcheck[ray]'") from exc
        self._ray: Any = ray
        # Inside a Ray job (``ray job submit``) the cluster's address is in RAY_ADDRESS.
        address = address or os.environ.get("RAY_ADDRESS") or None
        self._owns = not self._ray.is_initialized()
        if self._owns:
            kwargs: dict[str, object] = {"include_dashboard": False, "log_to_driver": False}
            if address:
                kwargs["address"] = address
            else:
                kwargs["num_cpus"] = workers
            self._ray.init(**kwargs)
        # On a cluster, one actor per CPU the cluster has; locally, one per worker asked for.
        size = max(1, int(self._ray.cluster_resources().get("CPU", workers))) if address else workers
        actor: Any = self._ray.remote(num_cpus=1, max_restarts=_RAY_RETRIES, max_task_retries=_RAY_RETRIES)(
            _RayWorker
        )
        self._actors: list[Any] = [actor.remote(make) for _ in range(size)]
        self._depth = 2 * size

    def map(self, batches: Iterable[T]) -> Iterator[R]:
        """Results in order; batches go to actors round-robin, bounded in flight."""
        pending: deque[object] = deque()
        try:
            for i, batch in enumerate(batches):
                actor = self._actors[i % len(self._actors)]
                pending.append(actor.run.remote(batch))
                if len(pending) >= self._depth:
                    yield self._ray.get(pending.popleft())
            while pending:
                yield self._ray.get(pending.popleft())
        except self._ray.exceptions.RayActorError as exc:
            raise EngineError(
                f"a Ray worker died and its batch failed after {_RAY_RETRIES} retries: "
                f"{str(exc).splitlines()[0]}; the run is incomplete and no report was written",
                hint="check the cluster (ray status, ray logs) and rerun",
            ) from None

    def close(self) -> None:
        """Release the actors (and the local Ray runtime if this pool started it)."""
        for actor in self._actors:
            self._ray.kill(actor)
        self._actors = []
        if self._owns:
            self._ray.shutdown()


class _RayWorker:
    """The actor: builds the batch function once, then runs batches."""

    def __init__(self, make: Callable[[], Callable[[object], object]]) -> None:
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
        self._fn = make()

    def run(self, batch: object) -> object:
        return self._fn(batch)


def executor_for(
    recipe: Callable[[], Callable[[T], R]],
    batches: Iterator[T],
    workers: int,
    engine: str = "local",
    address: str | None = None,
) -> tuple[Executor[T, R], Iterator[T]]:
    """The executor for a run: Ray when asked; locally, a process pool when there is more than
    one batch of work and more than one worker, else this process (a small scan never pays for
    starting workers)."""
    if engine == "ray":
        try:
            return RayPool(recipe, workers, address), batches
        except ImportError as exc:
            raise UsageError(str(exc), hint="or run with --engine local") from None
    if engine != "local":
        raise UsageError(f"unknown engine {engine!r}; allowed: local, ray")
    if workers <= 1:
        return InProcess(recipe), batches
    first = list(itertools.islice(batches, 2))
    rest = itertools.chain(first, batches)
    if len(first) < 2:
        return InProcess(recipe), rest
    return ProcessPool(recipe, workers), rest


def default_workers() -> int:
    """All cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1
