"""Adversarial pass 9: plausible command lines, paths and repository moves that made the gate
stop looking (or judge under something other than what the data's repository declares), played
as a real user of the gate. Each test is a way a realistic user met a wrong verdict, and fails on
the code before its fix.

Defects found (all fixed unless marked otherwise):

1. FAIL-OPEN ``hook run`` (and ``scan --changed-since``) scanned only new records of a renamed
   file: ``git mv legacy/old.jsonl data/more.jsonl``, with a waiver ``path: legacy/**``, took
   the copies reviewers accepted under ``legacy/`` to where no waiver covers them, and the commit
   passed with 0 records scanned (a full scan then blocks). A file moved or copied out of a
   waiver's ``path`` is scanned whole, with a note naming the waiver (``api.scan_changes``).
2. FAIL-OPEN ``scan --changed-since REV`` dropped dataset files git ignores (a large file kept
   out of git, a DVC output) without a word, even named on the command line: 0 records, exit 0.
   They are in no revision, so every record is new: scanned whole (``gitscan.changes.since``).
3. WRONG-VERDICT ``.provcheck.yaml`` was found from the working directory only: ``provcheck scan
   repo/data -i INDEX`` from the repository's parent judged the data without its policy and
   passed (review) a copy its own gate blocks. A path another configuration governs is refused
   (exit 2) unless ``--config`` says which applies (``projectfile.refuse_other_configurations``).
4. WRONG-VERDICT Dataset cards were read only between a file and the path given: a Hugging Face
   dataset (card at the top, files in ``data/``) scanned as ``ds/data`` or ``ds/data/x.jsonl``
   passed a commercial gate that ``scan ds`` blocks on the card's ``cc-by-nc-4.0``. Cards and
   manifests above are read up to the repository's top (``inputs.declared``).
5. FAIL-OPEN A key written twice in one JSON object (``{"text": COPY, "text": "ok"}``) kept only
   its last value (Python and orjson; pyarrow refuses such a record, simdjson reads the first):
   the copy was neither scanned nor counted. Every value is kept, a repeat read as ``key (key
   N)``, in JSON Lines, JSON files and JSON inside strings (tool-call arguments).
6. INPUT-DESTROYED Outputs were checked only against inputs named on the command line: ``-o
   base.yaml -f text`` replaced a file the policy includes, ``-o .provcheck-waivers.yaml`` the
   waivers read by default, ``-o .provcheck.yaml`` the configuration found (the next scan failed
   on an invalid policy, or ran without the reviewers' decisions). Refused, exit 2; ``merge``
   protects the configuration too.
7. FAIL-OPEN Under the pre-commit framework the hook's options are ``args:`` of the repository's
   ``.pre-commit-config.yaml``: a commit adding ``args: [--fail-on, never]`` beside a copy was
   judged under them and went in. Like ``.provcheck.yaml`` and the policy, it is a gate file:
   changed with other paths, the commit is refused (exit 6).
8. FAIL-OPEN A dataset folder with a ``.provcheck.yaml`` of its own (a monorepo): ``hook run`` at
   the top judged its files under the top's configuration (review, exit 0, where its own
   blocks), and a full scan from the top did not even list it. The hook and ``scan
   --changed-since`` refuse (exit 2), a full scan reports it as a located input error (exit 4).
9. FAIL-OPEN The hook let a waivers file change with the records because "each waiver names one
   finding": a *scope* waiver names none, and ``rule: "*"`` committed beside a copy let it in.
   A new or changed scope waiver beside other paths is refused like a gate change (exit 6); a
   waiver by id is still committed with its records (``cli/staged.py``).

Checked and found sound (no test here): compressed files (.gz, .bz2, .xz, .zst, multi-member
and multi-frame, any case) and unsupported ones (.gzip, .tgz, .lz4, .jsonlines) listed; files
named like options; symlink loops and dangling links; LFS pointers in a full scan; record
shapes (multimodal parts, Gemini ``parts``, DPO, tool calls, ``Human:``/``Assistant:`` text,
nested dicts keyed by numbers) all scanned; ``--text-field``/``--roles``/``--schema`` count
what they leave out; outputs over links to inputs, the index, the decision file; the result
cache across ``--text-field``, ``--schema`` and ``--roles``; ``git commit -a`` and ``git commit
PATH`` (a temporary index) with the plain hook; option typos (``--match``, ``--engine``).

Not fixed (noted): a waiver by id covers the same record content wherever it is copied (ids
hash content, not paths: by design, so that waivers survive re-sorting); a ``README.md``-only
change of licence is judged by the hook, but records added under an unchanged card are not
checked against it (``signal: conflict``) until a full scan.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from gitrepo import BLOCK_POLICY, GitRepo, clean, isolated_env, jsonl, restricted
from helpers import REFERENCE_TEXTS, ROOT, UNRELATED_TEXT, run_cli, write_jsonl

BLOCK = "rules:\n  - {id: mine, title: Any copy, action: block}\n"


def test_moving_a_file_out_of_a_path_waiver_scans_what_the_waiver_no_longer_covers(
    tmp_path: Path, index_dir: Path
) -> None:
    repo = GitRepo(tmp_path / "dataset", isolated_env(tmp_path))
    repo.write("policy.yaml", BLOCK_POLICY)
    repo.write(".provcheck.yaml", f"index: {index_dir}\npolicy: policy.yaml\n")
    waiver = {
        "path": "legacy/**",
        "rule": "openai-compete",
        "reason": "bought from the provider under licence for the legacy model only",
        "approver": "counsel",
        "date": "2026-01-01",
    }
    repo.write(".provcheck-waivers.yaml", yaml.safe_dump({"waivers": [waiver]}))
    repo.write("legacy/old.jsonl", jsonl([clean(1), restricted(1)]))
    repo.write("data/train.jsonl", jsonl([clean(2)]))
    repo.git("add", ".")
    repo.commit("dataset")
    repo.provcheck("scan", "-q", code=0)  # the copy is waived where it is
    repo.git("mv", "legacy/old.jsonl", "data/more.jsonl")
    out = repo.provcheck("hook", "run", code=1)
    assert "data/more.jsonl:2: record 1 (id copy-1)" in out.stderr
    assert "scanned 2 new record(s) in 1 file(s)" in out.stderr
    # The same for CI's diff-aware scan, which says why the file was read whole.
    repo.commit("moved", "--no-verify")
    doc = json.loads(repo.provcheck("scan", "--changed-since", "HEAD~1", "-f", "json", code=1).stdout)
    note = doc["run"]["changes"]["files"]["data/more.jsonl"]["note"]
    assert note.startswith("moved from legacy/old.jsonl, which the waiver at ") and "(path legacy/**)" in note
    # Moving within the waived folder, or a file no waiver covered, still scans only what is new.
    repo.git("mv", "data/train.jsonl", "data/renamed.jsonl")
    assert "scanned 0 new record(s)" in repo.provcheck("hook", "run").stderr


def test_a_dataset_file_git_ignores_is_scanned_by_changed_since(tmp_path: Path, index_dir: Path) -> None:
    """A large file kept out of git (``.gitignore``, a DVC output) is in the working tree and in
    no revision: ``scan --changed-since HEAD data`` read 0 records and passed (exit 0) without
    naming it, even with the file named on the command line."""
    repo = GitRepo(tmp_path / "dataset", isolated_env(tmp_path))
    repo.write("policy.yaml", BLOCK_POLICY)
    repo.write(".provcheck.yaml", f"index: {index_dir}\npolicy: policy.yaml\n")
    repo.write(".gitignore", "data/big.jsonl\ndata/.cache/\n")
    repo.write("data/train.jsonl", jsonl([clean(1)]))
    repo.git("add", ".")
    repo.commit("dataset")
    repo.write("data/big.jsonl", jsonl([clean(2), restricted(1)]))
    repo.write("data/.cache/tmp.jsonl", jsonl([clean(3)]))  # a hidden folder: not walked
    for args in (["data"], ["data/big.jsonl"], []):
        out = repo.provcheck("scan", "--changed-since", "HEAD", *args, "-f", "json", code=1)
        doc = json.loads(out.stdout)
        assert [f["path"] for f in doc["files"]] == ["data/big.jsonl"]
        assert doc["run"]["changes"]["files"]["data/big.jsonl"]["note"] == (
            "ignored by git: every record is scanned"
        )


def test_a_path_under_another_configuration_is_refused_not_judged_without_it(
    tmp_path: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``.provcheck.yaml`` was found from the working directory only: ``provcheck scan
    repo/data -i INDEX`` run from the repository's parent (a CI workspace, a monorepo's root)
    judged the data without the repository's policy and passed (exit 0, "review") a copy its
    own gate blocks (exit 1 from inside it)."""
    repo = tmp_path / "repo"
    write_jsonl(repo / "data" / "train.jsonl", [{"id": "c", "text": REFERENCE_TEXTS[0]}])
    (repo / "policy.yaml").write_text(BLOCK, encoding="utf-8")
    (repo / ".provcheck.yaml").write_text(f"index: {index_dir}\npolicy: policy.yaml\n", encoding="utf-8")
    monkeypatch.chdir(repo)
    run_cli(["scan", "data", "-q"], code=1)
    monkeypatch.chdir(tmp_path)
    out = run_cli(["scan", "repo/data", "-i", index_dir, "-q"], code=2)
    assert f"repo/data is governed by {repo / '.provcheck.yaml'}, which this run does not use" in out.stderr
    assert "pass --config" in out.stderr
    # Saying which configuration applies is the way out.
    run_cli(["scan", "repo/data", "--config", repo / ".provcheck.yaml", "-q"], code=1)
    # From a folder with a configuration of its own, the other one is refused too.
    (tmp_path / ".provcheck.yaml").write_text(f"index: {index_dir}\n", encoding="utf-8")
    run_cli(["scan", "repo/data", "-q"], code=2)


