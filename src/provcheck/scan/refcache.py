"""The reference texts a matcher holds: their codes, and the details computed when they match.

A scan's ``Matcher`` keeps the reference texts it met last, up to ``REFS_BYTES`` (their codes
and echoes, what alignment reads). A text that matched also holds its *details*: its text,
fingerprint and token offsets (what evidence, strength and the code alignments read), which
cost ~0.3 ms a text to compute (tokenizing and hashing it again, and finding its code lines).
On issue 17's workload (150k references, 20k chat records) a batch of 250 records met ~1,750
texts, so the 4,096 it held then spanned a little over two batches: a reference matched again
later (popular answers are) had its details computed again, 19,465 times for 8,503 texts.

``Kept`` holds the texts with details that the matcher's cache lets go, up to a number of
bytes, the least recently used dropped first: a text met again is taken back as it was, its
codes and details with it. Nothing it holds depends on when it was computed (a text's
fingerprint is a function of the text and the configuration), so the matches are the same.

It also holds, within a budget of their own, texts let go with their codes only (most texts
a scan meets are aligned and rejected): on issue 17's workload 6,000 records decoded the
codes of 18,799 texts 29,293 times; a text met again is not decoded (nor its echoes read,
nor ``literal_judgeable`` computed) again.
"""

from __future__ import annotations

import sys
from collections import OrderedDict
from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np

from provcheck.index import TextKey
from provcheck.matching.fingerprint import Fingerprint
from provcheck.matching.normalize import Offsets
from provcheck.model import Reference

REFS_BYTES = 64 << 20
"""Bytes of texts (codes, text, details: ``CachedText.size``) the matcher's own cache holds
(``Matcher._load``) before it lets the least recently used go to ``Kept``. Until 2026-12-06 it
held 4,096 texts whatever their size: on issue 17's workload 99,060 texts a scan went to
``Kept`` (and most came back); 35,042 with this bound (that scan's ~34,000 texts count 145 MB
with their details; peak RSS 653 -> 665 MB)."""
KEPT_BYTES = 96 << 20
"""Bytes of texts, codes and arrays ``Kept`` may hold (a bound that does not grow with the
records scanned; ~4,000 texts of this workload's length)."""
CODES_BYTES = 16 << 20
"""Bytes of texts held with their codes only (no details) ``Kept`` may hold besides
(~10,000 texts of this workload's length)."""


@dataclass(slots=True)
class CachedText:
    """A reference text ready for verification; the rest is computed when it matches."""

    codes: str
    echoes: list[tuple[int, int]]
    text: str | None = None
    fingerprint: Fingerprint | None = None
    offsets: Offsets | None = None
    shingles: np.ndarray | None = None
    """Distinct shingle hashes (the Jaccard figure of every match against this text)."""
    references: list[Reference] | None = None
    """The reference records carrying the text (read from the index once, not per match)."""
    requests: frozenset[str] | None = None
    """Keys of the requests those records answer (``matching.request``), read with them."""
    code_stream: bool | None = None
    """False when the text surely has no identifier-insensitive stream (``_code_may_match``)."""
    judgeable: bool | None = None
    """``literal_judgeable`` of ``codes`` (computed once, when first needed)."""
    literal_pending: bool = False
    """``fingerprint`` holds the code streams, not yet the literal one (``Matcher._renamed``)."""
    coded: bool = False
    """``fingerprint`` holds the identifier-insensitive stream of code (``align_renamed`` needs
    it); without it, it holds everything evidence needs."""
    detached: tuple[object, ...] | None = None
    """What ``detached`` last measured (the objects it read, then the bytes they hold): a text
    taken back and let go again unchanged is neither walked nor measured again."""
    size: int = 0
    """Bytes counted for the text by the cache holding it (``measured``; no tuple per text)."""


_FIELDS = tuple(f.name for f in fields(Fingerprint))
"""The fingerprint's fields, read once (``dataclasses.fields`` is slow)."""


def _own(a: np.ndarray) -> np.ndarray:
    """``a``, copied when it is a view: a fingerprint's arrays are slices of its batch's, and a
    text kept past its batch must not keep the whole batch's arrays alive."""
    return a.copy() if a.base is not None else a


