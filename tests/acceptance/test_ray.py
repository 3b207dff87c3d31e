"""The Ray engine on a real local Ray cluster: the same findings as the local engine, with and
without token authentication, whatever Ray state the user's home directory holds."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from gitrepo import PROVCHECK
from helpers import REFERENCE_TEXTS, UNRELATED_TEXT, run_cli, write_jsonl
from provcheck.errors import EngineError
from provcheck.runtime.executors import RayPool
from raycluster import ray_command, ray_env, start_cluster, stop_cluster

pytest.importorskip("ray")
# The cluster (``ray_cluster``) and its HOME are the session's (tests/conftest.py): one cluster
# for every test marked ``ray``, which run last.
pytestmark = [pytest.mark.ray, pytest.mark.slow, pytest.mark.usefixtures("ray_state")]


def _scan_rows(tmp_path: Path) -> Path:
    rows = [
        {
            "id": f"r{i}",
            "text": (REFERENCE_TEXTS[i % 3] if i % 3 == 0 else UNRELATED_TEXT) + f" {i}",
            "link": f"https://example.com/{i}",  # a string not read (a URL): counted the same on Ray
        }
        for i in range(60)
    ]
    return write_jsonl(tmp_path / "d.jsonl", rows)


def test_scan_on_a_ray_cluster_equals_the_local_engine(
    tmp_path: Path, index_dir: Path, ray_cluster: str
) -> None:
    data = _scan_rows(tmp_path)
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


def test_a_cluster_with_token_authentication(
    tmp_path: Path, index_dir: Path, ray_home: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    # The driver is a real process: Ray reads its authentication settings once per process.
    ray_bin = ray_command()
    token = tmp_path / "token"
    token.write_text("0123456789abcdef" * 4)
    env = ray_env(ray_home, RAY_AUTH_MODE="token", RAY_AUTH_TOKEN_PATH=str(token))
    env["PROVCHECK_CACHE_DIR"] = str(tmp_path / "cache")
    temp = tmp_path_factory.mktemp("ray")  # a short path: Ray's socket paths must fit 107 bytes
    try:
        address = start_cluster(ray_bin, temp, env)
        data = _scan_rows(tmp_path)
        out = tmp_path / "ray.json"
        args = [str(data), "-i", str(index_dir), "-f", "json", "-o", str(out), "-q"]
        proc = subprocess.run(
            [*PROVCHECK, "scan", *args, "--engine", "ray", "--address", address],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert proc.returncode == 0, proc.stderr
        run_cli(["scan", data, "-i", index_dir, "-f", "json", "-o", tmp_path / "local.json", "-q"])
        ray, local = json.loads(out.read_text()), json.loads((tmp_path / "local.json").read_text())
        assert ray["run"]["engine"] == "ray" and len(local["matches"]) == 20
        assert [m["id"] for m in ray["matches"]] == [m["id"] for m in local["matches"]]
    finally:
        stop_cluster(temp)


def test_a_local_ray_instance_leaves_no_token_and_q_keeps_its_log_off_the_terminal(
    tmp_path: Path, index_dir: Path
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    env = ray_env(home)  # no RAY_AUTH_MODE: Ray's default for a new local instance
    env["PROVCHECK_CACHE_DIR"] = str(tmp_path / "cache")
    data = _scan_rows(tmp_path)
    out = tmp_path / "r.json"
    proc = subprocess.run(
        [
            *PROVCHECK,
            "scan",
            str(data),
            "-i",
            str(index_dir),
            "--engine",
            "ray",
            "-q",
            "-f",
            "json",
            "-o",
            str(out),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(out.read_text())
    assert report["run"]["engine"] == "ray" and len(report["matches"]) == 20
    # Ray would write ~/.ray/auth_token, and every later Ray program of the user's would
    # then authenticate differently (what broke this test module).
    assert not (home / ".ray").exists()
    for line in ("Started a local Ray instance", "Token authentication", "auth_token", " INFO "):
        assert line not in proc.stderr, proc.stderr


def _many_files(tmp_path: Path) -> Path:
    """Twelve files of every container, with copies, unrelated records and unreadable lines."""
    import gzip

    import pyarrow as pa
    import pyarrow.parquet as pq

    data = tmp_path / "many"
    for i in range(9):
        rows = [
            {
                "id": f"f{i}r{j}",
                "text": (REFERENCE_TEXTS[(i + j) % 3] if j % 4 == 0 else UNRELATED_TEXT) + f" {j}",
            }
            for j in range(5 + i)
        ]
        write_jsonl(data / f"part-{i}.jsonl", rows)
    with open(data / "part-3.jsonl", "a", encoding="utf-8") as fh:
        fh.write("{broken\n")
    (data / "zipped.jsonl.gz").write_bytes(
        gzip.compress("".join(json.dumps({"text": t}) + "\n" for t in REFERENCE_TEXTS).encode())
    )
    table = pa.table({"text": [REFERENCE_TEXTS[1], UNRELATED_TEXT] * 20})
    pq.write_table(table, data / "rows.parquet", row_group_size=7)
    (data / "rows.csv").write_text("text\n" + "\n".join(json.dumps(t) for t in REFERENCE_TEXTS) + "\n")
    return data


def _stable(doc: object) -> object:
    volatile = {"started_at", "finished_at", "command", "seconds", "records_per_second", "engine", "reading"}
    volatile |= {"address", "workers", "workers_requested", "workers_limit", "workers_from"}
    if isinstance(doc, dict):
        return {k: _stable(v) for k, v in doc.items() if k not in volatile}
    if isinstance(doc, list):
        return [_stable(v) for v in doc]
    return doc


def test_workers_read_their_own_files_and_the_reports_equal_the_local_engine(
    tmp_path: Path, index_dir: Path, ray_cluster: str
) -> None:
    """With --engine ray the actors open the files themselves: the driver sends file names and
    gets back matches and counts; every report field that is not a time or a worker count is
    the local engine's."""
    data = _many_files(tmp_path)
    reports = {}
    for engine in ("local", "ray"):
        out = tmp_path / f"{engine}.json"
        args = ["scan", data, "-i", index_dir, "-f", "json", "-o", out, "-q", "--engine", engine, "-j", "2"]
        if engine == "ray":
            args += ["--address", ray_cluster]
        run_cli(args, code=4)  # the broken line
        reports[engine] = json.loads(out.read_text())
    local, ray = reports["local"], reports["ray"]
    assert ray["run"]["reading"] == "workers" and local["run"]["reading"] == "driver"
    assert len(local["files"]) == 12 and len(local["matches"]) >= 30 and local["errors"]
    assert _stable(ray) == _stable(local)


