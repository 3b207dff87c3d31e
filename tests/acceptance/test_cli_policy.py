"""Policies, markers, declared metadata, waivers and baseline as a user runs them."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from helpers import FIXTURES, REFERENCE_TEXTS, UNRELATED_TEXT, run_cli, write_jsonl

EDITED = REFERENCE_TEXTS[1].replace("reliable", "dependable")
DEFAULT = "provcheck:default"


def scan_json(args: list[object], code: int) -> dict:  # type: ignore[type-arg]
    result = run_cli(["scan", *args, "--format", "json", "-q"], code)
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def policy_file(tmp_path: Path, text: str = f"include: [{DEFAULT}]\n") -> Path:
    p = tmp_path / "policy.yaml"
    p.write_text(text)
    return p


def chats(path: Path, answers: list[str]) -> Path:
    return write_jsonl(
        path,
        [
            {"id": f"c{i}", "conversations": [{"from": "human", "value": "q"}, {"from": "gpt", "value": a}]}
            for i, a in enumerate(answers)
        ],
    )


def test_the_demo_blocks_allows_and_waives(tmp_path: Path) -> None:
    idx = tmp_path / "demo-index"
    run_cli(["index", "build", idx, "--sources", FIXTURES / "demo" / "sources.yaml", "-q"])
    demo = FIXTURES / "demo"
    args = [demo / "dataset", "-i", idx, "-p", demo / "policy.yaml", "--waivers", demo / "waivers.yaml"]
    doc = scan_json(args, 1)
    by_record = {}
    for f in doc["findings"]:
        key = (f["record"] or {}).get("id") or f["path"]
        by_record.setdefault(key, []).append(f)
    assert {(f["rule"], f["action"], f["waived"]) for f in by_record["conv-002"]} == {
        ("openai-no-competing-models", "block", False),
        # ShareGPT released no licence (reference §6): reviewed, never silent (counsel 23).
        ("unlicensed-material", "review", False),
    }
    assert {(f["rule"], f["action"]) for f in by_record["conv-005"]} == {
        ("deepseek-training-permitted", "info")
    }
    # The demo's waiver for conv-007 is approved at example.com: claimed, not credited (counsel
    # 21), its finding open.
    (waived,) = by_record["conv-007"]
    assert not waived["waived"] and waived["waiver"]["approver"] == "data-governance@example.com"
    assert waived["waiver_state"] == "not-credited" and waived["waiver"]["credited"] is False
    assert waived["marker"]["text"] == "As an AI language model" and waived["marker"]["start"] == 0
    card = by_record[str(demo / "dataset")]
    assert {(f["rule"], f["waiver_state"]) for f in card} == {
        ("declared-source-noncommercial", "expired"),
        ("openai-declared-source", "none"),
        # The card says apache-2.0 over a row copied from CC BY-NC material.
        ("declared-licence-contradicts-matched-noncommercial", "none"),
        # And over rows of OpenAI output: the label does not lift OpenAI's terms (counsel 16).
        ("declared-permissive-licence-over-provider-output", "none"),
        # Alpaca's README: research use only (outside counsel 21, P8): the declared source and
        # the card's licence over a row copied from it.
        ("declared-source-research-only", "none"),
        ("declared-licence-contradicts-matched-research-only", "none"),
    }
    (conflict,) = [f for f in card if f["rule"] == "declared-licence-contradicts-matched-noncommercial"]
    assert conflict["action"] == "review" and conflict["source"]["name"] == "alpaca-style-nc"
    assert conflict["clause"]["url"] == "https://creativecommons.org/licenses/by-nc/4.0/legalcode"
    assert doc["waivers"]["waived"] == 0 and doc["waivers"]["expired"] == 1 and doc["waivers"]["stale"] == []
    assert doc["waivers"]["not_credited"] == 1 and doc["summary"]["waived"] == 0
    nc = next(f for f in doc["findings"] if f["rule"] == "noncommercial-licence-in-commercial-use")
    assert [s["name"] for s in nc["chain"]] == [
        "alpaca-style-nc",
        "tatsu-lab/alpaca",
        "model:openai/text-davinci-003",
    ]


def test_invalid_waivers_exit_3_with_every_problem_located(tmp_path: Path, index_dir: Path) -> None:
    data = chats(tmp_path / "d.jsonl", [UNRELATED_TEXT])
    bad = tmp_path / "w.yaml"
    bad.write_text("waivers:\n  - id: zz\n    reason: r\n  - rule: x\n    approver: a\n    date: tomorrow\n")
    result = run_cli(["scan", data, "-i", index_dir, "--waivers", bad], 3)
    assert f"{bad}:2: 'id' 'zz' is not a finding id" in result.stderr
    assert f"{bad}:2: 'approver' is required" in result.stderr
    assert f"{bad}:6: 'date': 'tomorrow' is not a date" in result.stderr
    run_cli(["scan", data, "-i", index_dir, "--waivers", tmp_path / "missing.yaml"], 2)


def test_the_default_waivers_file_is_read_from_the_current_directory(
    tmp_path: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = chats(tmp_path / "d.jsonl", [EDITED])
    policy = policy_file(tmp_path)
    doc = scan_json([data, "-i", index_dir, "-p", policy], 1)
    # The index's ShareGPT licence is no licence: unlicensed-material reviews it (counsel 23).
    assert sorted(f["rule"] for f in doc["findings"]) == ["openai-no-competing-models", "unlicensed-material"]
    (finding,) = [f for f in doc["findings"] if f["rule"] == "openai-no-competing-models"]
    (tmp_path / ".provcheck-waivers.yaml").write_text(
        f"waivers:\n  - id: {finding['id']}\n    reason: bought a licence\n    approver: legal\n"
        "    date: 2025-01-01\n  - rule: nothing-fires\n    reason: r\n    approver: a\n"
        "    date: 2025-01-01\n"
    )
    monkeypatch.chdir(tmp_path)
    doc = scan_json([data, "-i", index_dir, "-p", policy], 0)
    (waived,) = [f for f in doc["findings"] if f["id"] == finding["id"]]
    assert waived["waived"] and doc["verdict"]["blocking"] is False
    assert [s["rule"] for s in doc["waivers"]["stale"]] == ["nothing-fires"]
    result = run_cli(["scan", data, "-i", index_dir, "-p", policy], 0)
    assert "stale waiver (rule nothing-fires)" in result.stderr and "review (waived)" not in result.stdout
    assert "block (waived)" in result.stdout


def test_baseline_waives_everything_and_flags_the_placeholders(tmp_path: Path, index_dir: Path) -> None:
    marked = "As an AI language model, I cannot see images."
    data = chats(tmp_path / "d.jsonl", [EDITED, marked, UNRELATED_TEXT])
    policy = policy_file(tmp_path)
    out = tmp_path / "repo" / ".provcheck-waivers.yaml"
    out.parent.mkdir()
    before = scan_json([data, "-i", index_dir, "-p", policy], 1)
    assert {f["rule"] for f in before["findings"]} == {
        "openai-no-competing-models",
        "marker-ai-self-reference",
        "unlicensed-material",  # the index's ShareGPT licence is no licence (counsel 23)
    }
    result = run_cli(["baseline", data, "-i", index_dir, "-p", policy, "-o", out], 0)
    assert "3 waiver(s) written" in result.stderr and "placeholder" in result.stderr
    assert sorted(p.name for p in out.parent.iterdir()) == [".provcheck-waivers.yaml"]  # atomic: no temp file
    doc = scan_json([data, "-i", index_dir, "-p", policy, "--waivers", out], 0)
    assert all(f["waived"] and f["waiver"]["placeholder"] for f in doc["findings"])
    assert doc["waivers"]["placeholders"] == 3
    result = run_cli(["scan", data, "-i", index_dir, "-p", policy, "--waivers", out], 0)
    assert "WARNING: 3 waiver(s) still have the baseline placeholder" in result.stderr
    assert "PLACEHOLDER" in result.stdout
    # A second baseline adds only what is new, keeping what people wrote in the file.
    text = out.read_text().replace("approver: TODO", "approver: jane", 1) + "  # reviewed 2025-03\n"
    out.write_text(text)
    chats(tmp_path / "d.jsonl", [EDITED, marked, REFERENCE_TEXTS[0]])
    result = run_cli(["baseline", data, "-i", index_dir, "-p", policy, "-o", out], 0)
    assert "2 waiver(s) written" in result.stderr  # its copy and its missing licence
    new = out.read_text()
    assert new.startswith(text) and new.count("- id:") == 5


def test_markers_are_found_in_worker_processes_too(tmp_path: Path, index_dir: Path) -> None:
    answers = [f"{UNRELATED_TEXT} ({i})" for i in range(700)]
    for i in (3, 350, 699):
        answers[i] = f"Sure. As an AI language model, I can explain item {i}."
    data = chats(tmp_path / "many.jsonl", answers)
    policy = policy_file(tmp_path, "include: [provcheck:markers]\n")
    one = scan_json([data, "-i", index_dir, "-p", policy, "-j", "1"], 0)
    two = scan_json([data, "-i", index_dir, "-p", policy, "-j", "2"], 0)
    assert two["run"]["workers"] == 2
    ids = sorted(f["record"]["id"] for f in two["findings"])
    # Each turn has two markers ("As an AI language model" is in two marker lists): one finding.
    assert ids == ["c3", "c350", "c699"] and two["stats"]["markers"] == one["stats"]["markers"] == 6
    assert sorted(f["id"] for f in one["findings"]) == sorted(f["id"] for f in two["findings"])


def test_declared_metadata_is_read_and_a_bad_manifest_is_an_input_error(
    tmp_path: Path, index_dir: Path
) -> None:
    root = tmp_path / "ds"
    chats(root / "train" / "part.jsonl", [UNRELATED_TEXT])
    (root / "README.md").write_text(
        "---\nlicense: cc-by-nc-4.0\nsource_datasets: [tatsu-lab/alpaca]\n---\n# Card\n"
    )
    policy = policy_file(tmp_path)
    doc = scan_json([root, "-i", index_dir, "-p", policy], 1)
    assert [f["path"] for f in doc["files"]] == [str(root / "train" / "part.jsonl")]  # the card is not data
    rules = {(f["rule"], f["action"]) for f in doc["findings"]}
    assert rules == {
        ("declared-noncommercial-licence", "block"),
        ("declared-source-noncommercial", "review"),
        ("declared-source-research-only", "review"),
        ("openai-declared-source", "review"),
    }
    nc = next(f for f in doc["findings"] if f["rule"] == "declared-source-noncommercial")
    assert "text-davinci-003 output, CC-BY-NC-4.0" in nc["message"]
    assert nc["declaration"] == {
        "file": os.path.join(str(root), "README.md"),
        "line": 3,
        "key": "source_datasets",
        "value": "tatsu-lab/alpaca",
        "dataset": str(root),
        "sha256": hashlib.sha256((root / "README.md").read_bytes()).hexdigest(),  # the card as read
    }
    (root / "train" / "provenance.yaml").write_text("license: mit\nvendor: acme\n")
    doc = scan_json([root, "-i", index_dir, "-p", policy, "--use-only", "--use", "non-commercial"], 4)
    assert doc["errors"][0]["path"] == os.path.join(str(root / "train"), "provenance.yaml")
    assert doc["errors"][0]["line"] == 2 and "unknown key 'vendor'" in doc["errors"][0]["message"]


def test_policy_validate_reports_every_problem_with_exit_3(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("include: [b.yaml]\n")
    (tmp_path / "b.yaml").write_text("include: [a.yaml]\n")
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        """\
version: 1
colour: blue
disable: [no-such-rule]
terms:
  t:
    document: T
    versions:
      - effective: 2024-02-30
        clauses: {c: {quote: q}}
