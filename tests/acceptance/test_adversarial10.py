"""Adversarial pass 10: git workflows and command lines of real users that let a copy of indexed
output through the gate with exit 0, or answered with the wrong error. Each test is a way a
realistic user met a wrong verdict, and fails on the code before its fix.

Defects found (all fixed unless marked otherwise):

1. FAIL-OPEN ``hook run`` with the index on its command line (``args: [--index, refs]`` under
   the pre-commit framework): a commit that deletes ``.provcheck.yaml`` (``git rm``) or renames
   it away (``git mv .provcheck.yaml old.yaml``) beside a copy was judged under no
   configuration at all (every match a review finding) and went in, exit 0: the gate-change
   refusal knew only the configuration it found, and there was none left to find. A
   configuration the commit deletes or moves away is a gate change (exit 6) for the paths it
   governed (``cli/hook.py``).
2. FAIL-OPEN The same with ``rm .provcheck.yaml`` not staged: the commit still carries the
   configuration that blocks, the hook judged without it (exit 0). A ``.provcheck.yaml`` the
   commit holds but the working tree lacks, in a folder governing the working directory or a
   changed file, is refused (exit 6).
3. FAIL-OPEN A submodule update is a commit id in the parent's tree: ``scan --changed-since
   REV`` and ``hook run`` skipped the path ("not a regular file (submodule)", shown only with
   ``-v``, counted nowhere) and passed (exit 0) a copy the update brought, which a full scan
   blocks. The files a submodule changes between the two commits are now found in its own
   repository and scanned whole; a submodule not checked out, or not at the commit staged for
   it, is an unreadable input (exit 4) (``gitscan/submodules.py``).
4. WRONG-ERROR ``scan --changed-since main...HEAD`` (a range, as a pull request's diff is
   written) reached ``git diff`` as two revisions: "fatal: bad revision", exit 4 as if an input
   were unreadable. A range is now a usage error (exit 2) that says to give one revision and
   how to name the merge base (``gitscan/repo.py``).
5. FAIL-OPEN A policy kept in parts (``include: [rules/base.yaml]``): the hook's gate-change
   refusal knew only the policy file named, so a commit softening the included file's rule
   (``action: block`` to ``info``) beside a copy was judged under the softened rule and went in
   (exit 0). Every file the policy reads counts (``cli/staged.py``, after the policy is read).
6. FAIL-OPEN The reference index kept in the repository (``index: .provcheck/index``): a commit
   rebuilding it without the OpenAI source beside a copy of that source was matched against the
   index it brings and went in (exit 0). Every staged path inside an index the hook uses (from
   ``.provcheck.yaml`` or ``-i``) is part of a gate change (``cli/hook.py``). An index that is
   not tracked (built by CI, ignored) is unaffected.
7. FAIL-OPEN A configuration saved as ``.provcheck.yml`` (the other YAML suffix, as
   ``.pre-commit-config.yaml`` users often write), ``provcheck.yaml`` or ``.provcheck.YAML`` was
   never read: with the index on the command line (the hook's ``args:``, a CI step) the copy was
   judged under the default policy and passed (exit 0). A file under such a name that holds a
   key only a configuration has is refused where it is found (exit 6, "did you mean"); a policy
   that happens to be called ``provcheck.yaml`` is not (``projectfile.find``).
8. CRASH The hook imports the matcher in a daemon thread; a commit refused before the scan
   (defect 1's refusal) exited while that thread was inside numpy's import and Python crashed
   at shutdown: SIGSEGV, exit -11 instead of 6, 3 in 30 runs here. The thread is no longer a
   daemon: the exit waits for the import (``cli/hook.py``).
"""

from __future__ import annotations

import json
import shutil
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
    [["rm", "-q", ".provcheck.yaml"], ["mv", ".provcheck.yaml", "provcheck-settings.yaml.bak"]],
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


def _with_submodule(tmp_path: Path, index_dir: Path) -> tuple[GitRepo, GitRepo]:
    """A dataset repository with its data in a submodule ``ds`` (clean records only)."""
    env = isolated_env(tmp_path)
    sub = GitRepo(tmp_path / "shared-data", env)
    sub.write("data/train.jsonl", jsonl([clean(1)]))
    sub.git("add", ".")
    sub.commit("data")
    repo = GitRepo(tmp_path / "dataset", env)
    repo.write("policy.yaml", BLOCK_POLICY)
    repo.write(".provcheck.yaml", f"index: {index_dir}\npolicy: policy.yaml\n")
    repo.git("-c", "protocol.file.allow=always", "submodule", "add", "-q", str(sub.path), "ds")
    repo.git("add", ".")
    repo.commit("dataset")
    return repo, GitRepo(repo.path / "ds", env)