def test_split_files_are_read_in_byte_ranges_by_several_workers_with_the_same_results(
    tmp_path: Path, index_dir: Path, ray_cluster: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Large JSON Lines files are cut into byte ranges (here: 2 KB), Parquet files into runs of
    row groups, read by different actors; lines, record positions, matches, errors and digests
    are those of one reader."""
    import provcheck.scan.remote as remote

    data = tmp_path / "big"
    rows = [
        {"id": f"r{i}", "text": (REFERENCE_TEXTS[i % 3] if i % 3 == 0 else UNRELATED_TEXT) + f" {i}"}
        for i in range(45)
    ]
    write_jsonl(data / "a.jsonl", rows)
    with open(data / "a.jsonl", "a", encoding="utf-8") as fh:
        fh.write("\n{broken\n" + json.dumps({"text": REFERENCE_TEXTS[2]}))
    write_jsonl(data / "b.jsonl", rows[:10])
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"text": [r["text"] for r in rows]}), data / "c.parquet", row_group_size=4)
    monkeypatch.setattr(remote, "SPLIT_BYTES", 2048)
    assert remote.splittable(str(data / "a.jsonl"), 2048) >= 8
    assert len(remote.row_group_units(str(data / "c.parquet"), str(data / "c.parquet"), 2048) or []) >= 4
    reports = {}
    for engine in ("local", "ray"):
        out = tmp_path / f"{engine}.json"
        args = ["scan", data, "-i", index_dir, "-f", "json", "-o", out, "-q", "--engine", engine]
        if engine == "ray":
            args += ["--address", ray_cluster]
        run_cli(args, code=4)
        reports[engine] = json.loads(out.read_text())
    local, ray = reports["local"], reports["ray"]
    assert ray["run"]["reading"] == "workers" and len(local["matches"]) == 35
    assert _stable(ray) == _stable(local)


def test_an_index_url_is_fetched_by_each_node(
    tmp_path: Path, index_dir: Path, ray_cluster: str, ray_home: Path
) -> None:
    """The actors get the URL, not the driver's copy: each node fetches the index into its own
    cache (here the cluster's HOME) and the findings are the local engine's."""
    data = _scan_rows(tmp_path)
    out = {e: tmp_path / f"{e}.json" for e in ("local", "ray")}
    run_cli(["scan", data, "-i", index_dir, "-f", "json", "-o", out["local"], "-q"])
    url = f"file://{index_dir}"
    run_cli(
        [
            "scan",
            data,
            "-i",
            url,
            "-f",
            "json",
            "-o",
            out["ray"],
            "-q",
            "--engine",
            "ray",
            "--address",
            ray_cluster,
        ]
    )
    local, ray = (json.loads(p.read_text()) for p in out.values())
    assert [f["id"] for f in ray["findings"]] == [f["id"] for f in local["findings"]]
    digest = local["run"]["index"]["digest"]
    assert (ray_home / ".cache" / "provcheck" / "indexes" / digest / "manifest.json").is_file()
