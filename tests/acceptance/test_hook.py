"""The pre-commit gate in real git repositories: `provcheck hook run`, `hook install`, staged
content, renames, deletions, binary files, LFS pointers, and `scan --changed-since`."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest
import yaml

from gitrepo import (
    BLOCK_POLICY,
    REVIEW_POLICY,
    GitRepo,
    clean,
    isolated_env,
    jsonl,
    restricted,
)
from helpers import REFERENCE_TEXTS, check_json_report


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return isolated_env(tmp_path)


@pytest.fixture
def repo(tmp_path: Path, env: dict[str, str], index_dir: Path) -> GitRepo:
    """A dataset repository: five clean records committed, a config and a blocking policy."""
    r = GitRepo(tmp_path / "dataset", env)
    r.write("policy.yaml", BLOCK_POLICY)
    r.write(".provcheck.yaml", f"index: {index_dir}\npolicy: policy.yaml\ninclude: ['data/**']\n")
    r.write("data/train.jsonl", jsonl(clean(i) for i in range(5)))
    r.git("add", ".")
    r.commit("dataset")
    return r


def test_a_staged_restricted_record_is_refused_with_an_actionable_message(repo: GitRepo) -> None:
    repo.append("data/train.jsonl", jsonl([clean(5), restricted(1, "copy-1")]))
    repo.git("add", "data")
    out = repo.provcheck("hook", "run", code=1)
    err = out.stderr
    assert "data/train.jsonl:7: record 6 (id copy-1), turn 1 (gpt, conversations[1].value)" in err
    assert "copies reference ref-1 of source share (openai, gpt-3.5-turbo" in err
    assert "rule openai-compete [block]" in err and "commit refused: 1 blocking finding" in err
    assert "scanned 2 new record(s) in 1 file(s) (5 unchanged skipped)" in err
    # The waiver to add names the finding by the id a full scan gives it.
    doc = json.loads(repo.provcheck("scan", "data/train.jsonl", "-f", "json", "-q", code=1).stdout)
    (finding,) = doc["findings"]
    assert f"  - id: {finding['id']}   # rule openai-compete, data/train.jsonl:7\n" in err
    assert "record the decision in .provcheck-waivers.yaml:" in err
    # The entry is YAML in the shape of a waivers file: id, reason, approver, date.
    block = err[err.index("waivers:\n") : err.index("provcheck: scanned")]
    (entry,) = yaml.safe_load(block)["waivers"]
    assert set(entry) == {"id", "reason", "approver", "date"} and entry["id"] == finding["id"]


def test_a_clean_commit_passes_and_only_new_records_are_scanned(repo: GitRepo) -> None:
    # A restricted record already committed (bypassing the hook) is not this commit's concern.
    repo.append("data/train.jsonl", jsonl([restricted(0, "old-copy")]))
    repo.git("add", "data")
    repo.commit("old", "--no-verify")
    repo.append("data/train.jsonl", jsonl([clean(10), clean(11)]))
    repo.git("add", "data")
    out = repo.provcheck("hook", "run")
    assert "scanned 2 new record(s) in 1 file(s) (6 unchanged skipped)" in out.stderr
    assert "findings: none" in out.stderr


def test_a_waived_finding_passes(repo: GitRepo) -> None:
    repo.append("data/train.jsonl", jsonl([restricted(2, "accepted-copy")]))
    repo.git("add", "data")
    refused = repo.provcheck("hook", "run", code=1).stderr
    # The entry the refusal suggests, filled in by a reviewer, is a valid waiver.
    block = refused[refused.index("waivers:\n") : refused.index("provcheck: scanned")]
    entry = yaml.safe_load(block)["waivers"][0]
    entry.update(reason="licensed from the provider for this model", approver="counsel")
    repo.write(".provcheck-waivers.yaml", yaml.safe_dump({"waivers": [entry]}))
    # Staged with the records it covers: the hook refuses a waivers file the commit does not
    # hold (test_adversarial7).
    repo.git("add", ".provcheck-waivers.yaml")
    out = repo.provcheck("hook", "run")
    assert "findings: none; 1 waived" in out.stderr and "refused" not in out.stderr
    assert "1 finding(s) waived" in out.stderr
    # A waivers file named by the configuration is used instead of the default one.
    repo.git("mv", ".provcheck-waivers.yaml", "decisions.yaml")
    repo.provcheck("hook", "run", code=1)
    repo.provcheck("hook", "run", "--waivers", "decisions.yaml")
    _commit_alone(
        repo, ".provcheck.yaml", (repo.path / ".provcheck.yaml").read_text() + "waivers: decisions.yaml\n"
    )
    repo.provcheck("hook", "run")
    # A non-blocking finding passes too, and a stricter threshold refuses it.
    _commit_alone(repo, "policy.yaml", REVIEW_POLICY)
    repo.write("decisions.yaml", "waivers: []\n")
    repo.git("add", "decisions.yaml")
    out = repo.provcheck("hook", "run")
    assert "findings: 1 review" in out.stderr and "refused" not in out.stderr
    repo.provcheck("hook", "run", "--fail-on", "review", code=1)


def _commit_alone(repo: GitRepo, rel: str, content: str) -> None:
    """Commit a change of the gate's own file on its own, the staged changes kept aside."""
    repo.git("stash", "--quiet")
    repo.write(rel, content)
    repo.git("add", rel)
    repo.commit(f"change {rel}")
    repo.git("stash", "pop", "--index", "--quiet")


