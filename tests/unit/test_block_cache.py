"""The process's cache of decompressed index blocks stays within its budget."""

from __future__ import annotations

import gc

import numpy as np

from provcheck.index import blocks
from provcheck.index.blocks import BlockReader, BlockWriter, _Blocks


def test_least_recently_used_blocks_go_first_within_the_budget() -> None:
    cache = _Blocks(limit=30)
    for b in range(3):
        cache.put((0, b), bytes(10))
    assert cache.get((0, 0)) is not None  # now the most recently used
    cache.put((0, 3), bytes(10))
    assert cache.size == 30
    assert cache.get((0, 1)) is None  # the oldest unused one went
    assert cache.get((0, 0)) is not None and cache.get((0, 3)) is not None


def test_a_reader_reads_its_own_blocks_and_its_blocks_leave_with_it() -> None:
    texts = [f"text {i} ".encode() * 500 for i in range(40)]
    readers = []
    for salt in (b"a", b"b"):
        writer = BlockWriter()
        writer.add_all([salt + t for t in texts])
        data, locations = writer.finish()
        offsets = np.cumsum([0, *map(len, data)]).astype(np.uint64)
        readers.append(BlockReader(b"".join(data), offsets, locations))
    first, second = readers
    for i in range(40):  # same block numbers in both readers: never mixed up
        assert first.item(i) == b"a" + texts[i]
        assert second.item(i) == b"b" + texts[i]
    held = blocks._CACHE.size
    assert held > 0
    del first, readers
    gc.collect()
    assert blocks._CACHE.size < held
    assert second.item(3) == b"b" + texts[3]
