"""Fixtures shared by the tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers import CORPORA, REFERENCE_TEXTS, run_cli, write_jsonl
from raycluster import ray_command, ray_env, start_cluster, stop_cluster


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests marked ``ray`` run last, together: they share one local Ray cluster
    (``ray_cluster``, started once for the session), which then stays up only while they run."""
    ray = [item for item in items if item.get_closest_marker("ray") is not None]
    if ray:
        items[:] = [item for item in items if item.get_closest_marker("ray") is None] + ray


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test gets its own provcheck cache directory (never the user's)."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("PROVCHECK_CACHE_DIR", str(cache))
    return cache


@pytest.fixture(autouse=True)
def no_user_ray_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the user's Ray settings (a cluster address, an authentication mode or
    token): the Ray tests set their own, with a HOME of their own (tests/acceptance/test_ray.py)."""
    for name in [k for k in os.environ if k.startswith("RAY_")]:
        monkeypatch.delenv(name)


@pytest.fixture(autouse=True)
def no_user_run_by(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test's report records the machine's ``PROVCHECK_RUN_BY`` (a CI job may set it)."""
    monkeypatch.delenv("PROVCHECK_RUN_BY", raising=False)


@pytest.fixture
def reference_file(tmp_path: Path) -> Path:
    """ShareGPT references: a prompt and a model answer each."""
    return write_jsonl(
        tmp_path / "refs" / "share.jsonl",
        [
            {
                "id": f"ref-{i}",
                "conversations": [
                    {"from": "human", "value": f"question {i}"},
                    {"from": "gpt", "value": text},
                ],
            }
            for i, text in enumerate(REFERENCE_TEXTS)
        ],
    )


@pytest.fixture
def index_dir(tmp_path: Path, reference_file: Path) -> Path:
    """An index with the reference file as source ``share`` (provider openai)."""
    idx = tmp_path / "index"
    run_cli(
        [
            "index",
            "add",
            idx,
            reference_file,
            "--source",
            "share",
            "--provider",
            "openai",
            "--generator",
            "gpt-3.5-turbo",
            "--license",
            "LicenseRef-ShareGPT",
            "-q",
        ]
    )
    return idx


@pytest.fixture
def corpora() -> Path:
    """The shared real corpora; tests using it skip when it is absent."""
    if not (CORPORA / "alpacaeval" / "outputs.jsonl.xz").exists():
        pytest.skip(f"shared corpora not found at {CORPORA}")
    return CORPORA


@pytest.fixture(scope="session")
def ray_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Ray tests' HOME: never the user's. It holds what a local Ray instance of the user's
    leaves behind (``~/.ray/auth_token``, which made these tests fail with InvalidAuthToken):
    a cluster without authentication must ignore it."""
    home = tmp_path_factory.mktemp("home")
    (home / ".ray").mkdir()
    (home / ".ray" / "auth_token").write_text("f" * 64)
    return home


@pytest.fixture
def ray_state(ray_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The in-process driver sees the isolated HOME and the cluster's authentication mode
    (used by every test module marked ``ray``)."""
    for name in [k for k in os.environ if k.startswith("RAY_")]:
        monkeypatch.delenv(name)
    for name, value in ray_env(ray_home, RAY_AUTH_MODE="disabled").items():
        if os.environ.get(name) != value:
            monkeypatch.setenv(name, value)


@pytest.fixture(scope="session")
def ray_cluster(tmp_path_factory: pytest.TempPathFactory, ray_home: Path) -> Iterator[str]:
    """`ray start --head` on 127.0.0.1 with 2 CPUs, without authentication, once for the
    session (the tests marked ``ray`` run last, together); stopped afterwards."""
    ray_bin = ray_command()
    env = ray_env(ray_home, RAY_AUTH_MODE="disabled")
    temp = tmp_path_factory.mktemp("ray")
    try:
        yield start_cluster(ray_bin, temp, env)
    finally:
        stop_cluster(temp)
