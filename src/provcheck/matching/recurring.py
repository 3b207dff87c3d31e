"""Fingerprints and tokens of the texts a scan met last: its turns recur (an instruction asked
again, a system prompt, a duplicated record), and both are functions of the text alone (a
batch's texts are tokenized each on its own, a separator after each). Pure (no I/O)."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import numpy.typing as npt

from provcheck.matching.normalize import Tokens

if TYPE_CHECKING:
    from provcheck.matching.fingerprint import Fingerprint

I64 = npt.NDArray[np.int64]

MEMO_TOKENS = 1 << 20
"""Tokens of the texts whose fingerprints and tokens are kept (~50 MB: each token holds 8-byte
hashes of itself and of its shingle, its offsets, a code character, a share of the anchors, and
its text's folded characters, 4 bytes each)."""


SEEN = 1 << 17
"""Digests of texts met once that are remembered (~8 MB)."""


class Piece(NamedTuple):
    """One text's part of a :class:`Tokens` batch, its positions relative to its own start."""

    chars: npt.NDArray[np.uint32]
    """Its folded code points and the separator after them."""
    starts: I64
    ends: I64
    direct: bool
    prepared: str | None


def pieces(batch: Tokens) -> list[Piece]:
    """Each text of ``batch`` as a piece (its characters a view of the batch's)."""
    offsets, bounds = batch.offsets.tolist(), batch.bounds.tolist()
    chars, starts, ends, prepared = batch.chars, batch.starts, batch.ends, batch.prepared
    return [
        Piece(
            chars[offsets[i] : offsets[i + 1]],
            starts[bounds[i] : bounds[i + 1]] - offsets[i],
            ends[bounds[i] : bounds[i + 1]] - offsets[i],
            direct,
            prepared.get(i),
        )
        for i, direct in enumerate(batch.direct.tolist())
    ]


def joined(parts: Sequence[Piece]) -> Tokens:
    """The :class:`Tokens` of a batch of texts, from each text's piece (``tokenize`` of the
    texts gives the same arrays)."""
    chars, starts, ends, direct, prepared = zip(*parts, strict=True)
    offsets = np.zeros(len(parts) + 1, dtype=np.int64)
    np.cumsum(list(map(len, chars)), out=offsets[1:])
    counts = list(map(len, starts))
    bounds = np.zeros(len(parts) + 1, dtype=np.int64)
    np.cumsum(counts, out=bounds[1:])
    shift = np.repeat(offsets[:-1], counts)
    return Tokens(
        np.concatenate(chars),
        np.concatenate(starts) + shift,
        np.concatenate(ends) + shift,
        bounds,
        offsets,
        np.array(direct, dtype=bool),
        {i: text for i, text in enumerate(prepared) if text is not None},
    )


class Recurring:
    """Fingerprints and pieces of tokens by digest of their text, the least recently used
    dropped first once they hold more than ``MEMO_TOKENS`` tokens."""

    def __init__(self) -> None:
        self._prints: OrderedDict[int, tuple[Fingerprint, Piece]] = OrderedDict()
        self.tokens = 0
        """Tokens of the fingerprints kept (one more each, for the empty ones)."""
        self._seen: set[int] = set()
        """Digests of the texts met once (up to ``SEEN`` of them): a text is kept when met a
        second time, so data where nothing recurs costs no copies (on issue 17's workload this
        kept 6,016 texts for 23,318 hits, where keeping every text kept 15,516 for 24,484)."""

    def admits(self, key: int) -> bool:
        """Whether the text of digest ``key``, not kept, was met before (and is now kept)."""
        if key in self._seen:
            return True
        if len(self._seen) >= SEEN:
            self._seen.clear()
        self._seen.add(key)
        return False

    def __len__(self) -> int:
        return len(self._prints)

    @staticmethod
    def keys(texts: Sequence[str]) -> list[int]:
        """The digest of each text: BLAKE2b, 128 bits. A keyed or cryptographic digest, not
        XXH3: the scanned data may be written to pass the gate, and two texts crafted to share a
        non-cryptographic digest would let a copy take a harmless text's fingerprint."""
        blake = hashlib.blake2b
        return [
            int.from_bytes(blake(t.encode("utf-8", "surrogatepass"), digest_size=16).digest(), "little")
            for t in texts
        ]

    def get(self, key: int) -> tuple[Fingerprint, Piece] | None:
        """The fingerprint and tokens of the text of digest ``key``, if kept."""
        found = self._prints.get(key)
        if found is not None:
            self._prints.move_to_end(key)
        return found

    def put(self, key: int, fp: Fingerprint, tokens: Piece) -> tuple[Fingerprint, Piece]:
        """Keep ``fp`` (with arrays of its own) and a copy of the text's ``tokens``, for the
        text of digest ``key``; returns them."""
        self._prints[key] = kept = (fp, tokens._replace(chars=tokens.chars.copy()))
        self.tokens += len(fp.tokens) + 1
        while self.tokens > MEMO_TOKENS and len(self._prints) > 1:
            self.tokens -= len(self._prints.popitem(last=False)[1][0].tokens) + 1
        return kept
