"""One immutable shard of an index: sorted anchor table, texts and reference records.

Layout (format 3; arrays are little-endian numpy ``.npy`` files, opened memory-mapped so
opening costs the same for any size and several processes share the pages):

* ``anchors.npy`` (uint32, sorted) and ``postings.npy`` (uint32): anchor -> text id;
  ``anchor_counts.npy`` (uint32): how many anchors each text has;
* ``trigrams.npy`` (uint32, sorted) and ``trigram_postings.npy`` (uint32): the ``KEEP``
  smallest token-trigram hashes of each text (``matching.trigrams``) -> text id, the second
  candidate route (format 3; an index of format 2 has none and is refused with a request to
  rebuild);
* ``texts.zst`` + ``texts.blocks.npy`` (uint64 offsets of its zstd blocks) + ``texts.idx.npy``
  (uint32 ``(n, 3)``: block, start, end): each distinct reference text, UTF-8, in blocks of
  ~16 KiB (:mod:`provcheck.index.blocks`), so reading one text decompresses one block;
* ``text_keys.npy`` (uint64): a digest of each text's tokens (identical texts are stored once);
* ``codes.bin`` (uint16) + ``codes_hi.bin`` (4 bits a code) + ``codes.idx.npy`` (uint64 offsets,
  in codes): each text's 20-bit token codes, so verification aligns a reference without
  tokenizing it again;
* ``echoes.npy`` + ``echoes.idx.npy``: token ranges of each text that repeat its record's prompt
  (the model quoting its input is not the model's output);
* ``refs.zst`` + ``refs.blocks.npy`` + ``refs.idx.npy`` (as the texts) + ``text_refs.npy``
  (uint32): the reference records (id, source, turn, file; compact JSON) of each text, grouped
  by text (``refs.idx.npy`` is in text order, the blocks in the order records were read).

Format 1 (provcheck before this layout) stored texts and records uncompressed and codes as
UTF-32: 3,100 bytes a reference on AlpacaEval against 1,700 now; it is refused with a
request to rebuild (``manifest.FORMAT_VERSION``).

Why not datasketch's ``MinHashLSH``: it keeps the index in a Python dict (about 5 KB a
document, 800 MB at 160k documents) that must be unpickled whole before the first query
(3 s at 160k); a sorted array is 8 bytes an anchor and opens in milliseconds.
"""

from __future__ import annotations

import json
import mmap
import os
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson

from provcheck.errors import IndexCorruptError, IndexMismatchError
from provcheck.index import integrity, npyfile
from provcheck.index.blocks import BlockReader, join_packed
from provcheck.index.integrity import file_digest
from provcheck.index.manifest import REBUILD_HINT, ShardEntry
from provcheck.matching.compiled import ALIGN
from provcheck.matching.trigrams import Deferred, Presence, distinct_pairs, may_hold
from provcheck.support.arrays import key_ranges

ANCHORS = "anchors.npy"
POSTINGS = "postings.npy"
TEXTS = "texts.zst"
TEXT_BLOCKS = "texts.blocks.npy"
TEXT_LOCATIONS = "texts.idx.npy"
TEXT_KEYS = "text_keys.npy"
ANCHOR_COUNTS = "anchor_counts.npy"
CODES = "codes.bin"
CODES_HIGH = "codes_hi.bin"
CODE_OFFSETS = "codes.idx.npy"
ECHOES = "echoes.npy"
ECHO_OFFSETS = "echoes.idx.npy"
TEXT_REFS = "text_refs.npy"
REFS = "refs.zst"
REF_BLOCKS = "refs.blocks.npy"
REF_LOCATIONS = "refs.idx.npy"
TRIGRAMS = "trigrams.npy"
TRIGRAM_POSTINGS = "trigram_postings.npy"
FILES = (
    ANCHORS,
    POSTINGS,
    TRIGRAMS,
    TRIGRAM_POSTINGS,
    ANCHOR_COUNTS,
    TEXTS,
    TEXT_BLOCKS,
    TEXT_LOCATIONS,
    TEXT_KEYS,
    CODES,
    CODES_HIGH,
    CODE_OFFSETS,
    ECHOES,
    ECHO_OFFSETS,
    TEXT_REFS,
    REFS,
    REF_BLOCKS,
    REF_LOCATIONS,
)
COMPONENTS = {
    ANCHORS: "anchors",
    POSTINGS: "anchors",
    TRIGRAMS: "trigrams",
    TRIGRAM_POSTINGS: "trigrams",
    ANCHOR_COUNTS: "anchors",
    TEXT_KEYS: "anchors",
    TEXTS: "text",
    TEXT_BLOCKS: "text",
    TEXT_LOCATIONS: "text",
    CODES: "codes",
    CODES_HIGH: "codes",
    CODE_OFFSETS: "codes",
    ECHOES: "echoes",
    ECHO_OFFSETS: "echoes",
    TEXT_REFS: "refs",
    REFS: "refs",
    REF_BLOCKS: "refs",
    REF_LOCATIONS: "refs",
}
"""What each file holds, for sizes by component (``provcheck index info``, the benchmark)."""

