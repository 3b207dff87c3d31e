"""The only module that computes MinHash values: texts -> tokens -> shingles -> anchors.

A text's *anchors* are windowed MinHash values (winnowing, Schleimer et al. 2003): the shingle
sequence is cut into every window of ``window`` consecutive shingles and each window
contributes its MinHash under one permutation of datasketch's ``affine32`` family. Two texts
that share a run of ``shingle_size + window - 1`` tokens share at least one anchor, whatever
surrounds the run, so excerpts inside longer texts and edited copies (whose unedited runs
survive) are found, which a MinHash of the whole text cannot do (its Jaccard drops below 0.1
for a 60-word excerpt of a 300-word text). Each anchor is exactly what
``datasketch.MinHash(num_perm=1, seed=seed, hashfunc=shingle_hash32)`` gives for that window's
shingles; ``tests/unit/test_fingerprint.py`` checks this bit for bit.

Why not datasketch's own objects: constructing a ``MinHash`` per window and calling ``update``
per shingle costs ~7 µs per shingle, and importing datasketch takes ~0.45 s (it pulls in
scipy). This module computes the same values for a whole batch of texts at once with numpy:
tokens come from :func:`provcheck.matching.normalize.tokenize` as folded code points, and token hashes
from a polynomial rolling hash over them, so no Python code runs per token.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np
import numpy.typing as npt
import xxhash

from provcheck.matching.code import (
    CodeText,
    code_lines,
    code_spans,
    comment_ranges,
    literal_hashes,
    renamed_hashes_many,
)
from provcheck.matching.normalize import Tokens, canonical, tokenize, tokens
from provcheck.matching.params import FingerprintConfig
from provcheck.matching.recurring import Recurring, joined, pieces
from provcheck.matching.tokenhash import _BASE, _LEN_MIX, _MASK64, _fmix64, _fmix64_int, _token_hashes
from provcheck.support.arrays import sorted_unique

U64 = npt.NDArray[np.uint64]
U32 = npt.NDArray[np.uint32]
I64 = npt.NDArray[np.int64]

_COMBINE = np.uint64(0x9E3779B97F4A7C15)  # folds token hashes into a shingle hash
_M32_1 = np.uint32(0x85EBCA6B)
_M32_2 = np.uint32(0xC2B2AE35)
_S16 = np.uint32(16)
_S13 = np.uint32(13)


def _fmix32(x: U32) -> U32:
    """datasketch's affine32 pre-mix (MurmurHash3 finalizer) of every value, in place (``x`` is
    overwritten); uint32 arithmetic wraps."""
    x ^= x >> _S16
    x *= _M32_1
    x ^= x >> _S13
    x *= _M32_2
    x ^= x >> _S16
    return x


def permutation(seed: int) -> tuple[np.uint32, np.uint32]:
    """Parameters ``(a, b)`` of the affine32 permutation of ``MinHash(num_perm=1, seed=seed)``.

    The same values as datasketch 2.x ``MinHash._init_permutations``, which draws them from
    ``np.random.RandomState(seed)``: ``a`` is twice the first 31-bit draw plus one, ``b`` the
    next 32-bit draw. Both generators are MT19937; Python's is set to the state numpy's seeding
    gives, since importing ``numpy.random`` for two numbers cost ~7 ms of every scan's start
    (``tests/unit/test_fingerprint.py`` compares the two for many seeds).
    """
    state = [seed & 0xFFFFFFFF]
    for i in range(1, 624):  # MT19937's init_genrand, as RandomState(seed) seeds it
        prev = state[-1]
        state.append((1812433253 * (prev ^ (prev >> 30)) + i) & 0xFFFFFFFF)
    gen = random.Random()
    gen.setstate((3, (*state, 624), None))
    # numpy's bounded draw masks each 32-bit output to the range's bits and redraws above the
    # bound; neither range here can exceed its mask, so no draw is ever rejected.
    a = ((gen.getrandbits(32) & 0x7FFFFFFF) * 2 + 1) & 0xFFFFFFFF
    return np.uint32(a), np.uint32(gen.getrandbits(32))


def token_hash(token: str) -> int:
    """64-bit hash of one normalized token, in plain Python (the batch code's reference)."""
    acc = 0
    power = 1
    for char in token:
        acc = (acc + (ord(char) + 1) * power) & _MASK64
        power = (power * _BASE) & _MASK64
    return _fmix64_int(acc ^ ((len(token) * _LEN_MIX) & _MASK64))


def shingle_hash32(shingle: Iterable[str]) -> int:
    """The 32-bit hash of one shingle (a sequence of normalized tokens), in plain Python.

    This is the ``hashfunc`` to give ``datasketch.MinHash`` to reproduce provcheck's values.
    """
    acc: int | None = None
    for tok in shingle:
        h = token_hash(tok)
        acc = h if acc is None else (acc * int(_COMBINE) + h) & _MASK64
    if acc is None:
        raise ValueError("a shingle has at least one token")
    return _fmix64_int(acc) & 0xFFFFFFFF


def _permute(sh: U64, perm: tuple[np.uint32, np.uint32]) -> U32:
    a, b = perm
    # The low 32 bits of each shingle hash (a cast to uint32 keeps them), then every step in
    # place: a new array per operation cost three times as much.
    out = _fmix32(sh.astype(np.uint32))
    out *= a
    out += b
    return out


@dataclass(frozen=True, slots=True, eq=False)
class Fingerprint:
    """What matching needs of one text."""

    tokens: U64
    """64-bit hash of each normalized token, in order."""
    codes: str
    """One character per token (20 bits of its hash): what verification aligns, because
    rapidfuzz compares strings fastest. Two different tokens of a pair share a code with
    probability ~n²/2²¹ for n distinct tokens, which can add one aligned token, rarely."""
    shingles: U64
    """64-bit shingle hashes, in order (exact Jaccard uses these)."""
    anchors: U32
    """Sorted distinct windowed MinHash values (the index is keyed by these); for a text
    holding code, those of its identifier-insensitive stream too (``matching/code.py``)."""
    renamed: str | None = None
    """Token codes of the identifier-insensitive stream, for a text holding code; None
    otherwise."""
    renamed_at: I64 | None = None
    """Position among the plain tokens of each value of ``renamed``."""
    literal: str | None = None
    """Token codes of the literal stream (plain tokens with the symbols and markup of code,
    markup, table and grid lines, ``code.literal_hashes``); None for a text without such lines.
    Verification only: it adds no anchors (the index is unchanged)."""
    literal_at: I64 | None = None
    """Per value of ``literal``, the plain token range ``[first, end)`` it maps to (shape 2×n)."""
    bare_anchors: U32 | None = None
    """For a text holding code with whole-line comments, fingerprinted for a query
    (``Fingerprinter(query=True)``): the anchors of its tokens without those comment lines. A
    comment line every two or three lines leaves no run long enough to share an anchor with the
    code it was inserted into; the scan looks these up too (``scan/match.py``)."""
    comments: I64 | None = None
    """Plain token ranges ``[first, end)`` (n×2) of the whole-line comments of its code, for a
    query (``query=True``) holding code and such a comment (``code.comment_ranges``); None otherwise.
    Verification of a candidate only (``uncommented.align_uncommented``): it adds no anchors."""

    @property
    def key(self) -> int:
        """Identifies the token sequence (identical texts after normalization share it)."""
        tokens = self.tokens
        if tokens.flags.c_contiguous:
            # Digested through its buffer, not copied to bytes first (numpy's stubs declare
            # the buffer protocol only from Python 3.12).
            return xxhash.xxh3_64_intdigest(tokens)  # type: ignore[arg-type,unused-ignore]
        return xxhash.xxh3_64_intdigest(tokens.tobytes())


def _descriptor_init() -> Callable[[U64, str, U64, U32], Fingerprint]:
    """``Fingerprint(tokens, codes, shingles, anchors)`` with its slots filled by their
    descriptors: a frozen dataclass's ``__init__`` calls ``object.__setattr__`` per field,
    which cost half of making one (a batch makes one per text). The same object and values;
    the dataclass's own constructor wherever the fields are not the ones written here."""
    names = tuple(f.name for f in fields(Fingerprint))
    written = (
        "tokens",
        "codes",
        "shingles",
        "anchors",
        "renamed",
        "renamed_at",
        "literal",
        "literal_at",
        "bare_anchors",
        "comments",
    )
    if names != written or any(f.default is not None for f in fields(Fingerprint)[4:]):
        return lambda tokens, codes, shingles, anchors: Fingerprint(tokens, codes, shingles, anchors)
    set_tokens, set_codes, set_shingles, set_anchors, *rest = (getattr(Fingerprint, n).__set__ for n in names)
    set_renamed, set_renamed_at, set_literal, set_literal_at, set_bare_anchors, set_comments = rest
    new = object.__new__

    def make(tokens: U64, codes: str, shingles: U64, anchors: U32) -> Fingerprint:
        fp: Fingerprint = new(Fingerprint)
        set_tokens(fp, tokens)
        set_codes(fp, codes)
        set_shingles(fp, shingles)
        set_anchors(fp, anchors)
        set_renamed(fp, None)
        set_renamed_at(fp, None)
        set_literal(fp, None)
        set_literal_at(fp, None)
        set_bare_anchors(fp, None)
        set_comments(fp, None)
        return fp

    return make


_plain = _descriptor_init()


def _owned(fp: Fingerprint) -> Fingerprint:
    """``fp`` with arrays of its own (not views of a batch's arrays)."""
    if fp.renamed is None and fp.literal is None and fp.bare_anchors is None and fp.comments is None:
        return _plain(fp.tokens.copy(), fp.codes, fp.shingles.copy(), fp.anchors.copy())
    arrays = ("tokens", "shingles", "anchors", "renamed_at", "literal_at", "bare_anchors")
    return replace(fp, **{k: v.copy() for k in arrays if (v := getattr(fp, k)) is not None})


class Fingerprinter:
    """Computes fingerprints for one :class:`FingerprintConfig`, a batch of texts at a time."""

    def __init__(
        self, config: FingerprintConfig, literal: bool = True, query: bool = False, codes: bool = True
    ) -> None:
        """``literal=False``: no literal stream (``Fingerprint.literal`` stays None). It is used
        only to verify a candidate against a reference at scan time and is not stored in an
        index, so building an index or a pack need not compute it. ``query=True``: texts
        holding code with comment lines get ``Fingerprint.bare_anchors`` (looked up, never
        stored: an index is the same either way), and a text met again is not fingerprinted or
        tokenized again (``recurring``). ``codes=False``: ``Fingerprint.codes`` and
        ``renamed`` are left empty (``""``): an index stores the token hashes, whose top 20
        bits are the codes (:func:`codes_of_hashes` makes them where they are needed), so
        building one need not write every text's codes as a string."""
        self.config = config
        self.literal = literal
        self.query = query
        self.codes = codes
        self._perm = permutation(config.seed)
        self._memo = Recurring() if query else None  # texts met last (``query=True``)

    def of_text(self, text: str) -> Fingerprint:
        """Fingerprint of one text."""
        return self.of_texts([text])[0]

    def of_texts(self, texts: Sequence[str]) -> list[Fingerprint]:
        """Fingerprints of many texts; one numpy pass over all of them."""
        return self.with_tokens(texts)[0]

    def with_tokens(self, texts: Sequence[str]) -> tuple[list[Fingerprint], Tokens]:
        """Fingerprints of many texts, and their tokens (for evidence offsets)."""
        if self._memo is not None:
            return self._memoised(texts)
        batch = tokenize(texts)
        th = _token_hashes(batch)
        prints = self._from_token_hashes(th, batch.bounds, len(texts))
        if self.config.code:
            self._add_code(prints, texts, batch, th)
        return prints, batch

    def _memoised(self, texts: Sequence[str]) -> tuple[list[Fingerprint], Tokens]:
        """``with_tokens``, the texts in the memo taken from it: the same values (fingerprint
        and tokens are functions of the text), computed for the others only."""
        memo = self._memo
        assert memo is not None
        keys = memo.keys(texts)
        found = [memo.get(key) for key in keys]
        todo: dict[int, int] = {}  # digest -> the first text of the batch holding it
        for i, (key, held) in enumerate(zip(keys, found, strict=True)):
            if held is None and key not in todo:
                todo[key] = i
        if todo:
            fresh_texts = [texts[i] for i in todo.values()]
            batch = tokenize(fresh_texts)
            th = _token_hashes(batch)
            fresh = self._from_token_hashes(th, batch.bounds, len(fresh_texts))
            if self.config.code:
                self._add_code(fresh, fresh_texts, batch, th)
            # Kept with arrays of their own: a view would keep the whole batch's arrays alive.
            if len(fresh_texts) == len(texts):  # every text new and distinct: its batch as it is
                if any(kept := [memo.admits(key) for key in todo]):
                    for key, fp, part, keep in zip(todo, fresh, pieces(batch), kept, strict=True):
                        if keep:
                            memo.put(key, _owned(fp), part)
                return fresh, batch
            made = {
                key: memo.put(key, _owned(fp), part) if memo.admits(key) else (fp, part)
                for key, fp, part in zip(todo, fresh, pieces(batch), strict=True)
            }
            found = [held if held is not None else made[key] for held, key in zip(found, keys, strict=True)]
        held_all = [held for held in found if held is not None]
        if not held_all:
            return [], tokenize(texts)
        return [fp for fp, _ in held_all], joined([p for _, p in held_all])

    def _add_code(self, prints: list[Fingerprint], texts: Sequence[str], batch: Tokens, th: U64) -> None:
        """Give texts holding code the anchors and codes of their identifier-insensitive
        stream (one value per token, so positions are shared with the plain stream)."""
        which: list[int] = []
        code: list[CodeText] = []
        literal: dict[int, tuple[str, I64]] = {}
        comments: dict[int, I64 | None] = {}
        direct = batch.direct.tolist()
        bounds = batch.bounds.tolist()
        for i, text in enumerate(texts):
            if not direct[i] or "\n" not in text:
                continue
            canon = canonical(text)
            # Only texts that may be code have an identifier-insensitive stream; the literal
            # stream (markup, tables, grids) is not code-only, so every multi-line text is
            # offered to it. Without it (an index build) most texts need no offsets at all.
            # The code lines are found once: both streams read them. Without the literal
            # stream (an index build) nothing reads them again: no lookup in their cache,
            # which hashes the whole text.
            lines = code_spans(canon) if self.literal else tuple(code_lines(canon))
            if not lines and not self.literal:
                continue
            lo, hi = bounds[i], bounds[i + 1]
            starts, ends = batch.span_arrays(i)
            if lines:
                which.append(i)
                code.append((canon, lines, starts, ends, th[lo:hi]))
                comments[i] = comment_ranges(canon, lines, starts) if self.query else None
            lit = literal_hashes(canon, starts, ends, th[lo:hi]) if self.literal else None
            if lit is not None:
                literal[i] = (_codes(lit[0]), lit[1])
        # The identifier-insensitive streams of all code texts in one pass.
        renamed = renamed_hashes_many(code)
        streams = [r[0] for r in renamed if r is not None]
        positions = [r[1] for r in renamed if r is not None]
        which = [i for i, r in zip(which, renamed, strict=True) if r is not None]
        for i, (codes, at) in literal.items():
            prints[i] = replace(prints[i], literal=codes, literal_at=at)
        bare = self._bare_anchors(comments, bounds, th) if self.query else {}
        if not which:
            return
        bounds = np.zeros(len(streams) + 1, dtype=np.int64)
        np.cumsum([len(x) for x in streams], out=bounds[1:])
        extra = self._from_token_hashes(np.concatenate(streams), bounds, len(streams))
        for i, fp, at in zip(which, extra, positions, strict=True):
            old = prints[i]
            prints[i] = Fingerprint(
                tokens=old.tokens,
                codes=old.codes,
                shingles=old.shingles,
                # ``np.union1d``'s answer without its ``np.unique``, which imports ``numpy.ma``.
                anchors=sorted_unique(np.concatenate((old.anchors, fp.anchors), axis=None)).astype(np.uint32),
                renamed=fp.codes,
                renamed_at=at,
                literal=old.literal,
                literal_at=old.literal_at,
                bare_anchors=bare.get(i),
                comments=comments.get(i),
            )

    def _bare_anchors(self, comments: dict[int, I64 | None], bounds: list[int], th: U64) -> dict[int, U32]:
        """Anchors of each text's tokens without its comment lines (``comments``: token ranges
        per text of the batch, whose tokens ``bounds`` delimit in ``th``), for the texts that
        have such lines."""
        which = [i for i, ranges in comments.items() if ranges is not None]
        streams = []
        for i in which:
            ranges = comments[i]
            assert ranges is not None
            keep = np.ones(bounds[i + 1] - bounds[i], dtype=bool)
            for a, b in ranges.tolist():
                keep[a:b] = False
            streams.append(th[bounds[i] : bounds[i + 1]][keep])
        if not streams:
            return {}
        starts = np.zeros(len(streams) + 1, dtype=np.int64)
        np.cumsum([len(x) for x in streams], out=starts[1:])
        prints = self._from_token_hashes(np.concatenate(streams), starts, len(streams))
        return {i: fp.anchors for i, fp in zip(which, prints, strict=True)}

    def with_literal(
        self, fp: Fingerprint, text: str, batch: Tokens | None = None, i: int = 0
    ) -> Fingerprint:
        """``fp``, text ``i`` of ``batch`` fingerprinted with ``literal=False``, with the literal
        stream a ``literal=True`` fingerprinter gives it (the same test and values as
        ``_add_code``); without ``batch``, ``text`` is tokenized again. A scan computes it only
        for the texts whose alignment may read it (``verify.literal_may_judge``): it was a
        third of fingerprinting a candidate."""
        if not self.config.code or "\n" not in text:
            return fp
        if batch is None:
            batch, i = tokenize([text]), 0
        if not batch.direct[i]:
            return fp
        starts, ends = batch.span_arrays(i)
        lit = literal_hashes(canonical(text), starts, ends, fp.tokens)
        return fp if lit is None else replace(fp, literal=_codes(lit[0]), literal_at=lit[1])

    def codes_of(self, texts: Sequence[str]) -> list[str]:
        """Only the token codes of many texts (what alignment needs; no shingles or anchors)."""
        batch = tokenize(texts)
        codes = _codes(_token_hashes(batch))
        bounds = batch.bounds.tolist()
        return [codes[bounds[i] : bounds[i + 1]] for i in range(len(texts))]

    def _from_token_hashes(self, th: U64, starts: I64, count: int) -> list[Fingerprint]:
        size, window = self.config.shingle_size, self.config.window
        lengths = np.diff(starts)
        # Shingles over the whole batch; a text's shingles are those inside its own tokens.
        width = max(len(th) - size + 1, 0)
        acc = th[:width].copy()
        for j in range(1, size):
            acc *= _COMBINE
            acc += th[j : j + width]
        sh_all = _fmix64(acc)
        shingles: list[U64] = []
        empty = np.zeros(0, dtype=np.uint64)
        for a, n in zip(starts.tolist(), lengths.tolist(), strict=False):  # count of them
            if n >= size:
                shingles.append(sh_all[a : a + n - size + 1])
            elif n:
                shingles.append(_short_shingle(th[a : a + n]))
            else:
                shingles.append(empty)
        anchors = self._anchors(shingles, window)
        codes = _codes(th) if self.codes else ""
        bounds = starts.tolist()
        return [
            _plain(th[bounds[i] : bounds[i + 1]], codes[bounds[i] : bounds[i + 1]], shingles[i], anchors[i])
            for i in range(count)
        ]

    def _anchors(self, shingles: list[U64], window: int) -> list[U32]:
        """Distinct window minima of each text's permuted shingles, for all texts at once."""
        counts = np.array([len(sh) for sh in shingles], dtype=np.int64)
        total = int(counts.sum())
        if total == 0:
            return [np.zeros(0, dtype=np.uint32) for _ in shingles]
        values = _permute(np.concatenate(shingles), self._perm)
        offsets = np.zeros(len(shingles) + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        # Window minima over the concatenation; keep the windows inside one text.
        width = max(total - window + 1, 0)
        mins = _window_minima(values, window)
        owner = np.repeat(np.arange(len(shingles), dtype=np.int64), counts)
        inside = owner[:width] == owner[window - 1 : window - 1 + width]
        key = (owner[:width][inside] << 32) | mins[inside].astype(np.int64)
        # A minimum usually spans several windows: drop repeats before the (costly) sort.
        if len(key) > 1:
            key = key[np.concatenate(([True], key[1:] != key[:-1]))]
        keys = [key]
        # Texts with fewer shingles than a window have one anchor: their minimum.
        short = np.flatnonzero((counts > 0) & (counts < window))
        if len(short):
            low = np.minimum.reduceat(values, offsets[:-1][counts > 0])
            low_of = dict(zip(np.flatnonzero(counts > 0).tolist(), low.tolist(), strict=True))
            keys.append(np.array([(int(i) << 32) | low_of[int(i)] for i in short], dtype=np.int64))
        merged = np.sort(np.concatenate(keys))
        if len(merged) > 1:
            merged = merged[np.concatenate(([True], merged[1:] != merged[:-1]))]
        bounds = np.searchsorted(merged >> 32, np.arange(len(shingles) + 1))
        anchors = (merged & 0xFFFFFFFF).astype(np.uint32)
        return [anchors[bounds[i] : bounds[i + 1]] for i in range(len(shingles))]

    def to_datasketch(self, text: str, num_perm: int = 128) -> Any:
        """A ``datasketch.MinHash`` of the whole text over provcheck's shingles.

        For interoperability (e.g. feeding provcheck's shingling into an existing datasketch
        LSH). With ``num_perm=1`` its hash value is the minimum of the text's anchors
        (datasketch draws all ``a`` parameters before the ``b`` ones, so permutation 0 of a
        larger sketch differs).
        """
        from datasketch import MinHash  # imported lazily: ~0.45 s, never on the scan path

        toks = tokens(text)
        size = min(self.config.shingle_size, len(toks)) or 1
        mh = MinHash(num_perm=num_perm, seed=self.config.seed, hashfunc=shingle_hash32, scheme="affine32")
        for i in range(max(len(toks) - size + 1, 0)):
            mh.update(tuple(toks[i : i + size]))
        return mh


def _window_minima(values: U32, window: int) -> U32:
    """``min(values[i : i + window])`` for every ``i`` (``len(values) - window + 1`` of them).

    By doubling: minima of runs of 2, 4, 8... values, then the window as two overlapping
    runs; log2(window) passes over the batch instead of ``window - 1``.
    """
    width = max(len(values) - window + 1, 0)
    run = 1
    mins = values
    while 2 * run <= window:
        mins = np.minimum(mins[:-run], mins[run:])
        run *= 2
    if run == window:
        out: U32 = mins[:width] if mins is not values else values[:width].copy()
        return out
    return np.minimum(mins[:width], mins[window - run : window - run + width])


def codes_of_hashes(th: U64) -> str:
    """``Fingerprint.codes`` of a text from its token hashes (``Fingerprint.tokens``)."""
    return _codes(th)


def _codes(th: U64) -> str:
    """Token hashes as characters: 20 bits each, shifted past controls and surrogates."""
    codes = (th >> np.uint64(44)).astype(np.uint32) + np.uint32(0x100)
    codes[codes >= 0xD800] += np.uint32(0x800)
    text: str = codes.tobytes().decode("utf-32-le", "surrogatepass")
    return text


def _short_shingle(toks: U64) -> U64:
    acc = toks[:1].copy()
    for j in range(1, len(toks)):
        acc = acc * _COMBINE + toks[j : j + 1]
    return _fmix64(acc)