def test_a_copy_a_submodule_update_brings_is_scanned_by_a_diff_aware_scan(
    tmp_path: Path, index_dir: Path
) -> None:
    """A submodule update is a commit id in the parent's tree: ``scan --changed-since`` and the
    hook skipped the path ("not a regular file (submodule)", listed only with -v) and passed
    (exit 0) a copy that a full scan blocks."""
    repo, ds = _with_submodule(tmp_path, index_dir)
    ds.append("data/train.jsonl", jsonl([restricted(1)]))
    ds.write("data/more.jsonl", jsonl([restricted(2)]))
    ds.git("add", ".")
    ds.commit("more data")
    repo.git("add", "ds")
    out = repo.provcheck("hook", "run", code=1)
    assert "ds/data/train.jsonl:2: record 1 (id copy-1)" in out.stderr
    assert "ds/data/more.jsonl:1: record 0 (id copy-2)" in out.stderr
    # The pre-commit framework names only the files its pattern matches, never a submodule.
    repo.write("notes.jsonl", jsonl([clean(3)]))
    repo.git("add", "notes.jsonl")
    assert "ds/data/more.jsonl:1" in repo.provcheck("hook", "run", "notes.jsonl", code=1).stderr
    repo.git("rm", "-q", "-f", "notes.jsonl")
    repo.commit("update the data", "--no-verify")
    doc = json.loads(repo.provcheck("scan", "--changed-since", "HEAD~1", "-f", "json", code=1).stdout)
    assert sorted(f["path"] for f in doc["files"]) == ["ds/data/more.jsonl", "ds/data/train.jsonl"]
    note = doc["run"]["changes"]["files"]["ds/data/more.jsonl"]["note"]
    assert note.startswith("in submodule ds (changed since ") and note.endswith("): scanned whole")
    repo.provcheck("scan", "-q", code=1)  # as a full scan says
    # A path inside the submodule limits the scan to it, as anywhere else.
    doc = json.loads(
        repo.provcheck("scan", "--changed-since", "HEAD~1", "ds/data/more.jsonl", "-f", "json", code=1).stdout
    )
    assert [f["path"] for f in doc["files"]] == ["ds/data/more.jsonl"]


def test_a_submodule_the_hook_cannot_read_as_staged_refuses_the_commit(
    tmp_path: Path, index_dir: Path
) -> None:
    repo, ds = _with_submodule(tmp_path, index_dir)
    ds.append("data/train.jsonl", jsonl([restricted(1)]))
    ds.git("add", ".")
    ds.commit("copy")
    repo.git("add", "ds")
    ds.git("checkout", "-q", "HEAD~1")  # the staged commit is not what is checked out
    out = repo.provcheck("hook", "run", code=4)
    assert "ds: file: submodule: the commit stages its commit" in out.stderr


@pytest.mark.parametrize("rev", ["main...HEAD", "main..HEAD"])
def test_a_range_given_to_changed_since_is_a_usage_error(tmp_path: Path, index_dir: Path, rev: str) -> None:
    """``--changed-since main...HEAD`` (a pull request's diff as git writes it) was taken to
    git diff as two lines and failed there: "git diff --raw --no-abbrev: fatal: bad revision",
    exit 4 (an unreadable input), with no word of what to give instead."""
    repo = _gated_repo(tmp_path, index_dir)
    out = repo.provcheck("scan", "--changed-since", rev, "-q", code=2)
    assert f"--changed-since {rev}: a range of revisions; give one revision" in out.stderr
    assert "--changed-since $(git merge-base main HEAD)" in out.stderr


def test_a_commit_that_softens_a_file_the_policy_includes_beside_a_copy_is_refused(
    tmp_path: Path, index_dir: Path
) -> None:
    """A policy kept in parts (``policy.yaml``: ``include: [rules/base.yaml]``): the gate-change
    refusal knew only ``policy.yaml``, so a commit turning the included rule's ``action: block``
    into ``info`` beside a copy was judged under the softened rule and went in, exit 0."""
    repo = GitRepo(tmp_path / "dataset", isolated_env(tmp_path))
    repo.write("rules/base.yaml", BLOCK_POLICY)
    repo.write("policy.yaml", "include: [rules/base.yaml]\n")
    repo.write(".provcheck.yaml", f"index: {index_dir}\npolicy: policy.yaml\n")
    repo.write("data/train.jsonl", jsonl([clean(1)]))
    repo.git("add", ".")
    repo.commit("dataset")
    repo.append("data/train.jsonl", jsonl([restricted(1)]))
    repo.git("add", "data")
    repo.provcheck("hook", "run", code=1)
    repo.write("rules/base.yaml", BLOCK_POLICY.replace("action: block", "action: info"))
    repo.git("add", "rules")
    out = repo.provcheck("hook", "run", code=6)
    assert "changes the configuration the gate runs under (rules/base.yaml)" in out.stderr
    repo.git("restore", "--staged", "data")  # on its own, the change is committed as before
    repo.provcheck("hook", "run")


