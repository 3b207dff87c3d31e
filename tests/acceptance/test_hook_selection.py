"""What the hook and `scan --changed-since` select, in real git repositories (issue 13): no file
name, move or link under `include:` escapes the scan."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from gitrepo import BLOCK_POLICY, GitRepo, clean, isolated_env, jsonl, restricted


@pytest.fixture
def repo(tmp_path: Path, index_dir: Path) -> GitRepo:
    """Clean data under data/ (the configuration's `include:`), committed."""
    r = GitRepo(tmp_path / "dataset", isolated_env(tmp_path))
    r.write("policy.yaml", BLOCK_POLICY)
    r.write(".provcheck.yaml", f"index: {index_dir}\npolicy: policy.yaml\ninclude: ['data/**']\n")
    r.write("data/train.jsonl", jsonl(clean(i) for i in range(3)))
    r.git("add", ".")
    r.commit("dataset")
    return r


def both_refuse(repo: GitRepo) -> tuple[str, dict[str, object]]:
    """The hook refuses the staged change and `--changed-since HEAD` blocks on it."""
    refused = repo.provcheck("hook", "run", code=1).stderr
    doc = json.loads(repo.provcheck("scan", "--changed-since", "HEAD", "-f", "json", "-q", code=1).stdout)
    return refused, doc


def test_a_file_name_with_a_newline_under_include_is_scanned(repo: GitRepo) -> None:
    repo.write("data/odd\nname.jsonl", jsonl([restricted(1)]))
    repo.git("add", "data")
    refused, doc = both_refuse(repo)
    assert "commit refused: 1 blocking finding(s)" in refused
    assert [f["rule"] for f in doc["findings"]] == ["openai-compete"]  # type: ignore[index]
    full = json.loads(repo.provcheck("scan", "data", "-f", "json", "-q", code=1).stdout)
    assert len(full["findings"]) == 1


def test_a_file_moved_into_include_from_outside_is_scanned_whole(repo: GitRepo) -> None:
    repo.write("staging/x.jsonl", jsonl([restricted(1), clean(9)]))
    repo.git("add", "staging")
    repo.commit("staging area, outside include: never scanned")
    repo.git("mv", "staging/x.jsonl", "data/x.jsonl")
    refused, doc = both_refuse(repo)
    assert "commit refused: 1 blocking finding(s)" in refused
    files = doc["run"]["changes"]["files"]  # type: ignore[index]
    assert files["data/x.jsonl"]["status"] == "renamed"  # type: ignore[index]
    # A move inside include keeps its base: nothing new, nothing scanned.
    repo.commit("moved", "--no-verify")
    repo.git("mv", "data/x.jsonl", "data/y.jsonl")
    repo.provcheck("hook", "run", code=0)


def test_a_symlink_under_include_to_a_file_in_the_repository_is_scanned(repo: GitRepo) -> None:
    repo.write("raw/dump.jsonl", jsonl([restricted(1)]))
    repo.git("add", "raw")
    repo.commit("raw material outside include")
    os.symlink("../raw/dump.jsonl", repo.path / "data" / "linked.jsonl")
    repo.git("add", "data")
    refused, doc = both_refuse(repo)
    assert "commit refused: 1 blocking finding(s)" in refused
    assert len(doc["findings"]) == 1  # type: ignore[arg-type]


def test_a_symlink_leading_outside_the_repository_is_read_through(repo: GitRepo, tmp_path: Path) -> None:
    """It was said "not scanned" and the commit passed, exit 0, where ``scan data`` reads the file
    it leads to (adversarial pass 20); a link to a folder is still said not scanned."""
    outside = tmp_path / "elsewhere.jsonl"
    outside.write_text(jsonl([restricted(1)]))
    os.symlink(outside, repo.path / "data" / "out.jsonl")
    os.symlink(tmp_path, repo.path / "data" / "folder.jsonl")
    repo.git("add", "data")
    out = repo.provcheck("hook", "run", code=1).stderr
    assert "data/out.jsonl:1" in out and "commit refused: 1 blocking finding(s)" in out
    assert "data/folder.jsonl: symbolic link to" in out and "outside the repository: not scanned" in out


def test_unsupported_staged_files_under_include_are_counted(repo: GitRepo) -> None:
    repo.write("data/chart.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 20)  # archives: test_archives.py
    repo.write("data/LICENSE", "MIT\n")
    repo.write("data/new.jsonl", jsonl([clean(7)]))
    repo.git("add", "data")
    out = repo.provcheck("hook", "run", code=0).stderr
    assert "provcheck: 2 files not scanned: unsupported type (LICENSE, .png)" in out
    doc = json.loads(repo.provcheck("scan", "--changed-since", "HEAD", "-f", "json", "-q").stdout)
    assert sorted(n["path"] for n in doc["not_scanned"]) == ["data/LICENSE", "data/chart.png"]


def test_a_staged_dataset_overwritten_by_a_report_in_the_working_tree_is_scanned(repo: GitRepo) -> None:
    """What is committed is the staged blob: a report written over the working-tree file after
    `git add` must not make the hook skip the dataset as "a report provcheck wrote"."""
    repo.write("data/new.jsonl", jsonl([restricted(1)]))
    repo.git("add", "data/new.jsonl")
    report = repo.provcheck("scan", "data/new.jsonl", "-f", "json", "-q", code=1).stdout
    repo.write("data/new.jsonl", report)
    refused = repo.provcheck("hook", "run", code=1).stderr
    assert "commit refused: 1 blocking finding(s)" in refused
    # A report that is staged as such is still recognised and left out.
    repo.git("add", "data/new.jsonl")
    skipped = repo.provcheck("hook", "run", "-v", code=0).stderr
    assert "a report provcheck wrote" in skipped
