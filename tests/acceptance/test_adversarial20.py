"""Adversarial pass 20 (helper fo20): inputs and configuration as a new user meets them.

1. FAIL-OPEN A ``.provcheck.yaml`` whose ``include:`` globs match none of the repository's
   dataset files (``include: [datasets/**]`` for a ``data/`` folder) left every staged dataset
   file out as "matched by no include: glob" (listed with ``-v`` only): the hook and
   ``scan --changed-since`` passed a staged copy, exit 0, on every commit, where ``scan .``
   refuses such globs (exit 4). Both now refuse with the glob's line (exit 6); globs that select
   some dataset file still leave the others out as before.
2. FAIL-OPEN A dataset file committed as a symbolic link to a file outside the repository
   (``data/part-2.jsonl -> /mnt/big/part-2.jsonl``) was skipped by the hook and by
   ``scan --changed-since`` ("outside the repository: not scanned"), exit 0 with a copy in it,
   where ``scan data`` reads it through the link as a trainer does. Both now read it whole at
   the link's path (``gitscan/outside.py``); a link to a folder or into ``/proc``, ``/sys``,
   ``/dev`` is still noted and skipped (``test_hook_selection.py``).
3. A key written twice in a YAML mapping (a second ``use:`` or ``fail_on:``) was refused at its
   second line only; the message now names the first line too, so the reader can tell which
   two lines disagree.
"""

from __future__ import annotations

import os
from pathlib import Path

from gitrepo import BLOCK_POLICY, GitRepo, clean, isolated_env, jsonl, restricted
from helpers import run_cli

# --- 1. include globs that select nothing ------------------------------------------------------


def _repo(tmp_path: Path, index_dir: Path, include: str) -> GitRepo:
    repo = GitRepo(tmp_path / "dataset", isolated_env(tmp_path))
    repo.write("policy.yaml", BLOCK_POLICY)
    repo.write(".provcheck.yaml", f"index: {index_dir}\npolicy: policy.yaml\ninclude: [{include}]\n")
    repo.write("data/train.jsonl", jsonl([clean(1)]))
    repo.write("notes/extra.jsonl", jsonl([clean(2)]))
    repo.git("add", ".")
    repo.commit("dataset")
    return repo


def test_include_globs_selecting_no_dataset_file_are_refused_by_the_hook_and_changed_since(
    tmp_path: Path, index_dir: Path
) -> None:
    repo = _repo(tmp_path, index_dir, "datasets/**/*.jsonl")  # the folder is data/
    repo.append("data/train.jsonl", jsonl([restricted(1)]))
    repo.git("add", ".")
    out = repo.provcheck("hook", "run", "--no-cache", code=6)
    assert ".provcheck.yaml:3: include: datasets/**/*.jsonl: the include/exclude globs" in out.stderr
    assert "data/train.jsonl (changed) was left out" in out.stderr
    out = repo.provcheck("scan", "--changed-since", "HEAD", ".", "--no-cache", code=6)
    assert "select none of the 2 dataset file(s)" in out.stderr


def test_include_globs_selecting_some_files_still_leave_the_others_out(
    tmp_path: Path, index_dir: Path
) -> None:
    repo = _repo(tmp_path, index_dir, "DATA/*.JSONL")  # include: globs match in any case
    repo.append("notes/extra.jsonl", jsonl([restricted(1)]))  # outside the globs: not scanned
    repo.git("add", ".")
    out = repo.provcheck("hook", "run", "--no-cache", "-v")
    assert "notes/extra.jsonl: matched by no include: glob" in out.stderr
    repo.append("data/train.jsonl", jsonl([restricted(1)]))
    repo.git("add", ".")
    repo.provcheck("hook", "run", "--no-cache", code=1)


# --- 2. a link to a file outside the repository -----------------------------------------------


def test_changed_since_reads_a_link_to_a_file_outside_the_repository(tmp_path: Path, index_dir: Path) -> None:
    repo = _repo(tmp_path, index_dir, "data/**")
    outside = tmp_path / "big" / "part-2.jsonl"
    outside.parent.mkdir()
    outside.write_text(jsonl([restricted(1)]))
    os.symlink(outside, repo.path / "data" / "part-2.jsonl")
    repo.git("add", ".")
    repo.commit("the second part", "--no-verify")
    out = repo.provcheck("scan", "--changed-since", "HEAD~1", ".", "--no-cache", code=1)
    assert "data/part-2.jsonl:1" in out.stdout


# --- 3. a key written twice names both lines ---------------------------------------------------


def test_a_key_written_twice_is_refused_naming_both_lines(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(BLOCK_POLICY + "use: {purpose: research}\n")
    out = run_cli(["policy", "validate", policy], 3)
    assert "policy.yaml:8: duplicate key 'use' (first at line 1)" in out.stderr
    config = tmp_path / ".provcheck.yaml"
    config.write_text("fail_on: block\nindex: idx\nfail_on: never\n")
    out = run_cli(["scan", tmp_path, "--config", config], 6)
    assert ".provcheck.yaml:3: duplicate key 'fail_on' (first at line 1)" in out.stderr
