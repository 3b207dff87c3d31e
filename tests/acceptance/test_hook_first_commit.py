"""The hook before the first commit of a repository (no HEAD): everything staged is new."""

from __future__ import annotations

import subprocess
from pathlib import Path

from gitrepo import BLOCK_POLICY, PROVCHECK, GitRepo, clean, isolated_env, jsonl, restricted


def test_the_first_commit_is_checked_against_the_empty_tree(tmp_path: Path, index_dir: Path) -> None:
    repo = GitRepo(tmp_path / "dataset", isolated_env(tmp_path))
    repo.write("policy.yaml", BLOCK_POLICY)
    repo.write(".provcheck.yaml", f"index: {index_dir}\npolicy: policy.yaml\ninclude: ['data/**']\n")
    repo.write("data/train.jsonl", jsonl([clean(0), restricted(1, "copy-1")]))
    repo.git("add", ".")
    out = repo.provcheck("hook", "run", code=1)
    assert "scanned 2 new record(s) in 1 file(s) against the empty tree (first commit)" in out.stderr
    assert "data/train.jsonl:2: record 1 (id copy-1)" in out.stderr
    assert "commit refused: 1 blocking finding" in out.stderr
    # From a subdirectory too: the top of the working tree is found without a HEAD.
    repo.write("data/train.jsonl", jsonl([clean(0), clean(1)]))
    repo.git("add", ".")
    sub = repo.path / "data"
    done = subprocess.run(
        [*PROVCHECK, "hook", "run"], cwd=sub, env=repo.env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "scanned 2 new record(s) in 1 file(s) against the empty tree (first commit)" in done.stderr
    repo.commit("first")
    repo.append("data/train.jsonl", jsonl([clean(2)]))
    repo.git("add", "data")
    after = repo.provcheck("hook", "run")
    assert "scanned 1 new record(s) in 1 file(s) (2 unchanged skipped) against HEAD" in after.stderr
