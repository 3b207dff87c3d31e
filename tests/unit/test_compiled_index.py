"""The compiled parts of the scan's reference side (``matching/_align_index.c``) give exactly
what their pure-Python references give: ``codes`` as ``index.blocks.join_packed`` (a shard's
token codes), ``ranges`` as ``support.arrays.key_ranges`` (where anchors lie in the table)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from test_match_strength import index_of

from helpers import REFERENCE_TEXTS, UNRELATED_TEXT
from provcheck.index import TextKey
from provcheck.index import shard as shard_module
from provcheck.index.blocks import join_packed, pack_nibbles, split_codes
from provcheck.support.arrays import key_ranges

try:
    from provcheck.matching import _align
except ImportError:  # an install without a C compiler: the pure path runs, these tests cannot
    _align = None  # type: ignore[assignment]

pytestmark = pytest.mark.skipif(_align is None, reason="the compiled alignment is not built")

EDGES = [
    0,
    1,
    0xD7FF - 0x100,
    0xD800 - 0x100,
    0xD800 - 0x100 + 1,
    0xFFFF - 0x100 - 0x800,
    0xFFFF,
    (1 << 20) - 1,
]
"""20-bit values around the surrogates' gap, the BMP's end and the top."""


def _files(values: np.ndarray) -> tuple[bytes, bytes]:
    high = (values >> 16).astype(np.uint8)
    return (values & 0xFFFF).astype("<u2").tobytes(), pack_nibbles(
        np.append(high, np.zeros(len(high) % 2, np.uint8))
    )


@pytest.mark.parametrize("top", [0xFF, 0xD700, 1 << 20])
def test_codes_are_the_pure_decoding(top: int) -> None:
    rng = np.random.default_rng(top)
    values = np.concatenate([rng.integers(0, top, 3000), EDGES if top > 0xFFFF else []]).astype(np.uint32)
    low, high = _files(values)
    for start, end in [(0, len(values)), (1, len(values)), (0, 1), (7, 8), (8, 10), (5, 5)] + [
        tuple(sorted(rng.integers(0, len(values) + 1, 2).tolist())) for _ in range(200)
    ]:
        lows = np.frombuffer(low, dtype="<u2", count=end - start, offset=2 * start)
        packed = np.frombuffer(high, dtype=np.uint8, count=(end + 1) // 2 - start // 2, offset=start // 2)
        assert _align.codes(low, high, start, end) == join_packed(lows, packed, start & 1)


def test_codes_are_split_codes_inverted() -> None:
    text = "".join(chr(c) for c in [0x100, 0x101, 0xD7FF, 0xE000, 0xFFFF, 0x10000, 0x1008FF])
    low, high = split_codes(text)
    packed = pack_nibbles(np.append(high, np.uint8(0)) if len(high) % 2 else high)
    assert _align.codes(low.astype("<u2").tobytes(), packed, 0, len(text)) == text


def test_codes_outside_the_files_are_refused() -> None:
    low, high = _files(np.arange(10, dtype=np.uint32))
    for start, end in [(0, 11), (-1, 3), (4, 3)]:
        with pytest.raises(ValueError, match="outside the code files"):
            _align.codes(low, high, start, end)


def test_a_shard_reads_the_same_codes_on_both_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    index = index_of(tmp_path, {"a": [*REFERENCE_TEXTS, UNRELATED_TEXT, "日本語のテキスト 🙂 " * 30]})
    keys = [TextKey(0, t) for t in range(len(index.shards[0].text_keys))]
    compiled = [index.codes(k) for k in keys]
    monkeypatch.setattr(shard_module, "ALIGN", None)
    assert [index.codes(k) for k in keys] == compiled and all(compiled)


@pytest.mark.parametrize("size", [0, 1, 2, 100, 5000, 200_000])
def test_ranges_are_the_binary_searches(size: int) -> None:
    rng = np.random.default_rng(size)
    for span in (50, 1 << 32):
        ordered = np.sort(rng.integers(0, span, size, dtype=np.uint64).astype(np.uint32))
        for count in (0, 1, 3, 1000):
            keys = rng.integers(0, min(span + 5, 1 << 32), count, dtype=np.uint64).astype(np.uint32)
            if size and count:
                keys[: count // 2] = ordered[rng.integers(0, size, count // 2)]  # present keys
            for order in (keys, np.sort(keys), np.sort(keys)[::-1].copy()):
                want = key_ranges(ordered, order)
                got = key_ranges(ordered, order, _align.ranges)
                assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1])
                first, lengths = np.empty(count, np.int64), np.empty(count, np.int64)
                _align.ranges(ordered, order, first, lengths)  # any order of keys, searched as given
                assert np.array_equal(first, np.searchsorted(ordered, order))
                assert np.array_equal(lengths, np.searchsorted(ordered, order, side="right") - first)


def test_ranges_refuse_arrays_of_other_shapes() -> None:
    ordered, keys = np.arange(10, dtype=np.uint32), np.arange(3, dtype=np.uint32)
    with pytest.raises(ValueError, match="int64 arrays"):
        _align.ranges(ordered, keys, np.empty(2, np.int64), np.empty(3, np.int64))
    # Other dtypes take the pure path.
    wide = np.arange(10, dtype=np.int64)
    got = key_ranges(wide, np.array([3, 20]), _align.ranges)
    assert got[0].tolist() == [3, 10] and got[1].tolist() == [1, 0]
