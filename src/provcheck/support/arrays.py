"""numpy helpers that keep a command's imports to what it uses."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt


def sorted_unique(values: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """The distinct values of an integer array, sorted: ``np.unique(values)``.

    numpy 2.3+'s ``np.unique`` without ``return_*`` asks ``np.ma.is_masked`` first, which
    imports ``numpy.ma`` (~15-25 ms of CPU, more than the rest of a 100-row hook's tokenizing):
    the same answer from a sort. Integers only (``np.unique`` also folds NaNs together).
    """
    flat = np.sort(values, axis=None)
    if len(flat) < 2:
        return flat
    keep = np.empty(len(flat), dtype=bool)
    keep[0] = True
    np.not_equal(flat[1:], flat[:-1], out=keep[1:])
    return flat[keep]


def is_in(values: npt.NDArray[Any], pool: npt.NDArray[Any]) -> npt.NDArray[np.bool_]:
    """``np.isin(values, pool)`` for 1-D arrays of integers or fixed-width bytes, by a binary
    search in the sorted pool: ``np.isin`` calls ``np.unique`` (and so imports ``numpy.ma``)."""
    if len(pool) == 0 or len(values) == 0:
        return np.zeros(len(values), dtype=bool)
    ordered = np.sort(pool)
    at = np.minimum(np.searchsorted(ordered, values), len(ordered) - 1)
    found: npt.NDArray[np.bool_] = ordered[at] == values
    return found


def search_bounds(
    ordered: npt.NDArray[Any], keys: npt.NDArray[Any]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """``np.searchsorted(ordered, keys)`` on the left and on the right, the same answers, with
    the keys looked up in sorted order: each search then starts where the last ended, and the
    pages of a memory-mapped ``ordered`` are touched in order. 20,000 keys in a fresh process's
    mapping of an index's 8.8 million anchors: 136 ms in the keys' order, 35-40 ms sorted."""
    order = np.argsort(keys, kind="stable")
    ordered_keys = keys[order]
    lo = np.empty(len(keys), dtype=np.int64)
    hi = np.empty(len(keys), dtype=np.int64)
    lo[order] = np.searchsorted(ordered, ordered_keys, side="left")
    hi[order] = np.searchsorted(ordered, ordered_keys, side="right")
    return lo, hi
