"""The plain chat record's short path reads exactly what the general path reads.

``schemas.plain`` reads ``{"id": ..., "messages": [{"role": ..., "content": ...}, ...]}``
without detection, schema and walk; ``jsonl._fast_record`` takes such a line from orjson
without counting its brackets and digits, and ``base._quotes_written`` counts its quotes
without writing it again. Records of near and exact chat shape, generated, must give the same
record, turns, skipped strings, declarations and errors either way.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from provcheck.inputs.base import RawRecord, _quotes_written
from provcheck.inputs.jsonl import _fast_record, parse_line
from provcheck.inputs.schemas import RecordOptions, RecordTurns, to_record, to_turns
from provcheck.inputs.schemas.plain import plain_chat
from provcheck.model import Location, RecordError

PROSE = (
    "The quick brown fox jumps over the lazy dog while the committee reviews every single "
    "proposal that was submitted before the deadline of the spring session this year."
)
TEXTS = [
    "",
    "   ",
    "hi",
    "user",
    PROSE,
    PROSE[:60],
    "https://example.com/a/b",
    "12.5%",
    "0123456789abcdef0123456789abcdef",
    base64.b64encode(PROSE.encode()).decode(),
    PROSE.encode().hex(),
    json.dumps({"text": PROSE}),
    json.dumps([PROSE]),
    json.dumps({"t": "é" * 30 + " " + PROSE}, ensure_ascii=True),
    "caf\u0065\u0301 " + PROSE,
    "lone \udc80 surrogate " + PROSE,
    "—…!?",
    'a "quoted" word',
    "[" * 5 + "x",
]
ROLES = [
    "user",
    "assistant",
    "gpt",
    "human",
    " User ",
    "system",
    "tool",
    "function",
    "Tool",
    "narrator",
    "",
    "x" * 120,
]
TOP_KEYS = [
    "id",
    "model",
    "license",
    "source",
    "note",
    "system",
    "conversations",
    "items",
    "prompt",
    "history",
    "a long key of many words",
    "messages[0].content",
    "messages[1].role",
    "uuid",
]
MESSAGE_KEYS = ["role", "content", "name", "from", "value", "reasoning_content", "tool_calls"]

scalars = st.one_of(
    st.sampled_from(TEXTS),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=False, allow_infinity=False),
)
values = st.one_of(st.sampled_from(TEXTS), scalars, st.lists(st.sampled_from(TEXTS), max_size=2))


@st.composite
def messages(draw: st.DrawFn) -> Any:
    """Mostly plain messages; now and then another key, a non-string, a non-object."""
    if draw(st.integers(0, 9)) == 0:
        return draw(values)
    message: dict[str, Any] = {}
    order = ["role", "content"] if draw(st.booleans()) else ["content", "role"]
    for key in order:
        if draw(st.integers(0, 19)) == 0:
            continue
        message[key] = draw(st.sampled_from(ROLES if key == "role" else TEXTS))
        if draw(st.integers(0, 19)) == 0:
            message[key] = draw(values)
    if draw(st.integers(0, 9)) == 0:
        message[draw(st.sampled_from(MESSAGE_KEYS))] = draw(values)
    return message


@st.composite
def records(draw: st.DrawFn) -> dict[str, Any]:
    record: dict[str, Any] = {}
    keys = draw(st.lists(st.sampled_from(TOP_KEYS), max_size=4, unique=True))
    chat = draw(st.lists(messages(), min_size=0, max_size=5))
    at = draw(st.integers(0, len(keys)))
    for key in keys[:at]:
        record[key] = draw(values)
    record["messages"] = chat if draw(st.integers(0, 19)) else draw(values)
    for key in keys[at:]:
        record[key] = draw(values)
    return record


def _general(data: dict[str, Any], options: RecordOptions) -> RecordTurns | RecordError:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("provcheck.inputs.schemas.plain_chat", lambda data: None)
        return to_turns(data, Location("f.jsonl", 3, 4), options)


OPTIONS = [RecordOptions(), RecordOptions(id_field="messages[0].role"), RecordOptions(id_field="note")]


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records(), st.sampled_from(OPTIONS))
def test_plain_chat_reads_what_the_general_path_reads(data: dict[str, Any], options: RecordOptions) -> None:
    got = to_turns(data, Location("f.jsonl", 3, 4), options)
    want = _general(data, options)
    assert got == want
    if isinstance(got, RecordTurns) and isinstance(want, RecordTurns):
        assert got.record() == want.record()


def test_the_common_record_takes_the_short_path() -> None:
    data = {
        "id": "r1",
        "messages": [{"role": "user", "content": "What is it?"}, {"role": "assistant", "content": PROSE}],
    }
    chat = plain_chat(data)
    assert chat is not None
    assert [t.field for t in chat.turns] == ["messages[0].content", "messages[1].content"]
    assert chat.rest == [("id", "r1"), ("messages[0].role", "user"), ("messages[1].role", "assistant")]
    record = to_record(data, Location("f.jsonl", 0, 1), RecordOptions())
    assert not isinstance(record, RecordError)
    assert record.schema == "openai" and [t.role for t in record.turns] == ["user", "assistant"]
    # Shapes a schema or a decoding reads otherwise take the general path.
    assert plain_chat({**data, "system": "Be brief."}) is None
    assert plain_chat({**data, "meta": {"a": "b"}}) is None
    assert plain_chat({"messages": [{"role": "tool", "content": "{}"}]}) is None
    assert plain_chat({"messages": [{"role": "user", "content": "x", "name": "n"}]}) is None


# JSON Lines: the fast parse of a chat line is the reference parse.

DEPTH = 200


def _reference(line: bytes, depth: int) -> RawRecord | RecordError:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("provcheck.inputs.jsonl._fast_record", lambda data, depth: None)
        return parse_line("f.jsonl", line, 3, 4, depth, 100_000)


def _same(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records(), st.sampled_from([1, 2, 3, 4, DEPTH]), st.booleans())
def test_chat_lines_parse_as_the_reference_parses_them(data: dict[str, Any], depth: int, ascii: bool) -> None:
    try:
        line = json.dumps(data, ensure_ascii=ascii).encode("utf-8", "surrogatepass")
    except ValueError:
        return
    got = parse_line("f.jsonl", line, 3, 4, depth, 100_000)
    want = _reference(line, depth)
    if isinstance(want, RawRecord):
        assert isinstance(got, RawRecord) and _same(got.data, want.data)
    else:
        assert got == want


def test_a_chat_line_skips_the_bracket_and_digit_counts_only_within_the_depth_limit() -> None:
    line = orjson.dumps({"id": 2**63 - 1, "messages": [{"role": "user", "content": "[[[{{{" * 100}]})
    assert _fast_record(line, 3) is not None
    assert _fast_record(line, 2) is None  # three levels: the reference path says too deep
    assert isinstance(parse_line("f.jsonl", line, 0, 1, 2, 100_000), RecordError)
    big = b'{"id": 18446744073709551616, "messages": [{"role": "user", "content": "x"}]}'
    assert _fast_record(big, DEPTH) is None  # orjson reads it as a float: json's int is kept
    deep = orjson.dumps({"messages": [{"role": "user", "content": "x", "n": 1.5}]})
    assert _fast_record(deep, DEPTH) is not None  # a float: digits looked at, none long


@settings(max_examples=400, deadline=None)
@given(records())
def test_quotes_are_counted_as_orjson_writes_them(data: dict[str, Any]) -> None:
    try:
        written = orjson.dumps(data).count(b'"')
    except TypeError:  # an integer past 64 bits, a lone surrogate: orjson cannot write it
        return
    counted = _quotes_written(data)
    assert counted is None or counted == written
