"""Where a match's spans lie (``scan.spans``): the echo and own-word shares, against their
definition written as plainly as possible (every span against every echo and run)."""

from __future__ import annotations

import random

from provcheck.matching.verify import Alignment, TokenSpan, identical_runs
from provcheck.model import MatchKind
from provcheck.scan.spans import _outside, _overlap, echo_shares


def _defined(
    alignment: Alignment, echoes: list[tuple[int, int]], cand: str, ref: str
) -> tuple[float, float, bool]:
    """``echo_shares`` by its definition: sums of ``max(0, overlap)`` over every pair."""
    total = inside = 0
    for sp in alignment.spans:
        total += sp.ref_end - sp.ref_start
        for a, b in echoes:
            inside += max(0, min(b, sp.ref_end) - max(a, sp.ref_start))
    share = inside / total if total else 0.0
    if share < 0.5 or alignment.renamed or total == inside:
        return share, 0.0, False
    own = taken = 0
    for sp in alignment.spans:
        blocks = identical_runs(cand[sp.cand_start : sp.cand_end], ref[sp.ref_start : sp.ref_end])
        mine = _outside(sp.ref_start, sp.ref_end, echoes)
        own += sum(b - a for a, b in mine)
        for _, r0, size in blocks:
            start, end = sp.ref_start + r0, sp.ref_start + r0 + size
            taken += sum(max(0, min(b, end) - max(a, start)) for a, b in mine)
    return share, (taken / own if own else 0.0), own > 0


def _ranges(rng: random.Random, length: int, count: int) -> list[tuple[int, int]]:
    """Sorted, disjoint, non-empty ranges inside ``[0, length)``."""
    cuts = sorted(rng.sample(range(length + 1), min(2 * count, length + 1)))
    return [(a, b) for a, b in zip(cuts[0::2], cuts[1::2], strict=False) if a < b]


def test_echo_and_own_shares_are_those_of_their_definition() -> None:
    rng = random.Random(5)
    read = 0
    for _ in range(3000):
        n = rng.randint(20, 120)
        ref = "".join(chr(0x100 + rng.randint(0, 6)) for _ in range(n))
        # The candidate: the reference with a few tokens changed (identical runs inside spans).
        cand = "".join(c if rng.random() < 0.8 else chr(0x100 + rng.randint(0, 6)) for c in ref)
        spans = tuple(TokenSpan(a, b, a, b, (b - a) // 2) for a, b in _ranges(rng, n, rng.randint(0, 4)))
        alignment = Alignment(MatchKind.EXCERPT, spans, 1, 1.0, 1.0, 1.0, renamed=rng.random() < 0.05)
        echoes = _ranges(rng, n, rng.randint(0, 5))
        got = echo_shares(alignment, echoes, cand, ref)
        assert got == _defined(alignment, echoes, cand, ref)
        read += got[2]
    assert read > 100  # the own-word share was read often, not only the echo share


def test_the_overlap_of_two_lists_of_ranges_is_the_sum_over_every_pair() -> None:
    rng = random.Random(6)
    for _ in range(2000):
        xs, ys = _ranges(rng, 60, rng.randint(0, 8)), _ranges(rng, 60, rng.randint(0, 8))
        assert _overlap(xs, ys) == sum(max(0, min(b, d) - max(a, c)) for a, b in xs for c, d in ys)
