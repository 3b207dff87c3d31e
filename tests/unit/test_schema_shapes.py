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


@settings(max_examples=500, deadline=None)
@given(st.text(st.sampled_from(["a", "é", " ", "\t", "\n", "\u3000", "\x1c", "\xa0"]), max_size=12))
def test_short_keys_are_not_split_and_hold_too_few_words(key: str) -> None:
    """A key shorter than ``_KEY_CHARS`` cannot hold ``KEY_WORDS`` words, whatever spaces
    separate them (``str.split`` splits on every Unicode space)."""
    if len(key) < walk._KEY_CHARS:
        assert len(key.split()) < walk.KEY_WORDS
    assert walk.flat_leaves({key: "x"}) == list(walk.leaves({key: "x"}))
    assert any(p.endswith("#key") for p, _ in walk.flat_leaves({key: "x"})) == (
        len(key.split()) >= walk.KEY_WORDS
    )


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from(["a", ".", "[", "]", "0", "7", "#"]), max_size=12))
def test_field_pattern_equals_the_regex(path: str) -> None:
    assert walk.field_pattern(path) == walk._INDEX.sub("[]", path)


class _Mapping(dict[str, Any]):
    pass


def test_records_with_container_subclasses_are_not_flat() -> None:
    """The value-type set test answers as ``isinstance`` does: an object of other types (a
    subclass of a container, a tuple) is walked by the general path."""
    options = schemas.RecordOptions()
    where = Location("f.jsonl", 0, 1)
    for data in [
        {"text": "some words here", "meta": _Mapping(note="a note of several words in it")},
        {"text": "some words here", "pair": ("a tuple of words", "another one")},
        {"text": "some words here", "n": 1.5, "ok": True, "none": None, "i": 3},
    ]:
        got = schemas.to_turns(data, where, options)
        want = _general(data, where, options)
        assert got == want
        flat = not any(isinstance(v, (dict, list, tuple)) for v in data.values())
        read = {t.field for t in got.turns} if not isinstance(got, RecordError) else set()
        assert flat or len(read) > 1, read