U32 = npt.NDArray[np.uint32]
U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]

_SEARCH = ALIGN.ranges if ALIGN is not None else None
"""The compiled anchor search (``support.arrays.key_ranges``), where it is built."""


@dataclass(frozen=True, slots=True)
class Hits:
    """Texts of one shard that share anchors with a query."""

    text_ids: npt.NDArray[np.int64]
    counts: npt.NDArray[np.int64]
    """Anchors each text shares with the query."""
    sizes: npt.NDArray[np.int64]
    """Anchors each text has."""


def shared_keys(
    table: U32,
    postings: U32,
    texts: int,
    queries: U32,
    owners: U64,
    max_postings: int,
    min_shared: int,
    found: Presence | None = None,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """(query, text, shared keys) of the pairs sharing at least ``min_shared`` distinct keys of
    a sorted ``table`` (with ``postings``), sorted by query then text. ``queries``: keys in any
    order, repeats kept, each with its query (``trigrams.hashed``); ``found``: the table's
    ``trigrams.presence``, which leaves out most keys before they are made distinct."""
    empty = np.zeros(0, dtype=np.int64)
    if len(table) == 0 or len(queries) == 0:
        return empty, empty, empty
    if found is not None:
        held = may_hold(found, queries)
        queries, owners = queries[held], owners[held]
    queries, query_of = distinct_pairs(queries, owners)
    lo, lengths = key_ranges(table, queries, _SEARCH)
    keep = (lengths > 0) & (lengths <= max_postings)
    lo, lengths, query_of = lo[keep], lengths[keep], query_of[keep]
    total = int(lengths.sum())
    if total == 0:
        return empty, empty, empty
    starts = np.repeat(lo - np.cumsum(lengths) + lengths, lengths) + np.arange(total)
    held_by = postings[starts]
    if (int(query_of.max()) + 1) * texts <= 1 << 32:  # sorted in 32 bits: ~40% faster than in 64
        small = np.repeat(query_of.astype(np.uint32), lengths) * np.uint32(texts) + held_by
        pair = np.sort(small).astype(np.int64)
    else:
        pair = np.sort(np.repeat(query_of, lengths) * texts + np.asarray(held_by, dtype=np.int64))
    first = np.concatenate(([True], pair[1:] != pair[:-1]))
    counts = np.diff(np.append(np.flatnonzero(first), len(pair)))
    enough = counts >= min_shared
    query, text = np.divmod(pair[first][enough], texts)
    return query, text, counts[enough]


class Shard:
    """A shard opened for queries: arrays memory-mapped, nothing loaded whole."""

    def __init__(self, directory: str, entry: ShardEntry, check_digests: bool = True) -> None:
        self.directory = directory
        self.entry = entry
        absent = [f for f in FILES if f not in entry.files]
        if absent:
            raise IndexMismatchError(
                f"{directory}: this shard has no {', '.join(absent)}: it was written by an older provcheck",
                hint=REBUILD_HINT,
            )
        for name, expected in entry.files.items():
            path = os.path.join(directory, name)
            try:
                size = os.path.getsize(path)
            except OSError:
                raise IndexCorruptError(
                    f"{path}: missing index file", hint="restore the index or rebuild it"
                ) from None
            if size != expected.size:
                raise IndexCorruptError(
                    f"{path}: {size} bytes, the manifest says {expected.size}: truncated or modified",
                    hint="restore the index or rebuild it",
                )
        if check_digests:
            integrity.check((os.path.join(directory, n), f.xxh3) for n, f in entry.files.items())
        try:
            self.anchors = self._array(ANCHORS)
            self.postings = self._array(POSTINGS)
            self.trigrams = self._array(TRIGRAMS)
            self.trigram_postings = self._array(TRIGRAM_POSTINGS)
            self._presence = Deferred(self.trigrams)
            """``trigrams.presence`` of ``trigrams``, made once lookups repay it."""
            self.text_keys = self._array(TEXT_KEYS)
            self.anchor_counts = self._array(ANCHOR_COUNTS)
            self.text_refs = self._array(TEXT_REFS)
            self.code_offsets = self._array(CODE_OFFSETS)
            self.echoes = self._array(ECHOES)
            self.echo_offsets = self._array(ECHO_OFFSETS)
            text_blocks, text_locations = self._array(TEXT_BLOCKS), self._array(TEXT_LOCATIONS)
            ref_blocks, ref_locations = self._array(REF_BLOCKS), self._array(REF_LOCATIONS)
        except (ValueError, OSError) as exc:
            raise IndexCorruptError(f"{directory}: unreadable array: {exc}") from exc
        if (
            len(self.anchors) != entry.anchors
            or len(self.text_keys) != entry.texts
            or len(text_locations) != entry.texts
            or len(ref_locations) != entry.refs
            or len(self.trigrams) != len(self.trigram_postings)
        ):
            raise IndexCorruptError(f"{directory}: array lengths disagree with the manifest")
        self._texts = BlockReader(self._map(TEXTS), text_blocks, text_locations)
        self._refs = BlockReader(self._map(REFS), ref_blocks, ref_locations)
        # The last text's records, decoded: a match reads them twice in a row (its references,
        # then the requests they answer). Read-only for every caller.
        self._last_refs: tuple[int, list[dict[str, Any]]] | None = None
        self._codes = self._map(CODES)
        self._codes_high = self._map(CODES_HIGH)

    def _array(self, name: str) -> np.ndarray:
        return npyfile.load(os.path.join(self.directory, name))

    def _map(self, name: str) -> mmap.mmap | bytes:
        path = os.path.join(self.directory, name)
        if os.path.getsize(path) == 0:
            return b""
        with open(path, "rb") as fh:
            return mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)

    def damaged_files(self) -> list[str]:
        """Recompute every file's checksum; the names of files that differ."""
        bad = []
        for name, expected in self.entry.files.items():
            if file_digest(os.path.join(self.directory, name)) != expected.xxh3:
                bad.append(os.path.join(self.directory, name))
        return bad

    def lookup(self, query: U32, max_postings: int) -> Hits:
        """Texts sharing anchors with ``query`` (sorted, distinct), with how many each shares.

        Anchors held by more than ``max_postings`` texts are boilerplate and skipped.
        """
        empty = np.zeros(0, dtype=np.int64)
        if len(self.anchors) == 0 or len(query) == 0:
            return Hits(empty, empty, empty)
        lo = np.searchsorted(self.anchors, query, side="left")
        hi = np.searchsorted(self.anchors, query, side="right")
        lengths = hi - lo
        keep = (lengths > 0) & (lengths <= max_postings)
        lo, lengths = lo[keep], lengths[keep]
        total = int(lengths.sum())
        if total == 0:
            return Hits(empty, empty, empty)
        # Concatenate the ranges [lo, lo + length) without a Python loop.
        starts = np.repeat(lo - np.cumsum(lengths) + lengths, lengths) + np.arange(total)
        owners = np.sort(np.asarray(self.postings[starts], dtype=np.int64))
        first = np.concatenate(([True], owners[1:] != owners[:-1]))
        ids = owners[first]
        counts = np.diff(np.append(np.flatnonzero(first), len(owners)))
        return Hits(ids, counts, np.asarray(self.anchor_counts[ids], dtype=np.int64))

    def lookup_many(
        self, queries: npt.NDArray[np.uint32], owners: npt.NDArray[np.int64], max_postings: int
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """:meth:`lookup` for many queries at once.

        ``queries`` holds every query's anchors, ``owners`` the query each belongs to. Returns
        parallel arrays (query, text id, shared anchors, text's anchors) for every pair that
        shares at least one anchor, sorted by query then text.
        """
        empty = np.zeros(0, dtype=np.int64)
        if len(self.anchors) == 0 or len(queries) == 0:
            return empty, empty, empty, empty
        lo, lengths = self.ranges(queries)
        keep = (lengths > 0) & (lengths <= max_postings)
        lo, lengths, owners = lo[keep], lengths[keep], owners[keep]
        total = int(lengths.sum())
        if total == 0:
            return empty, empty, empty, empty
        starts = np.repeat(lo - np.cumsum(lengths) + lengths, lengths) + np.arange(total)
        texts = np.asarray(self.postings[starts], dtype=np.int64)
        pair = np.sort(np.repeat(owners, lengths) * len(self.anchor_counts) + texts)
        first = np.concatenate(([True], pair[1:] != pair[:-1]))
        keys = pair[first]
        counts = np.diff(np.append(np.flatnonzero(first), len(pair)))
        query, text = np.divmod(keys, len(self.anchor_counts))
        return query, text, counts, np.asarray(self.anchor_counts[text], dtype=np.int64)

    def trigram_lookup_many(
        self, queries: U32, owners: U64, max_postings: int, min_shared: int
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """(query, text, shared hashes) of every pair sharing at least ``min_shared`` of the
        text's kept trigram hashes (``matching.trigrams``), as :meth:`lookup_many` does for
        anchors; hashes held by more than ``max_postings`` texts are skipped. ``queries``: every
        trigram hash of the queries, with the query each belongs to (``trigrams.hashed``)."""
        return shared_keys(
            self.trigrams,
            self.trigram_postings,
            len(self.text_keys),
            queries,
            owners,
            max_postings,
            min_shared,
            self._presence(queries),
        )

    def ranges(self, keys: U32) -> tuple[I64, I64]:
        """``key_ranges`` of ``keys`` in the anchor table (compiled where built)."""
        return key_ranges(self.anchors, keys, _SEARCH)

    def holders(self, anchors: U32) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.uint64]]:
        """For each posting of ``anchors``: which anchor (its position in ``anchors``) and the
        token digest of the text holding it (``text_keys``: identical texts share it)."""
        empty = np.zeros(0, dtype=np.int64)
        if len(self.anchors) == 0 or len(anchors) == 0:
            return empty, np.zeros(0, dtype=np.uint64)
        lo, lengths = self.ranges(anchors)
        total = int(lengths.sum())
        if total == 0:
            return empty, np.zeros(0, dtype=np.uint64)
        starts = np.repeat(lo - np.cumsum(lengths) + lengths, lengths) + np.arange(total)
        texts = np.asarray(self.postings[starts], dtype=np.int64)
        which = np.repeat(np.arange(len(anchors), dtype=np.int64), lengths)
        return which, np.asarray(self.text_keys[texts], dtype=np.uint64)

    def text(self, tid: int) -> str:
        """The stored text of text ``tid``."""
        return self._texts.item(tid).decode("utf-8")

    def codes(self, tid: int) -> str:
        """The token codes of text ``tid`` (``Fingerprint.codes``)."""
        start, end = int(self.code_offsets[tid]), int(self.code_offsets[tid + 1])
        if end == start:
            return ""
        if ALIGN is not None:  # the same string in one call (``tests/unit/test_block_codes.py``)
            decoded: str = ALIGN.codes(self._codes, self._codes_high, start, end)
            return decoded
        low = np.frombuffer(self._codes, dtype="<u2", count=end - start, offset=2 * start)
        packed = np.frombuffer(
            self._codes_high, dtype=np.uint8, count=(end + 1) // 2 - start // 2, offset=start // 2
        )
        return join_packed(low, packed, start & 1)

    def echo(self, tid: int) -> list[tuple[int, int]]:
        """Token ranges of text ``tid`` that repeat its record's prompt."""
        first, last = int(self.echo_offsets[tid]), int(self.echo_offsets[tid + 1])
        if first == last:
            return []
        return [(a, b) for a, b in self.echoes[first:last].tolist()]

    def refs(self, tid: int) -> list[dict[str, Any]]:
        """The reference records carrying text ``tid``, in the order they were added (shared with
        the next caller asking for the same text: never changed by a caller)."""
        got = self._last_refs
        if got is not None and got[0] == tid:
            return got[1]
        first, last = int(self.text_refs[tid]), int(self.text_refs[tid + 1])
        refs = [_ref_record(self._refs.item(r)) for r in range(first, last)]
        self._last_refs = (tid, refs)
        return refs


_EXACT = frozenset({str, int, bool, type(None)})
"""Value types orjson and ``json`` read alike whatever the digits (``inputs.jsonl``)."""


def _ref_record(data: bytes) -> dict[str, Any]:
    """``json.loads(data)``: one reference record (``ingest.add._ref``: a flat object of strings,
    integers and None), parsed by orjson (~3x faster; it was ~5% of a large scan's matching).
    What orjson refuses (a lone surrogate the writer escaped) or may read otherwise (an integer
    past 64 bits comes back as a float; a nested value) takes ``json``, as before."""
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError:
        value = None
    if isinstance(value, dict) and all(type(v) in _EXACT for v in value.values()):
        return value
    loaded: dict[str, Any] = json.loads(data)
    return loaded
