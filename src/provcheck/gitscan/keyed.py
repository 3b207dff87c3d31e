"""The seeded hashes by which a diff-aware scan recognises what it has already scanned.

The hook and ``scan --changed-since`` skip a line whose hash is in its base version's set, and
the base's bytes when their digest equals the one kept of the base (``selection.py``). XXH3 is
fast but not collision-resistant: under its public default secret, two lines can be *made* to
share a hash, so a contributor who committed one could later swap in the other, a copy, and the
gate would skip it as already scanned. Every such hash is therefore seeded with a secret 64-bit
value that the data's author cannot see: random in each process when no result cache is used
(nothing is kept), and kept in the cache, beside the hashes it made, when one is (they mean
nothing without it). A hash of another seed never matches, so a lost or replaced seed costs a
full read of the base, never a skipped record. (A cryptographic hash of every line would cost
the hook ~30 ms more per 20 MB of base; the seed makes crafting impossible without it.)
"""

from __future__ import annotations

import os
from typing import Any

import xxhash

_xxh64 = xxhash.xxh3_64_intdigest
_seed = int.from_bytes(os.urandom(8), "little")

CACHE_KEY = "hash-seed"
"""The cache's key set holding the seed (8 bytes, little-endian)."""


def use_cached(stored: bytes | None) -> bytes:
    """Take the seed a cache keeps (``stored``) or, when it keeps none or an unusable one, keep
    this process's; returns the bytes to keep."""
    global _seed
    if stored is not None and len(stored) == 8:
        _seed = int.from_bytes(stored, "little")
        return stored
    return _seed.to_bytes(8, "little")


def line_hash(data: bytes) -> int:
    """The seeded 64-bit hash of one line."""
    return _xxh64(data, _seed)


def digest() -> Any:
    """A seeded XXH3-128 state (``update``/``hexdigest``/``copy``)."""
    return xxhash.xxh3_128(seed=_seed)
