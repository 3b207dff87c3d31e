"""Models records name in more shapes, and a record that names its generator and holds its text.

FAIL-OPEN (helper decl17). Only ``model``, ``generator``, ``model_name``, ``model_id`` and
``source_model`` holding a string (at any depth) or, at the top level only, a number or an
object were read as a record's declaration of its generator. Real datasets name it otherwise:
Chatbot Arena's ``model_a``/``model_b``, preference sets' ``chosen_model``/``rejected_model``,
UltraFeedback's ``models`` list and ``completions[].model`` objects, AlpacaEval annotations'
``generator_1``/``generator_2``: those names were read as short text (matching nothing) or, as
an object or number below the top level, not at all, and a competing-model scan said "No
findings" with exit 0.

DECISION (stricter reading). A record that names its generator *and* holds the text (an
assistant turn, an output, a response the scan read) says who wrote that text: the packs'
``*-declared-output`` rules block, citing the clause of their ``*-declared-source`` rule, which
keeps ``review`` for dataset cards, manifests and records holding no output (an OpenAI
batch-request file names the model its prompts go to). The facts are ``declared.by`` (``card``,
``manifest``, ``record``) and ``declared.carries_output``. Each test fails on the code before.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gitrepo import GitRepo, clean, isolated_env, jsonl
from helpers import check_json_report, run_cli, write_jsonl

COMPETING = "include: [provcheck:default]\nuse: {purpose: train-competing-model, commercial: true}\n"
ANSWER = "Water them deeply in the early morning and mulch the soil."


def _scan(tmp_path: Path, index_dir: Path, data: Path, *more: str, code: int = 0) -> dict[str, Any]:
    policy = tmp_path / "policy.yaml"
    if not policy.exists():
        policy.write_text(COMPETING, encoding="utf-8")
    args = ["scan", data, "-i", index_dir, "-p", policy, "--no-cache", "-q", "-f", "json", *more]
    doc: dict[str, Any] = json.loads(run_cli(args, code=code).stdout)
    check_json_report(doc)
    return doc


def _by_rule(doc: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for f in doc["findings"]:
        out.setdefault(f["rule"], []).append(f)
    return out


def _chat(model_key: str, name: Any, i: int) -> dict[str, Any]:
    return {
        model_key: name,
        "messages": [
            {"role": "user", "content": f"Question {i} about tomato plants?"},
            {"role": "assistant", "content": f"Answer {i}: {ANSWER}"},
        ],
    }


SHAPES: list[tuple[str, dict[str, Any], str, str]] = [
    (
        "ultrafeedback-object",
        {
            "instruction": "How should tomato plants be watered?",
            "completions": [{"model": {"name": "gpt-4", "temperature": 1}, "response": ANSWER}],
        },
        "completions[].model",
        "openai-declared-output",
    ),
    (
        "arena",
        {
            "question_id": "q1",
            "model_a": "gpt-4-0613",
            "model_b": "vicuna-13b",
            "winner": "model_a",
            "conversation_a": [{"role": "user", "content": "How to water tomatoes?"}],
            "conversation_b": [{"role": "user", "content": "How to water tomatoes?"}],
        },
        "model_a",
        "openai-declared-source",
    ),
    (
        "preference",
        {
            "prompt": "How to water tomatoes?",
            "chosen": ANSWER,
            "rejected": "No idea.",
            "chosen_model": "claude-2",
        },
        "chosen_model",
        "anthropic-declared-output",
    ),
    (
        "preference-hyphen",
        {"prompt": "How to water tomatoes?", "chosen": ANSWER, "rejected": "No.", "chosen-model": "grok-1"},
        "chosen-model",
        "xai-declared-output",
    ),
    (
        "models-list",
        {"instruction": "How to water tomatoes?", "models": ["gemini-pro", "vicuna-13b"], "text": ANSWER},
        "models[]",
        "google-declared-source",
    ),
    (
        "alpacaeval-annotations",
        {"instruction": "How?", "output_1": ANSWER, "output_2": "No.", "generator_1": "gpt4_1106_preview"},
        "generator_1",
        # output_1/output_2 are answers (``paired-outputs``; before, text of no speaker: review)
        "openai-declared-output",
    ),
]


@pytest.mark.parametrize(("data", "field", "rule"), [s[1:] for s in SHAPES], ids=[s[0] for s in SHAPES])
def test_more_shapes_of_a_records_generator_are_declarations(
    tmp_path: Path, index_dir: Path, data: dict[str, Any], field: str, rule: str
) -> None:
    path = write_jsonl(tmp_path / "rows.jsonl", [data, data])
    doc = _scan(tmp_path, index_dir, path, "--fail-on", "never")
    found = _by_rule(doc)
    assert rule in found, doc["findings"]
    (finding,) = found[rule]
    assert finding["declaration"]["field"] == field and finding["declaration"]["records"] == 2
    assert finding["action"] == ("block" if rule.endswith("-declared-output") else "review"), finding


def test_a_nested_model_of_no_name_is_counted_not_dropped(tmp_path: Path, index_dir: Path) -> None:
    rows = [
        {"text": "Our own notes on tomatoes.", "completions": [{"model": 7, "response": ANSWER}]},
        {"text": "Our own notes on peppers.", "completions": [{"model": {"size": 3}, "response": ANSWER}]},
        {"text": "Our own notes on beans.", "models": [{"id": "claude-2"}, 12]},
    ]
    doc = _scan(tmp_path, index_dir, write_jsonl(tmp_path / "rows.jsonl", rows), "--fail-on", "never")
    found = _by_rule(doc)
    (unknown,) = found["declared-generator-unknown"]
    assert "7 (1)" in unknown["message"] and "(an object) (1)" in unknown["message"], unknown["message"]
    assert "12 (1)" in unknown["message"], unknown["message"]
    assert found["anthropic-declared-source"][0]["declaration"]["field"] == "models[]"


def test_a_record_naming_its_generator_and_holding_its_text_blocks(tmp_path: Path, index_dir: Path) -> None:
    data = write_jsonl(tmp_path / "chats.jsonl", [_chat("model", "gpt-4-0613", i) for i in range(3)])
    doc = _scan(tmp_path, index_dir, data, code=1)  # the default gate: --fail-on block
    found = _by_rule(doc)
    assert "openai-declared-source" not in found  # one finding, the stricter one
    (finding,) = found["openai-declared-output"]
    assert finding["action"] == "block"
    assert finding["declaration"]["output_records"] == 3 and finding["declaration"]["records"] == 3
    assert "hold its output" in finding["message"] and "3 of them holding model output" in finding["message"]
    # The same clause as the declared-source rule cites.
    shown = run_cli(["policy", "explain", "openai-declared-source"]).stdout
    clause = finding["clause"]
    assert clause is not None and clause["quote"] in " ".join(shown.split()), (clause, shown)


def test_a_batch_request_file_naming_the_model_stays_review(tmp_path: Path, index_dir: Path) -> None:
    rows = [
        {
            "custom_id": f"request-{i}",
            "method": "POST",
            "url": "/v1/chat/completions",
            "body": {
                "model": "gpt-4",
                "messages": [{"role": "user", "content": f"Question {i} on tomatoes?"}],
            },
        }
        for i in range(2)
    ]
    doc = _scan(tmp_path, index_dir, write_jsonl(tmp_path / "batch.jsonl", rows))
    found = _by_rule(doc)
    assert "openai-declared-output" not in found
    (finding,) = found["openai-declared-source"]
    assert finding["action"] == "review" and finding["declaration"]["output_records"] == 0


def test_output_left_out_by_roles_is_not_carried(tmp_path: Path, index_dir: Path) -> None:
    data = write_jsonl(tmp_path / "chats.jsonl", [_chat("model", "claude-2.1", i) for i in range(2)])
    doc = _scan(tmp_path, index_dir, data, "--roles", "user")
    found = _by_rule(doc)
    assert "anthropic-declared-output" not in found and "anthropic-declared-source" in found


def test_a_card_declaring_the_generator_stays_review(tmp_path: Path, index_dir: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    write_jsonl(folder / "rows.jsonl", [{"instruction": "How?", "output": ANSWER}])
    (folder / "provenance.yaml").write_text("provider: openai\ngenerator: gpt-4\n", encoding="utf-8")
    doc = _scan(tmp_path, index_dir, folder)
    found = _by_rule(doc)
    assert "openai-declared-output" not in found and "openai-declared-source" in found


def test_the_fact_vocabulary_is_closed(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        "include: [provcheck:default]\nrules:\n  - id: mine\n    title: Mine\n    signal: declaration\n"
        "    when: {declared.by: recrod, declared.carries_output: true}\n    action: block\n"
        "    message: m\n",
        encoding="utf-8",
    )
    refused = run_cli(["policy", "validate", policy], code=3).output
    assert "recrod" in refused and "record" in refused, refused
    policy.write_text(policy.read_text(encoding="utf-8").replace("recrod", "manifest"), encoding="utf-8")
    run_cli(["policy", "validate", policy])


def test_shards_merge_and_the_hook_block_on_a_record_holding_its_generators_text(
    tmp_path: Path, index_dir: Path
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    write_jsonl(data / "a.jsonl", [{"id": "x", "text": "A line of our own about the weather today."}])
    arena = {"model_a": "gpt-3.5-turbo", "prompt": "How to water tomatoes?", "response": ANSWER}
    write_jsonl(data / "b.jsonl", [arena, arena])
    policy = tmp_path / "policy.yaml"
    policy.write_text(COMPETING, encoding="utf-8")
    parts = []
    for i in (1, 2):
        part = tmp_path / f"p{i}.pcp"
        args = ["scan", data, "-i", index_dir, "-p", policy, "--no-cache", "-q", "--shard", f"{i}/2"]
        run_cli([*args, "--partial", part, "-f", "json", "-o", tmp_path / f"s{i}.json"])
        parts.append(part)
    merged = json.loads(run_cli(["merge", *parts, "-f", "json", "-q"], code=1).stdout)
    (finding,) = _by_rule(merged)["openai-declared-output"]
    assert finding["declaration"]["output_records"] == 2 and finding["declaration"]["field"] == "model_a"
    repo = GitRepo(tmp_path / "dataset", isolated_env(tmp_path))
    repo.write("policy.yaml", COMPETING)
    repo.write(".provcheck.yaml", f"index: {index_dir}\npolicy: policy.yaml\n")
    repo.write("data/train.jsonl", jsonl([clean(0)]))
    repo.git("add", ".")
    repo.commit("dataset", "--no-verify")
    repo.append("data/train.jsonl", jsonl([_chat("model_b", "gpt-4o", 0)]))
    repo.git("add", ".")
    refused = repo.provcheck("hook", "run", code=1).stderr
    assert "openai-declared-output" in refused, refused


def test_an_arena_battle_holding_both_answers_blocks_under_both_models_packs(
    tmp_path: Path, index_dir: Path
) -> None:
    """Chatbot Arena's ``conversation_a``/``conversation_b`` were read by the generic walker as
    text of no speaker, so the record's ``model_a``/``model_b`` stayed a card-like declaration
    (review) although the record holds both models' answers. They are read with their roles now
    (the ``paired-conversations`` schema): each answer is an assistant turn, and both packs'
    declared-output rules block."""
    battle = {
        "question_id": "q1",
        "model_a": "gpt-4-0613",
        "model_b": "claude-2",
        "winner": "model_a",
        "conversation_a": [
            {"role": "user", "content": "How to water tomatoes?"},
            {"role": "assistant", "content": ANSWER},
        ],
        "conversation_b": [
            {"role": "user", "content": "How to water tomatoes?"},
            {"role": "assistant", "content": "Water them at the base, in the morning."},
        ],
        "turn": 1,
        "anony": True,
        "language": "English",
    }
    path = write_jsonl(tmp_path / "battles.jsonl", [battle, battle])
    doc = _scan(tmp_path, index_dir, path, code=1)
    found = _by_rule(doc)
    for rule, field in (("openai-declared-output", "model_a"), ("anthropic-declared-output", "model_b")):
        (finding,) = found[rule]
        assert finding["action"] == "block", finding
        assert finding["declaration"]["field"] == field and finding["declaration"]["output_records"] == 2
    assert "openai-declared-source" not in found and "anthropic-declared-source" not in found
    (summary,) = doc["files"]
    assert summary["schema"] == "paired-conversations", summary
    read = {f["field"]: f["count"] for f in summary["fields"]["read"]}
    assert read["conversation_a[].content"] == read["conversation_b[].content"] == 4, summary
