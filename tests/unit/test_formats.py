"""Schemas: detection per record, overrides, turns with roles and positions, located errors."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from helpers import FIXTURES, REFERENCE_TEXTS, unread
from provcheck.errors import UsageError
from provcheck.inputs.schemas import MAX_DEPTH, RecordOptions, to_record
from provcheck.inputs.schemas.base import role_kind
from provcheck.matching.normalize import tokens
from provcheck.matching.segment import MODEL_TURNS, RoleFilter, segments
from provcheck.model import ErrorKind, Location, Record, RecordError, RoleKind, Turn

LOC = Location("data.jsonl", 3, 4)


def record(data: dict[str, Any], **options: Any) -> Record:
    rec = to_record(data, LOC, RecordOptions(**options))
    assert isinstance(rec, Record), rec
    return rec


def error(data: dict[str, Any], **options: Any) -> RecordError:
    rec = to_record(data, LOC, RecordOptions(**options))
    assert isinstance(rec, RecordError), rec
    return rec


def test_sharegpt() -> None:
    rec = record(
        {
            "id": "x1",
            "conversations": [
                {"from": "system", "value": "be nice"},
                {"from": "human", "value": "hi"},
                {"from": "gpt", "value": "hello"},
                {"from": "gpt", "value": "   "},
            ],
        }
    )
    assert rec.schema == "sharegpt" and rec.id == "x1"
    assert [(t.role, t.kind, t.position, t.field) for t in rec.turns] == [
        ("system", RoleKind.SYSTEM, 0, "conversations[0].value"),
        ("human", RoleKind.USER, 1, "conversations[1].value"),
        ("gpt", RoleKind.ASSISTANT, 2, "conversations[2].value"),
    ]


def test_openai_messages_with_content_parts_and_tool_calls() -> None:
    rec = record(
        {
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "part one"},
                        {"type": "image_url"},
                        {"type": "text", "text": "part two"},
                    ],
                },
                {"role": "assistant", "content": None, "tool_calls": [{"id": "t"}]},
                {"role": "tool", "content": "42"},
                {"role": "assistant", "content": "The answer is 42."},
            ]
        }
    )
    assert rec.schema == "openai"
    assert [(t.kind, t.position, t.text) for t in rec.turns] == [
        (RoleKind.USER, 0, "part one\npart two"),
        (RoleKind.TOOL, 1, "42"),
        (RoleKind.ASSISTANT, 2, "The answer is 42."),
    ]
    # Positions are the reading order; the field says which message a turn is.
    fields = ["messages[0].content", "messages[2].content", "messages[3].content"]
    assert [t.field for t in rec.turns] == fields
    assert {(s.field, s.reason.value) for s in rec.skipped} == {
        ("messages[0].role", "label"),
        ("messages[0].content[0].type", "label"),
        ("messages[0].content[1].type", "label"),
        ("messages[0].content[2].type", "label"),
        ("messages[1].role", "label"),
        ("messages[1].tool_calls[0].id", "id"),
        ("messages[2].role", "label"),
        ("messages[3].role", "label"),
    }


def test_alpaca_with_system_and_history() -> None:
    rec = record(
        {
            "instruction": "Translate",
            "input": "bonjour",
            "output": "hello",
            "system": "sys",
            "history": [["q0", "a0"]],
        }
    )
    assert rec.schema == "alpaca"
    assert [(t.role, t.kind) for t in rec.turns] == [
        ("system", RoleKind.SYSTEM),
        ("instruction", RoleKind.USER),
        ("output", RoleKind.ASSISTANT),
        ("instruction", RoleKind.USER),
        ("input", RoleKind.USER),
        ("output", RoleKind.ASSISTANT),
    ]
    assert rec.turns[1].field == "history[0][0]"
    assert record({"instruction": "i", "response": "r"}).turns[-1].role == "response"


@pytest.mark.parametrize(
    ("data", "answer"),
    [
        ({"prompt": "p", "completion": "c"}, "completion"),
        ({"question": "q", "answer": "a"}, "answer"),
        ({"prompt": "p", "chosen": "good", "rejected": "bad"}, "rejected"),
    ],
)
def test_prompt_response_pairs(data: dict[str, Any], answer: str) -> None:
    rec = record(data)
    assert rec.schema == "prompt-response" and rec.turns[-1].role == answer
    assert rec.turns[-1].kind is RoleKind.ASSISTANT


def test_text_field_default_and_forced() -> None:
    assert record({"text": "plain words"}).turns[0].kind is RoleKind.TEXT
    rec = record({"meta": {"body": "nested text"}, "text": "ignored"}, text_field="meta.body")
    assert [t.text for t in rec.turns] == ["nested text"] and rec.turns[0].field == "meta.body"
    err = error({"body": "x"}, text_field="content")
    assert err.kind is ErrorKind.SCHEMA and "no field 'content'" in err.message and "body" in err.message


def test_unknown_shapes_scan_every_string() -> None:
    rec = record({"id": 7, "question_id": 101, "choices": [{"turns": ["first answer", "second"]}]})
    assert rec.schema == "generic" and rec.id == "7"
    # Sibling items under the token floor are read as one text (``inputs/schemas/runs.py``).
    assert [(t.field, t.text) for t in rec.turns] == [("choices[0].turns[0-1]", "first answer\nsecond")]


def test_forced_schema_that_does_not_fit_is_a_located_error() -> None:
    err = error({"text": "hello"}, schema="sharegpt")
    assert (err.line, err.index, err.kind) == (4, 3, ErrorKind.SCHEMA)
    assert "conversations" in err.message
    with pytest.raises(UsageError, match="unknown schema"):
        RecordOptions(schema="nope")


def test_records_without_text_are_errors_naming_their_fields() -> None:
    err = error({"id": 1, "score": 3.5})
    assert "no text found" in err.message and "score" in err.message


def test_id_field_and_content_hash() -> None:
    a = record({"uid": "u-1", "text": "same"}, id_field="uid")
    b = record({"uid": "u-2", "text": "same"}, id_field="uid")
    assert a.id == "u-1" and a.content_hash == b.content_hash
    assert record({"text": "other"}).content_hash != a.content_hash


def test_csv_cells_holding_json_conversations() -> None:
    rec = record({"messages": '[{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]'})
    assert rec.schema == "openai" and len(rec.turns) == 2


def test_lone_surrogates_are_replaced_not_fatal() -> None:
    rec = record({"text": "bad \ud800 surrogate"})
    rec.turns[0].text.encode("utf-8")


# ---- every string is read or counted: reasoning, tool calls, content blocks, the walker


def fixture_records(name: str) -> list[tuple[dict[str, Any], Record]]:
    lines = (FIXTURES / "formats" / name).read_text(encoding="utf-8").splitlines()
    return [(data, record(data)) for data in map(json.loads, lines)]


def kinds(rec: Record) -> dict[str, RoleKind]:
    return {t.field: t.kind for t in rec.turns}


def reasons(rec: Record) -> dict[str, str]:
    return {s.field: s.reason.value for s in rec.skipped}


def test_deepseek_reasoning_content_is_a_reasoning_turn_before_the_answer() -> None:
    (data, rec), _ = fixture_records("deepseek_reasoning.jsonl")
    assert [(t.role, t.kind, t.field) for t in rec.turns][1:] == [
        ("reasoning_content", RoleKind.REASONING, "messages[1].reasoning_content"),
        ("assistant", RoleKind.ASSISTANT, "messages[1].content"),
    ]
    assert rec.turns[1].text == REFERENCE_TEXTS[0] and unread(data, rec) == []


def test_openai_tool_calls_are_read_as_the_text_of_their_arguments() -> None:
    ((data, rec),) = fixture_records("openai_tool_calls.jsonl")
    call = next(t for t in rec.turns if t.kind is RoleKind.TOOL_CALL)
    assert call.field == "messages[2].tool_calls[0].function.arguments" and call.role == "tool_call"
    # Decoded: the body is matched as written, not as JSON with escapes.
    assert call.text == "Causes of the Revolution\n" + REFERENCE_TEXTS[2]
    tool = next(t for t in rec.turns if t.kind is RoleKind.TOOL)
    assert tool.field == "messages[3].content"
    got = reasons(rec)
    assert got["messages[1].content[1].image_url.url"] == "url"
    assert got["messages[2].tool_calls[0].id"] == "id" and got["messages[3].tool_call_id"] == "id"
    assert got["messages[2].tool_calls[0].function.name"] == "label"
    # Tool definitions are not the schema's: the walker reads their prose as extra fields.
    assert kinds(rec)["tools[0].function.description"] is RoleKind.FIELD
    assert unread(data, rec) == []


def test_anthropic_content_blocks() -> None:
    (first, thinking), (second, tools) = fixture_records("anthropic_blocks.jsonl")
    assert kinds(thinking) == {
        "system": RoleKind.SYSTEM,
        "messages[0].content": RoleKind.USER,
        "messages[1].content": RoleKind.ASSISTANT,
        "messages[1].content[0].thinking": RoleKind.REASONING,
    }
    assert reasons(thinking)["messages[1].content[1].data"] == "encoded"  # redacted_thinking
    assert reasons(thinking)["messages[1].content[0].signature"] == "encoded"
    assert kinds(tools)["messages[1].content[1].input"] is RoleKind.TOOL_CALL
    assert kinds(tools)["messages[2].content[0].content"] is RoleKind.TOOL
    result = next(t for t in tools.turns if t.field == "messages[2].content[0].content")
    assert result.role == "tool_result" and result.text == REFERENCE_TEXTS[0]
    assert reasons(tools)["messages[2].content[0].tool_use_id"] == "id"
    assert unread(first, thinking) == [] and unread(second, tools) == []


def test_redacted_thinking_with_words_in_it_is_read() -> None:
    words = " ".join(["copied"] * 30)
    block = {"type": "redacted_thinking", "data": words}
    rec = record({"messages": [{"role": "assistant", "content": [block]}]})
    assert kinds(rec) == {"messages[0].content[0].data": RoleKind.REASONING}


def test_preference_pairs_with_messages_read_reasoning_and_tool_calls() -> None:
    data = {
        "prompt": [{"role": "user", "content": "Which protocol for live video?"}],
        "chosen": [
            {"role": "assistant", "content": [{"type": "thinking", "thinking": "Loss beats lateness."}]},
            {"role": "assistant", "content": "UDP."},
        ],
        "rejected": [
            {"role": "assistant", "content": None, "tool_calls": [{"function": {"arguments": "{}"}}]}
        ],
    }
    rec = record(data)
    assert rec.schema == "prompt-response"
    assert [(t.field, t.kind) for t in rec.turns] == [
        ("prompt[0].content", RoleKind.USER),
        ("chosen[0].content[0].thinking", RoleKind.REASONING),
        ("chosen[1].content", RoleKind.ASSISTANT),
        ("rejected[0].tool_calls[0].function.arguments", RoleKind.TOOL_CALL),
    ]


def test_what_a_schema_does_not_recognise_falls_through_to_the_walker() -> None:
    rec = record(
        {
            "instruction": "Summarise",
            "output": "A summary.",
            "history": [["q0", "a0", "an extra third entry"]],
            "messages_meta": {"refusal": "I will not help with that request."},
        }
    )
    assert rec.schema == "alpaca"
    extra = {t.field: (t.role, t.kind) for t in rec.turns if t.kind is RoleKind.FIELD}
    assert extra == {
        "history[0][0-2]": ("history", RoleKind.FIELD),  # short sibling items: one text
        "messages_meta.refusal": ("refusal", RoleKind.FIELD),
    }
    block = {"type": "document", "title": "Notes", "text": "An unknown block type's own text."}
    rec = record({"messages": [{"role": "user", "content": [block]}]})
    assert kinds(rec) == {
        "messages[0].content[0].title": RoleKind.FIELD,
        "messages[0].content[0].text": RoleKind.FIELD,
    }


@pytest.mark.parametrize(
    ("key", "value", "reason"),
    [
        ("note", "   ", "empty"),
        ("note", "—🙂…", "no-tokens"),
        ("id", "conv-8f2a1c", "id"),
        ("note", "0f8fad5b-d9cb-469f-a165-70867728950e", "id"),
        ("link", "https://example.com/a?b=c", "url"),
        ("score", "3.75", "number"),
        ("when", "2024-05-01T12:00:00Z", "number"),
        (
            "blob",
            # Base64 of bytes that are not text (two SHA-256 digests): base64 of text is read
            # as that text (inputs/schemas/encoded.py).
            "bjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB1L9RIvNEVUxTveLruM0rfj0WAK1jHDhaXXzOI8d4VFmg==",
            "encoded",
        ),
        ("source", "alpaca_gpt4_en", "label"),
        ("model", "gpt-4-0613", "label"),
    ],
)
def test_strings_that_are_not_text_are_skipped_with_a_reason(key: str, value: str, reason: str) -> None:
    rec = record({"text": "The record's own text.", key: value})
    assert reasons(rec) == {key: reason} and len(rec.turns) == 1


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("source", " ".join(["A sentence copied from a model answer."] * 5)),
        ("id", "这是一段从模型回答中复制的很长的中文文本没有任何空格但它仍然是需要检查的内容"),
        ("label", "positive and negative and neutral and mixed and other labels here too"),
    ],
)
def test_text_in_a_field_named_like_metadata_is_still_read(key: str, value: str) -> None:
    rec = record({"text": "The record's own text.", key: value})
    assert kinds(rec)[key] is RoleKind.FIELD and rec.skipped == ()


def test_text_field_counts_every_other_string_as_not_selected() -> None:
    rec = record({"body": "chosen text", "note": "other text", "meta": {"x": "more"}}, text_field="body")
    assert reasons(rec) == {"note": "not-selected", "meta.x": "not-selected"}


def test_parts_nested_past_the_limit_are_skipped_with_their_path() -> None:
    deep: Any = {"t": "deep text"}
    for _ in range(MAX_DEPTH + 5):
        deep = {"w": deep}
    rec = record({"text": "shallow text", "meta": deep})
    ((field, reason),) = reasons(rec).items()
    assert reason == "limit" and field == "meta" + ".w" * (MAX_DEPTH - 1)


def test_roles_and_kinds() -> None:
    assert [role_kind(r) for r in ("thinking", "reasoning_content", "function_call", "tool_use")] == [
        RoleKind.REASONING,
        RoleKind.REASONING,
        RoleKind.TOOL_CALL,
        RoleKind.TOOL_CALL,
    ]
    assert role_kind("observation") is RoleKind.TOOL and role_kind("tool_result") is RoleKind.TOOL
    ((_, rec),) = fixture_records("openai_tool_calls.jsonl")
    model = {t.kind for t in rec.turns if MODEL_TURNS.accepts(t)}
    assert model == {RoleKind.ASSISTANT, RoleKind.TOOL_CALL}
    (_, rec), _ = fixture_records("deepseek_reasoning.jsonl")
    assert [t.kind for t in segments_of(rec, RoleFilter.parse(["reasoning"]))] == [RoleKind.REASONING]


def segments_of(rec: Record, roles: RoleFilter) -> list[Turn]:
    return [seg.turn for seg in segments(rec, roles)]


# ---- real datasets in their published shapes (skipped when ../shared is absent)


def corpus_records(path: Path) -> list[dict[str, Any]]:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        loaded = json.loads(text)
        return loaded if isinstance(loaded, list) else [loaded]
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@pytest.mark.corpora
@pytest.mark.parametrize(
    ("name", "schema"),
    [
        ("hiyouga__LLaMA-Factory__data__glaive_toolcall_en_demo.json", "sharegpt"),
        ("hiyouga__LLaMA-Factory__data__kto_en_demo.json", "openai"),
        (
            "ml-energy__leaderboard-v2__benchmark__llm_text_generation__chat__sharegpt__ShareGPT_V3_filtered_500.json",
            "sharegpt",
        ),
        ("lm-sys__FastChat__data__dummy_conversation.json", "sharegpt"),
        ("axolotl-ai-cloud__axolotl__tests__fixtures__conversation.json", "sharegpt"),
        ("openai__openai-cookbook__examples__data__toy_chat_fine_tuning.jsonl", "openai"),
        ("shibing624__MedicalGPT__data__sft__medical_sft_1K_format.jsonl", "sharegpt"),
        ("lm-sys__FastChat__fastchat__llm_judge__data__mt_bench__reference_answer__gpt-4.jsonl", "generic"),
    ],
)
def test_real_chat_and_tool_datasets_are_read_whole(corpora: Path, name: str, schema: str) -> None:
    datas = corpus_records(corpora / "instruct" / name)
    records = [record(d) for d in datas]
    assert {r.schema for r in records} == {schema}
    for data, rec in zip(datas, records, strict=True):
        assert unread(data, rec) == [], rec.location  # nothing of 25+ tokens left out
        long_skips = [s for s in rec.skipped if len(tokens(str(lookup_path(data, s.field)))) > 8]
        assert long_skips == [] or all(s.reason.value in ("encoded", "url", "id") for s in long_skips)


@pytest.mark.corpora
def test_glaive_tool_calls_and_observations(corpora: Path) -> None:
    datas = corpus_records(
        corpora / "instruct" / "hiyouga__LLaMA-Factory__data__glaive_toolcall_en_demo.json"
    )
    counts: dict[RoleKind, int] = {}
    for data in datas:
        for t in record(data).turns:
            counts[t.kind] = counts.get(t.kind, 0) + 1
    # function_call turns are the model's calls, observations the tools' answers; tool
    # definitions (a JSON string in "tools") are read as an extra field.
    defined = sum(d["tools"] != "[]" for d in datas)  # 109 records have "[]": counted as no-tokens
    assert (
        counts[RoleKind.TOOL_CALL] > 100 and counts[RoleKind.TOOL] > 100 and counts[RoleKind.FIELD] == defined
    )
    call = next(t for d in datas for t in record(d).turns if t.kind is RoleKind.TOOL_CALL)
    assert '"' not in call.text and "{" not in call.text  # the strings of the JSON, not the JSON


def lookup_path(data: Any, path: str) -> Any:
    """The value at a field path (``a.b[2].c``)."""
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        data = data[int(part[1:-1])] if part.startswith("[") else data[part]
    return data


def test_an_object_key_long_enough_to_be_text_is_read() -> None:
    key = "this key is a whole sentence someone pasted"
    rec = record({"text": "The record's own text.", "meta": {key: 1, "ok": 2}})
    assert kinds(rec) == {"text": RoleKind.TEXT, f"meta.{key}#key": RoleKind.FIELD}
    assert rec.turns[1].text == key
