"""The faster forms of evidence's and strength's small computations give what the plain ones did
(``distinct``, ``_jaccard``, ``shared_passage``, ``determined``): the speed-ups of issue 17 change
no figure."""

from __future__ import annotations

import random

import numpy as np
import pytest

from provcheck.matching import determined as determined_module
from provcheck.matching import normalize
from provcheck.matching.determined import determined
from provcheck.matching.evidence import _jaccard, distinct
from provcheck.matching.strength import shared_passage
from provcheck.model import AlignedSpan, CharSpan, Evidence
from provcheck.model.matches import MatchKind


def _arrays(rng: random.Random) -> list[np.ndarray]:
    out = [np.zeros(0, dtype=np.uint64), np.array([7], dtype=np.uint64), np.array([3, 3, 3], dtype=np.uint64)]
    for _ in range(200):
        n = rng.randrange(0, 60)
        top = rng.choice([4, 50, 2**64 - 1])  # many repeats, some, almost none
        out.append(np.array([rng.randint(0, top) for _ in range(n)], dtype=np.uint64))
    return out


def test_distinct_is_the_sorted_distinct_values() -> None:
    for a in _arrays(random.Random(1)):
        got = distinct(a)
        assert got.dtype == np.uint64
        assert got.tolist() == sorted(set(a.tolist()))


def test_jaccard_is_the_set_ratio() -> None:
    arrays = [distinct(a) for a in _arrays(random.Random(2))]
    rng = random.Random(3)
    for _ in range(400):
        a, b = rng.choice(arrays), rng.choice(arrays)
        sa, sb = set(a.tolist()), set(b.tolist())
        want = len(sa & sb) / len(sa | sb) if sa | sb else 0.0
        assert _jaccard(a, b) == want


def _evidence(spans: list[tuple[int, int]]) -> Evidence:
    aligned = tuple(AlignedSpan(CharSpan(a, b), CharSpan(0, 1), 1, 1.0) for a, b in spans)
    return Evidence(MatchKind.EXCERPT, 1.0, 1.0, 1.0, 1, 1.0, 1.0, aligned, False)


def _plain_shared(a: Evidence, b: Evidence) -> float:
    """``shared_passage`` as it was written before (2026-12-06)."""
    total = sum(max(0, x.candidate.end - x.candidate.start) for x in a.spans)
    if total == 0:
        return 1.0
    covered = sum(
        max(0, min(x.candidate.end, y.candidate.end) - max(x.candidate.start, y.candidate.start))
        for x in a.spans
        for y in b.spans
    )
    return min(1.0, covered / total)


def test_shared_passage_is_the_plain_sum() -> None:
    rng = random.Random(4)
    for _ in range(2000):
        sides = []
        for _ in range(2):
            spans = []
            for _ in range(rng.randrange(0, 6)):
                start = rng.randrange(0, 200)
                spans.append((start, start + rng.randrange(-3, 80)))  # empty and reversed too
            sides.append(_evidence(spans))
        assert shared_passage(sides[0], sides[1]) == _plain_shared(sides[0], sides[1])


def test_a_short_request_without_numbers_reads_no_passage(monkeypatch: pytest.MonkeyPatch) -> None:
    """Neither a translation (``SOURCE_TOKENS``) nor a calculation (``REQUEST_NUMBERS``) can be
    read of such a request: the passage is not folded, and the answer is None as before."""
    folded: list[str] = []

    def fold(text: str) -> list[str]:
        folded.append(text)
        return normalize.fold_tokens(text)

    monkeypatch.setattr(determined_module, "fold_tokens", fold)
    determined_module._determined.cache_clear()
    determined_module._asked.cache_clear()
    assert determined(["Write a poem about the sea"], "the sea is wide 12 and 34", "ref text") is None
    assert folded == ["Write a poem about the sea"]  # the request, not the passage
    assert determined(["Add 12 and 34"], "12 + 34 = 46", "ref") == "calculation"
