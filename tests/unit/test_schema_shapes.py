"""Flat records (no value is an object or a list) are detected by their shape and walked
without a stack: the same schema and the same strings as the general path, record by record."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from provcheck.inputs import schemas
from provcheck.inputs.schemas import walk
from provcheck.model import Location, RecordError

_KEYS = [
    "id", "text", "content", "instruction", "input", "output", "response", "prompt", "completion",
    "question", "answer", "query", "chosen", "rejected", "messages", "conversations", "history",
    "system", "meta", "the model that wrote this answer", "x y z w v", "a b",
]  # fmt: skip
_VALUES = st.one_of(
    st.text(max_size=12),
    st.sampled_from(['[{"role": "user", "content": "hi"}]', '[{"from": "gpt", "value": "yo"}]', "[1]"]),
    st.integers(),
    st.none(),
    st.booleans(),
    st.floats(allow_nan=False),
)
_RECORDS = st.dictionaries(st.sampled_from(_KEYS), _VALUES, max_size=6)


@settings(max_examples=600, deadline=None)
@given(st.lists(_RECORDS, min_size=1, max_size=12))
def test_detection_by_shape_is_detection(records: list[dict[str, Any]]) -> None:
    schemas._SHAPES.clear()
    for data in records:
        data = schemas._decoded(data)
        if any(isinstance(v, (dict, list, tuple)) for v in data.values()):
            continue
        assert schemas._detect_flat(data) is schemas._detect(data), data


def test_same_keys_other_value_types_are_detected_again() -> None:
    schemas._SHAPES.clear()
    assert schemas._detect_flat({"id": "a", "text": "some words"}).name == "text"
    # Same keys, a number where the text was: the text schema does not match it.
    assert schemas._detect_flat({"id": "a", "text": 5}).name == "generic"
    assert schemas._detect_flat({"id": "b", "text": "more words"}).name == "text"


@settings(max_examples=600, deadline=None)
@given(_RECORDS)
def test_flat_leaves_are_the_walk(data: dict[str, Any]) -> None:
    assert walk.flat_leaves(data) == list(walk.leaves(data))


@settings(max_examples=300, deadline=None)
@given(st.lists(_RECORDS, min_size=1, max_size=8))
def test_to_turns_reads_flat_records_as_before(records: list[dict[str, Any]]) -> None:
    """The whole record as the general path reads it (cache and fast walk off)."""
    options = schemas.RecordOptions()
    for i, data in enumerate(records):
        where = Location("f.jsonl", i, i + 1)
        got = schemas.to_turns(data, where, options)
        want = _general(data, where, options)
        if isinstance(want, RecordError):
            assert isinstance(got, RecordError) and got.message == want.message
        else:
            assert got == want


def _general(data: dict[str, Any], where: Location, options: schemas.RecordOptions) -> Any:
    saved = schemas._detect_flat, schemas.flat_leaves
    schemas._detect_flat = schemas._detect  # type: ignore[assignment]
    schemas.flat_leaves = lambda d: list(walk.leaves(d))  # type: ignore[assignment]
    try:
        return schemas.to_turns(data, where, options)
    finally:
        schemas._detect_flat, schemas.flat_leaves = saved  # type: ignore[assignment]