DECLARATION_POLICY = """\
use: {purpose: train-competing-model, commercial: true}
rules:
  - id: declared-nc
    title: A non-commercial licence is declared
    signal: declaration
    when:
      declared.key: license
      source.license_traits: {contains: noncommercial}
      use.commercial: true
    action: block
    message: "{declared.file} declares license {declared.value}"
"""


def test_a_changed_dataset_card_is_read_for_what_it_declares(repo: GitRepo) -> None:
    repo.write("policy.yaml", DECLARATION_POLICY)
    repo.git("add", ".")
    repo.commit("policy")  # on its own: a commit changing the gate and more is refused
    repo.write("data/README.md", "---\nlicense: cc-by-nc-4.0\n---\n# Training data\n")
    repo.git("add", ".")
    out = repo.provcheck("hook", "run", code=1)
    assert "data/README.md:2: declares license = cc-by-nc-4.0 (for data)" in out.stderr
    assert "rule declared-nc [block]" in out.stderr
    repo.commit("card", "--no-verify")
    # Records added beside an unchanged card: the card is not this commit's concern...
    repo.append("data/train.jsonl", jsonl([clean(60)]))
    repo.git("add", "data")
    out = repo.provcheck("hook", "run")
    assert "findings: none" in out.stderr
    # ...a full scan still reports it.
    repo.provcheck("scan", "data", "-q", code=1)


def test_cached_records_still_get_the_policys_markers(repo: GitRepo) -> None:
    repo.write(
        "policy.yaml",
        BLOCK_POLICY
        + """\
  - id: ai-phrase
    title: AI self-reference
    signal: marker
    when: {marker.id: ai-phrase}
    action: review
markers:
  - id: ai-phrase
    label: AI self-reference
    phrases: ["as an AI language model"]
""",
    )
    # The policy on its own first: a change of the gate beside records is refused (exit 6).
    repo.git("add", "policy.yaml")
    repo.commit("policy", "--no-verify")
    marked = clean(50)
    marked["conversations"][1]["value"] = "As an AI language model, I cannot garden."
    repo.append("data/train.jsonl", jsonl([marked, restricted(1, "cached-copy")]))
    runs = []
    for _ in range(2):
        out = repo.provcheck("scan", "--changed-since", "HEAD", "-f", "json", "-q", code=1)
        runs.append(json.loads(out.stdout))
    assert [r["run"]["cache"]["hits"] for r in runs] == [0, 2]
    first, second = ({(f["rule"], f["id"]) for f in r["findings"]} for r in runs)
    assert first == second and {rule for rule, _ in first} == {"openai-compete", "ai-phrase"}


