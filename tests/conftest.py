"""Fixtures shared by the tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from helpers import CORPORA, REFERENCE_TEXTS, run_cli, write_jsonl


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
