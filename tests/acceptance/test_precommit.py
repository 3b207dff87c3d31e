"""The real pre-commit framework (from PyPI) runs provcheck's hook from this checkout, offline.

The hooks are defined by this repository's ``.pre-commit-hooks.yaml``. The tests use its
``provcheck-system`` hook (``language: system``: the provcheck installed in this environment),
so pre-commit installs nothing and needs no network: once through a ``repo: local`` config
built from the manifest and ``pre-commit install`` + ``git commit``, once through
``pre-commit try-repo`` pointed at this checkout.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from gitrepo import BLOCK_POLICY, GitRepo, clean, isolated_env, jsonl, restricted
from helpers import ROOT

pytestmark = pytest.mark.slow  # whole processes, real repositories or kills: `make unit` skips them

pytest.importorskip("pre_commit")

PRE_COMMIT = [sys.executable, "-m", "pre_commit"]


def manifest_hook(hook_id: str) -> dict[str, Any]:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    return next(dict(h) for h in hooks if h["id"] == hook_id)


def pre_commit(repo: GitRepo, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*PRE_COMMIT, *args], cwd=repo.path, env=repo.env, capture_output=True, text=True)


@pytest.fixture
def repo(tmp_path: Path, index_dir: Path) -> GitRepo:
    r = GitRepo(tmp_path / "dataset", isolated_env(tmp_path))
    r.write("policy.yaml", BLOCK_POLICY)
    r.write(".provcheck.yaml", f"index: {index_dir}\npolicy: policy.yaml\n")
    r.write("data/train.jsonl", jsonl(clean(i) for i in range(3)))
    r.write("README.md", "A dataset.\n")
    r.git("add", ".")
    r.commit("dataset")
    return r


def test_the_shipped_manifest_is_valid() -> None:
    out = subprocess.run([*PRE_COMMIT, "validate-manifest", str(ROOT / ".pre-commit-hooks.yaml")])
    assert out.returncode == 0
    assert (
        manifest_hook("provcheck")["entry"]
        == manifest_hook("provcheck-system")["entry"]
        == "provcheck hook run"
    )
    files = re.compile(manifest_hook("provcheck")["files"])
    for path in ("data/a.jsonl", "b.jsonl.zst", "c.parquet", "d.csv.gz", "README.md", "x/provenance.yaml"):
        assert files.search(path), path
    for path in ("image.png", "weights.safetensors", "myprovenance.yaml", "setup.py"):
        assert not files.search(path), path


def test_pre_commit_install_refuses_a_restricted_record_and_passes_a_clean_one(repo: GitRepo) -> None:
    hook = manifest_hook("provcheck-system")
    config = {"repos": [{"repo": "local", "hooks": [hook]}]}
    repo.write(".pre-commit-config.yaml", yaml.safe_dump(config))
    repo.git("add", ".pre-commit-config.yaml")
    repo.commit("pre-commit config")
    out = pre_commit(repo, "install")
    assert out.returncode == 0, out.stderr
    repo.append("data/train.jsonl", jsonl([restricted(1, "pc-copy")]))
    repo.git("add", "data")
    # Partial staging: an unstaged clean change is stashed by pre-commit and restored after.
    repo.append("data/train.jsonl", jsonl([clean(9)]))
    refused = repo.commit("bad", code=1)
    output = refused.stdout + refused.stderr
    assert "Failed" in output and "exit code: 1" in output
    assert "data/train.jsonl:4: record 3 (id pc-copy)" in output
    assert (repo.path / "data/train.jsonl").read_text().count("\n") == 5  # unstaged line restored
    repo.git("checkout", "-q", "--", "data/train.jsonl")
    repo.git("reset", "-q", "--hard")
    repo.append("data/train.jsonl", jsonl([clean(7)]))
    repo.git("add", "data")
    passed = repo.commit("good")
    assert "Passed" in passed.stdout + passed.stderr


def test_try_repo_runs_the_hook_from_this_checkout(repo: GitRepo) -> None:
    repo.append("data/train.jsonl", jsonl([restricted(2, "try-copy")]))
    repo.git("add", "data")
    out = pre_commit(repo, "try-repo", str(ROOT), "provcheck-system", "--verbose")
    assert out.returncode == 1, out.stdout + out.stderr
    assert "data/train.jsonl:4: record 3 (id try-copy)" in out.stdout
    repo.git("reset", "-q", "--hard")
    repo.append("data/train.jsonl", jsonl([clean(8)]))
    repo.git("add", "data")
    out = pre_commit(repo, "try-repo", str(ROOT), "provcheck-system")
    assert out.returncode == 0, out.stdout + out.stderr


def test_a_commit_that_only_moves_a_submodule_runs_the_hook(tmp_path: Path, repo: GitRepo) -> None:
    """A commit that only updates a submodule matches no ``files:`` pattern: pre-commit skipped
    the hook and a copy the submodule's new commit brings went in (found by adversarial pass 10)."""
    sub = GitRepo(tmp_path / "shared-data", repo.env)
    sub.write("data/train.jsonl", jsonl([clean(1)]))
    sub.git("add", ".")
    sub.commit("data")
    repo.git("-c", "protocol.file.allow=always", "submodule", "add", "-q", str(sub.path), "ds")
    hook = manifest_hook("provcheck-system")
    repo.write(".pre-commit-config.yaml", yaml.safe_dump({"repos": [{"repo": "local", "hooks": [hook]}]}))
    repo.git("add", ".")
    repo.commit("submodule and pre-commit config", "--no-verify")
    assert pre_commit(repo, "install").returncode == 0
    ds = GitRepo(repo.path / "ds", repo.env)
    ds.append("data/train.jsonl", jsonl([restricted(1, "sub-copy")]))
    ds.git("add", ".")
    ds.commit("more data")
    repo.git("add", "ds")
    refused = repo.commit("move the submodule", code=1)
    assert "ds/data/train.jsonl:2: record 1 (id sub-copy)" in refused.stdout + refused.stderr
