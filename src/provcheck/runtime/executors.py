"""Where record batches are matched: in this process, or in a pool of worker processes.

Each worker opens the index itself (memory-mapped, so the pages are shared by the OS, not
copied) and keeps its own reference-fingerprint cache. At most ``2 × workers`` batches are in
flight, so memory stays bounded whatever the dataset's size.

The number of workers asked for (``-j``, or ``workers:`` of a ``.provcheck.yaml`` that came
with a pull request) is capped at the CPUs this process may use and at the batches there are:
more processes than that only cost memory and start-up time. ``WorkerPlan`` says what was
asked, what was used and why, for the run record and the summary.

Workers end with their parent: a worker of a provcheck killed by SIGKILL (the OOM killer, a CI
runner's hard timeout) would otherwise sleep on as an orphan holding its memory.
"""

from __future__ import annotations

import ctypes
import itertools
import math
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar, cast

from provcheck.errors import EngineError, UsageError

if TYPE_CHECKING:
    from concurrent.futures import Future

T = TypeVar("T")
R = TypeVar("R")
T_contra = TypeVar("T_contra", contravariant=True)
R_co = TypeVar("R_co", covariant=True)


@dataclass(frozen=True, slots=True)
class WorkerPlan:
    """How many workers a run asked for and how many it used."""

    requested: int
    """Workers asked for (``-j``, ``workers:`` or the default, all usable CPUs)."""
    used: int
    """Workers that ran batches (1: this process, no worker process)."""
    limit: str | None = None
    """Why fewer were used than asked for; None when all were."""

    def to_dict(self) -> dict[str, object]:
        """For the run record."""
        return {"requested": self.requested, "used": self.used, "limit": self.limit}

    def sentence(self) -> str | None:
        """``64 workers requested, 2 used (2 usable CPUs)``; None when all were used."""
        if self.used == self.requested:
            return None
        noun = "worker" if self.requested == 1 else "workers"
        why = f" ({self.limit})" if self.limit else ""
        return f"{self.requested} {noun} requested, {self.used} used{why}"


class Executor(Protocol[T_contra, R_co]):
    """Runs a batch function over batches, yielding results in input order."""

    plan: WorkerPlan
    """Workers asked for and used."""

    def map(self, batches: Iterable[T_contra]) -> Iterator[R_co]:
        """Results of every batch, in order."""
        ...

    def close(self) -> None:
        """Release workers."""
        ...


class InProcess(Generic[T, R]):
    """Runs batches one after another in this process."""

    def __init__(self, make: Callable[[], Callable[[T], R]], plan: WorkerPlan | None = None) -> None:
        self._fn = make()
        self.plan = plan or WorkerPlan(1, 1)

    def map(self, batches: Iterable[T]) -> Iterator[R]:
        """Results in order."""
        for batch in batches:
            yield self._fn(batch)

    def close(self) -> None:
        """Nothing to release."""


_STATE: dict[str, Callable[..., object]] = {}
_RAY_RETRIES = 2
"""Restarts of a dead Ray actor, and retries of the batch it was running."""


_PR_SET_PDEATHSIG = 1
"""``prctl`` option (linux/prctl.h): the signal a process gets when its parent ends."""


def die_with_parent(parent: int) -> None:
    """End this process when process ``parent`` ends, however it ends (SIGKILL included).

    On Linux the kernel sends SIGKILL at the parent's death (``PR_SET_PDEATHSIG``). It fires
    when the *thread* that forked this process ends: pools are started from the thread that
    runs the scan, which lives as long as the run. Elsewhere a daemon thread watches for the
    change of parent (the orphan is re-parented). A parent that died before this ran is caught
    by the ``getppid`` check either way.
    """
    armed = False
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            armed = libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
        except (OSError, AttributeError):  # pragma: no cover - a libc without prctl
            armed = False
    if os.getppid() != parent:
        os._exit(1)
    if not armed:  # pragma: no cover - not Linux

        def watch() -> None:
            while os.getppid() == parent:
                time.sleep(1.0)
            os._exit(1)

        threading.Thread(target=watch, name="provcheck-parent-watch", daemon=True).start()