def detached(held: CachedText) -> tuple[CachedText, int]:
    """``held`` with arrays of its own (``_own``), and the bytes it holds.

    A text goes back and forth between the matcher's cache and ``Kept`` (on issue 17's
    workload 22,000 times for ~5,000 texts with details); one whose codes, text and details
    are the objects measured last time (``CachedText.detached``: they are held there, so
    ``is`` cannot meet a new object at a freed one's address) already owns its arrays and
    holds the same bytes."""
    last = held.detached
    if (
        last is not None
        and last[0] is held.codes
        and last[1] is held.text
        and last[2] is held.fingerprint
        and last[3] is held.offsets
        and last[4] is held.shingles
    ):
        size = last[5]
        assert isinstance(size, int)
        return held, size
    size = sys.getsizeof(held.codes) + (sys.getsizeof(held.text) if held.text is not None else 0)
    fp = held.fingerprint
    if fp is not None:
        changes: dict[str, Any] = {}
        for name in _FIELDS:
            value = getattr(fp, name)
            if isinstance(value, np.ndarray):
                if value.base is not None:
                    value = changes[name] = value.copy()
                size += value.nbytes
            elif isinstance(value, str):
                size += sys.getsizeof(value)
        if changes:
            held.fingerprint = replace(fp, **changes)
    if held.offsets is not None:
        if held.offsets[0].base is not None or held.offsets[1].base is not None:
            held.offsets = (_own(held.offsets[0]), _own(held.offsets[1]))
        size += held.offsets[0].nbytes + held.offsets[1].nbytes
    if held.shingles is not None:
        held.shingles = _own(held.shingles)
        size += held.shingles.nbytes
    held.detached = (held.codes, held.text, held.fingerprint, held.offsets, held.shingles, size)
    return held, size


def _codes_size(held: CachedText) -> int:
    return sys.getsizeof(held.codes) + (sys.getsizeof(held.text) if held.text is not None else 0)


def measured(held: CachedText) -> int:
    """How many bytes ``held`` holds more than its ``size`` said (``size`` is updated): its
    codes and text, and its details (their arrays made its own: ``detached``)."""
    size = detached(held)[1] if held.fingerprint is not None else _codes_size(held)
    grown = size - held.size
    held.size = size
    return grown


class Kept:
    """Texts with details let go by the matcher's cache, up to ``limit`` bytes, the least
    recently used dropped first (``put``); ``take`` gives one back."""

    def __init__(self, limit: int = KEPT_BYTES, codes_limit: int = CODES_BYTES) -> None:
        self.limit = limit
        self.bytes = 0
        self._held: OrderedDict[TextKey, CachedText] = OrderedDict()
        self.codes_limit = codes_limit
        self.codes_bytes = 0
        self._codes: OrderedDict[TextKey, CachedText] = OrderedDict()
        """Texts without details (their codes, echoes and what was learnt of them)."""

    def __len__(self) -> int:
        return len(self._held)

    def put(self, key: TextKey, held: CachedText) -> None:
        """Keep ``held``: with details within ``limit``, else within ``codes_limit``."""
        if held.fingerprint is None:
            self._put_codes(key, held)
            return
        if self.limit <= 0:
            return
        old = self._held.pop(key, None)
        if old is not None:
            self.bytes -= old.size
        held, size = detached(held)
        held.size = size
        self._held[key] = held
        self.bytes += held.size
        while self.bytes > self.limit and self._held:
            self.bytes -= self._held.popitem(last=False)[1].size

    def _put_codes(self, key: TextKey, held: CachedText) -> None:
        if self.codes_limit <= 0:
            return
        # The text is there when ``_code_may_match`` read it; echoes are a few pairs.
        size = held.size = _codes_size(held)
        old = self._codes.pop(key, None)
        if old is not None:
            self.codes_bytes -= old.size
        self._codes[key] = held
        self.codes_bytes += size
        while self.codes_bytes > self.codes_limit and self._codes:
            self.codes_bytes -= self._codes.popitem(last=False)[1].size

    def take(self, key: TextKey) -> CachedText | None:
        """The text kept under ``key`` (no longer kept here), or None."""
        found = self._held.pop(key, None)
        if found is not None:
            self.bytes -= found.size
            return found
        found = self._codes.pop(key, None)
        if found is not None:
            self.codes_bytes -= found.size
        return found
