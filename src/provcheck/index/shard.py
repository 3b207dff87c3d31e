"""One immutable shard of an index: sorted anchor table, texts and reference records.

Layout (format 2; arrays are little-endian numpy ``.npy`` files, opened memory-mapped so
opening costs the same for any size and several processes share the pages):

* ``anchors.npy`` (uint32, sorted) and ``postings.npy`` (uint32): anchor -> text id;
  ``anchor_counts.npy`` (uint32): how many anchors each text has;
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

import contextlib
import json
import mmap
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, BinaryIO

import numpy as np
import numpy.typing as npt
import orjson
import xxhash

from provcheck.errors import IndexCorruptError, IndexMismatchError
from provcheck.index import integrity
from provcheck.index.blocks import BlockReader, BlockWriter, Locations, join_packed, pack_nibbles
from provcheck.index.integrity import file_digest
from provcheck.index.manifest import REBUILD_HINT, FileEntry, ShardEntry
from provcheck.index.postings import anchor_table, pairs_of
from provcheck.matching.compiled import ALIGN
from provcheck.support.arrays import key_ranges

if TYPE_CHECKING:
    from concurrent.futures import Future, ThreadPoolExecutor

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
FILES = (
    ANCHORS,
    POSTINGS,
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


class _Sink:
    """A shard file being written, digested as it is written (``integrity.file_digest`` of
    its bytes, without reading them back)."""

    def __init__(self, path: str) -> None:
        self.fh = open(path, "wb")  # noqa: SIM115 - closed by the builder
        self._digest = xxhash.xxh3_64()

    def write(self, data: bytes | memoryview) -> int:
        """Write and digest ``data`` (``np.save`` writes through this)."""
        self._digest.update(data)
        return self.fh.write(data)

    def hexdigest(self) -> str:
        """The digest of everything written."""
        return self._digest.hexdigest()


@dataclass(frozen=True, slots=True)
class Chunk:
    """A batch of reference turns encoded for a shard, made where they were fingerprinted.

    It holds what the writing process does not have (the records were parsed in a worker):
    texts and records already compressed, codes already packed, so the writer only decides
    which texts are new and appends bytes. Turn ``i``'s parts are at index ``i`` of every
    per-turn array.
    """

    keys: U64
    """Token digest of each turn's text (``Fingerprint.key``)."""
    anchor_counts: I64
    anchors: U32
    """Every turn's anchors, concatenated."""
    code_counts: I64
    codes_low: npt.NDArray[np.uint16]
    codes_high: npt.NDArray[np.uint8]
    """Every turn's codes (low 16 and high 4 bits), concatenated."""
    echo_counts: I64
    echoes: U32
    """``(k, 2)``: every turn's echo ranges, concatenated."""
    text_blocks: list[bytes]
    text_locations: Locations
    ref_blocks: list[bytes]
    ref_locations: Locations

    @classmethod
    def build(
        cls,
        keys: list[int],
        texts: list[str],
        anchors: list[U32],
        tokens: list[U64],
        echoes: list[list[tuple[int, int]]],
        refs: list[dict[str, Any]],
    ) -> Chunk:
        """Encode turns (parallel lists, one entry a turn); ``tokens`` are each turn's token
        hashes (``Fingerprint.tokens``), whose top 20 bits are its token codes."""
        text_writer, ref_writer = BlockWriter(), BlockWriter()
        text_writer.add_all([text.encode("utf-8") for text in texts])
        ref_writer.add_all([_ref_json(ref) for ref in refs])
        text_blocks, text_locations = text_writer.finish()
        ref_blocks, ref_locations = ref_writer.finish()
        # The codes' 20-bit values straight from the hashes (``fingerprint._codes`` takes the
        # top 20 bits): no string of codes to join and decode again.
        hashes = np.concatenate(tokens) if tokens else np.zeros(0, np.uint64)
        low = (hashes >> np.uint64(44)).astype(np.uint16)
        high = (hashes >> np.uint64(60)).astype(np.uint8)
        flat_echoes = [e for turn in echoes for e in turn]
        return cls(
            keys=np.array(keys, dtype=np.uint64),
            anchor_counts=np.array([len(a) for a in anchors], dtype=np.int64),
            anchors=np.concatenate(anchors) if anchors else np.zeros(0, np.uint32),
            code_counts=np.array([len(t) for t in tokens], dtype=np.int64),
            codes_low=low,
            codes_high=high,
            echo_counts=np.array([len(e) for e in echoes], dtype=np.int64),
            echoes=np.array(flat_echoes, dtype=np.uint32).reshape(-1, 2),
            text_blocks=text_blocks,
            text_locations=text_locations,
            ref_blocks=ref_blocks,
            ref_locations=ref_locations,
        )