def test_staged_content_is_scanned_not_the_working_tree(repo: GitRepo) -> None:
    base = (repo.path / "data/train.jsonl").read_text()
    # Clean change staged, restricted record only in the working tree: passes.
    repo.append("data/train.jsonl", jsonl([clean(20)]))
    repo.git("add", "data")
    repo.append("data/train.jsonl", jsonl([restricted(1)]))
    out = repo.provcheck("hook", "run")
    assert "scanned 1 new record(s)" in out.stderr
    # Restricted record staged, then removed from the working tree only: refused, located in
    # the staged file (line 6), although the working-tree file has 5 lines.
    repo.write("data/train.jsonl", base + jsonl([restricted(1, "staged-copy")]))
    repo.git("add", "data")
    repo.write("data/train.jsonl", base)
    out = repo.provcheck("hook", "run", code=1)
    assert "data/train.jsonl:6: record 5 (id staged-copy)" in out.stderr


def test_a_renamed_file_scans_only_records_added_to_it(repo: GitRepo) -> None:
    repo.append("data/train.jsonl", jsonl([restricted(0, "old-copy")]))
    repo.git("add", "data")
    repo.commit("old", "--no-verify")
    repo.git("mv", "data/train.jsonl", "data/renamed.jsonl")
    out = repo.provcheck("hook", "run")
    assert "scanned 0 new record(s) in 1 file(s) (6 unchanged skipped)" in out.stderr
    repo.append("data/renamed.jsonl", jsonl([restricted(2, "new-copy")]))
    repo.git("add", "data")
    out = repo.provcheck("hook", "run", code=1)
    assert "data/renamed.jsonl:7: record 6 (id new-copy)" in out.stderr
    assert "old-copy" not in out.stderr


def test_a_deleted_file_has_nothing_to_scan(repo: GitRepo) -> None:
    repo.write("data/old.jsonl", jsonl([restricted(1)]))
    repo.git("add", "data")
    repo.commit("old", "--no-verify")
    repo.git("rm", "-q", "data/old.jsonl")
    out = repo.provcheck("hook", "run")
    assert "no staged dataset records to scan (1 changed path(s) not scanned; -v lists them)" in out.stderr
    out = repo.provcheck("hook", "run", "-v")
    assert "data/old.jsonl: deleted: nothing to scan" in out.stderr


