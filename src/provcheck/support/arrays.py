"""numpy helpers that keep a command's imports to what it uses."""

from __future__ import annotations

from collections.abc import Callable
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


Search = Callable[[Any, Any, Any, Any], None]
"""``_align.ranges``: the compiled search (``matching/compiled.py``), which this package cannot
import (it stands below ``matching``): callers that may use it pass it in."""


def key_ranges(
    ordered: npt.NDArray[Any], keys: npt.NDArray[Any], search: Search | None = None
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Where each key's run of equal values starts in the sorted array ``ordered``, and how
    long it is (0 where the key is absent), in the order of ``keys``.

    The keys are searched in sorted order: numpy's binary search starts from where the last
    one ended when keys ascend, ~3× faster on an index's anchor array than keys in the order a
    batch of queries gives them (each query's anchors ascend, the batch does not). A run's end
    is searched for only where the key is there: most keys are in few of an index's shards.

    ``search``: the compiled search, used where both arrays are contiguous ``uint32`` (an
    index's anchors): it gallops from the last key's place instead of bisecting the whole
    array twice, with the same answer (``tests/unit/test_arrays.py``).
    """
    if len(keys) < 2 or bool(np.all(keys[1:] >= keys[:-1])):
        return _ascending_ranges(ordered, keys, search)
    order = np.argsort(keys, kind="stable")
    found, sizes = _ascending_ranges(ordered, keys[order], search)
    lo = np.empty(len(keys), dtype=np.int64)
    lengths = np.empty(len(keys), dtype=np.int64)
    lo[order] = found
    lengths[order] = sizes
    return lo, lengths


def _ascending_ranges(
    ordered: npt.NDArray[Any], keys: npt.NDArray[Any], search: Search | None = None
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    if (
        search is not None
        and ordered.dtype == np.uint32
        and keys.dtype == np.uint32
        and ordered.flags.c_contiguous
        and keys.flags.c_contiguous
    ):
        first = np.empty(len(keys), dtype=np.int64)
        sizes = np.empty(len(keys), dtype=np.int64)
        search(ordered, keys, first, sizes)
        return first, sizes
    lo = np.searchsorted(ordered, keys, side="left").astype(np.int64, copy=False)
    lengths = np.zeros(len(keys), dtype=np.int64)
    if len(ordered) == 0 or len(keys) == 0:
        return lo, lengths
    there = np.flatnonzero(ordered[np.minimum(lo, len(ordered) - 1)] == keys)
    lengths[there] = np.searchsorted(ordered, keys[there], side="right") - lo[there]
    return lo, lengths
