"""Schemas: detection per record, overrides, turns with roles and positions, located errors."""

from __future__ import annotations

from typing import Any

import pytest

from provcheck.errors import UsageError
from provcheck.inputs.schemas import RecordOptions, to_record
from provcheck.model import ErrorKind, Location, Record, RecordError, RoleKind

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
    assert [t.field for t in rec.turns] == ["choices[0].turns[0]", "choices[0].turns[1]"]


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
