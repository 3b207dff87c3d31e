"""Adversarial pass 12: encodings, index builds and command lines of real users that let a copy
of indexed text pass, or a given setting go unused. Each test fails on the code before its fix.

1. FAIL-OPEN JSON text with ``\\u`` escapes (pass 11) was decoded one layer deep. A record
   serialised twice (``json.dumps(json.dumps(chat))``, as a pipeline that stores a string
   column and then serialises the row does), a request body kept as a string inside a serialised
   log line (``{"request": json.dumps({"messages": ...})}`` dumped again), base64 of a
   serialised chat, or the escapes without the quotes of a JSON literal
   (``text.encode("unicode_escape")``) left a Chinese answer as one run of ``\\u5149`` escapes:
   read, counted as read, never matched (exit 0). Each layer is now decoded in turn (up to four)
   and named in the field (``data#base64#json``).
2. FAIL-OPEN Base64 of text in a script written without spaces (Chinese, Japanese, Thai) was not
   taken for text (the test asked for white space): counted as an encoded value, the copy
   passed. A decoded text of such a script is read.
3. FAIL-OPEN A copy in an id-named field (``id``, ``key``, ``hash``) as base64 or as JSON text of
   escapes is one ASCII word, which that field's rule took for an id: counted as an id, never
   read. Such a value is decoded and read as it is in any other field.
4. FAIL-OPEN ``index build`` (or ``index add``) run again with other reading settings for a file
   the source already holds (``roles: [gpt]`` widened to ``[gpt, thinking]``, another
   ``--schema`` or ``--text-field``) said "holds these very bytes already: not added again"
   and exit 0: the turns the new settings take were never indexed, and copies of them passed.
   The settings a file was read with are now recorded with it, and the same bytes read
   otherwise are refused (exit 2) with the way out.
5. HALF-WRITTEN ``-f json -o report.json -f html -o DIR/r.html`` with ``DIR`` a folder no file
   can be made in (no permission, ``/proc``, a read-only mount): the scan ran, ``report.json``
   was written, and the second output failed (exit 2), leaving the report of a failed run. A
   temporary file is now made and removed beside each output before the scan.
6. FAIL-OPEN (docs) The documented ``.pre-commit-config.yaml`` installed a pre-commit hook only
   (``pre-commit install`` installs no other type unless told), so ``git merge feature``
   committed a ``--no-verify`` branch's copy unchecked, the hole pass 11 closed for ``hook
   install``. The documented configuration sets ``default_install_hook_types``.
7. DROPPED ``.provcheck.yaml`` with ``roles: []``, ``use: []`` or ``include: []`` was taken for
   the key left out (every role, no declared use, every file) where ``roles: ""`` and ``use: ""``
   are refused; and ``text_field: ""`` said "expected a string, found str". Each is now a
   located configuration error (exit 6) that says what is wrong.
8. FAIL-OPEN A policy kept as a symbolic link (``policy.yaml -> policies/strict.yaml``): the gate
   knew the file the link led to, so a commit or pull request retargeting the link to a softer
   policy already in the repository (``ln -sfn policies/lenient.yaml policy.yaml``) beside a
   copy changed "no file of the gate" and passed, through the hook and ``scan
   --changed-since`` alike (exit 0). The same for the configuration, an included policy file,
   the index and the waivers file reached through a link (a retargeted waivers link brought
   ``rule: "*"`` unseen). Every link on the way to a gate file is now part of the gate.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import xxhash

from gitrepo import BLOCK_POLICY, GitRepo, isolated_env, restricted
from gitrepo import clean as gitclean
from gitrepo import jsonl as gitjsonl
from helpers import ROOT, run_cli, write_jsonl

CHINESE = (
    "光合作用是绿色植物、藻类和某些细菌将光能转化为化学能的过程。它主要发生在叶片细胞的叶绿体中，"
    "叶绿体含有绿色色素叶绿素。在光反应中，叶绿素吸收阳光，利用其能量分解水分子，释放出氧气作为副产品，"
    "并产生能量载体三磷酸腺苷和还原型辅酶。在暗反应即卡尔文循环中，植物利用这些能量载体将空气中的二氧化碳"
    "固定为三碳糖，然后再合成葡萄糖和其他碳水化合物。"
)
RUSSIAN = (
    "Чтобы закваска оставалась здоровой, кормите её каждый день в одно и то же время равными по весу "
    "частями муки и воды, оставляя перед каждой подкормкой лишь ложку старой закваски. Держите её "
    "в тепле, между двадцатью четырьмя и двадцатью семью градусами, потому что в холодной кухне "
    "брожение замедляется, а кислотообразующие бактерии берут верх над дрожжами."
)
CHAT = [{"role": "user", "content": "Explain it"}, {"role": "assistant", "content": CHINESE}]


def _json(path: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return doc


def _b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


@pytest.fixture
def intl_index(tmp_path: Path) -> Path:
    """An index of two model answers written in Chinese and in Russian (provider openai)."""
    refs = write_jsonl(
        tmp_path / "refs" / "intl.jsonl",
        [
            {"id": f"r{i}", "conversations": [{"from": "human", "value": "q"}, {"from": "gpt", "value": t}]}
            for i, t in enumerate((CHINESE, RUSSIAN))
        ],
    )
    idx = tmp_path / "intl-index"
    run_cli(["index", "add", idx, refs, "--source", "intl", "--provider", "openai", "-q"])
    return idx


def _matched_fields(tmp_path: Path, index: Path, rows: list[dict[str, Any]]) -> dict[int, set[str]]:
    """Scan ``rows`` (one file); the fields matched, per record index."""
    data = write_jsonl(tmp_path / "data" / "rows.jsonl", rows)
    out = tmp_path / "r.json"
    run_cli(["scan", data, "-i", index, "--no-cache", "-q", "-f", "json", "-o", out])
    found: dict[int, set[str]] = {}
    for m in _json(out)["matches"]:
        assert m["scores"]["similarity"] > 0.99
        found.setdefault(m["record"]["index"], set()).add(m["record"]["turn"]["field"])
    return found


def test_json_text_serialised_more_than_once_is_read(tmp_path: Path, intl_index: Path) -> None:
    rows = [
        {"id": "twice", "data": json.dumps(json.dumps(CHAT))},
        {"id": "log", "data": json.dumps({"request": json.dumps({"messages": CHAT})})},
        {"id": "b64", "data": _b64(json.dumps(CHAT))},
        {"id": "turn", "messages": [CHAT[0], {"role": "assistant", "content": _b64(json.dumps(RUSSIAN))}]},
        {"id": "bare", "note": RUSSIAN.encode("unicode_escape").decode("ascii")},
        # Not decoded: ASCII text with an escape or two reads as it is.
        {"id": "plain", "text": "A caf\\u00e9 note of our own about tomato plants, nothing to decode here."},
    ]
    found = _matched_fields(tmp_path, intl_index, rows)
    assert found == {
        0: {"data#json"},
        1: {"data#json"},
        2: {"data#base64#json"},
        3: {"messages[1].content#base64#json"},
        4: {"note#json"},
    }


def test_base64_of_text_written_without_spaces_is_read(tmp_path: Path, intl_index: Path) -> None:
    rows = [{"id": "a", "text": "a short note of our own", "attachment": _b64(CHINESE)}]
    assert _matched_fields(tmp_path, intl_index, rows) == {0: {"attachment#base64"}}


def test_a_copy_encoded_into_an_id_named_field_is_read(tmp_path: Path, intl_index: Path) -> None:
    rows = [
        {"id": json.dumps(CHINESE), "text": "a short note of our own"},
        {"key": _b64(RUSSIAN), "text": "another short note of our own"},
        # Still ids: a digest and a UUID.
        {"sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "text": "a note"},
    ]
    assert _matched_fields(tmp_path, intl_index, rows) == {0: {"id#json"}, 1: {"key#base64"}}


def test_index_build_run_again_with_other_roles_is_refused_not_passed_over(tmp_path: Path) -> None:
    pairs = [[("human", "q"), ("gpt", RUSSIAN)], [("thinking", CHINESE), ("gpt", "ok")]]
    write_jsonl(
        tmp_path / "refs" / "chats.jsonl",
        [{"conversations": [{"from": f, "value": v} for f, v in p]} for p in pairs],
    )
    manifest = tmp_path / "refs" / "sources.yaml"
    entry = "sources:\n  - {path: chats.jsonl, source: chats, provider: openai, roles: [%s]}\n"
    manifest.write_text(entry % "gpt", encoding="utf-8")
    idx = tmp_path / "idx"
    run_cli(["index", "build", idx, "--sources", manifest, "-q"])
    again = run_cli(["index", "build", idx, "--sources", manifest])  # unchanged: passed over
    assert "holds these very bytes already" in again.stderr
    manifest.write_text(entry % "gpt, thinking", encoding="utf-8")
    before = (idx / "manifest.json").read_bytes()
    out = run_cli(["index", "build", idx, "--sources", manifest], code=2)
    assert "read with roles gpt; this command reads them with roles gpt,thinking" in out.stderr
    assert "build a new index" in out.stderr
    assert (idx / "manifest.json").read_bytes() == before
    # Written so from the start, the new roles are indexed, and the reasoning copy is found.
    run_cli(["index", "build", tmp_path / "idx2", "--sources", manifest, "-q"])
    data = write_jsonl(tmp_path / "data" / "d.jsonl", [{"text": CHINESE}])
    run_cli(["scan", data, "-i", tmp_path / "idx2", "--no-cache", "-q"], code=0)
    found = run_cli(["scan", data, "-i", tmp_path / "idx2", "--no-cache", "-q", "-f", "json"])
    assert json.loads(found.stdout)["matches"]


def test_a_file_of_an_earlier_index_is_passed_over_only_under_the_default_settings(tmp_path: Path) -> None:
    refs = write_jsonl(
        tmp_path / "refs" / "chats.jsonl",
        [{"id": "r0", "conversations": [{"from": "human", "value": "q"}, {"from": "gpt", "value": RUSSIAN}]}],
    )
    idx = tmp_path / "idx"
    add = ["index", "add", idx, refs, "--source", "chats", "--provider", "openai"]
    run_cli([*add, "-q"])
    doc = json.loads((idx / "manifest.json").read_text(encoding="utf-8"))
    for f in doc["sources"]["chats"]["files"]:
        del f["read"]  # as an earlier provcheck wrote it
    del doc["checksum"]
    doc["checksum"] = xxhash.xxh3_64_hexdigest(json.dumps(doc, sort_keys=True).encode())
    (idx / "manifest.json").write_text(json.dumps(doc), encoding="utf-8")
    assert "not added again" in run_cli(add).stderr
    out = run_cli([*add, "--roles", "gpt,human"], code=2)
    assert "settings an earlier provcheck did not record" in out.stderr


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc")
def test_an_output_where_no_file_can_be_made_is_refused_before_any_is_written(
    tmp_path: Path, index_dir: Path
) -> None:
    """``-f json -o report.json -f html -o /proc/report.html`` (a folder one may not write to, a
    read-only mount): the scan ran, report.json was written, and only then the second output
    failed (exit 2), leaving the report of a run that failed. Refused before the scan now."""
    data = write_jsonl(tmp_path / "data" / "a.jsonl", [{"text": "a clean note about tomato plants"}])
    report = tmp_path / "report.json"
    out = run_cli(
        ["scan", data, "-i", index_dir, "-f", "json", "-o", report, "-f", "html", "-o", "/proc/report.html"],
        code=2,
    )
    assert "--output /proc/report.html: cannot write there" in out.stderr
    assert not report.exists()
    assert not list(tmp_path.glob(".report.json.*"))


@pytest.mark.slow
def test_the_documented_pre_commit_configuration_checks_a_merge(tmp_path: Path, index_dir: Path) -> None:
    """docs/repository.md's ``.pre-commit-config.yaml``, installed with ``pre-commit install``,
    gave git a pre-commit hook only: ``git merge feature`` (no conflict) committed a copy made on
    the branch with ``--no-verify``. The documented configuration now installs pre-merge-commit."""
    pytest.importorskip("pre_commit")
    import yaml

    doc = (ROOT / "docs" / "repository.md").read_text(encoding="utf-8")
    snippet = yaml.safe_load(doc.split("**2a.", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0])
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    snippet["repos"] = [{"repo": "local", "hooks": [h for h in hooks if h["id"] == "provcheck-system"]}]
    repo = GitRepo(tmp_path / "dataset", isolated_env(tmp_path))
    repo.write("policy.yaml", BLOCK_POLICY)
    repo.write(".provcheck.yaml", f"index: {index_dir}\npolicy: policy.yaml\n")
    repo.write(".pre-commit-config.yaml", yaml.safe_dump(snippet))
    repo.write("data/train.jsonl", gitjsonl(gitclean(i) for i in range(2)))
    repo.git("add", ".")
    repo.commit("dataset")
    out = subprocess.run(
        [sys.executable, "-m", "pre_commit", "install"], cwd=repo.path, env=repo.env, capture_output=True
    )
    assert out.returncode == 0, out.stderr
    repo.git("checkout", "-q", "-b", "feature")
    repo.append("data/train.jsonl", gitjsonl([restricted(1, "copy")]))
    repo.git("commit", "-q", "-am", "copy", "--no-verify")
    repo.git("checkout", "-q", "main")
    repo.write("data/more.jsonl", gitjsonl([gitclean(5)]))
    repo.git("add", "data/more.jsonl")
    repo.commit("more")
    merged = repo.git("merge", "--no-edit", "feature", check=False)
    assert merged.returncode != 0, merged.stdout + merged.stderr
    assert "commit refused: 1 blocking finding" in merged.stdout + merged.stderr


@pytest.mark.parametrize(
    ("setting", "says"),
    [
        ("roles: []", "roles: an empty list says nothing"),
        ("use: []", "use: an empty list says nothing"),
        ("include: []", "include: an empty list says nothing"),
        ('roles: ""', "roles: an empty value says nothing"),
        ('text_field: ""', "text_field: expected a string, found an empty string"),
    ],
)
def test_an_empty_setting_in_the_configuration_is_refused_where_it_is(
    tmp_path: Path, index_dir: Path, setting: str, says: str
) -> None:
    data = write_jsonl(tmp_path / "data" / "a.jsonl", [{"text": "a clean note about tomato plants"}])
    (tmp_path / ".provcheck.yaml").write_text(f"index: {index_dir}\n{setting}\n", encoding="utf-8")
    out = run_cli(["scan", data, "--config", tmp_path / ".provcheck.yaml"], code=6)
    assert f".provcheck.yaml:2: {says}" in out.stderr


STRICT = BLOCK_POLICY
LENIENT = BLOCK_POLICY.replace("action: block", "action: info")


def _linked_gate_repo(tmp_path: Path, index_dir: Path) -> GitRepo:
    """A dataset repository whose policy and waivers file are symbolic links into folders."""
    repo = GitRepo(tmp_path / "dataset", isolated_env(tmp_path))
    repo.write("policies/strict.yaml", STRICT)
    repo.write("policies/lenient.yaml", LENIENT)
    repo.write("waivers/reviewed.yaml", "version: 1\nwaivers: []\n")
    everything = (
        "version: 1\nwaivers:\n"
        "  - {rule: openai-no-competing-models, reason: r, approver: a, date: 2025-01-01}\n"
    )
    repo.write("waivers/open.yaml", everything)
    (repo.path / "policy.yaml").symlink_to("policies/strict.yaml")
    (repo.path / "waivers.yaml").symlink_to("waivers/reviewed.yaml")
    repo.write(".provcheck.yaml", f"index: {index_dir}\npolicy: policy.yaml\nwaivers: waivers.yaml\n")
    repo.write("data/train.jsonl", gitjsonl(gitclean(i) for i in range(2)))
    repo.git("add", ".")
    repo.commit("dataset")
    return repo


@pytest.mark.parametrize(
    ("link", "target"), [("policy.yaml", "policies/lenient.yaml"), ("waivers.yaml", "waivers/open.yaml")]
)
def test_retargeting_a_linked_gate_file_beside_a_copy_is_refused(
    tmp_path: Path, index_dir: Path, link: str, target: str
) -> None:
    repo = _linked_gate_repo(tmp_path, index_dir)
    (repo.path / link).unlink()
    (repo.path / link).symlink_to(target)
    repo.append("data/train.jsonl", gitjsonl([restricted(1, "copy")]))
    repo.git("add", ".")
    named = link if link == "policy.yaml" else target  # a scope waiver is named where it is
    refused = repo.provcheck("hook", "run", code=6)
    assert named in refused.stderr
    repo.git("commit", "-q", "-m", "retarget", "--no-verify")
    ci = repo.provcheck("scan", "--changed-since", "HEAD~1", "-q", code=6)
    assert named in ci.stderr
    # On its own, the change of the gate is judged (nothing else to judge) and goes in.
    repo.git("reset", "-q", "HEAD~1")
    repo.git("add", link)
    repo.provcheck("hook", "run")


def test_index_add_writes_no_index_among_other_files_and_cleans_what_it_made(
    tmp_path: Path, reference_file: Path
) -> None:
    data = tmp_path / "data"
    write_jsonl(data / "train.jsonl", [{"text": "a clean note about tomato plants"}])
    out = run_cli(["index", "add", data, reference_file, "--source", "s"], code=2)
    assert "a directory that is not an index" in out.stderr and "train.jsonl" in out.stderr
    assert sorted(p.name for p in data.iterdir()) == ["train.jsonl"]
    empty = tmp_path / "refs" / "index"
    empty.mkdir()
    run_cli(["index", "add", empty, reference_file, "--source", "s", "--roles", "gtp"], code=4)
    assert list(empty.iterdir()) == []
    run_cli(["index", "add", empty, reference_file, "--source", "s", "-q"])  # the same folder, used
    assert (empty / "manifest.json").is_file()


def test_a_submodule_update_is_scanned_whatever_gitmodules_says_to_ignore(
    tmp_path: Path, index_dir: Path
) -> None:
    env = isolated_env(tmp_path)
    sub = GitRepo(tmp_path / "shared-data", env)
    sub.write("data/train.jsonl", gitjsonl([gitclean(1)]))
    sub.git("add", ".")
    sub.commit("data")
    repo = GitRepo(tmp_path / "dataset", env)
    repo.write("policy.yaml", BLOCK_POLICY)
    repo.write(".provcheck.yaml", f"index: {index_dir}\npolicy: policy.yaml\n")
    repo.git("-c", "protocol.file.allow=always", "submodule", "add", "-q", str(sub.path), "ds")
    repo.git("add", ".")
    repo.commit("dataset")
    repo.git("config", "-f", ".gitmodules", "submodule.ds.ignore", "all")
    repo.git("add", ".gitmodules")
    repo.commit("quieter status")
    ds = GitRepo(repo.path / "ds", env)
    ds.write("data/more.jsonl", gitjsonl([restricted(2)]))
    ds.git("add", ".")
    ds.commit("more data")
    repo.git("add", "ds")
    assert "ds/data/more.jsonl:1" in repo.provcheck("hook", "run", code=1).stderr
    repo.commit("update the data", "--no-verify")
    assert "ds/data/more.jsonl:1" in repo.provcheck("scan", "--changed-since", "HEAD~1", code=1).stdout


@pytest.mark.parametrize("setting", ["fail_on: never", "exclude: ['data/**']"])
def test_a_first_configuration_brought_beside_a_copy_under_a_command_line_gate_is_refused(
    tmp_path: Path, index_dir: Path, setting: str
) -> None:
    repo = GitRepo(tmp_path / "dataset", isolated_env(tmp_path))
    repo.write("policy.yaml", STRICT)
    repo.write("data/train.jsonl", gitjsonl(gitclean(i) for i in range(2)))
    repo.git("add", ".")
    repo.commit("dataset")
    gate = ["-i", str(index_dir), "-p", "policy.yaml"]
    repo.write(".provcheck.yaml", setting + "\n")
    repo.append("data/train.jsonl", gitjsonl([restricted(1, "copy")]))
    repo.git("add", ".")
    assert ".provcheck.yaml" in repo.provcheck("hook", "run", *gate, code=6).stderr
    repo.git("commit", "-q", "-m", "configure", "--no-verify")
    assert ".provcheck.yaml" in repo.provcheck("scan", "--changed-since", "HEAD~1", *gate, code=6).stderr
    # Brought on its own, it is the gate from then on.
    repo.git("reset", "-q", "HEAD~1")
    repo.git("add", ".provcheck.yaml")
    repo.provcheck("hook", "run", *gate)


def test_retargeting_a_linked_folder_of_the_policy_beside_a_copy_is_refused(
    tmp_path: Path, index_dir: Path
) -> None:
    repo = GitRepo(tmp_path / "dataset", isolated_env(tmp_path))
    repo.write("rules-strict/policy.yaml", STRICT)
    repo.write("rules-lenient/policy.yaml", LENIENT)
    (repo.path / "rules").symlink_to("rules-strict")
    repo.write(".provcheck.yaml", f"index: {index_dir}\npolicy: rules/policy.yaml\n")
    repo.write("data/train.jsonl", gitjsonl(gitclean(i) for i in range(2)))
    repo.git("add", ".")
    repo.commit("dataset")
    (repo.path / "rules").unlink()
    (repo.path / "rules").symlink_to("rules-lenient")
    repo.append("data/train.jsonl", gitjsonl([restricted(1, "copy")]))
    repo.git("add", ".")
    assert "(rules)" in repo.provcheck("hook", "run", code=6).stderr


def test_merging_a_branch_whose_policy_changed_on_its_own_is_not_refused(
    tmp_path: Path, index_dir: Path
) -> None:
    repo = GitRepo(tmp_path / "dataset", isolated_env(tmp_path))
    repo.write("policy.yaml", STRICT)
    repo.write(".provcheck.yaml", f"index: {index_dir}\npolicy: policy.yaml\n")
    repo.write("data/train.jsonl", gitjsonl(gitclean(i) for i in range(2)))
    repo.git("add", ".")
    repo.commit("dataset")
    repo.provcheck("hook", "install")
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("data/feature.jsonl", gitjsonl([gitclean(3)]))
    repo.git("add", ".")
    repo.commit("feature data")
    repo.git("checkout", "-q", "main")
    repo.write("policy.yaml", STRICT.replace("title: OpenAI", "title: Output of OpenAI"))
    repo.git("add", "policy.yaml")
    repo.commit("policy wording, on its own")
    repo.write("data/main.jsonl", gitjsonl([gitclean(4)]))
    repo.git("add", ".")
    repo.commit("main data")
    repo.git("checkout", "-q", "feature")
    merged = repo.git("merge", "--no-edit", "main", check=False)
    assert merged.returncode == 0, merged.stdout + merged.stderr
    # A branch that loosened the policy beside a copy in one commit is still refused.
    repo.git("checkout", "-q", "-b", "loose", "main")
    repo.write("policy.yaml", LENIENT)
    repo.write("data/copy.jsonl", gitjsonl([restricted(1, "copy")]))
    repo.git("add", ".")
    repo.git("commit", "-q", "-m", "loosen and copy", "--no-verify")
    repo.git("checkout", "-q", "main")
    refused = repo.git("merge", "--no-ff", "--no-edit", "loose", check=False)
    assert refused.returncode != 0
    assert "this is a merge" in refused.stderr