rules:
  - id: r1
    title: t
    action: block
    when: {source.provider: [openai], use.commercial: maybe}
    clause: {terms: t, clause: missing}
  - id: r2
    title: t
    signal: marker
    action: review
    when: {source.provider: openai}
"""
    )
    result = run_cli(["policy", "validate", bad, tmp_path / "a.yaml"], 3)
    err = result.stderr
    assert f"{bad}:2:1: unknown key 'colour'" in err
    assert f"{bad}:8: effective: '2024-02-30' is not a date" in err
    # Structure is checked by policies/policy.schema.json; the value is located and named.
    assert (
        f"{bad}:14:39: rule 'r1': when use.commercial: expected true or false or a mapping, found 'maybe'"
        in err
    )
    assert f"{bad}:20: rule 'r2': source.provider is never set for signal 'marker'" in err
    assert f"{bad}:3: disable: no rule 'no-such-rule' is defined" in err
    assert "include cycle" in err
    run_cli(["policy", "validate", *sorted((FIXTURES.parent / "policies").glob("*.yaml"))], 0)


def test_policy_list_and_explain_show_the_packs_and_their_citations() -> None:
    listing = run_cli(["policy", "list"]).stdout
    for pack in (
        "openai",
        "anthropic",
        "google",
        "meta-llama",
        "qwen",
        "xai",
        "mistral",
        "deepseek",
        "cohere",
    ):
        assert f"provcheck:{pack}" in listing
    assert "provcheck:dataset-licences" in listing and "provcheck:markers" in listing
    out = run_cli(["policy", "explain", "anthropic-no-training-without-authorization"]).stdout
    assert "Anthropic Usage Policy" in out and "effective 2025-09-15" in out and "[V-P]" in out
    assert "source.date >= 2025-09-15" in out
    out = run_cli(["policy", "explain", "openai-no-competing-models"]).stdout
    assert "2023-03-14" in out and "2024-01-31" in out and "use output from the Services" in out
    run_cli(["policy", "explain", "no-such-rule"], 2)
    # The condition in words, as the HTML report says it, and as the policy spells it.
    said = " ".join(out.split())
    assert "applies when all of: (1) the source's provider is “openai”" in said, out
    assert "as written source.provider = 'openai'" in said, out