def _init(make: Callable[[], Callable[[object], object]], parent: int) -> None:
    die_with_parent(parent)
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

    def __init__(
        self, make: Callable[[], Callable[[T], R]], workers: int, plan: WorkerPlan | None = None
    ) -> None:
        # fork: the recipe need not be picklable and start-up is fast. With fork the pool
        # starts all ``workers`` processes at the first submit (CPython forks them before its
        # manager thread exists), from this thread: ``executor_for`` sizes the pool to the
        # work, and ``die_with_parent`` ties them to this thread's process. (With forkserver
        # the workers' parent would be the fork server, which itself ends with this process.)
        # Imported here: a run in this process (a hook's small change) need not pay for them.
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        method = "fork" if sys.platform.startswith("linux") else "spawn"
        init: Callable[..., None] = _init
        self._pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context(method),
            initializer=init,
            initargs=(make, os.getpid()),
        )
        self._depth = 2 * workers
        self.plan = plan or WorkerPlan(workers, workers)

    def map(self, batches: Iterable[T]) -> Iterator[R]:
        """Results in order, submitting ahead while results are consumed."""
        from concurrent.futures.process import BrokenProcessPool

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
        self,
        make: Callable[[], Callable[[T], R]],
        workers: int,
        address: str | None = None,
        plan: WorkerPlan | None = None,
    ) -> None:
        try:
            import ray
        except ImportError as exc:
            raise ImportError("the Ray engine needs the ray package: pip install 'provcheck[ray]'") from exc
        self._ray: Any = ray
        # Inside a Ray job (``ray job submit``) the cluster's address is in RAY_ADDRESS.
        address = address or os.environ.get("RAY_ADDRESS") or None
        self._owns = not self._ray.is_initialized()
        self._restore: dict[str, str | None] = {}
        if self._owns:
            import logging  # only for Ray: a scan in one process has no use for it

            # The engine never prints: Ray's own INFO lines ("Started a local Ray instance")
            # would reach the terminal even under -q. Its errors still raise.
            kwargs: dict[str, object] = {
                "include_dashboard": False,
                "log_to_driver": False,
                "logging_level": logging.ERROR,
            }
            if address:
                kwargs["address"] = address
            else:
                kwargs["num_cpus"] = workers
                self._restore = _private_token()
            try:
                self._ray.init(**kwargs)
            except BaseException:
                _set_env(self._restore)
                raise
        # On a cluster, one actor per CPU the cluster has; locally, one per worker asked for.
        size = max(1, int(self._ray.cluster_resources().get("CPU", workers))) if address else workers
        actor: Any = self._ray.remote(num_cpus=1, max_restarts=_RAY_RETRIES, max_task_retries=_RAY_RETRIES)(
            _RayWorker
        )
        self._actors: list[Any] = [actor.remote(make) for _ in range(size)]
        self._depth = 2 * size
        requested = plan.requested if plan else workers
        if address:
            limit = None if size == requested else "one per CPU of the Ray cluster"
            self.plan = WorkerPlan(requested, size, limit)
        else:
            self.plan = plan or WorkerPlan(workers, workers)

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
            _set_env(self._restore)
            self._restore = {}


_AUTH_VARIABLES = ("RAY_AUTH_MODE", "RAY_AUTH_TOKEN", "RAY_AUTH_TOKEN_PATH")