@pytest.mark.parametrize("given", ["ds/data", "ds/data/train.jsonl"])
def test_the_card_at_the_top_of_a_dataset_covers_a_scan_of_its_data_folder(
    tmp_path: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch, given: str
) -> None:
    """A Hugging Face dataset keeps ``README.md`` at its top and its files in ``data/``. Cards
    were read only from the folders between a file and the path given: ``scan ds`` blocked the
    card's ``license: cc-by-nc-4.0`` under a commercial use, ``scan ds/data`` passed (exit 0)."""
    ds = tmp_path / "ds"
    (ds / ".git").mkdir(parents=True)  # the repository's top: nothing above it is read
    write_jsonl(ds / "data" / "train.jsonl", [{"id": "a", "text": UNRELATED_TEXT}])
    (ds / "README.md").write_text("---\nlicense: cc-by-nc-4.0\n---\n# A dataset\n", encoding="utf-8")
    (tmp_path / "README.md").write_text("---\nlicense: gpl-3.0\n---\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    policy = ROOT / "policies" / "dataset-licences.yaml"
    args = ["-i", index_dir, "-p", policy, "--use", "commercial", "-f", "json", "-q"]
    whole = json.loads(run_cli(["scan", "ds", *args], code=1).stdout)
    part = json.loads(run_cli(["scan", given, *args], code=1).stdout)
    assert [(f["rule"], f["action"]) for f in part["findings"]] == [
        (f["rule"], f["action"]) for f in whole["findings"]
    ]
    assert {(d["file"], d["value"]) for d in part["declarations"]} == {("ds/README.md", "cc-by-nc-4.0")}


@pytest.mark.slow
def test_a_commit_that_changes_the_hooks_arguments_beside_a_copy_is_refused(
    tmp_path: Path, index_dir: Path
) -> None:
    """Under the pre-commit framework the hook's options are the ``args:`` of the repository's
    ``.pre-commit-config.yaml``. A commit adding ``args: [--fail-on, never]`` (or ``--use-only
    --use evaluation``) together with a copy was judged under the arguments it brings, and went
    in; a change of ``.provcheck.yaml`` or the policy in the same commit is refused (exit 6)."""
    pytest.importorskip("pre_commit")
    import subprocess
    import sys

    repo = GitRepo(tmp_path / "dataset", isolated_env(tmp_path))
    repo.write("policy.yaml", BLOCK_POLICY)
    repo.write(".provcheck.yaml", f"index: {index_dir}\npolicy: policy.yaml\n")
    repo.write("data/train.jsonl", jsonl([clean(1)]))
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    hook = next(dict(h) for h in hooks if h["id"] == "provcheck-system")
    repo.write(".pre-commit-config.yaml", yaml.safe_dump({"repos": [{"repo": "local", "hooks": [hook]}]}))
    repo.git("add", ".")
    repo.commit("dataset")
    installed = subprocess.run(
        [sys.executable, "-m", "pre_commit", "install"], cwd=repo.path, env=repo.env, capture_output=True
    )
    assert installed.returncode == 0, installed.stderr
    hook["args"] = ["--fail-on", "never"]
    repo.write(".pre-commit-config.yaml", yaml.safe_dump({"repos": [{"repo": "local", "hooks": [hook]}]}))
    repo.append("data/train.jsonl", jsonl([restricted(1)]))
    repo.git("add", ".")
    refused = repo.commit("relax the gate and add a copy", code=1)
    assert "changes the configuration the gate runs under (.pre-commit-config.yaml)" in (
        refused.stdout + refused.stderr
    )
    # Committed on its own, the change is the gate's (and its reviewers') business.
    repo.git("restore", "--staged", "data/train.jsonl")
    repo.commit("relax the gate")


@pytest.mark.parametrize("suffix", [".jsonl", ".json"])
def test_every_value_of_a_key_written_twice_is_scanned(tmp_path: Path, index_dir: Path, suffix: str) -> None:
    """``{"text": COPY, "text": "clean"}``: Python's ``json`` (and orjson) keep the last value
    of a repeated key, pyarrow (what ``datasets`` reads JSON with) refuses the record and
    simdjson reads the first. The copy was neither scanned nor counted, and the record passed.
    Every value is kept, a repeated key read as ``text (key 3)`` (as CSV keeps a repeated column)."""
    copy = json.dumps(REFERENCE_TEXTS[0])
    line = f'{{"id": "a", "text": {copy}, "text": "a short clean note"}}'
    chat = f'{{"id": "b", "conversations": [{{"from": "gpt", "value": {copy}, "value": "ok"}}]}}'
    arguments = f'{{"answer": {copy}, "answer": "ok"}}'  # JSON inside a tool call's string
    call = {"type": "function", "function": {"name": "f", "arguments": arguments}}
    tool = json.dumps({"id": "c", "messages": [{"role": "assistant", "content": None, "tool_calls": [call]}]})
    data = tmp_path / f"data{suffix}"
    text = f"{line}\n{chat}\n{tool}\n" if suffix == ".jsonl" else f"[{line}, {chat}, {tool}]\n"
    data.write_text(text, encoding="utf-8")
    args = ["scan", data, "-i", index_dir, "-p", _block(tmp_path), "-f", "json", "-q"]
    doc = json.loads(run_cli(args, 1).stdout)
    assert sorted({f["record"]["id"] for f in doc["findings"]}) == ["a", "b", "c"]
    read = {f["field"] for f in doc["files"][0]["fields"]["read"]}
    assert {"text", "text (key 3)"} <= read


def _block(tmp_path: Path) -> Path:
    policy = tmp_path / "block.yaml"
    policy.write_text(BLOCK, encoding="utf-8")
    return policy


@pytest.mark.parametrize("target", ["base.yaml", ".provcheck-waivers.yaml", ".provcheck.yaml"])
def test_no_report_replaces_a_file_the_gate_reads_without_being_named(
    tmp_path: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch, target: str
) -> None:
    """Outputs were checked against the inputs named on the command line: a file the policy
    includes, the waivers file read by default and the configuration found from the working
    directory were not, and ``-o FILE -f text`` replaced them with the report (the next scan
    failed on an invalid policy, or ran without the reviewers' decisions)."""
    (tmp_path / "base.yaml").write_text(BLOCK, encoding="utf-8")
    (tmp_path / "policy.yaml").write_text("include: [base.yaml]\n", encoding="utf-8")
    (tmp_path / ".provcheck-waivers.yaml").write_text("waivers: []\n", encoding="utf-8")
    (tmp_path / ".provcheck.yaml").write_text(f"index: {index_dir}\npolicy: policy.yaml\n", encoding="utf-8")
    write_jsonl(tmp_path / "sub" / "d.jsonl", [{"id": "a", "text": REFERENCE_TEXTS[0]}])
    monkeypatch.chdir(tmp_path)
    before = (tmp_path / target).read_bytes()
    out = run_cli(["scan", "sub", "-f", "text", "-o", target, "-q"], code=2)
    assert f"--output {target} is an input of this run" in out.stderr
    assert (tmp_path / target).read_bytes() == before


def test_the_hook_refuses_files_a_nested_configuration_governs(tmp_path: Path, index_dir: Path) -> None:
    """A monorepo whose dataset folder has a ``.provcheck.yaml`` of its own (a blocking
    policy): the hook ran under the configuration at the top and judged a copy committed there
    as review only (exit 0). The folder's configuration governs it; ignoring it is refused."""
    repo = GitRepo(tmp_path / "mono", isolated_env(tmp_path))
    repo.write("review.yaml", BLOCK_POLICY.replace("action: block", "action: review"))
    repo.write(".provcheck.yaml", f"index: {index_dir}\npolicy: review.yaml\n")
    repo.write("ds1/policy.yaml", BLOCK_POLICY)
    repo.write("ds1/.provcheck.yaml", f"index: {index_dir}\npolicy: policy.yaml\n")
    repo.write("ds1/data/train.jsonl", jsonl([clean(1)]))
    repo.git("add", ".")
    repo.commit("datasets")
    repo.append("ds1/data/train.jsonl", jsonl([restricted(1)]))
    repo.git("add", ".")
    out = repo.provcheck("hook", "run", code=2)
    assert "is governed by" in out.stderr and "ds1/.provcheck.yaml" in out.stderr
    repo.provcheck("hook", "run", "--config", "ds1/.provcheck.yaml", code=1)
    # A full scan of the top walks into the folder: its configuration is a located error, not
    # left out in silence (it was not even listed).
    repo.commit("copy", "--no-verify")
    doc = json.loads(repo.provcheck("scan", "-f", "json", "-q", code=4).stdout)
    (error,) = doc["errors"]
    assert error["path"].endswith("/ds1/.provcheck.yaml") and "judged without it" in error["message"]
    # CI's diff-aware scan of the top is refused like the hook.
    out = repo.provcheck("scan", "--changed-since", "HEAD~1", "-q", code=2)
    assert "is governed by" in out.stderr and "ds1/.provcheck.yaml" in out.stderr


def test_a_scope_waiver_committed_with_the_records_it_waives_is_refused(
    tmp_path: Path, index_dir: Path
) -> None:
    """Committing a reviewed waiver with the records it covers is how a decision is recorded,
    and the hook allowed it because "each waiver names one finding". A *scope* waiver names
    none: ``rule: "*"`` (or ``path: data/**``) committed beside a copy let it in. Like the gate's
    configuration, a new or changed scope waiver must be committed on its own; a waiver by id
    (what a refusal prints) is still committed with its records."""
    repo = GitRepo(tmp_path / "dataset", isolated_env(tmp_path))
    repo.write("policy.yaml", BLOCK_POLICY)
    repo.write(".provcheck.yaml", f"index: {index_dir}\npolicy: policy.yaml\n")
    repo.write("data/train.jsonl", jsonl([clean(1)]))
    repo.write(".provcheck-waivers.yaml", "waivers: []\n")
    repo.git("add", ".")
    repo.commit("dataset")
    scope = {"rule": "openai-compete", "reason": "fine", "approver": "me", "date": "2026-01-01"}
    repo.write(".provcheck-waivers.yaml", yaml.safe_dump({"waivers": [scope]}))
    repo.append("data/train.jsonl", jsonl([restricted(1)]))
    repo.git("add", ".")
    out = repo.provcheck("hook", "run", code=6)
    assert ".provcheck-waivers.yaml:2" in out.stderr and "scope" in out.stderr
    # A waiver by id, as the refusal prints it, is still committed with the records it covers.
    repo.write(".provcheck-waivers.yaml", "waivers: []\n")
    repo.git("add", ".")
    printed = repo.provcheck("hook", "run", code=1).stderr
    block = printed[printed.index("waivers:\n") :]
    entry = yaml.safe_load(block[: block.index("provcheck:")])
    entry["waivers"][0].update(reason="licensed", approver="counsel")
    repo.write(".provcheck-waivers.yaml", yaml.safe_dump(entry))
    repo.git("add", ".")
    repo.provcheck("hook", "run")
    # The scope waiver committed on its own is the reviewers' business; then records pass.
    repo.git("restore", "--staged", "data/train.jsonl")
    repo.write(".provcheck-waivers.yaml", yaml.safe_dump({"waivers": [scope]}))
    repo.git("add", ".provcheck-waivers.yaml")
    repo.provcheck("hook", "run")
    repo.commit("waive everything", "--no-verify")
    repo.git("add", "data/train.jsonl")
    repo.provcheck("hook", "run")