def test_a_commit_that_replaces_the_committed_index_beside_a_copy_is_refused(
    tmp_path: Path, index_dir: Path, reference_file: Path
) -> None:
    """The reference index kept in the repository (``index: .provcheck/index``): a commit
    rebuilding it without the OpenAI source, beside a copy of that source's output, was matched
    against the index it brings and went in (exit 0, "findings: none")."""
    repo = GitRepo(tmp_path / "dataset", isolated_env(tmp_path))
    shutil.copytree(index_dir, repo.path / ".provcheck" / "index")
    repo.write("policy.yaml", BLOCK_POLICY)
    repo.write(".provcheck.yaml", "index: .provcheck/index\npolicy: policy.yaml\n")
    repo.write("data/train.jsonl", jsonl([clean(1)]))
    repo.write("refs/other.jsonl", jsonl([clean(2)]))
    repo.git("add", ".")
    repo.commit("dataset")
    repo.append("data/train.jsonl", jsonl([restricted(1)]))
    repo.git("add", "data")
    repo.provcheck("hook", "run", code=1)
    shutil.rmtree(repo.path / ".provcheck" / "index")
    repo.provcheck("index", "add", ".provcheck/index", "refs/other.jsonl", "--source", "other", "-q")
    repo.git("add", "-A", ".provcheck")
    out = repo.provcheck("hook", "run", code=6)
    assert "changes the configuration the gate runs under (.provcheck/index/" in out.stderr
    assert "together with 1 other path(s) (data/train.jsonl)" in out.stderr
    repo.git("restore", "--staged", "data")  # the index alone is a commit of its own
    repo.provcheck("hook", "run", "-q")


@pytest.mark.parametrize("name", [".provcheck.yml", "provcheck.yaml", ".provcheck.YAML"])
def test_a_configuration_under_another_name_is_refused_not_passed_by(
    tmp_path: Path, index_dir: Path, name: str
) -> None:
    """``.provcheck.yml`` (the other YAML suffix) was never read: with the index on the command
    line (the hook's ``args:``, a CI step) the scan ran under the default policy and passed a
    copy (exit 0) that the file's policy blocks."""
    repo = GitRepo(tmp_path / "dataset", isolated_env(tmp_path))
    repo.write("policy.yaml", BLOCK_POLICY)
    repo.write(name, f"index: {index_dir}\npolicy: policy.yaml\n")
    repo.write("data/train.jsonl", jsonl([restricted(1)]))
    out = repo.provcheck("scan", "data", "-i", str(index_dir), "-q", code=6)
    assert f"{name}: not read: provcheck reads its configuration from .provcheck.yaml only" in out.stderr
    assert "did you mean '.provcheck.yaml'?" in out.stderr
    repo.git("add", "data")
    repo.provcheck("hook", "run", "-i", str(index_dir), code=6)
    # A policy that happens to be called provcheck.yaml is no configuration: it is read as named.
    (repo.path / name).unlink()
    repo.write("provcheck.yaml", BLOCK_POLICY)
    repo.provcheck("scan", "data", "-i", str(index_dir), "-p", "provcheck.yaml", "-q", code=1)


def test_a_refusal_before_the_scan_waits_for_the_matcher_import_not_a_crash(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The hook imports the matcher in a background thread from the moment a staged dataset
    file is known. It was a daemon thread: a commit refused before the scan (a gate change)
    exited while it was inside numpy's import, and Python crashed at shutdown (SIGSEGV: exit
    -11 instead of 6, 3 in 30 refusals of defect 1's commit here). The thread is now joined
    at exit."""
    import threading

    from provcheck.cli import hook

    started: list[threading.Thread] = []
    monkeypatch.setattr(hook, "_import_matcher", lambda: None)
    real = threading.Thread.start

    def start(self: threading.Thread) -> None:
        started.append(self)
        real(self)

    monkeypatch.setattr(threading.Thread, "start", start)
    hook._MatcherImport()()
    (thread,) = [t for t in started if t.name == "provcheck-import"]
    thread.join()
    assert not thread.daemon
