"""support/arrays.py: ``sorted_unique`` answers as ``np.unique`` does, without numpy.ma;
``key_ranges`` as two ``np.searchsorted`` calls do."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from provcheck.support.arrays import is_in, key_ranges, sorted_unique


@pytest.mark.parametrize("dtype", [np.uint32, np.int64, np.uint64, np.int8])
def test_sorted_unique_is_np_unique(dtype: type) -> None:
    rng = np.random.default_rng(7)
    info = np.iinfo(dtype)
    for size in (0, 1, 2, 3, 10, 1000):
        for span in (1, 5, 1 << 20):
            values = rng.integers(0, min(span, int(info.max)), size=size, endpoint=True).astype(dtype)
            got, want = sorted_unique(values), np.unique(values)
            assert got.dtype == want.dtype and got.tolist() == want.tolist()
    grid = np.array([[3, 1], [3, 2]], dtype=dtype)  # flattened, as np.unique does
    assert sorted_unique(grid).tolist() == np.unique(grid).tolist() == [1, 2, 3]
    edges = np.array([info.max, info.min, info.max, 0], dtype=dtype)
    assert sorted_unique(edges).tolist() == np.unique(edges).tolist()


def test_the_helpers_do_not_import_numpy_ma() -> None:
    code = (
        "import sys, numpy as np\n"
        "from provcheck.support.arrays import is_in, key_ranges, sorted_unique\n"
        "sorted_unique(np.array([3, 1, 3], dtype=np.uint32))\n"
        "is_in(np.array([b'a'], dtype='S10'), np.array([b'b'], dtype='S10'))\n"
        "print('numpy.ma' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("dtype", [np.uint32, np.int64, "S10"])
def test_is_in_is_np_isin(dtype: object) -> None:
    rng = np.random.default_rng(11)
    for size, pool_size in ((0, 0), (0, 3), (3, 0), (1, 1), (50, 7), (1000, 400)):
        raw = rng.integers(0, 60, size=size + pool_size)
        if dtype == "S10":
            both = np.array([f"id{v:07d}".encode() for v in raw], dtype="S10")
        else:
            both = raw.astype(dtype)  # type: ignore[call-overload]
        values, pool = both[:size], both[size:]
        got, want = is_in(values, pool), np.isin(values, pool)
        assert got.dtype == want.dtype and got.tolist() == want.tolist()


def test_key_ranges_are_what_searchsorted_gives_in_any_key_order() -> None:
    # Keys are searched in ascending order (faster on a large array) and the answers put back
    # in the keys' own order: unsorted, sorted, repeated, absent and edge keys alike.
    rng = np.random.default_rng(11)
    for size, span in ((0, 10), (1, 10), (50, 10), (2000, 300), (5000, 1 << 32)):
        ordered = np.sort(rng.integers(0, span, size=size).astype(np.uint32))
        for keys in (
            rng.integers(0, span, size=777).astype(np.uint32),
            np.sort(rng.integers(0, span, size=300).astype(np.uint32)),
            np.array([0, span - 1, 0, span - 1], dtype=np.uint32),
            np.zeros(0, dtype=np.uint32),
        ):
            lo, lengths = key_ranges(ordered, keys)
            want_lo = np.searchsorted(ordered, keys, side="left")
            want_hi = np.searchsorted(ordered, keys, side="right")
            assert lo.dtype == lengths.dtype == np.int64
            assert lo.tolist() == want_lo.tolist() and lengths.tolist() == (want_hi - want_lo).tolist()


def test_the_union_of_two_anchor_sets_is_np_union1d() -> None:
    """``Fingerprinter._add_code`` merges a code text's two anchor sets with ``sorted_unique`` of
    their concatenation, as ``np.union1d`` does (which imports numpy.ma)."""
    rng = np.random.default_rng(11)
    for size_a, size_b in ((0, 0), (0, 3), (4, 0), (1, 1), (50, 80), (1000, 10)):
        for span in (3, 1 << 32):
            a = rng.integers(0, span, size=size_a, dtype=np.uint64).astype(np.uint32)
            b = rng.integers(0, span, size=size_b, dtype=np.uint64).astype(np.uint32)
            got = sorted_unique(np.concatenate((a, b), axis=None)).astype(np.uint32)
            want = np.union1d(a, b).astype(np.uint32)
            assert got.dtype == want.dtype and got.tolist() == want.tolist()
