"""Cutting a stream into batches (the unit of work handed to a worker)."""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Iterator
from typing import TypeVar

T = TypeVar("T")


def batched(items: Iterator[T], size: int) -> Iterator[list[T]]:
    """Consecutive lists of ``size`` items (the last may be shorter); never an empty list.

    ``itertools.batched`` arrived in Python 3.12 and yields tuples; provcheck supports 3.10.
    """
    while batch := list(itertools.islice(items, size)):
        yield batch


def remembered(batches: Iterator[list[T]], sent: deque[list[T]]) -> Iterator[list[T]]:
    """Batches, each also queued in ``sent`` (executors answer in order)."""
    for batch in batches:
        sent.append(batch)
        yield batch
