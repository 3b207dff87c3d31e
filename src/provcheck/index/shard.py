"""One immutable shard of an index: sorted anchor table, texts and reference records.

Layout (all little-endian numpy ``.npy`` arrays, opened memory-mapped so opening costs the same
for any size and several processes share the pages):

* ``anchors.npy`` (uint32, sorted) and ``postings.npy`` (uint32): anchor -> text id;
  ``anchor_counts.npy`` (uint32): how many anchors each text has;
* ``texts.bin`` + ``texts.idx.npy`` (uint64 offsets): each distinct reference text, UTF-8;
* ``text_keys.npy`` (uint64): a digest of each text's tokens (identical texts are stored once);
* ``codes.bin`` + ``codes.idx.npy``: each text's token codes (UTF-32), so verification aligns a
  reference without tokenizing it again;
* ``echoes.npy`` + ``echoes.idx.npy``: token ranges of each text that repeat its record's prompt
  (the model quoting its input is not the model's output);
* ``refs.jsonl`` + ``refs.idx.npy`` (uint64 offsets) + ``text_refs.npy`` (uint32): the
  reference records (id, source, turn, file) of each text, grouped by text.

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
from typing import Any

import numpy as np
import numpy.typing as npt

from provcheck.errors import IndexCorruptError, IndexMismatchError
from provcheck.index import integrity
from provcheck.index.integrity import file_digest
from provcheck.index.manifest import FileEntry, ShardEntry

ANCHORS = "anchors.npy"
POSTINGS = "postings.npy"
TEXTS = "texts.bin"
TEXT_OFFSETS = "texts.idx.npy"
TEXT_KEYS = "text_keys.npy"
ANCHOR_COUNTS = "anchor_counts.npy"
CODES = "codes.bin"
CODE_OFFSETS = "codes.idx.npy"
ECHOES = "echoes.npy"
ECHO_OFFSETS = "echoes.idx.npy"
TEXT_REFS = "text_refs.npy"
REFS = "refs.jsonl"
REF_OFFSETS = "refs.idx.npy"
FILES = (
    ANCHORS,
    POSTINGS,
    ANCHOR_COUNTS,
    TEXTS,
    TEXT_OFFSETS,
    TEXT_KEYS,
    CODES,
    CODE_OFFSETS,
    ECHOES,
    ECHO_OFFSETS,
    TEXT_REFS,
    REFS,
    REF_OFFSETS,
)
COMPONENTS = {
    ANCHORS: "anchors",
    POSTINGS: "anchors",
    ANCHOR_COUNTS: "anchors",
    TEXT_KEYS: "anchors",
    TEXTS: "text",
    TEXT_OFFSETS: "text",
    CODES: "codes",
    CODE_OFFSETS: "codes",
    ECHOES: "echoes",
    ECHO_OFFSETS: "echoes",
    TEXT_REFS: "refs",
    REFS: "refs",
    REF_OFFSETS: "refs",
}
"""What each file holds, for sizes by component (``provcheck index info``, the benchmark)."""

U32 = npt.NDArray[np.uint32]


def _save(directory: str, name: str, array: np.ndarray) -> None:
    with open(os.path.join(directory, name), "wb") as fh:
        np.save(fh, array, allow_pickle=False)
        fh.flush()
        os.fsync(fh.fileno())


class ShardBuilder:
    """Accumulates reference texts and writes a shard into a fresh directory."""

    def __init__(self, directory: str) -> None:
        self.directory = directory
        os.makedirs(directory)
        self._texts = open(os.path.join(directory, TEXTS), "wb")  # noqa: SIM115 - closed in finish
        self._codes = open(os.path.join(directory, CODES), "wb")  # noqa: SIM115 - closed in finish
        self._offsets = [0]
        self._code_offsets = [0]
        self._echoes: list[tuple[int, int]] = []
        self._echo_offsets = [0]
        self._ids: dict[int, int] = {}
        self._keys: list[int] = []
        self._anchors: list[U32] = []
        self._refs: list[tuple[int, dict[str, Any]]] = []

    @property
    def texts(self) -> int:
        """Distinct texts so far."""
        return len(self._keys)

    def add(
        self,
        key: int,
        text: str,
        anchors: U32,
        codes: str,
        echoes: list[tuple[int, int]],
        ref: dict[str, Any],
    ) -> None:
        """Add a reference turn; its text is stored once however many records carry it."""
        tid = self._ids.get(key)
        if tid is None:
            tid = len(self._keys)
            self._ids[key] = tid
            self._keys.append(key)
            data = text.encode("utf-8")
            self._texts.write(data)
            self._offsets.append(self._offsets[-1] + len(data))
            self._codes.write(codes.encode("utf-32-le", "surrogatepass"))
            self._code_offsets.append(self._code_offsets[-1] + len(codes))
            self._echoes.extend(echoes)
            self._echo_offsets.append(len(self._echoes))
            self._anchors.append(anchors)
        self._refs.append((tid, ref))

    def finish(self, name: str) -> ShardEntry:
        """Write every file, fsync it and return the shard's manifest entry."""
        for fh in (self._texts, self._codes):
            fh.flush()
            os.fsync(fh.fileno())
            fh.close()
        anchors = np.concatenate(self._anchors) if self._anchors else np.zeros(0, np.uint32)
        sizes = np.array([len(a) for a in self._anchors], dtype=np.int64)
        owners = np.repeat(np.arange(len(sizes), dtype=np.uint32), sizes)
        order = np.argsort(anchors, kind="stable")
        _save(self.directory, ANCHORS, anchors[order])
        _save(self.directory, POSTINGS, owners[order])
        _save(self.directory, TEXT_OFFSETS, np.array(self._offsets, dtype=np.uint64))
        _save(self.directory, CODE_OFFSETS, np.array(self._code_offsets, dtype=np.uint64))
        _save(self.directory, ECHOES, np.array(self._echoes, dtype=np.uint32).reshape(-1, 2))
        _save(self.directory, ECHO_OFFSETS, np.array(self._echo_offsets, dtype=np.uint64))
        _save(self.directory, TEXT_KEYS, np.array(self._keys, dtype=np.uint64))
        _save(self.directory, ANCHOR_COUNTS, sizes.astype(np.uint32))
        self._refs.sort(key=lambda r: r[0])  # stable: file order within a text
        counts = np.bincount(np.array([r[0] for r in self._refs], dtype=np.int64), minlength=len(self._keys))
        text_refs = np.zeros(len(self._keys) + 1, dtype=np.uint32)
        np.cumsum(counts, out=text_refs[1:])
        _save(self.directory, TEXT_REFS, text_refs)
        ref_offsets = [0]
        with open(os.path.join(self.directory, REFS), "wb") as fh:
            for _, ref in self._refs:
                line = json.dumps(ref, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
                fh.write(line)
                ref_offsets.append(ref_offsets[-1] + len(line))
            fh.flush()
            os.fsync(fh.fileno())
        _save(self.directory, REF_OFFSETS, np.array(ref_offsets, dtype=np.uint64))
        files = {
            f: FileEntry(
                os.path.getsize(os.path.join(self.directory, f)),
                file_digest(os.path.join(self.directory, f)),
            )
            for f in FILES
        }
        return ShardEntry(
            name=name,
            texts=len(self._keys),
            refs=len(self._refs),
            anchors=len(anchors),
            files=files,
        )

    def abort(self) -> None:
        """Close files; the caller removes the directory."""
        for fh in (self._texts, self._codes):
            if not fh.closed:
                # Closing flushes, which fails again on a full disk: the data is discarded anyway.
                with contextlib.suppress(OSError):
                    fh.close()


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

    def __init__(self, directory: str, entry: ShardEntry, verify: bool = True) -> None:
        self.directory = directory
        self.entry = entry
        absent = [f for f in FILES if f not in entry.files]
        if absent:
            raise IndexMismatchError(
                f"{directory}: this shard has no {', '.join(absent)}: it was written by an older provcheck",
                hint="rebuild the index with this version of provcheck",
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
        if verify:
            integrity.verify((os.path.join(directory, n), f.xxh3) for n, f in entry.files.items())
        try:
            self.anchors = self._array(ANCHORS)
            self.postings = self._array(POSTINGS)
            self.text_offsets = self._array(TEXT_OFFSETS)
            self.text_keys = self._array(TEXT_KEYS)
            self.anchor_counts = self._array(ANCHOR_COUNTS)
            self.text_refs = self._array(TEXT_REFS)
            self.ref_offsets = self._array(REF_OFFSETS)
            self.code_offsets = self._array(CODE_OFFSETS)
            self.echoes = self._array(ECHOES)
            self.echo_offsets = self._array(ECHO_OFFSETS)
        except (ValueError, OSError) as exc:
            raise IndexCorruptError(f"{directory}: unreadable array: {exc}") from exc
        if len(self.anchors) != entry.anchors or len(self.text_keys) != entry.texts:
            raise IndexCorruptError(f"{directory}: array lengths disagree with the manifest")
        self._texts = self._map(TEXTS)
        self._refs = self._map(REFS)
        self._codes = self._map(CODES)

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

    def verify(self) -> list[str]:
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
        lo = np.searchsorted(self.anchors, queries, side="left")
        hi = np.searchsorted(self.anchors, queries, side="right")
        lengths = hi - lo
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

    def holders(self, anchors: U32) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.uint64]]:
        """For each posting of ``anchors``: which anchor (its position in ``anchors``) and the
        token digest of the text holding it (``text_keys``: identical texts share it)."""
        empty = np.zeros(0, dtype=np.int64)
        if len(self.anchors) == 0 or len(anchors) == 0:
            return empty, np.zeros(0, dtype=np.uint64)
        lo = np.searchsorted(self.anchors, anchors, side="left")
        hi = np.searchsorted(self.anchors, anchors, side="right")
        lengths = hi - lo
        total = int(lengths.sum())
        if total == 0:
            return empty, np.zeros(0, dtype=np.uint64)
        starts = np.repeat(lo - np.cumsum(lengths) + lengths, lengths) + np.arange(total)
        texts = np.asarray(self.postings[starts], dtype=np.int64)
        which = np.repeat(np.arange(len(anchors), dtype=np.int64), lengths)
        return which, np.asarray(self.text_keys[texts], dtype=np.uint64)

    def text(self, tid: int) -> str:
        """The stored text of text ``tid``."""
        start, end = int(self.text_offsets[tid]), int(self.text_offsets[tid + 1])
        return bytes(self._texts[start:end]).decode("utf-8")

    def codes(self, tid: int) -> str:
        """The token codes of text ``tid`` (``Fingerprint.codes``)."""
        start, end = int(self.code_offsets[tid]) * 4, int(self.code_offsets[tid + 1]) * 4
        return bytes(self._codes[start:end]).decode("utf-32-le", "surrogatepass")

    def echo(self, tid: int) -> list[tuple[int, int]]:
        """Token ranges of text ``tid`` that repeat its record's prompt."""
        first, last = int(self.echo_offsets[tid]), int(self.echo_offsets[tid + 1])
        return [(int(a), int(b)) for a, b in self.echoes[first:last]]

    def refs(self, tid: int) -> list[dict[str, Any]]:
        """The reference records carrying text ``tid``, in the order they were added."""
        first, last = int(self.text_refs[tid]), int(self.text_refs[tid + 1])
        out = []
        for r in range(first, last):
            start, end = int(self.ref_offsets[r]), int(self.ref_offsets[r + 1])
            out.append(json.loads(bytes(self._refs[start:end])))
        return out
