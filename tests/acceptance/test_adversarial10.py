"""Adversarial pass 10: git workflows and command lines of real users that let a copy of indexed
output through the gate with exit 0, or answered with the wrong error. Each test is a way a
realistic user met a wrong verdict, and fails on the code before its fix.

Defects found (all fixed unless marked otherwise):

1. FAIL-OPEN ``hook run`` with the index on its command line (``args: [--index, refs]`` under
   the pre-commit framework): a commit that deletes ``.provcheck.yaml`` (``git rm``) or renames
   it away (``git mv .provcheck.yaml .provcheck.yml``) beside a copy was judged under no
   configuration at all (every match a review finding) and went in, exit 0: the gate-change
   refusal knew only the configuration it found, and there was none left to find. A
   configuration the commit deletes or moves away is a gate change (exit 6) for the paths it
   governed (``cli/hook.py``).
2. FAIL-OPEN The same with ``rm .provcheck.yaml`` not staged: the commit still carries the
   configuration that blocks, the hook judged without it (exit 0). A ``.provcheck.yaml`` the
   commit holds but the working tree lacks, in a folder governing the working directory or a
   changed file, is refused (exit 6).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gitrepo import BLOCK_POLICY, GitRepo, clean, isolated_env, jsonl, restricted


def _gated_repo(tmp_path: Path, index_dir: Path) -> GitRepo:
    repo = GitRepo(tmp_path / "dataset", isolated_env(tmp_path))
    repo.write("policy.yaml", BLOCK_POLICY)
    repo.write(".provcheck.yaml", f"index: {index_dir}\npolicy: policy.yaml\n")
    repo.write("data/train.jsonl", jsonl([clean(1)]))
    repo.git("add", ".")
    repo.commit("dataset")
    return repo


@pytest.mark.parametrize(
    "move",
    [["rm", "-q", ".provcheck.yaml"], ["mv", ".provcheck.yaml", ".provcheck.yml"]],
    ids=["deleted", "renamed"],
)
def test_a_commit_that_deletes_the_configuration_beside_a_copy_is_refused(
    tmp_path: Path, index_dir: Path, move: list[str]
) -> None:
    repo = _gated_repo(tmp_path, index_dir)
    repo.append("data/train.jsonl", jsonl([restricted(1)]))
    repo.git("add", "data")
    repo.provcheck("hook", "run", "-i", str(index_dir), code=1)  # the gate in force blocks
    repo.git(*move)
    out = repo.provcheck("hook", "run", "-i", str(index_dir), code=6)
    assert "changes the configuration the gate runs under (.provcheck.yaml)" in out.stderr
    # Deleting it on its own is a commit of its own, as any change of the gate.
    repo.git("restore", "--staged", "data")
    repo.provcheck("hook", "run", "-i", str(index_dir))


def test_a_configuration_deleted_only_in_the_working_tree_is_refused(tmp_path: Path, index_dir: Path) -> None:
    repo = _gated_repo(tmp_path, index_dir)
    repo.append("data/train.jsonl", jsonl([restricted(1)]))
    repo.git("add", "data")
    (repo.path / ".provcheck.yaml").unlink()
    out = repo.provcheck("hook", "run", "-i", str(index_dir), code=6)
    assert ".provcheck.yaml: in this commit but not in the working tree" in out.stderr
    # A nested configuration governing the changed file counts the same.
    repo.git("restore", ".provcheck.yaml")
    repo.write("data/.provcheck.yaml", f"index: {index_dir}\npolicy: ../policy.yaml\n")
    repo.git("add", "data/.provcheck.yaml")
    repo.commit("nested", "--no-verify")
    repo.append("data/train.jsonl", jsonl([restricted(2)]))
    repo.git("add", "data")
    (repo.path / "data" / ".provcheck.yaml").unlink()
    out = repo.provcheck("hook", "run", "-i", str(index_dir), code=6)
    assert "data/.provcheck.yaml: in this commit but not in the working tree" in out.stderr
