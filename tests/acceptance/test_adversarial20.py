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
3. FAIL-OPEN A ``save_to_disk`` sidecar (``dataset_info.json``, ``state.json``) with a key
   written twice was judged by the last value alone (Python's ``json``): a ``description``
   holding a copy followed by an empty one was listed "Hugging Face dataset metadata", never
   read, and a ``license: cc-by-nc-4.0`` followed by ``license: ""`` declared nothing. Every
   value is looked at now (``keep_repeated_keys``, as for records): the sidecar is read as data
   and every licence is declared.
4. FAIL-OPEN ``provcheck hook run data/Train.jsonl`` (a name in the wrong case, a typo, a
   folder, an untracked file) checked nothing and said "no staged dataset records to scan",
   exit 0. A name that is no path of the commit nor of the index is refused (exit 2).
5. A key written twice in a YAML mapping (a second ``use:`` or ``fail_on:``) was refused at its
   second line only; the message now names the first line too, so the reader can tell which
   two lines disagree.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from gitrepo import BLOCK_POLICY, GitRepo, clean, isolated_env, jsonl, restricted
from helpers import REFERENCE_TEXTS, run_cli

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


def test_include_globs_selecting_only_a_submodules_files_are_not_refused(
    tmp_path: Path, index_dir: Path
) -> None:
    """Git lists a submodule's files apart: globs naming only them select something."""
    env = isolated_env(tmp_path)
    sub = GitRepo(tmp_path / "shared-data", env)
    sub.write("data/train.jsonl", jsonl([clean(1)]))
    sub.git("add", ".")
    sub.commit("data")
    repo = GitRepo(tmp_path / "dataset", env)
    repo.write("policy.yaml", BLOCK_POLICY)
    repo.write(".provcheck.yaml", f"index: {index_dir}\npolicy: policy.yaml\ninclude: [ds/**]\n")
    repo.git("-c", "protocol.file.allow=always", "submodule", "add", "-q", str(sub.path), "ds")
    repo.git("add", ".")
    repo.commit("dataset")
    repo.write("package.json", '{"name": "tools"}\n')  # a dataset file by name, outside the globs
    repo.git("add", "package.json")
    repo.provcheck("hook", "run", "--no-cache")


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


# --- 3. a sidecar key written twice -------------------------------------------------------------


def test_a_sidecar_key_written_twice_hides_neither_a_copy_nor_a_licence(
    tmp_path: Path, index_dir: Path
) -> None:
    import pyarrow as pa

    ds = tmp_path / "ds"
    ds.mkdir()
    table = pa.table({"text": ["A note of our own about watering tomato plants in the morning."]})
    arrow = str(ds / "data-00000-of-00001.arrow")
    with pa.OSFile(arrow, "wb") as sink, pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    copy = json.dumps(REFERENCE_TEXTS[1])
    (ds / "dataset_info.json").write_text(
        f'{{"description": {copy}, "license": "cc-by-nc-4.0", "license": "", "description": ""}}'
    )
    (ds / "state.json").write_text(f'{{"_data_files": [], "_fingerprint": {copy}, "_fingerprint": "0a1b"}}')
    policy = tmp_path / "policy.yaml"
    policy.write_text(BLOCK_POLICY)
    out = run_cli(["scan", ds, "-i", index_dir, "-p", policy, "--no-cache", "-f", "json"], 1)
    doc = json.loads(out.stdout)
    assert {Path(f["record"]["path"]).name for f in doc["findings"]} == {"dataset_info.json", "state.json"}
    assert not doc["not_scanned"]
    declared = {(Path(d["file"]).name, d["line"], d["value"]) for d in doc["declarations"]}
    assert ("dataset_info.json", 1, "cc-by-nc-4.0") in declared


# --- 4. a file named to the hook that is not there ----------------------------------------------


def test_a_name_given_to_the_hook_that_is_not_staged_is_refused(tmp_path: Path, index_dir: Path) -> None:
    repo = _repo(tmp_path, index_dir, "data/**")
    repo.append("data/train.jsonl", jsonl([restricted(1)]))
    repo.git("add", ".")
    for name, says in (
        ("data/Train.jsonl", "not a file of this commit or of the index"),
        ("data", "a folder"),
    ):
        out = repo.provcheck("hook", "run", "--no-cache", name, code=2)
        assert f"{name}: {says}" in out.stderr
    repo.provcheck("hook", "run", "--no-cache", "./data/train.jsonl", "notes/extra.jsonl", code=1)


# --- 5. a key written twice names both lines ---------------------------------------------------


def test_a_key_written_twice_is_refused_naming_both_lines(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(BLOCK_POLICY + "use: {purpose: research}\n")
    out = run_cli(["policy", "validate", policy], 3)
    assert "policy.yaml:8: duplicate key 'use' (first at line 1)" in out.stderr
    config = tmp_path / ".provcheck.yaml"
    config.write_text("fail_on: block\nindex: idx\nfail_on: never\n")
    out = run_cli(["scan", tmp_path, "--config", config], 6)
    assert ".provcheck.yaml:3: duplicate key 'fail_on' (first at line 1)" in out.stderr
