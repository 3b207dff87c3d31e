"""Adversarial pass 11: dataset layouts and command lines of real users that let a copy of
indexed text pass, or a given setting go unused. Each test fails on the code before its fix.

1. A chat serialised into one string column (``"data": json.dumps(conversation)``, a CSV cell
   ``dialog``), under a name that is not one of the chat keys decoded before detection, was
   read as it stands. ``json.dumps`` escapes every non-ASCII character by default, so a Chinese
   or Russian answer held there was one run of ``\\u5149\\u5408`` escapes: read, counted as
   read, and never matched (exit 0). JSON text holding a ``\\u`` escape is now decoded and its
   strings read at ``FIELD#json``.
2. ``-f json -o report.json -f html -o reports/report.html`` with no ``reports/`` folder: the
   whole scan ran, ``report.json`` was written, and only then the second output failed (exit 2):
   a CI step that keeps the JSON report kept a report of a run that failed, after hours of work
   on a large dataset (a ``--partial`` in a missing folder was an internal error). An output
   (``--output``, ``--partial``, baseline's ``-o``) whose folder does not exist, or that is a
   folder, is now refused before anything is read or written.
3. ``index build NEW --sources sources.yaml`` whose manifest names a missing file (a typo, a
   glob ``refs/*.jsonl``, a folder) created ``NEW`` with a lock and an empty ``shards/`` before
   failing: every scan then refused it as an index whose first ``index add`` did not finish.
   Every file of the manifest is now checked before the index is opened, and a first ``index
   add`` that fails on its input (no reference turn: ``--roles gtp``) removes the directory it
   made.
4. The CI gate (``scan --changed-since BASE``, as ``docs/ci/`` runs it on a pull request) judged
   the changes under the configuration they bring: a pull request adding a copy beside
   ``fail_on: never`` or an ``exclude:`` over its folder in ``.provcheck.yaml``, a softened
   policy, or a scope waiver ``rule: "*"`` passed with exit 0, where the hook refuses the same
   commit (exit 6). A contributor without the hook (or with ``--no-verify``) went through CI.
   ``scan --changed-since`` now refuses such a mix as the hook does (exit 6); a change of the
   configuration on its own is still scanned.
5. ``index build`` run again on its index (a file added to the manifest, as anyone does) or a
   repeated ``index add`` added every unchanged file again: each source held its records two,
   three times, and every report (counsel's "texts indexed" per source, ``index info``) counted
   them so. A file whose bytes its source already holds is now not added again, and says so; a
   changed version of a file added before is added with a note that the old one stays.
6. ``provcheck hook install`` wrote a pre-commit hook only, and git runs no pre-commit hook for a
   merge it completes by itself: ``git merge feature`` committed the copies of a branch made with
   ``--no-verify`` (or by a colleague without the hook) unchecked, although the docs say a merge
   commit's new records are scanned. The same hook is now installed as ``pre-merge-commit``.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from gitrepo import BLOCK_POLICY, REVIEW_POLICY, GitRepo, clean, isolated_env, jsonl, restricted
from helpers import run_cli, write_jsonl

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


def _json(path: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return doc


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


def test_a_chat_serialised_into_one_column_with_escaped_characters_is_read(
    tmp_path: Path, intl_index: Path
) -> None:
    chat = [{"role": "user", "content": "Explain it"}, {"role": "assistant", "content": CHINESE}]
    rows = [
        {"id": 1, "data": json.dumps({"messages": chat})},  # json.dumps: ensure_ascii by default
        {"id": 2, "conversation_json": json.dumps(chat)},
        {"instruction": "Explain it", "output": json.dumps(RUSSIAN)},  # a JSON string literal
        # Not decoded: JSON without escapes (read as it stands), and escapes of no JSON text.
        {"id": 4, "meta": json.dumps({"note": "an ascii note of our own, nothing to decode"})},
    ]
    data = write_jsonl(tmp_path / "data" / "train.jsonl", rows)
    with open(tmp_path / "data" / "export.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "dialog"])
        writer.writerow(["7", json.dumps(chat)])
    out = tmp_path / "r.json"
    run_cli(["scan", data.parent, "-i", intl_index, "--no-cache", "-q", "-f", "json", "-o", out])
    doc = _json(out)
    found = sorted(
        (m["record"]["path"].rsplit("/", 1)[-1], m["record"]["turn"]["field"]) for m in doc["matches"]
    )
    assert found == [
        ("export.csv", "dialog#json"),
        ("train.jsonl", "conversation_json#json"),
        ("train.jsonl", "data#json"),
        ("train.jsonl", "output#json"),
    ]
    assert all(m["scores"]["similarity"] > 0.99 for m in doc["matches"])
    read = {c["field"] for f in doc["files"] for c in f["fields"]["read"]}
    assert "meta" in read and "meta#json" not in read


@pytest.mark.parametrize(
    "extra",
    [
        ["-f", "json", "-o", "{tmp}/report.json", "-f", "html", "-o", "{tmp}/reports/report.html"],
        ["-f", "json", "-o", "{tmp}/report.json", "-f", "csv", "-o", "{tmp}"],
        ["-f", "json", "-o", "{tmp}/report.json", "--shard", "1/2", "--partial", "{tmp}/parts/p1.pcp"],
    ],
)
def test_an_output_that_cannot_be_written_is_refused_before_any_is_written(
    tmp_path: Path, index_dir: Path, extra: list[str]
) -> None:
    data = write_jsonl(tmp_path / "data" / "a.jsonl", [{"text": "a clean note about tomato plants"}])
    args = [a.replace("{tmp}", str(tmp_path)) for a in extra]
    result = run_cli(["scan", data, "-i", index_dir, "--no-cache", "-q", *args], code=2)
    assert "does not exist" in result.stderr or "is a directory" in result.stderr
    assert not (tmp_path / "report.json").exists()


@pytest.mark.parametrize("missing", ["refs/*.jsonl", "refs/typo.jsonl", "refs"])
def test_index_build_of_a_manifest_naming_no_file_leaves_no_index_behind(
    tmp_path: Path, reference_file: Path, missing: str
) -> None:
    manifest = tmp_path / "sources.yaml"
    manifest.write_text(
        "sources:\n"
        f"  - path: {reference_file}\n    source: share\n    provider: openai\n"
        f"  - path: {missing}\n    source: other\n    provider: openai\n",
        encoding="utf-8",
    )
    new = tmp_path / "new-index"
    result = run_cli(["index", "build", new, "--sources", manifest, "-q"], code=2)
    assert "no such file" in result.stderr or "is a directory" in result.stderr
    assert not new.exists()


LOOSENINGS = {
    "fail-on-never": (".provcheck.yaml", "fail_on: never\n"),
    "exclude": (".provcheck.yaml", "exclude: ['data/new/**']\n"),
    "softened-policy": ("policy.yaml", None),
    "scope-waiver": (
        ".provcheck-waivers.yaml",
        "version: 1\nwaivers:\n  - rule: openai-no-competing-models\n"
        "    reason: fine\n    approver: a@example.org\n"
        "    date: 2026-01-01\n",
    ),
}


@pytest.fixture
def pull_request(tmp_path: Path, index_dir: Path) -> tuple[GitRepo, str]:
    """A dataset repository at its base commit, on a pull request's branch."""
    repo = GitRepo(tmp_path / "dataset", isolated_env(tmp_path))
    repo.write("policy.yaml", BLOCK_POLICY)
    repo.write(".provcheck.yaml", f"index: {index_dir}\npolicy: policy.yaml\ninclude: ['data/**']\n")
    repo.write(".provcheck-waivers.yaml", "version: 1\nwaivers: []\n")
    repo.write("data/train.jsonl", jsonl([clean(1)]))
    repo.git("add", ".")
    repo.commit("base", "--no-verify")
    base = repo.git("rev-parse", "HEAD").stdout.strip()
    repo.git("checkout", "-q", "-b", "pr")
    return repo, base


