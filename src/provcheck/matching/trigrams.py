"""Token-trigram hashes: the second candidate route, for copies edited too densely for anchors.

An anchor needs a run of unedited tokens long enough to hold a window minimum (about 12); a
copy with one word in every 4-6 replaced keeps runs of 3-5 tokens, so it shares no anchor with
its source and is never a candidate (docs/matching.md, "Held-out edit kinds"). It still shares
many token trigrams. Each reference text keeps the ``KEEP`` smallest hashes of its distinct
trigrams (a bottom-k sketch, 8 bytes an entry with its posting); a query looks up *every*
distinct trigram hash of the candidate, and a reference holding ``MIN_SHARED`` of them is one
more candidate (``index.store``).

The hashes are taken over the 20-bit token codes (``Fingerprint.codes``; the index stores the
same codes), so reference and query agree without tokenizing again. Pure; no I/O.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from provcheck.matching.compiled import TOKENS

U32 = npt.NDArray[np.uint32]
U64 = npt.NDArray[np.uint64]

KEEP = 10
"""Trigram hashes a reference text keeps (its smallest): 73-79 bytes a reference on
AlpacaEval (``benchmarks/sparse_candidates.py``)."""
MIN_SHARED = 3
"""Kept hashes a reference must share with a query to be a candidate (4 finds 0.71 of the
dense copies the route is for, against 0.88 with 3; ``sparse_candidates.py``)."""
CANDIDATES = 4
"""Texts the route lists for a turn at most, most shared first: a source edited one word in five
shares about half of its 10 (``0.8 ** 3``), answers to the same request written apart share 3,
and an index holding many answers to a request holds many of those (7 a record on 3,000 chat
records against 160k AlpacaEval outputs without this bound)."""
VERSION = 1
"""Changes when the hash or what is kept changes (an index built otherwise is refused)."""

FEATURE = "trigram_route"
"""``Strength.features`` key set to 1 on a match only this route listed (kept as it can block):
what the reports count (``summary.trigram_route``)."""

_MIX = np.uint64(0xFF51AFD7ED558CCD)
_LOW = np.uint32(1 << 29)


def _distinct(values: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """The distinct values, sorted (``np.unique`` imports numpy.ma, which a hook's run has no
    other use for: ``tests/acceptance/test_hook_imports.py``)."""
    ordered = np.sort(values)
    if len(ordered) < 2:
        return ordered
    return ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))]


def _hashes(codes: U64) -> U32:
    """The 32-bit hash of every trigram of a sequence of 20-bit codes (in order, repeats kept)."""
    if len(codes) < 3:
        return np.zeros(0, dtype=np.uint32)
    with np.errstate(over="ignore"):
        x = (codes[:-2] << np.uint64(40)) | (codes[1:-1] << np.uint64(20)) | codes[2:]
        x *= _MIX
        x ^= x >> np.uint64(33)
    out: U32 = (x >> np.uint64(32)).astype(np.uint32)
    return out


def code_values(codes: str) -> U64:
    """The 20-bit codes of a code string (``Fingerprint.codes``, one character a token)."""
    return np.frombuffer(codes.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)


def query(codes: str) -> U32:
    """Every distinct trigram hash of a candidate's codes, sorted."""
    out: U32 = _distinct(_hashes(code_values(codes)))
    return out


def hashed(codes: list[str]) -> tuple[U32, U64]:
    """Every trigram hash of many texts (in order, repeats kept), with the text each belongs to
    (a trigram never spans two texts)."""
    if not codes:
        return np.zeros(0, dtype=np.uint32), np.zeros(0, dtype=np.uint64)
    values = code_values("".join(codes))
    sizes = np.array([len(c) for c in codes], dtype=np.int64)
    owner = np.repeat(np.arange(len(codes), dtype=np.uint64), sizes)
    inside = owner[:-2] == owner[2:] if len(owner) > 2 else np.zeros(0, dtype=bool)
    hashes: U32 = _hashes(values)[inside]
    owners: U64 = owner[:-2][inside]
    return hashes, owners


def distinct_pairs(hashes: U32, owners: U64) -> tuple[U32, npt.NDArray[np.int64]]:
    """The distinct (hash, text) pairs of ``hashed``, sorted by hash then text (what a lookup
    searches fastest)."""
    keys = _distinct((hashes.astype(np.uint64) << np.uint64(32)) | owners)
    out: U32 = (keys >> np.uint64(32)).astype(np.uint32)
    return out, (keys & np.uint64(0xFFFFFFFF)).astype(np.int64)


def queries(codes: list[str]) -> tuple[U32, npt.NDArray[np.int64]]:
    """``query`` of many texts in one sort: every text's distinct trigram hashes, all sorted
    by hash, with the text each belongs to."""
    return distinct_pairs(*hashed(codes))


Presence = tuple[npt.NDArray[np.uint8], int]
"""A bitmap of which ranges of hash values a table holds a value in, and how far a hash is
shifted to its range (``presence``)."""


def presence(table: U32) -> Presence:
    """Which ranges of hash values the sorted ``table`` (an index's kept hashes) holds a value
    in, about 8 ranges a value (a bit each): a hash whose range holds none is not in the table.

    A scan looks up every distinct trigram of every turn, and most are in no text's sketch: a
    sketch keeps a text's smallest hashes, so the table is dense below a few times ``2**32 / 100``
    and sparse above (short texts' hashes only). On issue 17's workload 15% of the hashes pass,
    and only they are sorted and searched (``docs/scale.md``, "route20")."""
    bits = min(max(len(table).bit_length() + 3, 6), 32)
    shift = 32 - bits
    ranges = table >> np.uint32(shift)  # sorted, as the table is
    first = np.flatnonzero(np.concatenate(([True], ranges[1:] != ranges[:-1]))) if len(ranges) else ranges
    ranges = ranges[first]
    byte = ranges >> np.uint32(3)
    starts = np.flatnonzero(np.concatenate(([True], byte[1:] != byte[:-1]))) if len(byte) else byte
    packed = np.zeros(1 << (bits - 3), dtype=np.uint8)
    if len(ranges):
        # Distinct ranges: a byte's bits are distinct, so their sum is their union.
        bit = np.left_shift(np.uint8(1), (ranges & np.uint32(7)).astype(np.uint8))
        packed[byte[starts]] = np.add.reduceat(bit, starts).astype(np.uint8)
    return packed, shift


