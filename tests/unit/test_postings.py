"""The anchor table (``index.postings``) is the plain sort of ``(anchor << 32) | text``, split,
whether it is sorted in one thread or split at the median between two."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from provcheck.index import postings


def _plain(anchors: np.ndarray, counts: np.ndarray) -> tuple[list[int], list[int]]:
    owners = np.repeat(np.arange(len(counts), dtype=np.uint64), counts)
    pairs = np.sort((anchors.astype(np.uint64) << np.uint64(32)) | owners)
    return (pairs >> np.uint64(32)).astype(np.uint32).tolist(), (pairs & np.uint64(0xFFFFFFFF)).tolist()


_ANCHOR = st.sampled_from([0, 1, 7, 2**31, 2**32 - 1]) | st.integers(0, 2**32 - 1)
_TEXTS = st.lists(st.lists(_ANCHOR, max_size=12))


@pytest.mark.parametrize("parallel_from", [1, 1 << 20])
@settings(max_examples=300, deadline=None)
@given(texts=_TEXTS)
def test_the_anchor_table_is_the_sorted_pairs_split(texts: list[list[int]], parallel_from: int) -> None:
    # Texts without anchors, repeated anchors within and across texts, the extremes of 32 bits.
    counts = np.array([len(t) for t in texts], dtype=np.int64)
    anchors = np.array([a for t in texts for a in t], dtype=np.uint32)
    saved = postings.PARALLEL_PAIRS
    postings.PARALLEL_PAIRS = parallel_from
    try:
        table, posting = postings.anchor_table(postings.pairs_of(anchors, counts, 0))
    finally:
        postings.PARALLEL_PAIRS = saved
    assert table.dtype == np.uint32 and posting.dtype == np.uint32
    assert table.flags.c_contiguous and posting.flags.c_contiguous
    assert (table.tolist(), posting.tolist()) == _plain(anchors, counts)


def test_a_large_table_sorted_by_two_threads_equals_one_sort() -> None:
    rng = np.random.default_rng(17)
    counts = rng.integers(0, 60, 40_000).astype(np.int64)
    anchors = rng.integers(0, 2**20, int(counts.sum()), dtype=np.uint32)  # many repeats
    assert len(anchors) >= postings.PARALLEL_PAIRS
    table, posting = postings.anchor_table(postings.pairs_of(anchors, counts, 0))
    assert (table.tolist(), posting.tolist()) == _plain(anchors, counts)