def _loosen(repo: GitRepo, how: str) -> None:
    path, text = LOOSENINGS[how]
    if text is None:
        repo.write(path, REVIEW_POLICY)
    elif path == ".provcheck.yaml":
        repo.append(path, text)
    else:
        repo.write(path, text)


@pytest.mark.parametrize("how", sorted(LOOSENINGS))
def test_the_ci_gate_refuses_a_change_that_loosens_it_beside_a_copy(
    pull_request: tuple[GitRepo, str], how: str
) -> None:
    repo, base = pull_request
    _loosen(repo, how)
    repo.write("data/new/x.jsonl", jsonl([restricted(1)]))
    repo.git("add", ".")
    repo.commit("loosen the gate and add data", "--no-verify")  # no hook on this machine
    refused = repo.provcheck("scan", "--changed-since", base, "-q", code=6).stderr
    assert "the changes since" in refused and "data/new/x.jsonl" in refused
    assert "on its own first" in refused
    # `scan data --changed-since`: the configuration lies outside the folder given, still refused.
    repo.provcheck("scan", "data", "--changed-since", base, "-q", code=6)


def test_the_ci_gate_scans_a_configuration_change_on_its_own(pull_request: tuple[GitRepo, str]) -> None:
    repo, base = pull_request
    _loosen(repo, "exclude")
    repo.git("add", ".")
    repo.commit("configuration on its own", "--no-verify")
    repo.provcheck("scan", "--changed-since", base, "-q", code=0)
    # After it is merged, the records are judged under the gate in force.
    merged = repo.git("rev-parse", "HEAD").stdout.strip()
    repo.write("data/more.jsonl", jsonl([restricted(2)]))
    repo.git("add", ".")
    repo.commit("data", "--no-verify")
    repo.provcheck("scan", "--changed-since", merged, "-q", code=1)