def _ref_json(ref: dict[str, Any]) -> bytes:
    """``json.dumps(ref, ensure_ascii=False, separators=(",", ":")).encode()``, by orjson.

    The bytes are the same for every value a reference holds (strings, integers, None; the
    test compares every code point), at a fifteenth of the cost. orjson refuses a lone
    surrogate and an integer past 64 bits (a ``TypeError``): those take ``json``, which
    writes or refuses them as it always has.
    """
    try:
        return orjson.dumps(ref)
    except TypeError:
        return json.dumps(ref, ensure_ascii=False, separators=(",", ":")).encode()


class _BlockFile(_Sink):
    """A block file being written: blocks appended, their offsets kept."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.offsets = [0]

    def append(self, blocks: list[bytes], locations: Locations) -> Locations:
        """Write ``blocks``; ``locations`` (in them) made locations in the file."""
        base = len(self.offsets) - 1
        for block in blocks:
            self.write(block)
            self.offsets.append(self.offsets[-1] + len(block))
        shifted: Locations = locations.copy()
        shifted[:, 0] += np.uint32(base)
        return shifted


class ShardBuilder:
    """Accumulates reference texts and writes a shard into a fresh directory."""

    def __init__(self, directory: str) -> None:
        self.directory = directory
        os.makedirs(directory)
        self._texts = _BlockFile(os.path.join(directory, TEXTS))
        self._refs = _BlockFile(os.path.join(directory, REFS))
        self._codes = _Sink(os.path.join(directory, CODES))
        self._codes_high = _Sink(os.path.join(directory, CODES_HIGH))
        self._sinks: dict[str, _Sink] = {
            TEXTS: self._texts,
            REFS: self._refs,
            CODES: self._codes,
            CODES_HIGH: self._codes_high,
        }
        self._files = tuple(sink.fh for sink in self._sinks.values())
        self._odd_nibble: npt.NDArray[np.uint8] = np.zeros(0, np.uint8)
        self._code_offsets: list[I64] = [np.zeros(1, np.int64)]
        self._codes_total = 0
        self._echoes: list[U32] = []
        self._echo_counts: list[I64] = []
        self._ids: dict[int, int] = {}
        self._keys: list[int] = []
        self._pairs: list[U64] = []
        """``(anchor << 32) | text`` of every anchor, batch by batch (``postings.pairs_of``)."""
        self._anchor_counts: list[I64] = []
        self._ref_tids: list[int] = []
        self._text_locations: list[Locations] = []
        self._ref_locations: list[Locations] = []

    @property
    def texts(self) -> int:
        """Distinct texts so far."""
        return len(self._keys)

    def add_chunk(self, chunk: Chunk) -> int:
        """Add a chunk's turns; a text is stored once however many records carry it (the
        first turn carrying it gives the stored text). Returns how many texts were new."""
        ids, keys = self._ids, self._keys
        new = np.zeros(len(chunk.keys), dtype=bool)
        tids = []
        for i, key in enumerate(chunk.keys.tolist()):
            tid = ids.get(key)
            if tid is None:
                tid = ids[key] = len(keys)
                keys.append(key)
                new[i] = True
            tids.append(tid)
        self._ref_tids.extend(tids)
        self._ref_locations.append(self._refs.append(chunk.ref_blocks, chunk.ref_locations))
        # Every block is kept: a text repeated inside one costs its bytes there, unreferenced.
        every = bool(new.all())
        located = self._texts.append(chunk.text_blocks, chunk.text_locations)
        self._text_locations.append(located if every else located[new])
        sizes = chunk.anchor_counts[new]
        self._anchor_counts.append(sizes)
        anchors = chunk.anchors if every else chunk.anchors[np.repeat(new, chunk.anchor_counts)]
        self._pairs.append(pairs_of(anchors, sizes, len(keys) - len(sizes)))  # the new texts' ids
        self._echo_counts.append(chunk.echo_counts[new])
        self._echoes.append(chunk.echoes if every else chunk.echoes[np.repeat(new, chunk.echo_counts)])
        code_mask = None if every else np.repeat(new, chunk.code_counts)
        low = chunk.codes_low if code_mask is None else chunk.codes_low[code_mask]
        high = chunk.codes_high if code_mask is None else chunk.codes_high[code_mask]
        counts = chunk.code_counts[new]
        self._code_offsets.append(self._codes_total + np.cumsum(counts))
        self._codes_total += int(counts.sum())
        self._codes.write(low.astype("<u2").tobytes())
        high = np.concatenate((self._odd_nibble, high))
        even = len(high) & ~1
        self._codes_high.write(pack_nibbles(high[:even]))
        self._odd_nibble = high[even:]
        return int(new.sum())

    def finish(self, name: str) -> ShardEntry:
        """Write every file, fsync it and return the shard's manifest entry.

        The files are fsynced by threads while the anchor table is sorted and the arrays are
        written (an fsync waits for the disk, not for this process): the shard's last step
        ran alone while every worker had finished.
        """
        if len(self._odd_nibble):
            self._codes_high.write(pack_nibbles(np.append(self._odd_nibble, np.uint8(0))))
        for fh in self._files:
            fh.flush()
        # Imported here: concurrent.futures brings logging, and a scan that only reads shards
        # (the pre-commit hook) has no use for either (docs/startup.md).
        from concurrent.futures import ThreadPoolExecutor, wait

        with ThreadPoolExecutor(max_workers=4, thread_name_prefix="provcheck-fsync") as pool:
            synced = [pool.submit(os.fsync, fh.fileno()) for fh in self._files]
            try:
                entry = self._write_arrays(name, synced, pool)
            finally:
                wait(synced)
            for done in synced:
                done.result()  # raises the first failure (a full disk) as fsync raised it
        for fh in self._files:
            fh.close()
        return entry

    def _write_arrays(self, name: str, synced: list[Future[None]], pool: ThreadPoolExecutor) -> ShardEntry:
        """The arrays of the shard, written and handed to ``pool`` to fsync."""

        def save(file: str, array: np.ndarray) -> None:
            sink = _Sink(os.path.join(self.directory, file))
            try:
                np.save(sink, array, allow_pickle=False)
                sink.fh.flush()
            except BaseException:
                sink.fh.close()
                raise
            self._sinks[file] = sink
            synced.append(pool.submit(_sync_and_close, sink.fh))

        sizes = np.concatenate(self._anchor_counts) if self._anchor_counts else np.zeros(0, np.int64)
        pairs = np.concatenate(self._pairs) if self._pairs else np.zeros(0, np.uint64)
        self._pairs = []
        table, postings = anchor_table(pairs)
        anchors = len(pairs)
        del pairs
        save(ANCHORS, table)
        save(POSTINGS, postings)
        del table, postings
        save(TEXT_BLOCKS, np.array(self._texts.offsets, dtype=np.uint64))
        save(TEXT_LOCATIONS, _concat(self._text_locations, (0, 3)))
        save(CODE_OFFSETS, np.concatenate(self._code_offsets).astype(np.uint64))
        echo_counts = np.concatenate(self._echo_counts) if self._echo_counts else np.zeros(0, np.int64)
        echo_offsets = np.zeros(len(echo_counts) + 1, dtype=np.uint64)
        np.cumsum(echo_counts, out=echo_offsets[1:])
        save(ECHOES, _concat(self._echoes, (0, 2)))
        save(ECHO_OFFSETS, echo_offsets)
        save(TEXT_KEYS, np.array(self._keys, dtype=np.uint64))
        save(ANCHOR_COUNTS, sizes.astype(np.uint32))
        ref_tids = np.array(self._ref_tids, dtype=np.int64)
        order = np.argsort(ref_tids, kind="stable")  # file order within a text
        counts = np.bincount(ref_tids, minlength=len(self._keys))
        text_refs = np.zeros(len(self._keys) + 1, dtype=np.uint32)
        np.cumsum(counts, out=text_refs[1:])
        save(TEXT_REFS, text_refs)
        save(REF_BLOCKS, np.array(self._refs.offsets, dtype=np.uint64))
        save(REF_LOCATIONS, _concat(self._ref_locations, (0, 3))[order])
        files = {
            f: FileEntry(os.path.getsize(os.path.join(self.directory, f)), self._sinks[f].hexdigest())
            for f in FILES
        }
        return ShardEntry(
            name=name,
            texts=len(self._keys),
            refs=len(ref_tids),
            anchors=anchors,
            files=files,
        )

    def abort(self) -> None:
        """Close files; the caller removes the directory."""
        for fh in self._files:
            if not fh.closed:
                # Closing flushes, which fails again on a full disk: the data is discarded anyway.
                with contextlib.suppress(OSError):
                    fh.close()


def _sync_and_close(fh: BinaryIO) -> None:
    try:
        os.fsync(fh.fileno())
    finally:
        fh.close()


def _concat(parts: list[np.ndarray], empty: tuple[int, int]) -> np.ndarray:
    return np.concatenate(parts) if parts else np.zeros(empty, np.uint32)


@dataclass(frozen=True, slots=True)
class Hits:
    """Texts of one shard that share anchors with a query."""

    text_ids: npt.NDArray[np.int64]
    counts: npt.NDArray[np.int64]
    """Anchors each text shares with the query."""
    sizes: npt.NDArray[np.int64]
    """Anchors each text has."""


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
        mapped = np.load(os.path.join(self.directory, name), mmap_mode="r", allow_pickle=False)
        # A plain ndarray view of the same pages: indexing a np.memmap builds a memmap object
        # per slice, which costs more than the lookup itself.
        array: np.ndarray = mapped.view(np.ndarray)
        return array

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
        refs = [json.loads(self._refs.item(r)) for r in range(first, last)]
        self._last_refs = (tid, refs)
        return refs
