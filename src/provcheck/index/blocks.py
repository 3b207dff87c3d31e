"""Compact encodings of a shard's texts, reference records and token codes.

Texts and reference records are stored in zstd frames of about ``BLOCK_BYTES`` each (a
*block*); an item is located by ``(block, start, end)`` in its block's decompressed bytes, so
one text is read by decompressing one block, never the shard. Blocks are compressed where
the batch was fingerprinted (a worker process), so the process writing the shard only appends
bytes. 16 KiB blocks at zstd level 3 store AlpacaEval's outputs in 42% of their UTF-8 size
and decompress in about 20 microseconds; 32 KiB blocks gain 4% and double the cost of every
read (a scan reads the text of every reference it matches).

Token codes (``Fingerprint.codes``) carry 20 bits each: they are stored as their low 16 bits
(``uint16``) and their high 4 bits (two a byte), 2.5 bytes a token instead of UTF-32's 4.
"""

from __future__ import annotations

import itertools
import mmap
import threading
import weakref
from collections import OrderedDict
from typing import Any

import numpy as np
import numpy.typing as npt

BLOCK_BYTES = 16 << 10
"""Decompressed bytes a block holds before the next is started (an item is never split)."""
LEVEL = 3
"""zstd level: higher levels gain ~4% here at three times the compression time."""
CACHE_BYTES = 16 << 20
"""Decompressed bytes the process keeps, over every reader (least recently used dropped first).

A scan reads the text and reference records of every reference it matches, batch after batch;
the same references, and their neighbours in a block, come back in later batches. With 16
blocks per reader, the detection benchmark's scan (5,100 records, 4,500 matches) decompressed
7,208 blocks; with 16 MiB for the process, 1,482 (decompressing was 3.9% of that scan's
instructions).
One budget for the process, not per reader: an index of many shards holds two readers a shard."""

U8 = npt.NDArray[np.uint8]
U16 = npt.NDArray[np.uint16]
U32 = npt.NDArray[np.uint32]
Locations = npt.NDArray[np.uint32]
"""``(n, 3)``: block, start, end of each item."""

_CODE_BASE = 0x100
_SURROGATES = 0xD800
_SHIFT = 0x800


def split_codes(codes: str) -> tuple[U16, U8]:
    """Token codes (``Fingerprint.codes`` characters) as their 20-bit values' low 16 bits and
    high 4 bits (inverse of the shift in ``fingerprint._codes``)."""
    v = np.frombuffer(codes.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).copy()
    v[v >= _SURROGATES + _SHIFT] -= np.uint32(_SHIFT)
    v -= np.uint32(_CODE_BASE)
    if len(v) and int(v.max()) >= 1 << 20:
        raise ValueError("a token code outside the 20-bit range")
    return (v & 0xFFFF).astype(np.uint16), (v >> 16).astype(np.uint8)


_HIGH = (np.array([[b & 15, b >> 4] for b in range(256)], dtype=np.uint32) << np.uint32(16)) + np.uint32(
    _CODE_BASE
)
"""Each byte of packed high bits -> its two codes' high bits in place, plus the code base."""
_PAST_SURROGATES = np.where(np.arange(1 << 10) >= _SURROGATES >> 11, _SHIFT, 0).astype(np.uint32)
"""Code >> 11 -> the shift past the surrogates (0xD800 is a multiple of 2**11)."""


def join_codes(low: U16, high: U8) -> str:
    """Inverse of :func:`split_codes`."""
    v = low.astype(np.uint32) | (high.astype(np.uint32) << np.uint32(16))
    v += np.uint32(_CODE_BASE)
    v[v >= _SURROGATES] += np.uint32(_SHIFT)
    text: str = v.tobytes().decode("utf-32-le")
    return text


def join_packed(low: U16, packed: U8, first: int) -> str:
    """:func:`join_codes` from the packed high bits (``pack_nibbles``), starting at nibble
    ``first`` of ``packed``: one table lookup instead of unpacking (``Shard.codes`` is on
    the scan's path)."""
    v = _HIGH.take(packed, axis=0).reshape(-1)[first : first + len(low)]
    v += low
    v += _PAST_SURROGATES.take(v >> np.uint32(11))  # cheaper than a masked add
    text: str = v.tobytes().decode("utf-32-le")
    return text


