"""Fingerprints of the texts a scan met last: its turns recur (an instruction asked again, a
system prompt, a duplicated record), and a fingerprint is a function of its text. Pure (no I/O)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import xxhash

if TYPE_CHECKING:
    from provcheck.matching.fingerprint import Fingerprint

MEMO_TOKENS = 1 << 20
"""Tokens of the texts whose fingerprints are kept (~25 MB: each token holds 8-byte hashes of
itself and of its shingle, a code character and a share of the anchors)."""


class Recurring:
    """Fingerprints by digest of their text, the least recently used dropped first once they
    hold more than ``MEMO_TOKENS`` tokens."""

    def __init__(self) -> None:
        self._prints: OrderedDict[int, Fingerprint] = OrderedDict()
        self.tokens = 0
        """Tokens of the fingerprints kept (one more each, for the empty ones)."""

    def __len__(self) -> int:
        return len(self._prints)

    @staticmethod
    def keys(texts: Sequence[str]) -> list[int]:
        """The digest of each text (128 bits: a collision is not a concern)."""
        return [xxhash.xxh3_128_intdigest(t.encode("utf-8", "surrogatepass")) for t in texts]

    def get(self, key: int) -> Fingerprint | None:
        """The fingerprint of the text of digest ``key``, if kept."""
        fp = self._prints.get(key)
        if fp is not None:
            self._prints.move_to_end(key)
        return fp

    def put(self, key: int, fp: Fingerprint) -> Fingerprint:
        """Keep ``fp``, with arrays of its own (a view would keep the whole batch's arrays
        alive), as the fingerprint of the text of digest ``key``; returns what is kept."""
        owned = replace(
            fp,
            tokens=fp.tokens.copy(),
            shingles=fp.shingles.copy(),
            anchors=fp.anchors.copy(),
            renamed_at=None if fp.renamed_at is None else fp.renamed_at.copy(),
            literal_at=None if fp.literal_at is None else fp.literal_at.copy(),
            bare_anchors=None if fp.bare_anchors is None else fp.bare_anchors.copy(),
        )
        self._prints[key] = owned
        self.tokens += len(owned.tokens) + 1
        while self.tokens > MEMO_TOKENS and len(self._prints) > 1:
            self.tokens -= len(self._prints.popitem(last=False)[1].tokens) + 1
        return owned