def test_binary_files(repo: GitRepo) -> None:
    # A file provcheck does not read is noted and left alone...
    repo.write("data/picture.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    repo.git("add", "data")
    out = repo.provcheck("hook", "run", "--verbose")
    assert "data/picture.png: not a dataset file provcheck reads" in out.stderr
    # ...a dataset file that turns binary is unreadable input: the commit is refused (exit 4).
    repo.commit("picture")
    repo.write("data/train.jsonl", b"\x00\x01\x02binary\x00" * 100)
    repo.git("add", "data")
    out = repo.provcheck("hook", "run", code=4)
    assert "binary data" in out.stderr and "could not be read" in out.stderr


def _lfs_stage(repo: GitRepo, rel: str, content: bytes, *, store: bool = True) -> str:
    """Stage ``content`` as git-lfs does: a pointer blob in the index, the object in the local
    LFS store, the content itself in the working tree."""
    oid = hashlib.sha256(content).hexdigest()
    if store:
        obj = repo.path / ".git" / "lfs" / "objects" / oid[:2] / oid[2:4] / oid
        obj.parent.mkdir(parents=True, exist_ok=True)
        obj.write_bytes(content)
    pointer = f"version https://git-lfs.github.com/spec/v1\noid sha256:{oid}\nsize {len(content)}\n"
    blob = repo.git("hash-object", "-w", "--stdin", input=pointer.encode()).stdout.strip()
    repo.git("update-index", "--add", "--cacheinfo", f"100644,{blob},{rel}")
    repo.write(rel, content)
    return oid


def test_lfs_pointers_are_reported_scanned_or_skipped(repo: GitRepo) -> None:
    content = jsonl([clean(1), restricted(2, "lfs-copy")]).encode()
    _lfs_stage(repo, "data/big.jsonl", content)
    out = repo.provcheck("hook", "run", code=4)
    assert "data/big.jsonl: file: Git LFS pointer (sha256:" in out.stderr and "--lfs scan" in out.stderr
    out = repo.provcheck("hook", "run", "--lfs", "scan", code=1)
    assert "data/big.jsonl:2: record 1 (id lfs-copy)" in out.stderr
    out = repo.provcheck("hook", "run", "--lfs", "skip")
    assert (
        "data/big.jsonl: Git LFS pointer (sha256:" in out.stderr
        and "accepted unscanned (lfs: skip)" in out.stderr
    )
    # The configuration chooses too (committed: the hook refuses one the commit does not hold).
    _commit_alone(repo, ".provcheck.yaml", (repo.path / ".provcheck.yaml").read_text() + "lfs: scan\n")
    repo.provcheck("hook", "run", code=1)


def test_lfs_scan_compares_with_the_base_object_and_reports_a_missing_one(repo: GitRepo) -> None:
    first = jsonl([restricted(0, "committed-copy"), clean(1)]).encode()
    _lfs_stage(repo, "data/big.jsonl", first)
    repo.commit("lfs", "--no-verify")
    _lfs_stage(repo, "data/big.jsonl", first + jsonl([clean(2), restricted(1, "new-copy")]).encode())
    out = repo.provcheck("hook", "run", "--lfs", "scan", code=1)
    assert "data/big.jsonl:4: record 3 (id new-copy)" in out.stderr and "committed-copy" not in out.stderr
    assert "(2 unchanged skipped)" in out.stderr
    # An object that is not on this machine cannot be scanned: unreadable input.
    _lfs_stage(repo, "data/other.jsonl", jsonl([clean(3)]).encode(), store=False)
    repo.write("data/other.jsonl", "not the content\n")
    out = repo.provcheck("hook", "run", "--lfs", "scan", code=1)
    assert "data/other.jsonl: file: Git LFS object sha256:" in out.stderr and "git lfs pull" in out.stderr


@pytest.mark.skipif(shutil.which("git-lfs") is None, reason="git-lfs is not installed")
def test_with_real_git_lfs(repo: GitRepo) -> None:
    repo.git("lfs", "install", "--local")
    repo.git("lfs", "track", "data/*.jsonl")
    repo.git("add", ".gitattributes")
    repo.commit("track", "--no-verify")
    repo.write("data/lfs.jsonl", jsonl([clean(1), restricted(2, "real-lfs-copy")]))
    repo.git("add", "data/lfs.jsonl")
    assert repo.git("cat-file", "-p", ":data/lfs.jsonl").stdout.startswith("version https://git-lfs")
    out = repo.provcheck("hook", "run", code=4)
    assert "Git LFS pointer" in out.stderr
    out = repo.provcheck("hook", "run", "--lfs", "scan", code=1)
    assert "data/lfs.jsonl:2: record 1 (id real-lfs-copy)" in out.stderr


def test_an_edit_in_the_middle_is_found_at_its_line_with_and_without_cache(repo: GitRepo) -> None:
    lines = (repo.path / "data/train.jsonl").read_text().splitlines(keepends=True)
    lines[2] = json.dumps(restricted(1, "edited")) + "\n"
    repo.write("data/train.jsonl", "".join(lines))
    repo.git("add", "data")
    for args in (["--no-cache"], [], []):  # no cache, cold cache, warm cache
        out = repo.provcheck("hook", "run", *args, code=1)
        assert "data/train.jsonl:3: record 2 (id edited)" in out.stderr
        assert "scanned 1 new record(s) in 1 file(s) (4 unchanged skipped)" in out.stderr


def test_compressed_csv_and_first_commit(tmp_path: Path, env: dict[str, str], index_dir: Path) -> None:
    r = GitRepo(tmp_path / "fresh", env)
    r.write("policy.yaml", BLOCK_POLICY)
    r.write(".provcheck.yaml", f"index: {index_dir}\npolicy: policy.yaml\n")
    r.write("data/chat.jsonl.gz", gzip.compress(jsonl([clean(0), restricted(1, "gz-copy")]).encode()))
    r.git("add", ".")
    out = r.provcheck("hook", "run", code=1)  # no HEAD yet: everything is new
    assert "data/chat.jsonl.gz:2: record 1 (id gz-copy)" in out.stderr
    r.commit("first", "--no-verify")
    r.write(
        "data/chat.jsonl.gz",
        gzip.compress(
            jsonl([clean(0), restricted(1, "gz-copy"), clean(2), restricted(2, "gz-new")]).encode()
        ),
    )
    header = "id,prompt,response\n"
    rows = [f'c{i},question {i},"{clean(i)["conversations"][1]["value"]}"\n' for i in range(3)]
    r.write("data/table.csv", header + "".join(rows))
    r.git("add", "data")
    out = r.provcheck("hook", "run", code=1)
    assert "data/chat.jsonl.gz:4: record 3 (id gz-new)" in out.stderr and "gz-copy" not in out.stderr
    r.commit("second", "--no-verify")
    r.write("data/table.csv", header + "".join(rows) + f'c9,question,"{REFERENCE_TEXTS[0]}"\n')
    r.git("add", "data")
    out = r.provcheck("hook", "run", code=1)
    assert "data/table.csv:5: record 3 (id c9)" in out.stderr
    assert "(3 unchanged skipped)" in out.stderr


def test_hook_install_blocks_a_real_git_commit(repo: GitRepo) -> None:
    out = repo.provcheck("hook", "install")
    hook = repo.path / ".git" / "hooks" / "pre-commit"
    assert f"installed {hook}" in out.stderr and os.access(hook, os.X_OK)
    head = repo.git("rev-parse", "HEAD").stdout
    repo.append("data/train.jsonl", jsonl([restricted(1, "hooked-copy")]))
    repo.git("add", "data")
    refused = repo.commit("bad", code=1)
    assert "data/train.jsonl:6: record 5 (id hooked-copy)" in refused.stderr
    assert repo.git("rev-parse", "HEAD").stdout == head
    # `git commit PATH` stages into a temporary index: still the content being committed.
    refused = repo.commit("bad", "data/train.jsonl", code=1)
    assert "hooked-copy" in refused.stderr
    repo.git("reset", "-q", "--hard")
    repo.append("data/train.jsonl", jsonl([clean(30)]))
    repo.git("add", "data")
    repo.commit("good")
    assert repo.git("rev-parse", "HEAD").stdout != head
    assert "installed" not in repo.provcheck("hook", "install").stderr  # idempotent: "updated"
    repo.provcheck("hook", "uninstall")
    assert not hook.exists()


def test_hook_install_respects_a_foreign_hook(repo: GitRepo) -> None:
    hook = repo.path / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho mine\nexit 0\n")
    hook.chmod(0o755)
    out = repo.provcheck("hook", "install", code=2)
    assert "did not write" in out.stderr and "--force" in out.stderr
    assert hook.read_text().startswith("#!/bin/sh\necho mine")
    out = repo.provcheck("hook", "uninstall", code=2)
    assert "left unchanged" in out.stderr and hook.read_text().startswith("#!/bin/sh\necho mine")
    repo.provcheck("hook", "install", "--force")
    backup = hook.with_name("pre-commit.provcheck-backup")
    assert backup.read_text().startswith("#!/bin/sh\necho mine") and "provcheck-hook" in hook.read_text()
    out = repo.provcheck("hook", "uninstall")
    assert "restored the previous hook" in out.stderr
    assert hook.read_text().startswith("#!/bin/sh\necho mine") and not backup.exists()
    out = repo.provcheck("hook", "uninstall", code=2)  # now it is the foreign hook again


def test_invalid_configuration_is_exit_6_with_file_and_line(repo: GitRepo) -> None:
    repo.write(".provcheck.yaml", "index: idx\nfail_on: sometimes\nincludes: [data]\nuse: {a: 1}\n")
    out = repo.provcheck("hook", "run", code=6)
    err = out.stderr
    assert ".provcheck.yaml:2: fail_on: 'sometimes' is not allowed; allowed: block, review" in err
    assert ".provcheck.yaml:3: unknown key 'includes'" in err
    assert ".provcheck.yaml:4: use: expected a string or a list of strings, found a mapping" in err
    repo.provcheck("scan", code=6)


def test_no_index_is_a_usage_error(tmp_path: Path, env: dict[str, str]) -> None:
    r = GitRepo(tmp_path / "bare", env)
    r.write("data/a.jsonl", jsonl([clean(1)]))
    r.git("add", ".")
    out = r.provcheck("hook", "run", code=2)
    assert "no reference index" in out.stderr


def test_scan_takes_its_defaults_from_the_configuration(repo: GitRepo, tmp_path: Path) -> None:
    repo.write("data/more.jsonl", jsonl([restricted(1, "cfg-copy")]))
    repo.write("other/skip.jsonl", jsonl([restricted(2, "outside-include")]))
    doc = json.loads(repo.provcheck("scan", "-f", "json", "-q", code=1).stdout)
    assert [f["record"]["id"] for f in doc["findings"]] == ["cfg-copy"]  # include: data/**
    assert doc["run"]["policy"]["path"].endswith("policy.yaml")
    repo.provcheck("scan", "--fail-on", "never", "-q")  # explicit options win
    repo.provcheck("scan", "-i", str(tmp_path / "nowhere"), "-q", code=5)
    repo.provcheck("scan", "other/skip.jsonl", "-q", code=1)  # a file named explicitly is scanned


def test_scan_changed_since_a_branch_point(repo: GitRepo) -> None:
    repo.append("data/train.jsonl", jsonl([restricted(0, "on-main")]))
    repo.git("add", "data")
    repo.commit("main", "--no-verify")
    repo.git("checkout", "-q", "-b", "feature")
    repo.append("data/train.jsonl", jsonl([clean(40), restricted(1, "on-branch")]))
    repo.git("add", "data")
    repo.commit("feature", "--no-verify")
    repo.write("data/untracked.jsonl", jsonl([restricted(2, "untracked-copy")]))
    doc = json.loads(repo.provcheck("scan", "--changed-since", "main", "-f", "json", "-q", code=1).stdout)
    check_json_report(doc)
    found = {(f["record"]["path"], f["record"]["line"], f["record"]["id"]) for f in doc["findings"]}
    assert found == {("data/train.jsonl", 8, "on-branch"), ("data/untracked.jsonl", 1, "untracked-copy")}
    changes = doc["run"]["changes"]
    assert changes["files"]["data/train.jsonl"]["method"] == "appended"
    assert changes["files"]["data/train.jsonl"]["unchanged_records"] == 6
    assert changes["files"]["data/untracked.jsonl"]["status"] == "untracked"
    assert doc["stats"]["records"] == 3 and doc["run"]["changed_since"] == "main"
    # A second run reads the matches of every record from the cache.
    doc = json.loads(repo.provcheck("scan", "--changed-since", "main", "-f", "json", "-q", code=1).stdout)
    check_json_report(doc)
    assert doc["run"]["cache"]["hits"] == 3
    assert doc["files"][0]["sha256"] is None  # only its new lines were read
    repo.provcheck("scan", "--changed-since", "no-such-branch", "-q", code=2)


def test_a_corrupt_cache_is_rebuilt_never_fatal(repo: GitRepo, tmp_path: Path) -> None:
    repo.append("data/train.jsonl", jsonl([restricted(1)]))
    repo.git("add", "data")
    repo.provcheck("hook", "run", code=1)
    cache_file = next((tmp_path / "cache").glob("*.sqlite"))
    cache_file.write_bytes(b"this is not a database" * 100)
    out = repo.provcheck("hook", "run", code=1)
    assert "was unreadable" in out.stderr and "rebuilt" in out.stderr
    repo.provcheck("hook", "run", code=1)  # and the rebuilt cache works


def test_only_the_staged_dataset_files_are_compared_with_the_working_tree(repo: GitRepo) -> None:
    # git re-hashes a file written in the second its index entry was: asking about every path
    # would hash unrelated large files on each commit; the hook asks about its own files only.
    from provcheck.gitscan.repo import Repo

    repo.write("notes.txt", "one\n")
    repo.git("add", "notes.txt")
    repo.append("data/train.jsonl", jsonl([clean(30)]))
    repo.write("notes.txt", "two\n")
    git = Repo(str(repo.path))
    assert git.unstaged() == {"data/train.jsonl", "notes.txt"}
    assert git.unstaged(["data/train.jsonl"]) == {"data/train.jsonl"}
    assert git.unstaged(["notes.txt"]) == {"notes.txt"}
    # A commit with no dataset file asks git nothing about the working tree.
    repo.git("add", "notes.txt")
    repo.git("checkout", "--", "data/train.jsonl")
    out = repo.provcheck("hook", "run")
    assert "no staged dataset records to scan" in out.stderr


def test_a_commit_that_changes_the_gate_and_adds_records_is_refused(repo: GitRepo) -> None:
    """A commit staging a looser ``.provcheck.yaml`` (an exclude over the new file) or a softened
    policy together with a copy passed: the hook read the configuration being committed. It is
    refused (exit 6) with the way out; committed on its own first, the change then governs."""
    repo.append(".provcheck.yaml", "exclude: ['data/extra.jsonl']\n")
    repo.write("data/extra.jsonl", jsonl([restricted(1, "copy-1")]))
    repo.git("add", ".")
    out = repo.provcheck("hook", "run", code=6)
    assert "changes the configuration the gate runs under (.provcheck.yaml)" in out.stderr
    assert "commit the configuration change on its own first" in out.stderr
    repo.git("restore", "--staged", "--worktree", ".provcheck.yaml")
    repo.write("policy.yaml", REVIEW_POLICY)  # a softened rule, staged with the copy
    repo.git("add", "policy.yaml")
    out = repo.provcheck("hook", "run", code=6)
    assert "(policy.yaml)" in out.stderr
    # The configuration committed on its own: the next commit runs under it.
    repo.git("restore", "--staged", "data")
    repo.commit("soften the policy")
    repo.git("add", "data")
    out = repo.provcheck("hook", "run")
    assert "findings: 1 review" in out.stderr


def test_a_file_the_policy_includes_must_be_committed_as_read_too(repo: GitRepo) -> None:
    """The gate's files are asked about before the scan, when only the policy named is known: a
    file it includes is asked about after, and an unstaged softening of it is refused too."""
    repo.write("rules/base.yaml", BLOCK_POLICY)
    repo.write("policy.yaml", "include: [rules/base.yaml]\n")
    repo.git("add", ".")
    repo.commit("policy in parts")
    repo.append("data/train.jsonl", jsonl([restricted(1, "copy-1")]))
    repo.git("add", "data")
    repo.provcheck("hook", "run", code=1)
    repo.write("rules/base.yaml", REVIEW_POLICY)  # softened, not staged
    out = repo.provcheck("hook", "run", code=6)
    assert "rules/base.yaml (not staged)" in out.stderr and "policy.yaml (not" not in out.stderr
    repo.git("checkout", "--", "rules/base.yaml")
    repo.write("policy.yaml", "include: [rules/base.yaml]\nrules: []\n")  # the policy named
    out = repo.provcheck("hook", "run", code=6)
    assert "policy.yaml (not staged)" in out.stderr and "rules/base.yaml" not in out.stderr


def test_the_first_configuration_and_records_may_be_committed_together(
    tmp_path: Path, env: dict[str, str], index_dir: Path
) -> None:
    r = GitRepo(tmp_path / "fresh", env)
    r.write("README.md", "a dataset\n")
    r.git("add", ".")
    r.commit("start")
    r.write("policy.yaml", BLOCK_POLICY)
    r.write(".provcheck.yaml", f"index: {index_dir}\npolicy: policy.yaml\n")
    r.write("data/train.jsonl", jsonl([restricted(1, "copy-1")]))
    r.git("add", ".")
    out = r.provcheck("hook", "run", code=1)  # checked under the new gate: nothing weakened
    assert "commit refused: 1 blocking finding" in out.stderr


def test_a_file_no_include_glob_matches_is_named_so_not_as_excluded(repo: GitRepo) -> None:
    # ``include: ['data/*.jsonl']`` does not match ``data/b.jsonl.gz``: -v said the file was
    # "excluded by .provcheck.yaml", which no exclude: did; the reason names the include globs
    # now (and an exclude: by its glob), and the summary counts both. An include glob matches
    # in any case (eleventh session): ``data/c.JSONL`` is scanned, and its copy refused.
    repo.write(
        ".provcheck.yaml",
        (repo.path / ".provcheck.yaml")
        .read_text(encoding="utf-8")
        .replace("include: ['data/**']", "include: ['data/*.jsonl']")
        + "exclude: ['data/old*']\n",
    )
    repo.git("add", ".provcheck.yaml")
    repo.commit("globs")
    (repo.path / "data" / "b.jsonl.gz").write_bytes(gzip.compress(jsonl([restricted(1, "gz")]).encode()))
    repo.write("data/c.JSONL", jsonl([restricted(1, "upper-case")]))
    repo.write("data/old-copy.jsonl", jsonl([restricted(2, "excluded-copy")]))
    repo.git("add", "data")
    err = repo.provcheck("hook", "run", "-v", code=1).stderr
    assert "data/b.jsonl.gz: matched by no include: glob of" in err and "(data/*.jsonl)" in err
    assert "data/old-copy.jsonl: excluded by the exclude: glob data/old* of" in err
    assert "data/b.jsonl.gz: excluded by" not in err
    assert "commit refused: 1 blocking finding" in err and "upper-case" in err


def test_uninstall_removes_provcheck_s_merge_hook_beside_a_foreign_pre_commit_hook(repo: GitRepo) -> None:
    # Another tool took the pre-commit hook after `hook install`: uninstall refused (the hook
    # is not provcheck's) and stopped there, leaving provcheck's pre-merge-commit hook to
    # refuse merges after the user had asked for provcheck's hooks to go.
    repo.provcheck("hook", "install")
    hooks = repo.path / ".git" / "hooks"
    merge = hooks / "pre-merge-commit"
    assert "provcheck-hook" in merge.read_text()
    (hooks / "pre-commit").write_text("#!/bin/sh\necho another tool\nexit 0\n")
    out = repo.provcheck("hook", "uninstall", code=2)
    assert "left unchanged" in out.stderr and f"provcheck's {merge} removed" in out.stderr
    assert not merge.exists() and "another tool" in (hooks / "pre-commit").read_text()


def test_a_result_cache_git_tracks_in_the_repository_is_refused(repo: GitRepo) -> None:
    # The cache's entries are believed: one committed with the data (a pull request can bring
    # one) could say a copy matches nothing. A tracked cache directory is refused (exit 6); the
    # same directory untracked and ignored is used as before.
    config = (repo.path / ".provcheck.yaml").read_text(encoding="utf-8")
    repo.write(".provcheck.yaml", config + "cache: .provcheck-cache\n")
    repo.write(".provcheck-cache/notes.txt", "planted\n")
    repo.git("add", ".")
    repo.commit("cache in the repository", "--no-verify")
    repo.append("data/train.jsonl", jsonl([clean(40)]))
    repo.git("add", "data")
    err = repo.provcheck("hook", "run", code=6).stderr
    assert ".provcheck.yaml:" in err and "holds files git tracks" in err and "git rm -r --cached" in err
    repo.git("rm", "-q", "-r", "--cached", ".provcheck-cache")
    repo.write(".gitignore", ".provcheck-cache/\n")
    repo.git("add", ".gitignore")
    assert "findings: none" in repo.provcheck("hook", "run").stderr