def pack_nibbles(high: U8) -> bytes:
    """Two 4-bit values a byte, the first in the low half (``high`` of even length)."""
    packed: bytes = (high[0::2] | (high[1::2] << np.uint8(4))).astype(np.uint8).tobytes()
    return packed


class BlockWriter:
    """Collects items (bytes) into zstd blocks; where each item went."""

    def __init__(self) -> None:
        import zstandard  # imported where blocks are written or read, not by every command

        self._zstd = zstandard.ZstdCompressor(level=LEVEL)
        self.blocks: list[bytes] = []
        self._pending: list[bytes] = []
        self._size = 0
        self.locations: list[tuple[int, int, int]] = []

    def add(self, item: bytes) -> None:
        """Append an item; it is located at the next index of ``locations``."""
        self.add_all([item])

    def add_all(self, items: list[bytes]) -> None:
        """Append items in turn (a block is closed after the item that fills it); the
        per-item work on local names: a batch adds two items per reference turn."""
        blocks, pending, size, locations = self.blocks, self._pending, self._size, self.locations
        compress = self._zstd.compress
        for item in items:
            end = size + len(item)
            locations.append((len(blocks), size, end))
            pending.append(item)
            size = end
            if size >= BLOCK_BYTES:
                blocks.append(compress(b"".join(pending)))
                pending, size = [], 0
        self._pending, self._size = pending, size

    def _flush(self) -> None:
        if self._pending:
            self.blocks.append(self._zstd.compress(b"".join(self._pending)))
            self._pending, self._size = [], 0

    def finish(self) -> tuple[list[bytes], Locations]:
        """The compressed blocks and the ``(n, 3)`` locations of the items."""
        self._flush()
        return self.blocks, np.array(self.locations, dtype=np.uint32).reshape(-1, 3)


class _Blocks:
    """The process's decompressed blocks, by reader and block, within ``CACHE_BYTES``."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.size = 0
        self._held: OrderedDict[tuple[int, int], bytes] = OrderedDict()
        self._lock = threading.Lock()  # the library may be called from threads

    def get(self, key: tuple[int, int]) -> bytes | None:
        with self._lock:
            found = self._held.get(key)
            if found is not None:
                self._held.move_to_end(key)
            return found

    def put(self, key: tuple[int, int], raw: bytes) -> None:
        with self._lock:
            if key in self._held:
                return
            self._held[key] = raw
            self.size += len(raw)
            while self.size > self.limit and len(self._held) > 1:
                _, old = self._held.popitem(last=False)
                self.size -= len(old)

    def forget(self, reader: int) -> None:
        """Drop a reader's blocks once it is gone (they would only take room)."""
        with self._lock:
            for key in [k for k in self._held if k[0] == reader]:
                self.size -= len(self._held.pop(key))


_CACHE = _Blocks(CACHE_BYTES)
_READERS = itertools.count()


class BlockReader:
    """Items of a block file (memory-mapped), decompressing one block per read at most."""

    def __init__(
        self, data: mmap.mmap | bytes, offsets: npt.NDArray[np.uint64], locations: Locations
    ) -> None:
        self._data = data
        self._offsets = offsets
        self.locations = locations
        self._id = next(_READERS)  # never reused in the process: no stale block is ever read
        self._zstd: Any = None
        weakref.finalize(self, _CACHE.forget, self._id)

    def block(self, b: int) -> bytes:
        """Block ``b``, decompressed."""
        key = (self._id, b)
        found = _CACHE.get(key)
        if found is not None:
            return found
        if self._zstd is None:
            import zstandard

            self._zstd = zstandard.ZstdDecompressor()
        raw: bytes = self._zstd.decompress(self._data[int(self._offsets[b]) : int(self._offsets[b + 1])])
        _CACHE.put(key, raw)
        return raw

    def item(self, i: int) -> bytes:
        """Item ``i``'s bytes."""
        # ``tolist`` gives Python ints in one call (a generator of ``int`` over the numpy row
        # cost as much as parsing the record read).
        b, start, end = self.locations[i].tolist()
        return self.block(b)[start:end]
