"""Every text a record carries is scanned: reasoning traces, tool calls, content blocks.

The fixtures in ``fixtures/formats`` are records in the published shapes of DeepSeek
(``reasoning_content``), OpenAI (``tool_calls``, multi-part content) and Anthropic Messages
(``thinking``, ``redacted_thinking``, ``tool_use``, ``tool_result`` blocks). Each hides a
verbatim reference text in a part that is not the visible answer.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from helpers import FIXTURES, REFERENCE_TEXTS, run_cli, write_jsonl

FORMATS = FIXTURES / "formats"
BLOCK_POLICY = """\
use: {purpose: train-competing-model}
rules:
  - id: openai-compete
    title: OpenAI output in a competing model
    when: {source.provider: openai, use.purpose: train-competing-model}
    action: block
    message: copies {source.name}
"""


def scan_json(args: list[Any], code: int) -> dict[str, Any]:
    result = run_cli(["scan", *args, "--format", "json", "-q"], code)
    return json.loads(result.stdout)  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("fixture", "field", "kind", "reference"),
    [
        ("deepseek_reasoning.jsonl", "messages[1].reasoning_content", "reasoning", 0),
        ("anthropic_blocks.jsonl", "messages[1].content[0].thinking", "reasoning", 1),
        ("openai_tool_calls.jsonl", "messages[2].tool_calls[0].function.arguments", "tool_call", 2),
        ("anthropic_blocks.jsonl", "messages[2].content[0].content", "tool", 0),
    ],
)
def test_a_copy_hidden_in_reasoning_or_tool_parts_is_found(
    tmp_path: Path, index_dir: Path, fixture: str, field: str, kind: str, reference: int
) -> None:
    path = FORMATS / fixture
    assert REFERENCE_TEXTS[reference] in path.read_text(encoding="utf-8")  # verbatim, as the fixture has it
    doc = scan_json([path, "-i", index_dir], 0)  # the default policy reviews matches
    turns = [(m["record"]["turn"]["field"], m["record"]["turn"]["kind"]) for m in doc["matches"]]
    assert (field, kind) in turns, turns
    policy = tmp_path / "policy.yaml"
    policy.write_text(BLOCK_POLICY)
    blocked = scan_json([path, "-i", index_dir, "-p", policy], 1)
    assert field in {f["record"]["turn"]["field"] for f in blocked["findings"] if f["action"] == "block"}


def test_roles_select_reasoning_and_tool_calls(index_dir: Path) -> None:
    deepseek, openai = FORMATS / "deepseek_reasoning.jsonl", FORMATS / "openai_tool_calls.jsonl"
    assert scan_json([deepseek, "-i", index_dir, "--roles", "assistant"], 0)["matches"] == []
    (match,) = scan_json([deepseek, "-i", index_dir, "--roles", "reasoning"], 0)["matches"]
    assert match["record"]["turn"]["role"] == "reasoning_content"
    assert len(scan_json([openai, "-i", index_dir, "--roles", "tool_call"], 0)["matches"]) == 1
    doc = scan_json([openai, "-i", index_dir, "--roles", "user,assistant"], 0)
    assert doc["matches"] == []
    skipped = {(s["field"], s["reason"]): s["count"] for s in doc["files"][0]["fields"]["skipped"]}
    assert skipped[("messages[].tool_calls[].function.arguments", "role")] == 1


def test_the_report_says_what_was_read_and_what_was_not(tmp_path: Path, index_dir: Path) -> None:
    doc = scan_json([FORMATS / "anthropic_blocks.jsonl", "-i", index_dir], 0)
    fields = doc["files"][0]["fields"]
    read = {r["field"]: r["count"] for r in fields["read"]}
    assert read["messages[].content[].thinking"] == 1 and read["messages[].content[].input"] == 1
    skipped = {(s["field"], s["reason"]): s["count"] for s in fields["skipped"]}
    assert skipped[("messages[].content[].data", "encoded")] == 1  # redacted_thinking
    assert skipped[("messages[].content[].tool_use_id", "id")] == 1
    assert doc["summary"]["not_read"]["encoded"] == 2 and "not read" in doc["summary"]["coverage"]
    summary = run_cli(["scan", FORMATS / "anthropic_blocks.jsonl", "-i", index_dir], 0).stderr
    assert "Coverage:" in summary and "2 encoded or encrypted value(s)" in summary
    needles = {
        "markdown": "Coverage:",
        "html": "2 encoded or encrypted value(s)",
        "junit": 'name="coverage"',
        "sarif": '"notRead"',
        "text": "Coverage:",
    }
    for fmt, needle in needles.items():
        out = tmp_path / f"report.{fmt}"
        run_cli(["scan", FORMATS / "anthropic_blocks.jsonl", "-i", index_dir, "-f", fmt, "-o", out, "-q"], 0)
        assert needle in out.read_text(encoding="utf-8"), fmt


def test_parts_nested_past_the_limit_are_located_errors(tmp_path: Path, index_dir: Path) -> None:
    deep: Any = {"note": REFERENCE_TEXTS[2]}
    for _ in range(80):
        deep = {"wrap": deep}
    path = write_jsonl(tmp_path / "deep.jsonl", [{"text": "an ordinary short record of text", "meta": deep}])
    doc = scan_json([path, "-i", index_dir], 4)
    (error,) = doc["errors"]
    assert error["kind"] == "limit" and error["field"].startswith("meta.wrap.wrap") and error["line"] == 1
    assert doc["files"][0]["records"] == 1 and doc["summary"]["not_read"] == {"limit": 1}
    # As reference material too: the part is an error, the rest of the record is added.
    added = run_cli(["index", "add", tmp_path / "idx", path, "--source", "deep"], 4)
    assert "nested deeper than 64 levels" in added.stderr and "1 records" in added.stderr


def test_field_counts_add_up_across_worker_processes(tmp_path: Path, index_dir: Path) -> None:
    rows = [
        {
            "id": f"r{i}",
            "messages": [
                {"role": "user", "content": f"question {i}"},
                {"role": "assistant", "reasoning_content": f"thinking about {i}", "content": "an answer"},
            ],
            "source": "gen-v1",
            "link": f"https://example.com/{i}",
        }
        for i in range(700)  # three batches of 256: a pool of processes reads them
    ]
    data = write_jsonl(tmp_path / "d.jsonl", rows)
    one, two = (scan_json([data, "-i", index_dir, "-j", n], 0) for n in (1, 2))
    assert one["run"]["workers"] == 1 and two["run"]["workers"] == 2
    assert one["files"] == two["files"] and one["summary"] == two["summary"]
    fields = one["files"][0]["fields"]
    assert {r["field"]: r["count"] for r in fields["read"]} == {
        "messages[].content": 1400,
        "messages[].reasoning_content": 700,
    }
    assert one["summary"]["not_read"] == {"id": 700, "url": 700, "label": 2100}


def test_records_answered_from_the_cache_are_counted_the_same(tmp_path: Path, index_dir: Path) -> None:
    data = FORMATS / "anthropic_blocks.jsonl"
    args = [data, "-i", index_dir, "--cache-dir", tmp_path / "cache"]
    first, second = scan_json(args, 0), scan_json(args, 0)
    assert first["files"] == second["files"] and first["summary"] == second["summary"]
    assert first["files"][0]["fields"]["skipped"] and len(second["matches"]) == 2


def test_a_models_reasoning_and_tool_calls_are_reference_material_by_default(tmp_path: Path) -> None:
    # DeepSeek: each answer and its reasoning; Anthropic: thinking, answers and the tool_use
    # call, but not the tool_result (a tool's output is not the model's).
    for fixture, turns in (("deepseek_reasoning.jsonl", 4), ("anthropic_blocks.jsonl", 5)):
        out = run_cli(["index", "add", tmp_path / fixture, FORMATS / fixture, "--source", "s"]).stderr
        assert f"2 records, {turns} reference turns" in out, out
    only = run_cli(
        [
            "index",
            "add",
            tmp_path / "r",
            FORMATS / "deepseek_reasoning.jsonl",
            "--source",
            "s",
            "--roles",
            "reasoning",
        ]
    ).stderr
    assert "2 records, 2 reference turns" in only


@pytest.mark.parametrize("container", ["parquet", "arrow"])
def test_a_copy_in_an_arrow_map_column_is_read(tmp_path: Path, index_dir: Path, container: str) -> None:
    """Arrow map values come out as ``(key, value)`` tuples, which the walker did not enter: a
    copy in a map column beside a clean text column passed (exit 0, "every string was read")."""
    import pyarrow as pa
    import pyarrow.feather as feather
    import pyarrow.parquet as pq

    table = pa.table(
        {
            "text": ["a short clean note about tomato plants"],
            "extra": pa.array([[("answer", REFERENCE_TEXTS[1])]], type=pa.map_(pa.string(), pa.string())),
        }
    )
    data = tmp_path / f"d.{container}"
    if container == "parquet":
        pq.write_table(table, data)
    else:
        feather.write_feather(table, data, compression="uncompressed")
    policy = tmp_path / "policy.yaml"
    policy.write_text(BLOCK_POLICY)
    doc = scan_json([data, "-i", index_dir, "-p", policy], 1)
    (match,) = doc["matches"]
    assert match["record"]["turn"]["field"].startswith("extra")
