"""A real local Ray cluster for the tests (tests/acceptance/test_ray.py and the other tests
marked ``ray``): started with ``ray start --head`` in a temp dir of its own, with a HOME of its
own, and stopped by the processes of that temp dir only."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ray_env(home: Path, **ray: str) -> dict[str, str]:
    """The environment of Ray processes here: no RAY_* of the caller's, ``home`` as HOME."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAY_")}
    env.update(HOME=str(home), RAY_USAGE_STATS_ENABLED="0", **ray)
    return env


def start_cluster(ray_bin: str, temp: Path, env: dict[str, str]) -> str:
    port = free_port()
    proc = subprocess.run(
        [
            ray_bin,
            "start",
            "--head",
            f"--port={port}",
            "--node-ip-address=127.0.0.1",
            "--num-cpus=2",
            "--include-dashboard=false",
            "--disable-usage-stats",
            f"--temp-dir={temp}",
        ],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
    )
    if proc.returncode != 0:
        raise AssertionError(
            f"ray start failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
        )
    return f"127.0.0.1:{port}"


def stop_cluster(temp: Path) -> None:
    """Stop the cluster whose processes run in ``temp`` (``ray stop`` would stop every Ray
    instance of the machine, other people's too)."""

    def pids() -> list[int]:
        found = []
        for entry in os.listdir("/proc"):
            try:
                cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
            except (OSError, ValueError):
                continue
            if entry.isdigit() and str(temp).encode() in cmdline and int(entry) != os.getpid():
                found.append(int(entry))
        return found

    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in pids():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        deadline = time.monotonic() + 15
        while pids() and time.monotonic() < deadline:
            time.sleep(0.2)


def ray_command() -> str:
    ray_bin = shutil.which("ray", path=os.path.dirname(sys.executable))
    if ray_bin is None:
        pytest.skip("the ray command is not installed")
    return ray_bin
