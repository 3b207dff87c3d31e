"""The plain text record's short path reads exactly what the general path reads.

``schemas.plain.plain_text`` reads ``{"id": ..., "text": ...}`` (the shape of most reference
corpora, and of ``benchmarks/index_build.py``'s) without detection, schema and walk. Records
of near and exact that shape, generated, must give the same record, turns, skipped strings,
declarations and errors either way, under every reading option.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from provcheck.inputs.schemas import RecordOptions, RecordTurns, to_record, to_turns
from provcheck.inputs.schemas.plain import plain_text
from provcheck.model import Location, RecordError

PROSE = (
    "The quick brown fox jumps over the lazy dog while the committee reviews every single "
    "proposal that was submitted before the deadline of the spring session this year."
)
TEXTS = [
    "",
    "   ",
    "hi",
    "text",
    "gpt-4/12",
    "alpaca-7b/0",
    PROSE,
    PROSE[:60],
    "https://example.com/a/b",
    "data:text/plain;base64," + base64.b64encode(PROSE.encode()).decode(),
    "12.5%",
    "2024-01-02",
    "0123456789abcdef0123456789abcdef",
    base64.b64encode(PROSE.encode()).decode(),
    PROSE.encode().hex(),
    json.dumps({"text": PROSE}),
    json.dumps([PROSE]),
    json.dumps({"t": "é" * 30 + " " + PROSE}, ensure_ascii=True),
    "caf\u0065\u0301 " + PROSE,
    "lone \udc80 surrogate " + PROSE,
    "—…!?",
    "a\u00a0b\u3000" + PROSE,
    "```python\ndef f(x):\n    return x\n```\n" + PROSE,
]
KEYS = ["id", "text", "content", "model", "license", "uuid", "messages", "a long key of many words"]

scalars = st.one_of(
    st.sampled_from(TEXTS),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=False, allow_infinity=False),
)
values = st.one_of(st.sampled_from(TEXTS), scalars, st.lists(st.sampled_from(TEXTS), max_size=2))


@st.composite
def records(draw: st.DrawFn) -> dict[str, Any]:
    """Mostly ``{"id", "text"}`` in either order; now and then another key or value type."""
    keys = ["id", "text"] if draw(st.booleans()) else ["text", "id"]
    if draw(st.integers(0, 4)) == 0:
        keys.remove(draw(st.sampled_from(keys)))
    if draw(st.integers(0, 5)) == 0:
        keys.insert(draw(st.integers(0, len(keys))), draw(st.sampled_from(KEYS)))
    record: dict[str, Any] = {}
    for key in keys:
        record[key] = draw(st.sampled_from(TEXTS))
        if draw(st.integers(0, 5)) == 0:
            record[key] = draw(values)
    return record


def _general(data: dict[str, Any], options: RecordOptions) -> RecordTurns | RecordError:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("provcheck.inputs.schemas.plain_text", lambda data: None)
        return to_turns(data, Location("f.jsonl", 3, 4), options)


OPTIONS = [
    RecordOptions(),
    RecordOptions(id_field="text"),
    RecordOptions(id_field="uuid"),
    RecordOptions(schema="text"),
    RecordOptions(schema="generic"),
    RecordOptions(text_field="id"),
]


@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records(), st.sampled_from(OPTIONS))
def test_plain_text_reads_what_the_general_path_reads(data: dict[str, Any], options: RecordOptions) -> None:
    got = to_turns(data, Location("f.jsonl", 3, 4), options)
    want = _general(data, options)
    assert got == want
    if isinstance(got, RecordTurns):
        assert got.record() == to_record(data, Location("f.jsonl", 3, 4), options)


def test_the_short_path_takes_only_a_text_with_at_most_an_id() -> None:
    assert plain_text({"id": "a/1", "text": PROSE}) is not None
    assert plain_text({"text": PROSE, "id": 7}) is not None
    assert plain_text({"text": PROSE}) is not None
    assert plain_text({"id": "a", "text": PROSE, "model": "gpt-4"}) is None
    assert plain_text({"id": None, "text": PROSE}) is None
    assert plain_text({"id": True, "text": PROSE}) is None
    assert plain_text({"id": 1.5, "text": PROSE}) is None
    assert plain_text({"uuid": "a", "text": PROSE}) is None
    assert plain_text({"id": "a", "text": ["x"]}) is None
    assert plain_text({"id": "a", "content": PROSE}) is None
