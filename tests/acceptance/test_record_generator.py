"""A record's own generator field is a declaration of its source.

FAIL-OPEN (found by the lead; helper gen16). Rows such as ``{"model": "gpt-4-0613", "messages":
[...]}`` (LMSYS-Chat, OpenAI-style logs), AlpacaEval's ``{"generator": "claude-2.1", ...}`` or
FastChat's ``{"model_id": "gpt-4", ...}`` say which model wrote their text, but provcheck read
only the text: a competing-model scan of such data with no matching index source said "No
findings" and exited 0. The name is now resolved to its provider (``policy/generators.py``) and
judged by the packs' declaration rules like a ``provenance.yaml`` naming that provider and
generator (``openai-declared-source``: ``review``, so ``--fail-on review`` fails the gate), located
at the first record that names it, with the field and the number of records; a name provcheck
does not know is listed with its record counts (``declared-generator-unknown``), never dropped.
Each test fails on the code before the change. Since decl17 such rows, which hold the text they
name the model for, get the stricter ``*-declared-output`` rules (``block``) instead
(``test_record_generator17.py``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gitrepo import GitRepo, clean, isolated_env, jsonl
from helpers import check_json_report, run_cli, write_jsonl
from provcheck.scan import fields

COMPETING = "include: [provcheck:default]\nuse: {purpose: train-competing-model, commercial: true}\n"


def _rows(model: Any, n: int = 3, key: str = "model") -> list[dict[str, Any]]:
    return [
        {
            key: model,
            "messages": [
                {"role": "user", "content": f"Question {i} about tomato plants?"},
                {"role": "assistant", "content": f"Answer {i}: water them in the morning."},
            ],
        }
        for i in range(n)
    ]


def _scan(tmp_path: Path, index_dir: Path, data: Path, *more: str, code: int = 0) -> dict[str, Any]:
    policy = tmp_path / "policy.yaml"
    policy.write_text(COMPETING, encoding="utf-8")
    args = ["scan", data, "-i", index_dir, "-p", policy, "--no-cache", "-q", "-f", "json", *more]
    doc: dict[str, Any] = json.loads(run_cli(args, code=code).stdout)
    check_json_report(doc)
    return doc


def test_a_model_field_naming_gpt4_gets_the_openai_declared_source_finding(
    tmp_path: Path, index_dir: Path
) -> None:
    data = write_jsonl(tmp_path / "chats.jsonl", [*_rows("Some-Local-Model", 1), *_rows("gpt-4-0613")])
    doc = _scan(tmp_path, index_dir, data, "--fail-on", "review", code=1)
    (finding,) = [f for f in doc["findings"] if f["rule"] == "openai-declared-output"]
    assert finding["action"] == "block"  # the rows hold the text they name gpt-4 for (decl17)
    d = finding["declaration"]
    assert (d["file"], d["line"], d["key"], d["value"], d["field"], d["records"]) == (
        str(data),
        2,
        "generator",
        "gpt-4-0613",
        "model",
        3,
    )
    assert finding["source"]["provider"] == "openai"
    assert "field model of 3 record(s)" in finding["message"]
    # The text report says where, which field and how many records.
    policy = tmp_path / "policy.yaml"
    text = run_cli(["scan", data, "-i", index_dir, "-p", policy, "--no-cache", "-q"], code=1).stdout
    flat = "".join(text.split())
    assert (
        "".join(f"declared in {data}:2 (field model of 3 record(s)): generator = gpt-4-0613".split()) in flat
    )


@pytest.mark.parametrize(
    ("key", "name", "provider", "rule"),
    [
        ("model", "GPT-4-0613", "openai", "openai-declared-output"),
        ("generator", "gpt4_1106_preview", "openai", "openai-declared-output"),
        ("model_id", "gpt-4", "openai", "openai-declared-output"),
        ("generator", "Claude 3 Opus", "anthropic", "anthropic-declared-output"),
        ("model_name", "gemini-1.5-pro", "google", "google-declared-output"),
        ("source_model", "grok-2", "xai", "xai-declared-output"),
        ("model", "meta-llama/Llama-2-70b-chat-hf", "meta", "llama-declared-output"),
    ],
)
def test_names_in_any_case_and_spelling_resolve_to_their_provider(
    tmp_path: Path, index_dir: Path, key: str, name: str, provider: str, rule: str
) -> None:
    data = write_jsonl(tmp_path / "rows.jsonl", _rows(name, 2, key))
    doc = _scan(tmp_path, index_dir, data, code=1)
    found = {f["rule"]: f for f in doc["findings"]}
    assert rule in found, doc["findings"]
    assert found[rule]["source"]["provider"] == provider
    assert found[rule]["declaration"]["field"] == key


def test_a_model_field_is_read_under_a_forced_text_field(tmp_path: Path, index_dir: Path) -> None:
    rows = [{"model": "gpt-4", "answer": f"Answer {i}: water them in the morning."} for i in range(2)]
    data = write_jsonl(tmp_path / "rows.jsonl", rows)
    doc = _scan(tmp_path, index_dir, data, "--text-field", "answer")
    assert "openai-declared-source" in {f["rule"] for f in doc["findings"]}


def test_a_parquet_model_column_is_read_without_a_line(tmp_path: Path, index_dir: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    data = tmp_path / "rows.parquet"
    table = pa.table({"model": ["claude-2.1", "claude-2.1"], "text": ["One note of ours.", "Another."]})
    pq.write_table(table, data)
    doc = _scan(tmp_path, index_dir, data)
    (finding,) = [f for f in doc["findings"] if f["rule"] == "anthropic-declared-source"]
    assert finding["declaration"]["line"] is None and finding["declaration"]["records"] == 2


def test_a_model_provcheck_does_not_know_is_counted_not_dropped(tmp_path: Path, index_dir: Path) -> None:
    rows = [*_rows("foo-7b", 12), *_rows("bar-13b", 2), *_rows(7, 1), *_rows(True, 1)]
    data = write_jsonl(tmp_path / "rows.jsonl", rows)
    doc = _scan(tmp_path, index_dir, data, "--fail-on", "review", code=1)
    (finding,) = doc["findings"]
    assert finding["rule"] == "declared-generator-unknown" and finding["action"] == "review"
    assert "16 record(s)" in finding["message"]
    assert "foo-7b (12), bar-13b (2)" in finding["message"], finding["message"]
    assert "7 (1)" in finding["message"] and "True (1)" in finding["message"]
    assert finding["declaration"]["line"] == 1
    # For a use no declaration rule is about, it is listed only.
    policy = tmp_path / "policy.yaml"
    policy.write_text("include: [provcheck:default]\nuse: {purpose: evaluation}\n", encoding="utf-8")
    args = ["scan", data, "-i", index_dir, "-p", policy, "--no-cache", "-q", "-f", "json"]
    (listed,) = json.loads(run_cli([*args, "--fail-on", "info"], code=1).stdout)["findings"]
    assert listed["rule"] == "declared-generator-unknown" and listed["action"] == "info"


def test_objects_and_lists_in_a_model_field_are_no_traceback(tmp_path: Path, index_dir: Path) -> None:
    rows = [
        *_rows({"name": "grok-2", "temperature": 0}, 1),
        *_rows({"size": 3}, 2),
        *_rows(["gpt-4", "claude-2"], 1),
        *_rows(None, 1),
    ]
    data = write_jsonl(tmp_path / "rows.jsonl", rows)
    doc = _scan(tmp_path, index_dir, data, code=1)
    found = {f["rule"]: f for f in doc["findings"]}
    assert {"openai-declared-output", "anthropic-declared-output", "xai-declared-output"} <= set(found)
    assert "(an object) (2)" in found["declared-generator-unknown"]["message"]


def test_many_different_models_in_one_file_are_a_located_limit(
    tmp_path: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fields, "MAX_GENERATORS", 40)  # 1,000 in use: AlpacaEval's 212 pass
    rows = [r for i in range(60) for r in _rows(f"gpt-4-variant-{i}", 1)]
    data = write_jsonl(tmp_path / "rows.jsonl", rows)
    doc = _scan(tmp_path, index_dir, data, code=1)  # the rows hold output: findings block (exit 1 before 4)
    assert any("60 different generators" in e["message"] for e in doc["errors"]), doc["errors"]
    assert len(doc["declarations"]) == 40


def test_a_records_model_is_judged_in_shards_and_the_hook(tmp_path: Path, index_dir: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    write_jsonl(data / "a.jsonl", [{"id": "x", "text": "A line of our own about the weather today."}])
    write_jsonl(data / "b.jsonl", _rows("gpt-3.5-turbo", 4))
    policy = tmp_path / "policy.yaml"
    policy.write_text(COMPETING, encoding="utf-8")
    parts = []
    for i in (1, 2):
        part = tmp_path / f"p{i}.pcp"
        args = ["scan", data, "-i", index_dir, "-p", policy, "--no-cache", "-q", "--shard", f"{i}/2"]
        run_cli([*args, "--partial", part, "-f", "json", "-o", tmp_path / f"s{i}.json"])
        parts.append(part)
    merged = json.loads(run_cli(["merge", *parts, "-f", "json", "-q", "--fail-on", "review"], code=1).stdout)
    (finding,) = [f for f in merged["findings"] if f["rule"] == "openai-declared-output"]
    assert finding["declaration"]["records"] == 4 and finding["declaration"]["line"] == 1
    repo = GitRepo(tmp_path / "dataset", isolated_env(tmp_path))
    repo.write("policy.yaml", COMPETING)
    repo.write(".provcheck.yaml", f"index: {index_dir}\npolicy: policy.yaml\nfail_on: review\n")
    repo.write("data/train.jsonl", jsonl([clean(0)]))
    repo.git("add", ".")
    repo.commit("dataset", "--no-verify")
    repo.append("data/train.jsonl", jsonl(_rows("gpt-4o", 1)))
    repo.git("add", ".")
    refused = repo.provcheck("hook", "run", code=1).stderr
    assert "openai-declared-output" in refused, refused


def test_the_unknown_model_rule_is_built_in(tmp_path: Path) -> None:
    shown = run_cli(["policy", "explain", "declared-generator-unknown"]).stdout
    assert "built in" in shown and "model/generator fields" in shown
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        "include: [provcheck:default]\ndisable: [declared-generator-unknown]\n", encoding="utf-8"
    )
    refused = run_cli(["policy", "validate", policy], code=3)
    assert "built into provcheck" in refused.output, refused.output