def test_index_build_run_again_does_not_add_the_same_files_twice(
    tmp_path: Path, reference_file: Path
) -> None:
    other = write_jsonl(
        tmp_path / "refs" / "other.jsonl",
        [
            {
                "instruction": "q",
                "output": "An answer of another model about tides and the moon's pull on the sea.",
            }
        ],
    )
    manifest = tmp_path / "sources.yaml"
    first = f"sources:\n  - path: {reference_file}\n    source: share\n    provider: openai\n"
    manifest.write_text(first, encoding="utf-8")
    idx = tmp_path / "idx"
    run_cli(["index", "build", idx, "--sources", manifest, "-q"])
    before = _json(idx / "manifest.json")["sources"]["share"]
    # A second source joins the manifest; the build is run again over the same index.
    manifest.write_text(
        first + f"  - path: {other}\n    source: other\n    provider: acme\n", encoding="utf-8"
    )
    result = run_cli(["index", "build", idx, "--sources", manifest])
    assert "holds these very bytes already" in result.stderr
    after = _json(idx / "manifest.json")["sources"]
    assert (after["share"]["records"], after["share"]["turns"]) == (before["records"], before["turns"])
    assert len(after["share"]["files"]) == 1 and after["other"]["records"] == 1
    run_cli(["index", "add", idx, reference_file, "--source", "share", "--provider", "openai", "-q"])
    assert _json(idx / "manifest.json")["sources"]["share"]["turns"] == before["turns"]
    # A changed file is added again, and the old version said to stay.
    with open(reference_file, "a", encoding="utf-8") as fh:
        fh.write(
            json.dumps({"id": "new", "text": "A new answer about the orbits of comets and their tails."})
            + "\n"
        )
    result = run_cli(["index", "add", idx, reference_file, "--source", "share", "--provider", "openai"])
    assert "also holds the version of this file added" in result.stderr


def test_a_first_index_add_that_fails_leaves_no_index_behind(tmp_path: Path, reference_file: Path) -> None:
    new = tmp_path / "new-index"
    args = ["index", "add", new, reference_file, "--source", "share", "--provider", "openai"]
    result = run_cli([*args, "--roles", "gtp", "-q"], code=4)
    assert "no reference turn to add" in result.stderr
    assert not new.exists()
    run_cli([*args, "-q"])
    # A later add that fails leaves the index as it was.
    before = (new / "manifest.json").read_text(encoding="utf-8")
    run_cli(
        ["index", "add", new, reference_file, "--source", "other", "--provider", "acme", "--roles", "gtp"],
        code=4,
    )
    assert (new / "manifest.json").read_text(encoding="utf-8") == before


def test_the_installed_hook_checks_a_merge_commit(tmp_path: Path, index_dir: Path) -> None:
    repo = GitRepo(tmp_path / "dataset", isolated_env(tmp_path))
    repo.write("policy.yaml", BLOCK_POLICY)
    repo.write(".provcheck.yaml", f"index: {index_dir}\npolicy: policy.yaml\ninclude: ['data/**']\n")
    repo.write("data/train.jsonl", jsonl([clean(1)]))
    repo.git("add", ".")
    repo.commit("dataset", "--no-verify")
    installed = repo.provcheck("hook", "install").stderr
    assert "pre-merge-commit" in installed
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("data/new.jsonl", jsonl([restricted(1)]))
    repo.git("add", ".")
    repo.commit("a colleague's commit, without the hook", "--no-verify")
    repo.git("checkout", "-q", "main")
    repo.write("data/other.jsonl", jsonl([clean(3)]))
    repo.git("add", ".")
    repo.commit("main moves on")  # the hook runs: clean
    merged = repo.git("merge", "--no-ff", "-m", "merge feature", "feature", check=False)
    assert merged.returncode != 0 and "commit refused: 1 blocking finding(s)" in merged.stderr
    assert "data/new.jsonl" not in repo.head_files()
    repo.git("merge", "--abort")
    removed = repo.provcheck("hook", "uninstall").stderr
    assert "pre-merge-commit" in removed
    assert not (repo.path / ".git" / "hooks" / "pre-merge-commit").exists()