class Deferred:
    """``presence`` of a table, made once the hashes looked up in it number a quarter of it: it
    reads the whole table (8-25 ms for 1.6M hashes), which a hook's few rows would not repay
    (20,000 hashes look up in 4 ms with or without it)."""

    __slots__ = ("found", "looked", "table")

    def __init__(self, table: U32) -> None:
        self.table = table
        self.looked = 0
        self.found: Presence | None = None

    def __call__(self, hashes: U32) -> Presence | None:
        """The table's ``presence`` for a lookup of ``hashes``, or None (not made yet)."""
        if self.found is None:
            self.looked += len(hashes)
            if self.looked * 4 >= len(self.table):
                self.found = presence(self.table)
        return self.found


def may_hold(found: Presence, hashes: U32) -> npt.NDArray[np.bool_]:
    """Which of ``hashes`` the table of ``found`` may hold (False: surely not)."""
    packed, shift = found
    ranges = hashes >> np.uint32(shift)
    held: npt.NDArray[np.bool_] = (
        (packed[ranges >> np.uint32(3)] >> (ranges & np.uint32(7)).astype(np.uint8)) & np.uint8(1)
    ).astype(bool)
    return held


def sketch(codes: U64) -> U32:
    """The ``KEEP`` smallest distinct trigram hashes of a reference's codes, sorted."""
    out: U32 = _distinct(_hashes(codes))[:KEEP]
    return out


def sketches_of_hashes(tokens: list[U64]) -> tuple[npt.NDArray[np.int64], U32]:
    """``sketch_of_hashes`` of many texts at once: how many hashes each keeps, and every text's
    hashes one text after the other (an index build sketches every text it adds)."""
    counts = np.array([len(t) for t in tokens], dtype=np.int64)
    flat = np.concatenate(tokens) if tokens else np.zeros(0, dtype=np.uint64)
    return sketches(flat, counts)


def sketches(flat: U64, counts: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.int64], U32]:
    """``sketches_of_hashes`` of texts given as their token hashes one text after the other
    (``flat``) and how many each has (``counts``): in C where the tokenizer module is built
    (``_tokens.trigram_sketches``, one pass a text), else with numpy (:func:`numpy_sketches`,
    the reference; ``tests/unit/test_trigrams.py`` compares them)."""
    compiled = getattr(TOKENS, "trigram_sketches", None)
    if compiled is None:
        return numpy_sketches(flat, counts)
    sizes, values = compiled(
        np.ascontiguousarray(flat, dtype=np.uint64), np.ascontiguousarray(counts, dtype=np.int64), KEEP
    )
    return np.frombuffer(sizes, dtype=np.int64), np.frombuffer(values, dtype=np.uint32)


def numpy_sketches(flat: U64, counts: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.int64], U32]:
    """:func:`sketches` with numpy: one sort for the batch, not one a text."""
    texts = len(counts)
    if not texts or not counts.sum():
        return np.zeros(texts, dtype=np.int64), np.zeros(0, dtype=np.uint32)
    codes = (flat >> np.uint64(44)) + np.uint64(0x100)
    codes[codes >= 0xD800] += np.uint64(0x800)
    hashes = _hashes(codes)
    # A trigram starting at token i of the batch is a text's when i + 2 is in the same text.
    owner = np.repeat(np.arange(texts, dtype=np.uint64), counts)
    # Only hashes under ``_LOW`` are sorted (an eighth: a text of 300 tokens has ~37); a text
    # with fewer than ``KEEP`` distinct ones there is sketched whole, alone (exact either way).
    inside = (owner[:-2] == owner[2:]) & (hashes < _LOW)
    pairs = (owner[:-2][inside] << np.uint64(32)) | hashes[inside].astype(np.uint64)
    pairs = _distinct(pairs)
    text = (pairs >> np.uint64(32)).astype(np.int64)
    starts = np.searchsorted(text, np.arange(texts), side="left")
    rank = np.arange(len(pairs)) - starts[text]
    kept = rank < KEEP
    sizes = np.bincount(text[kept], minlength=texts).astype(np.int64)
    values = (pairs[kept] & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    short = np.flatnonzero(sizes < KEEP)
    if not len(short):
        return sizes, values
    parts = np.split(values, np.cumsum(sizes)[:-1])
    bounds = np.concatenate(([0], np.cumsum(counts)))
    for t in short.tolist():
        parts[t] = sketch_of_hashes(flat[bounds[t] : bounds[t + 1]])
        sizes[t] = len(parts[t])
    out: U32 = np.concatenate(parts) if parts else values
    return sizes, out


def sketch_of_hashes(tokens: U64) -> U32:
    """``sketch`` of a text from its token hashes (``Fingerprint.tokens``), with the code values
    ``fingerprint._codes`` makes of them (top 20 bits, shifted past controls and surrogates)."""
    codes = (tokens >> np.uint64(44)) + np.uint64(0x100)
    codes[codes >= 0xD800] += np.uint64(0x800)
    return sketch(codes)