def _private_token() -> dict[str, str | None]:
    """Token authentication with a token of this run only, for a local Ray instance this
    process starts, unless the user chose a mode or a token (``RAY_AUTH_*``).

    Left to itself, Ray's ``init`` enables token authentication for a new local instance and
    writes a token to ``~/.ray/auth_token``, which changes how every later Ray program of the
    user authenticates (clusters started without authentication then refuse it). The token
    is passed in the environment instead, which the instance's processes inherit. The
    variables as they were are returned, for ``close`` to restore.
    """
    if any(os.environ.get(name) for name in _AUTH_VARIABLES):
        return {}
    before = {name: os.environ.get(name) for name in _AUTH_VARIABLES}
    import secrets  # not with the module: a one-process scan makes no token

    _set_env({"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(32)})
    return before


def _set_env(values: dict[str, str | None]) -> None:
    if not values:
        return
    for name, value in values.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    # Ray reads its configuration and caches the token when it is imported: re-read them, as
    # Ray itself does when it turns token authentication on.
    raylet: Any = sys.modules.get("ray._raylet")
    if raylet is None or not hasattr(raylet, "AuthenticationTokenLoader"):  # pragma: no cover - older Ray
        return
    raylet.Config.initialize("")
    raylet.AuthenticationTokenLoader.instance().reset_cache()


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
    here: Callable[[], Callable[[T], R]] | None = None,
) -> tuple[Executor[T, R], Iterator[T]]:
    """The executor for a run, with ``workers`` capped at the usable CPUs and at the batches.

    Ray when asked (on a cluster, one actor per cluster CPU). Locally, a process pool when
    there is more than one batch of work and more than one worker, else this process (a small
    scan never pays for starting workers), which makes its function with ``here`` when given
    (the same function as ``recipe`` makes, from what this process already holds). The first
    batches are read ahead to count them: at most as many as the workers that may be started,
    which are in flight soon anyway.
    """
    if engine not in ("local", "ray"):
        raise UsageError(f"unknown engine {engine!r}; allowed: local, ray")
    on_cluster = engine == "ray" and bool(address or os.environ.get("RAY_ADDRESS"))
    limit: str | None = None
    n = workers
    if not on_cluster:
        cpus, why = usable_cpus()
        if n > cpus:
            n, limit = cpus, f"{cpus} usable CPU{'s' if cpus != 1 else ''}, by {why}"
    # On a cluster the actors are the cluster's CPUs, whatever -j says: read no further ahead.
    first = list(itertools.islice(batches, 2 if on_cluster else max(n, 2)))
    rest = itertools.chain(first, batches)
    if not on_cluster and len(first) < n:
        n = max(1, len(first))
        limit = f"{len(first)} batch{'es' if len(first) != 1 else ''} of work"
    if engine == "ray":
        plan = WorkerPlan(workers, n, limit)
        try:
            return RayPool(recipe, n, address, plan), rest
        except ImportError as exc:
            raise UsageError(str(exc), hint="or run with --engine local") from None
    if n <= 1:
        return InProcess(here or recipe, WorkerPlan(workers, 1, limit)), rest
    return ProcessPool(recipe, n, WorkerPlan(workers, n, limit)), rest


def usable_cpus(
    cgroup_root: str = "/sys/fs/cgroup", proc_cgroup: str = "/proc/self/cgroup"
) -> tuple[int, str]:
    """The CPUs this process may use, and what bounds them: the CPU affinity mask (taskset,
    cpusets) and the cgroup CPU quota (``docker --cpus``, Kubernetes CPU limits), whichever is
    smaller."""
    try:
        cpus, why = len(os.sched_getaffinity(0)), "CPU affinity"
    except AttributeError:  # pragma: no cover - not Linux
        cpus, why = os.cpu_count() or 1, "CPU count"
    quota = cgroup_cpu_quota(cgroup_root, proc_cgroup)
    if quota is not None and quota < cpus:
        cpus, why = quota, "cgroup CPU quota"
    return max(1, cpus), why


def cgroup_cpu_quota(root: str = "/sys/fs/cgroup", proc_cgroup: str = "/proc/self/cgroup") -> int | None:
    """CPUs the cgroup quota allows (rounded up), or None when there is no quota.

    cgroup v2: ``cpu.max`` (``QUOTA PERIOD`` or ``max PERIOD``) of this process's cgroup and
    of its ancestors, the smallest. cgroup v1: ``cpu.cfs_quota_us`` / ``cpu.cfs_period_us``
    (a quota of -1: none). Inside a container the cgroup named in /proc/self/cgroup is often
    mounted as the root, so the root is read too.
    """
    try:
        with open(proc_cgroup, encoding="utf-8") as fh:
            lines = fh.read().splitlines()
    except OSError:
        return None
    found: list[int] = []
    for line in lines:
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, path = parts
        if controllers == "":  # v2 unified hierarchy
            for folder in _ancestors(root, path):
                quota = _v2_quota(os.path.join(folder, "cpu.max"))
                if quota is not None:
                    found.append(quota)
        elif "cpu" in controllers.split(","):
            for mount in (controllers, "cpu", "cpu,cpuacct"):
                for folder in _ancestors(os.path.join(root, mount), path):
                    quota = _v1_quota(folder)
                    if quota is not None:
                        found.append(quota)
    return min(found) if found else None


def _ancestors(root: str, path: str) -> list[str]:
    """``root/path`` and its parents up to ``root`` (those that exist)."""
    parts = [p for p in path.strip("/").split("/") if p and p != ".."]
    folders = [os.path.join(root, *parts[:i]) for i in range(len(parts), -1, -1)]
    return list(dict.fromkeys(f for f in folders if os.path.isdir(f)))


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read().strip()
    except (OSError, UnicodeDecodeError):
        return None


def _v2_quota(path: str) -> int | None:
    text = _read(path)
    fields = text.split() if text else []
    if len(fields) != 2 or fields[0] == "max":
        return None
    try:
        quota, period = int(fields[0]), int(fields[1])
    except ValueError:
        return None
    return max(1, math.ceil(quota / period)) if quota > 0 and period > 0 else None


def _v1_quota(folder: str) -> int | None:
    quota, period = (
        _read(os.path.join(folder, "cpu.cfs_quota_us")),
        _read(os.path.join(folder, "cpu.cfs_period_us")),
    )
    try:
        q, p = int(quota or "-1"), int(period or "0")
    except ValueError:
        return None
    return max(1, math.ceil(q / p)) if q > 0 and p > 0 else None


def default_workers() -> int:
    """All CPUs this process may use (affinity and cgroup quota)."""
    return usable_cpus()[0]
