"""How much of a match's aligned candidate text lies inside other text: the passages a turn
shares with background text or other sources (``covered_by``, ``covered_spans``, read by
``scan.holders``), and the passage two matches of one turn share (``shared_passage``, read by
``strength``). Pure; moved out of ``strength`` (the 600-line limit)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from provcheck.model import Evidence


def covered_by(a: Evidence, spans: Sequence[tuple[int, int]]) -> float:
    """Share of ``a``'s aligned candidate characters inside the union of ``spans`` (candidate
    character ranges, e.g. every passage the turn shares with background text)."""
    total = sum(max(0, x.candidate.end - x.candidate.start) for x in a.spans)
    if total == 0 or not spans:
        return 0.0
    merged = _merged(spans)
    covered = sum(
        max(0, min(x.candidate.end, b) - max(x.candidate.start, a_)) for x in a.spans for a_, b in merged
    )
    return min(1.0, covered / total)


def covered_spans(a: Evidence, spans: Sequence[tuple[int, int]]) -> tuple[float, ...]:
    """Per aligned span of ``a``, the share of its candidate characters inside the union of
    ``spans`` (``covered_by`` span by span: ``Signals.attributed_spans``)."""
    merged = _merged(spans)
    return tuple(
        min(1.0, sum(max(0, min(x.candidate.end, b) - max(x.candidate.start, a_)) for a_, b in merged) / n)
        if (n := x.candidate.end - x.candidate.start) > 0
        else 0.0
        for x in a.spans
    )


def _merged(spans: Sequence[tuple[int, int]]) -> list[list[int]]:
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged


def shared_passage(a: Evidence, b: Evidence) -> float:
    """Share of ``a``'s aligned candidate characters that ``b``'s aligned candidate spans cover."""
    # The sums of ``max(0, ...)`` over every pair of spans, in plain loops (the generator of
    # ``max``/``min`` calls was most of ``judge``'s comparisons of a turn's matches).
    theirs = [(y.candidate.start, y.candidate.end) for y in b.spans]
    total = covered = 0
    for x in a.spans:
        start, end = x.candidate.start, x.candidate.end
        if end > start:
            total += end - start
        for s, e in theirs:
            overlap = (end if end < e else e) - (start if start > s else s)
            if overlap > 0:
                covered += overlap
    if total == 0:
        return 1.0  # nothing to locate: judged as the same passage, as before
    return min(1.0, covered / total)
