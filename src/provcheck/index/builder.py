"""Writing a shard: turns encoded in the workers (``Chunk``), appended and sealed
(``ShardBuilder``). The layout is described in :mod:`provcheck.index.shard`."""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, BinaryIO

import numpy as np
import numpy.typing as npt
import orjson
import xxhash

from provcheck.index.blocks import BlockWriter, Locations, pack_nibbles
from provcheck.index.manifest import FileEntry, ShardEntry
from provcheck.index.postings import anchor_table, pairs_of
from provcheck.index.shard import (
    ANCHOR_COUNTS,
    ANCHORS,
    CODE_OFFSETS,
    CODES,
    CODES_HIGH,
    ECHO_OFFSETS,
    ECHOES,
    FILES,
    I64,
    POSTINGS,
    REF_BLOCKS,
    REF_LOCATIONS,
    REFS,
    TEXT_BLOCKS,
    TEXT_KEYS,
    TEXT_LOCATIONS,
    TEXT_REFS,
    TEXTS,
    TRIGRAM_POSTINGS,
    TRIGRAMS,
    U32,
    U64,
)
from provcheck.matching.trigrams import sketches

if TYPE_CHECKING:
    from concurrent.futures import Future, ThreadPoolExecutor


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
    trigram_counts: I64
    trigrams: U32
    """Every turn's kept trigram hashes (``matching.trigrams.sketch``), concatenated."""
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
        code_counts = np.array([len(t) for t in tokens], dtype=np.int64)
        trigram_counts, trigrams = sketches(hashes, code_counts)
        return cls(
            keys=np.array(keys, dtype=np.uint64),
            anchor_counts=np.array([len(a) for a in anchors], dtype=np.int64),
            anchors=np.concatenate(anchors) if anchors else np.zeros(0, np.uint32),
            trigram_counts=trigram_counts,
            trigrams=trigrams,
            code_counts=code_counts,
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
        self._trigram_pairs: list[U64] = []
        """The same of every kept trigram hash."""
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
        trigram_sizes = chunk.trigram_counts[new]
        trigrams = chunk.trigrams if every else chunk.trigrams[np.repeat(new, chunk.trigram_counts)]
        self._trigram_pairs.append(pairs_of(trigrams, trigram_sizes, len(keys) - len(sizes)))
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
        pairs = np.concatenate(self._trigram_pairs) if self._trigram_pairs else np.zeros(0, np.uint64)
        self._trigram_pairs = []
        table, postings = anchor_table(pairs)
        del pairs
        save(TRIGRAMS, table)
        save(TRIGRAM_POSTINGS, postings)
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
