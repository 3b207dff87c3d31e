"""Token hashes: the 64-bit hash of every token of a batch, a polynomial over its folded code
points (``normalize.tokenize``'s ``chars``) with its length mixed in and MurmurHash3's
finalizer. In C where the tokenizer module is built (``_tokens.token_hashes``: one pass over the
tokens' characters), else with numpy (:func:`numpy_token_hashes`, the reference:
``tests/unit/test_token_hashes_compiled.py`` compares them); ``fingerprint.token_hash`` is the
same hash of one token in plain Python."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from provcheck.matching.compiled import TOKENS
from provcheck.matching.normalize import Tokens

U64 = npt.NDArray[np.uint64]

_MASK64 = (1 << 64) - 1
_BASE = 0x100000001B3  # odd, so it is invertible modulo 2**64
_BASE_INV = pow(_BASE, -1, 1 << 64)
_LEN_MIX = 0x9E3779B97F4A7C15
_M64_1 = np.uint64(0xFF51AFD7ED558CCD)
_M64_2 = np.uint64(0xC4CEB9FE1A85EC53)
_S33 = np.uint64(33)


class _Powers:
    """``BASE**t`` and ``BASE**-t`` modulo 2**64 for t < n, grown on demand."""

    def __init__(self) -> None:
        self.up: U64 = np.ones(1, dtype=np.uint64)
        self.down: U64 = np.ones(1, dtype=np.uint64)

    def ensure(self, n: int) -> None:
        if len(self.up) >= n:
            return
        # Doubled: batches vary in size, and a table grown by less is grown again by the next
        # larger batch (a scan's memory must not grow with its input).
        size = max(n, 2 * len(self.up))
        self.up = _extend_powers(self.up, size, _BASE)
        self.down = _extend_powers(self.down, size, _BASE_INV)


def _extend_powers(table: U64, size: int, base: int) -> U64:
    """``table`` (``base**t`` for t < len(table)) extended to ``size`` entries.

    By doubling, ``base**(t + k) = base**t * base**k`` modulo 2**64 (the same values as a
    running product, which waits on one multiplication per entry): each step multiplies the
    entries already there by one power.
    """
    out = np.empty(size, dtype=np.uint64)
    have = len(table)
    out[:have] = table
    while have < size:
        step = min(have, size - have)
        power = np.uint64(int(out[have - 1]) * base & _MASK64)  # base**have
        np.multiply(out[:step], power, out=out[have : have + step])
        have += step
    return out


_POWERS = _Powers()


def _fmix64(x: U64) -> U64:
    """MurmurHash3's 64-bit finalizer of every value (in place: ``x`` is overwritten)."""
    x ^= x >> _S33
    x *= _M64_1
    x ^= x >> _S33
    x *= _M64_2
    x ^= x >> _S33
    return x


def _fmix64_int(x: int) -> int:
    x ^= x >> 33
    x = (x * int(_M64_1)) & _MASK64
    x ^= x >> 33
    x = (x * int(_M64_2)) & _MASK64
    return x ^ (x >> 33)


_TOKEN_HASHES = getattr(TOKENS, "token_hashes", None)


def _token_hashes(batch: Tokens) -> U64:
    """Hash of every token: a polynomial over its code points. In C where the tokenizer
    module is built (``_tokens.token_hashes``: one pass over the tokens' characters), else
    :func:`numpy_token_hashes` (the reference; ``tests/unit/test_token_hashes_compiled.py``
    compares them). The numpy path's eight passes over every character of a batch cost 0.09
    CPU s of every 10,000 AlpacaEval outputs (13% of ``index add``), the loop two fifths of it."""
    if _TOKEN_HASHES is None:
        return numpy_token_hashes(batch)
    raw = _TOKEN_HASHES(
        np.ascontiguousarray(batch.chars, dtype=np.uint32),
        np.ascontiguousarray(batch.starts, dtype=np.int64),
        np.ascontiguousarray(batch.ends, dtype=np.int64),
        _BASE,
        _LEN_MIX,
    )
    return np.frombuffer(raw, dtype=np.uint64)


def numpy_token_hashes(batch: Tokens) -> U64:
    """:func:`_token_hashes` with numpy, from prefix sums: ``BASE**t`` times each character
    (plus one) summed over the batch, a token's the difference of two sums times
    ``BASE**-start``."""
    n = len(batch.chars)
    if len(batch.starts) == 0:
        return np.zeros(0, dtype=np.uint64)
    _POWERS.ensure(n + 1)
    # In place: a batch holds millions of characters, and every temporary of that size is
    # memory the system must hand over page by page.
    prefix = np.empty(n + 1, dtype=np.uint64)
    prefix[0] = 0
    terms = prefix[1:]
    terms[:] = batch.chars
    terms += np.uint64(1)
    terms *= _POWERS.up[:n]
    np.cumsum(terms, out=terms)
    raw = prefix[batch.ends]
    raw -= prefix[batch.starts]
    raw *= _POWERS.down[batch.starts]
    lengths = batch.ends - batch.starts
    raw ^= lengths.astype(np.uint64) * np.uint64(_LEN_MIX)
    return _fmix64(raw)
