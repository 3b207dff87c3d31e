"""JSON Lines records parsed by orjson are exactly what the reference path (``json``) gives.

``inputs/jsonl.py`` parses a line with orjson when orjson's answer cannot differ from
``json.loads`` followed by ``Screen``; every other line takes the reference path with its
located messages. These tests pin both halves: which lines take the fast path, and that
records and errors are the same either way.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from provcheck.inputs.base import RawRecord, Screen
from provcheck.inputs.jsonl import _fast_record, parse_line
from provcheck.model import RecordError

DEPTH = 200
STRINGS = 100_000


def _reference(data: bytes) -> RawRecord | RecordError:
    """What parse_line gave before the fast path: json.loads, then Screen."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("provcheck.inputs.jsonl._fast_record", lambda data, depth: None)
        return parse_line("f.jsonl", data, 3, 4, DEPTH, STRINGS)


def _same(a: Any, b: Any) -> bool:
    """Equal values of equal types all the way down (1 == 1.0 is not the same record)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


FAST = [
    b'{"id": "a", "text": "plain words"}',
    b'{"id": 123456789012345678, "text": "18 digits fit in 64 bits"}',
    b'{"a": 1, "b": 2, "a": 3}',  # duplicate key: last value, first position
    b'{"t": "\\ud83d\\ude00 escaped pair"}',
    b'{"t": "\\\\ud800 an escaped backslash, not a surrogate"}',
    b'{"v": -0, "w": -0.0, "x": 1E5, "y": 5e-324, "z": 2.2250738585072011e-308}',
    b'{"t": "x\x7f\xc3\x9f\xe2\x80\xa6 \xf0\x9f\x98\x80"}',
    b'{"n": null, "b": [true, false], "o": {"k": [1, [2, [3]]]}}',
    b'{"t": "\\u0000 escaped NUL"}',
    b'{"x": ' + b"[" * 150 + b'"deep but within the limit"' + b"]" * 150 + b"}",
    # No float and no nested value: no integer past 64 bits was read as a float.
    b'{"id": 9223372036854775807, "t": "largest int64"}',
    b'{"id": 18446744073709551615, "t": "largest uint64"}',
    b'{"id": "123456789012345678901234567890", "t": "digits in a string"}',
]

REFERENCE = [
    b'{"id": 9223372036854775807, "f": 1.5, "t": "a float beside 19 digits: looked at"}',
    b'{"id": 123456789012345678901234567890, "t": "big int stays an int"}',
    b'{"id": 18446744073709551616, "t": "past uint64"}',
    b'{"id": -9223372036854775809, "t": "below int64"}',
    b'{"v": 12345678901234567890.5}',
    b'{"v": NaN}',
    b'{"v": Infinity, "w": -Infinity}',
    b'{"v": 1e400}',
    b'{"t": "lone \\ud800 surrogate"}',
    b'{"t": "reversed \\udc00\\ud800 pair"}',
    b"\xef\xbb\xbf" + b'{"t": "BOM"}',
    b'{"t": "unterminated}',
    b'{"t": "control \x01 char"}',
    b'{"t": "NUL \x00 byte"}',
    b'{"t": "bad \xff byte"}',
    b'{"t": "encoded surrogate \xed\xa0\x80"}',
    b"[1, 2]",
    b'"a string"',
    b'{"x": ' + b"[" * 300 + b"]" * 300 + b"}",
    b'{"a": 1} trailing',
    b'{"id": 123456789012345678901234567890, "o": {"t": "nested"}}',
]


@pytest.mark.parametrize("line", FAST)
def test_plain_lines_take_the_fast_path_and_equal_the_reference(line: bytes) -> None:
    assert _fast_record(line, DEPTH) is not None
    got = parse_line("f.jsonl", line, 3, 4, DEPTH, STRINGS)
    want = _reference(line)
    assert isinstance(got, RawRecord) and isinstance(want, RawRecord)
    assert _same(got.data, want.data)
    assert (got.index, got.line) == (want.index, want.line)


@pytest.mark.parametrize("line", REFERENCE)
def test_lines_orjson_reads_otherwise_take_the_reference_path(line: bytes) -> None:
    assert _fast_record(line, DEPTH) is None
    got = parse_line("f.jsonl", line, 3, 4, DEPTH, STRINGS)
    want = _reference(line)
    assert type(got) is type(want)
    if isinstance(got, RecordError):
        assert got == want  # same kind, message, line and index
    else:
        assert isinstance(want, RawRecord) and _same(got.data, want.data)


def test_big_integer_id_stays_an_exact_integer() -> None:
    got = parse_line("f.jsonl", REFERENCE[1], 0, 1, DEPTH, STRINGS)
    assert isinstance(got, RawRecord)
    assert got.data["id"] == 123456789012345678901234567890 and type(got.data["id"]) is int


def test_reference_messages_are_unchanged() -> None:
    # A BOM opening a line (files joined with `cat`) is dropped, by either path.
    bom = parse_line("f.jsonl", REFERENCE[10], 0, 7, DEPTH, STRINGS)
    assert isinstance(bom, RawRecord) and bom.data == {"t": "BOM"}
    nan = parse_line("f.jsonl", REFERENCE[5], 0, 1, DEPTH, STRINGS)
    assert isinstance(nan, RawRecord) and math.isnan(nan.data["v"])
    lone = parse_line("f.jsonl", REFERENCE[8], 0, 1, DEPTH, STRINGS)
    assert isinstance(lone, RawRecord) and lone.data["t"] == "lone \ufffd surrogate"


def test_a_high_depth_limit_leaves_deep_records_to_the_reference_path() -> None:
    # json may hit Python's recursion limit where orjson (1024) does not: records nested
    # near it must fail or pass as they always have.
    line = b'{"x": ' + b"[" * 600 + b"]" * 600 + b"}"
    assert _fast_record(line, 5000) is None


def test_brackets_inside_the_strings_of_a_flat_record_keep_it_on_the_fast_path() -> None:
    # A record of top-level scalars nests one level whatever its strings hold: its brackets
    # are not counted, and the record is json's.
    line = b'{"id": "a", "text": "' + b"[{" * 300 + b'", "n": 3}'
    assert _fast_record(line, DEPTH) is not None
    got = parse_line("f.jsonl", line, 3, 4, DEPTH, STRINGS)
    want = _reference(line)
    assert isinstance(got, RawRecord) and isinstance(want, RawRecord)
    assert _same(got.data, want.data)
    # A nested value still has its brackets counted.
    assert _fast_record(b'{"o": [' + b'"[",' * 300 + b'"x"]}', DEPTH) is None


def test_random_records_parse_alike() -> None:
    import random

    rng = random.Random(7)
    alphabet = ["a", "ß", "…", "\u2028", '"', "\\", "\n", "😀", "\t", "é", "ﬁ", " "]
    for _ in range(300):
        record: dict[str, Any] = {
            "id": rng.choice([rng.randrange(-(10**20), 10**20), "x", 1.5, None, True]),
            "text": "".join(rng.choice(alphabet) for _ in range(rng.randrange(40))),
            "n": [rng.random() * 10 ** rng.randrange(-30, 30) for _ in range(3)],
        }
        line = json.dumps(record, ensure_ascii=rng.random() < 0.5).encode()
        got = parse_line("f.jsonl", line, 0, 1, DEPTH, STRINGS)
        want = _reference(line)
        assert isinstance(got, RawRecord) and isinstance(want, RawRecord)
        assert _same(got.data, want.data), line


@pytest.mark.parametrize(
    "text",
    [
        b'{"t": "no escapes"}',
        b'{"t": "\\u00e9 escaped but not a surrogate"}',
        b'{"t": "\\ud800"}',
        b'{"t": "\\uDBFF\\uDFFF"}',
        b'{"t": "\\\\ud8 literal"}',
    ],
)
def test_screen_prefilter_agrees_with_the_regex(text: bytes) -> None:
    from provcheck.inputs.base import SURROGATE_ESCAPE, SURROGATE_ESCAPE_BYTES

    assert Screen.of(text, DEPTH).escaped == (SURROGATE_ESCAPE_BYTES.search(text) is not None)
    decoded = text.decode()
    assert Screen.of(decoded, DEPTH).escaped == (SURROGATE_ESCAPE.search(decoded) is not None)


def test_reference_records_are_written_as_json_wrote_them() -> None:
    import sys

    from provcheck.index.builder import _ref_json

    def reference(ref: dict[str, Any]) -> bytes:
        return json.dumps(ref, ensure_ascii=False, separators=(",", ":")).encode()

    base = {"id": "x", "source": "s", "role": "gpt", "kind": "assistant", "position": 0, "field": "f"}
    for c in range(sys.maxunicode + 1):
        if 0xD800 <= c <= 0xDFFF:
            continue
        ref = {**base, "path": f"a{chr(c)}b", "index": c, "extra": None}
        assert _ref_json(ref) == reference(ref), hex(c)
    for big in (2**64, -(2**63) - 1):  # past orjson's range: json writes them
        assert _ref_json({**base, "index": big}) == reference({**base, "index": big})
    with pytest.raises(UnicodeEncodeError):  # a lone surrogate fails as it always did
        _ref_json({**base, "path": "bad\udc80name"})


_QUOTED = ['"', "\\", "a", "ß", "😀", "\n", "\x01", " ", "\u2028", "é"]


@settings(max_examples=500, deadline=None)
@given(
    st.dictionaries(
        st.text(st.sampled_from(_QUOTED), max_size=6),
        st.one_of(
            st.text(st.sampled_from(_QUOTED), max_size=30),
            st.integers(-(2**63), 2**63 - 1),
            st.booleans(),
            st.none(),
            st.floats(allow_nan=False, allow_infinity=False),
            st.lists(st.text(st.sampled_from(_QUOTED), max_size=5), max_size=3),
        ),
        max_size=5,
    )
)
def test_quotes_written_are_counted_as_orjson_writes_them(value: dict[str, Any]) -> None:
    import orjson

    from provcheck.inputs.base import _quotes_written

    written = _quotes_written(value)
    # Lists of strings (or of flat objects, ``test_plain_chat``) are counted too.
    flat = all(type(v) in (str, int, bool, type(None), list) for v in value.values())
    assert written == (orjson.dumps(value).count(b'"') if flat else None)


@pytest.mark.parametrize(
    "line",
    [
        b'{"id": "a", "text": "say \\"hi\\"", "text": "x"}',
        b'{"text": "a", "text": "b"}',
        b'{"t\\"k": "a", "t\\"k": "b \\" c"}',
        b'{"id": 1, "id": 2, "text": "no quotes inside"}',
    ],
)
def test_repeated_keys_with_quotes_in_strings_take_the_reference_path(line: bytes) -> None:
    got = parse_line("f.jsonl", line, 3, 4, DEPTH, STRINGS)
    want = _reference(line)
    assert isinstance(got, RawRecord) and isinstance(want, RawRecord)
    assert _same(got.data, want.data)
    assert len(got.data) > len(json.loads(line))  # every value kept, as the reference keeps them
