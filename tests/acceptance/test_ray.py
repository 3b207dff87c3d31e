"""The Ray engine on a real local Ray cluster: the same findings as the local engine."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from helpers import REFERENCE_TEXTS, UNRELATED_TEXT, run_cli, write_jsonl
from provcheck.errors import EngineError
from provcheck.runtime.executors import RayPool

pytest.importorskip("ray")
pytestmark = pytest.mark.ray


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def ray_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`ray start --head` on 127.0.0.1 with 2 CPUs; stopped afterwards."""
    ray_bin = shutil.which("ray", path=os.path.dirname(sys.executable))
    if ray_bin is None:
        pytest.skip("the ray command is not installed")
    port = _free_port()
    temp = tmp_path_factory.mktemp("ray")
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}
    subprocess.run(
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
        check=True,
        capture_output=True,
        env=env,
        timeout=180,
    )
    try:
        yield f"127.0.0.1:{port}"
    finally:
        subprocess.run([ray_bin, "stop", "--force"], capture_output=True, env=env, timeout=120)


def test_scan_on_a_ray_cluster_equals_the_local_engine(
    tmp_path: Path, index_dir: Path, ray_cluster: str
) -> None:
    rows = [
        {
            "id": f"r{i}",
            "text": (REFERENCE_TEXTS[i % 3] if i % 3 == 0 else UNRELATED_TEXT) + f" {i}",
            "link": f"https://example.com/{i}",
        }
        for i in range(60)
    ]
    data = write_jsonl(tmp_path / "d.jsonl", rows)
    reports = {}
    for engine in ("local", "ray"):
        out = tmp_path / f"{engine}.json"
        args = ["scan", data, "-i", index_dir, "-f", "json", "-o", out, "-q", "--engine", engine]
        if engine == "ray":
            args += ["--address", ray_cluster]
        run_cli(args)
        reports[engine] = json.loads(out.read_text())
    local, ray = reports["local"], reports["ray"]
    assert len(local["matches"]) == 20
    assert [m["id"] for m in ray["matches"]] == [m["id"] for m in local["matches"]]
    assert [f["id"] for f in ray["findings"]] == [f["id"] for f in local["findings"]]
    assert ray["run"]["engine"] == "ray" and ray["stats"]["records"] == 60
    # What was read and not read is counted in the workers, the same on either engine.
    assert ray["files"] == local["files"] and ray["summary"]["not_read"] == {"id": 60, "url": 60}


def test_index_build_on_a_ray_cluster_equals_the_local_build(tmp_path: Path, ray_cluster: str) -> None:
    refs = write_jsonl(
        tmp_path / "r.jsonl", [{"id": f"x{i}", "text": t} for i, t in enumerate(REFERENCE_TEXTS * 4)]
    )
    digests = []
    for engine in ("local", "ray"):
        idx = tmp_path / engine
        args = ["index", "add", idx, refs, "--source", "s", "--engine", engine]
        if engine == "ray":
            args += ["--address", ray_cluster]
        result = run_cli(args)
        # Which engine ran (`index add` once dropped --engine and ran locally).
        where = f"on Ray ({ray_cluster})" if engine == "ray" else "on this machine"
        assert where in result.stderr, result.stderr
        info = json.loads(run_cli(["index", "info", idx, "--format", "json"]).stdout)
        digests.append((info["texts"], info["anchors"]))
    assert digests[0] == digests[1]


def _dying_recipe(flag: Path | None) -> Callable[[], Callable[[list[int]], list[int]]]:
    """A batch function whose process dies on batch [3]: once (``flag`` marks that it did), or
    every time (``flag`` None). Defined in a closure so Ray ships it by value."""

    def make() -> Callable[[list[int]], list[int]]:
        def run(batch: list[int]) -> list[int]:
            if batch == [3] and (flag is None or not flag.exists()):
                if flag is not None:
                    flag.touch()
                os._exit(1)  # the worker process dies, as under the OOM killer
            return [x * 10 for x in batch]

        return run

    return make


def test_a_dead_ray_worker_is_restarted_and_its_batch_retried(tmp_path: Path, ray_cluster: str) -> None:
    pool = RayPool(_dying_recipe(tmp_path / "died"), 2, ray_cluster)
    try:
        results = list(pool.map([[i] for i in range(8)]))
    finally:
        pool.close()
    assert (tmp_path / "died").exists()  # a worker did die
    assert results == [[i * 10] for i in range(8)]  # and nothing was lost or reordered


def test_a_batch_that_keeps_killing_its_worker_fails_the_run(ray_cluster: str) -> None:
    pool = RayPool(_dying_recipe(None), 2, ray_cluster)
    try:
        with pytest.raises(EngineError, match="incomplete and no report was written"):
            list(pool.map([[i] for i in range(8)]))
    finally:
        pool.close()


def test_inside_a_ray_job_the_cluster_address_comes_from_the_environment(
    tmp_path: Path, index_dir: Path, ray_cluster: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `ray job submit -- provcheck scan ... --engine ray` sets RAY_ADDRESS for the entrypoint.
    monkeypatch.setenv("RAY_ADDRESS", ray_cluster)
    data = write_jsonl(tmp_path / "d.jsonl", [{"text": REFERENCE_TEXTS[0]}, {"text": UNRELATED_TEXT}])
    out = tmp_path / "r.json"
    run_cli(["scan", data, "-i", index_dir, "-f", "json", "-o", out, "-q", "--engine", "ray"])
    report = json.loads(out.read_text())
    assert report["run"]["engine"] == "ray" and len(report["matches"]) == 1
