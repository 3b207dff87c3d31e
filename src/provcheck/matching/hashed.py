"""Token codes that do not spell their tokens: hashed n-grams, optionally keyed. Pure.

An index aligns *token codes*: 20 bits of a token's hash, one code a token. A code of one word is
a dictionary attack away from the word (hash every word of a dictionary, look the code up), so
a pack, which must not carry reference text, cannot carry them. It carries instead one code per
token position ``i`` that hashes the n-gram of tokens ``i .. i+n-1`` (shorter at the end of a
text). Two texts that share a run of ``L >= n`` tokens share ``L - n + 1`` consecutive codes;
alignment extends each identical run of codes by ``n - 1`` tokens (``verify.align(ngram=n)``),
so the aligned token counts, and the thresholds they are judged by, are those of plain codes.

Unkeyed codes can still be tested by anyone: who guesses the first ``n - 1`` words of a passage
can try every next word and keep the one whose n-gram code appears (docs/packs.md). Keyed codes
(blake2b keyed with a secret the publisher shares with the scanner only) cannot be tested
without the key; the key is never stored in a pack.
"""

from __future__ import annotations

import hashlib

import numpy as np
import numpy.typing as npt

from provcheck.matching.params import MatchConfig
from provcheck.matching.verify import Alignment
from provcheck.model import AlignedSpan, CharSpan, Evidence

U64 = npt.NDArray[np.uint64]
U16 = npt.NDArray[np.uint16]

CODE_BITS = 16
"""Bits of each n-gram code a pack stores (2 bytes a token). Two different n-grams share a code
with probability 2**-16; a chance equal code is one isolated position, which never chains into
an aligned span (``verify._MIN_CHAIN_SCORE``)."""
_COMBINE = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xFF51AFD7ED558CCD)
_M2 = np.uint64(0xC4CEB9FE1A85EC53)
_S33 = np.uint64(33)
_NGRAM_SALT = np.uint64(0x6E6772616D636F64)  # "ngramcod": n-gram codes never equal shingle hashes
KEY_BYTES = 16
"""Shortest publisher key accepted (bytes)."""


def _fmix64(x: U64) -> U64:
    x = x ^ (x >> _S33)
    x = x * _M1
    x = x ^ (x >> _S33)
    x = x * _M2
    out: U64 = x ^ (x >> _S33)
    return out


def ngram_hashes(tokens: U64, n: int) -> U64:
    """64-bit hash of the n-gram starting at each token position (shorter at the end)."""
    count = len(tokens)
    if count == 0:
        return np.zeros(0, dtype=np.uint64)
    acc = tokens.astype(np.uint64, copy=True)
    with np.errstate(over="ignore"):
        for j in range(1, n):
            nxt = np.zeros(count, dtype=np.uint64)
            nxt[: count - j] = tokens[j:]
            # Positions near the end hash fewer tokens; their length is mixed in below.
            acc[: count - j] = acc[: count - j] * _COMBINE + nxt[: count - j]
        width = np.minimum(np.arange(count, 0, -1, dtype=np.int64), n).astype(np.uint64)
        return _fmix64(acc ^ (width * _NGRAM_SALT))


def ngram_codes(tokens: U64, n: int, key: bytes | None = None) -> U16:
    """The stored code of each token position: ``CODE_BITS`` of its n-gram hash, keyed when a
    ``key`` is given (blake2b keyed: the code cannot be computed, so not tested, without it)."""
    hashes = ngram_hashes(tokens, n)
    if key is None:
        plain: U16 = (hashes >> np.uint64(64 - CODE_BITS)).astype(np.uint16)
        return plain
    distinct, inverse = np.unique(hashes, return_inverse=True)
    keyed = np.fromiter(
        (
            int.from_bytes(
                hashlib.blake2b(int(h).to_bytes(8, "little"), key=key, digest_size=2).digest(), "little"
            )
            for h in distinct.tolist()
        ),
        dtype=np.uint16,
        count=len(distinct),
    )
    out: U16 = keyed[inverse.reshape(-1)]
    return out


def as_string(codes: U16) -> str:
    """Codes as the string of code points ``verify.align`` compares (past controls and
    surrogates, like ``fingerprint._codes``)."""
    points = codes.astype(np.uint32) + np.uint32(0x100)
    points[points >= 0xD800] += np.uint32(0x800)
    text: str = points.tobytes().decode("utf-32-le")
    return text


def key_check(key: bytes) -> str:
    """A digest that tells a scanner it holds the right key, and nothing about the key."""
    return hashlib.blake2b(b"provcheck pack key check", key=key, digest_size=8).hexdigest()


def keyed_anchors(anchors: npt.NDArray[np.uint32], key: bytes) -> npt.NDArray[np.uint32]:
    """Anchors mapped through the publisher's key: without it, nobody can compute the anchor of
    a guessed passage, so the anchor table cannot be probed either."""
    if not len(anchors):
        empty: npt.NDArray[np.uint32] = np.zeros(0, dtype=np.uint32)
        return empty
    distinct, inverse = np.unique(anchors, return_inverse=True)
    mapped = np.fromiter(
        (
            int.from_bytes(
                hashlib.blake2b(
                    int(a).to_bytes(4, "little"), key=key, digest_size=4, person=b"anchor"
                ).digest(),
                "little",
            )
            for a in distinct.tolist()
        ),
        dtype=np.uint32,
        count=len(distinct),
    )
    out: npt.NDArray[np.uint32] = mapped[inverse.reshape(-1)]
    return out


def withheld_evidence(
    alignment: Alignment,
    cand_text_offsets: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]],
    cand_codes: str,
    ref_codes: str,
    config: MatchConfig,
    cand_base: int = 0,
) -> Evidence:
    """Evidence against a reference whose text is withheld (a pack's).

    The candidate side of each span is a character range of the candidate's text, as always; the
    reference side is the range of the reference's token positions (there is no text to place it
    in). Without reference text there is no character similarity: ``char_similarity`` is the
    token similarity of the spans, and ``jaccard`` is over the two texts' n-gram codes (with the
    index's shingle size as n, the shingle Jaccard up to code collisions).
    """
    starts, ends = cand_text_offsets
    spans = tuple(
        AlignedSpan(
            candidate=CharSpan(cand_base + int(starts[s.cand_start]), cand_base + int(ends[s.cand_end - 1])),
            reference=CharSpan(s.ref_start, s.ref_end),
            matched_tokens=s.matched,
            similarity=round(s.similarity, 4),
        )
        for s in alignment.spans
    )
    a, b = set(cand_codes), set(ref_codes)
    jaccard = len(a & b) / len(a | b) if a or b else 0.0
    return Evidence(
        kind=alignment.kind,
        similarity=round(alignment.similarity, 4),
        containment=round(alignment.containment, 4),
        coverage=round(alignment.coverage, 4),
        matched_tokens=alignment.matched,
        char_similarity=round(alignment.similarity, 4),
        jaccard=round(jaccard, 4),
        spans=spans,
        short=alignment.matched < config.block_floor_tokens,
    )
