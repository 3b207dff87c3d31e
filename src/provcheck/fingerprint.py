"""The only module that computes MinHash values: tokens -> shingles -> anchors.

A text's *anchors* are windowed MinHash values (winnowing, Schleimer et al. 2003): the shingle
sequence is cut into every window of ``window`` consecutive shingles and each window
contributes its MinHash under one permutation of datasketch's ``affine32`` family. Two texts
that share a run of ``shingle_size + window - 1`` tokens share at least one anchor, whatever
surrounds the run, so excerpts inside longer texts and edited copies (whose unedited runs
survive) are found, which a MinHash of the whole text cannot do (its Jaccard drops below 0.1
for a 60-word excerpt of a 300-word text). The anchors are exactly
``datasketch.MinHash(num_perm=1, seed=seed, hashfunc=shingle_hash32).update(...)`` over each
window's shingles; ``tests/unit/test_fingerprint.py`` checks this bit for bit.

Why not datasketch's own objects: constructing a ``MinHash`` per window and calling
``update`` per shingle costs ~7 µs per shingle and importing datasketch alone takes ~0.45 s
(it pulls in scipy); this module computes the same values vectorized with numpy.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import xxhash

from provcheck.config import FingerprintConfig
from provcheck.normalize import tokens as normalized_tokens

U64 = npt.NDArray[np.uint64]
U32 = npt.NDArray[np.uint32]

_COMBINE = np.uint64(0x9E3779B97F4A7C15)  # odd multiplier folding token hashes into a shingle
_M64_1 = np.uint64(0xFF51AFD7ED558CCD)
_M64_2 = np.uint64(0xC4CEB9FE1A85EC53)
_S33 = np.uint64(33)
_LOW32 = np.uint64(0xFFFFFFFF)
_M32_1 = np.uint32(0x85EBCA6B)
_M32_2 = np.uint32(0xC2B2AE35)
_S16 = np.uint32(16)
_S13 = np.uint32(13)
_xxh3 = xxhash.xxh3_64_intdigest


def _fmix64(x: U64) -> U64:
    x = x ^ (x >> _S33)
    x = x * _M64_1
    x = x ^ (x >> _S33)
    x = x * _M64_2
    out: U64 = x ^ (x >> _S33)
    return out


def _fmix32(x: U32) -> U32:
    # datasketch's affine32 pre-mix (MurmurHash3 finalizer); uint32 arithmetic wraps.
    x = x ^ (x >> _S16)
    x = x * _M32_1
    x = x ^ (x >> _S13)
    x = x * _M32_2
    out: U32 = x ^ (x >> _S16)
    return out


def permutation(seed: int) -> tuple[np.uint32, np.uint32]:
    """Parameters ``(a, b)`` of the affine32 permutation of ``MinHash(num_perm=1, seed=seed)``.

    Generated exactly as datasketch 2.x ``MinHash._init_permutations`` does.
    """
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, 1, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, 1, dtype=np.uint32)
    return np.uint32(a[0]), np.uint32(b[0])


def token_hashes(toks: Sequence[str]) -> U64:
    """64-bit hash of each token."""
    return np.fromiter((_xxh3(t.encode()) for t in toks), dtype=np.uint64, count=len(toks))


def shingle_hashes(th: U64, size: int) -> U64:
    """64-bit hash of every run of ``size`` consecutive tokens (one shingle if fewer)."""
    count = len(th)
    if count == 0:
        return th
    size = min(size, count)
    width = count - size + 1
    acc = th[:width].copy()
    with np.errstate(over="ignore"):
        for j in range(1, size):
            acc = acc * _COMBINE + th[j : j + width]
        return _fmix64(acc)


def shingle_hash32(shingle: Iterable[str]) -> int:
    """The 32-bit hash of one shingle (a sequence of tokens), in plain Python.

    This is the ``hashfunc`` to give ``datasketch.MinHash`` to reproduce provcheck's values.
    """
    mask = (1 << 64) - 1
    acc: int | None = None
    for tok in shingle:
        h = _xxh3(tok.encode())
        acc = h if acc is None else (acc * int(_COMBINE) + h) & mask
    if acc is None:
        raise ValueError("a shingle has at least one token")
    x = acc
    x ^= x >> 33
    x = (x * int(_M64_1)) & mask
    x ^= x >> 33
    x = (x * int(_M64_2)) & mask
    x ^= x >> 33
    return x & 0xFFFFFFFF


def permuted(sh: U64, perm: tuple[np.uint32, np.uint32]) -> U32:
    """MinHash permutation of each shingle hash (datasketch affine32: ``a*fmix32(h)+b``)."""
    a, b = perm
    with np.errstate(over="ignore"):
        out: U32 = (a * _fmix32((sh & _LOW32).astype(np.uint32)) + b).astype(np.uint32)
    return out


def winnow(values: U32, window: int) -> U32:
    """Sorted distinct minima of every window of ``window`` consecutive values."""
    count = len(values)
    if count == 0:
        return values
    if count <= window:
        return np.array([values.min()], dtype=np.uint32)
    width = count - window + 1
    mins = values[:width].copy()
    for j in range(1, window):
        np.minimum(mins, values[j : j + width], out=mins)
    return np.unique(mins)


@dataclass(frozen=True, slots=True, eq=False)
class Fingerprint:
    """What matching needs of one text."""

    tokens: list[str]
    """Normalized tokens, in order (verification aligns these)."""
    shingles: U64
    """64-bit shingle hashes, in order (exact Jaccard uses these)."""
    anchors: U32
    """Sorted distinct windowed MinHash values (the index is keyed by these)."""


class Fingerprinter:
    """Computes fingerprints for one :class:`FingerprintConfig`."""

    def __init__(self, config: FingerprintConfig) -> None:
        self.config = config
        self._perm = permutation(config.seed)

    def of_tokens(self, toks: list[str]) -> Fingerprint:
        """Fingerprint of already-normalized tokens."""
        sh = shingle_hashes(token_hashes(toks), self.config.shingle_size)
        anchors = winnow(permuted(sh, self._perm), self.config.window)
        return Fingerprint(tokens=toks, shingles=sh, anchors=anchors)

    def of_text(self, text: str) -> Fingerprint:
        """Fingerprint of a raw text."""
        return self.of_tokens(normalized_tokens(text))

    def to_datasketch(self, text: str, num_perm: int = 128) -> Any:
        """A ``datasketch.MinHash`` of the whole text over provcheck's shingles.

        For interoperability (e.g. feeding provcheck's shingling into an existing datasketch
        LSH). With ``num_perm=1`` its hash value is the minimum of the text's anchors
        (datasketch draws all ``a`` parameters before the ``b`` ones, so permutation 0 of a
        larger sketch differs).
        """
        from datasketch import MinHash  # imported lazily: ~0.45 s, never on the scan path

        toks = normalized_tokens(text)
        size = min(self.config.shingle_size, len(toks)) or 1
        mh = MinHash(num_perm=num_perm, seed=self.config.seed, hashfunc=shingle_hash32, scheme="affine32")
        for i in range(max(len(toks) - size + 1, 0)):
            mh.update(tuple(toks[i : i + size]))
        return mh
