"""Where a match's aligned spans lie: on the turn's code lines, on the reference's echoes of
its prompt, and whether the reference's own words between those echoes are copied too
(``scan.match`` reads them of every match it describes)."""

from __future__ import annotations

import functools
from collections.abc import Sequence

from provcheck.matching.code import code_lines
from provcheck.matching.convergence import ECHO_SHARE
from provcheck.matching.segment import Segment
from provcheck.matching.verify import Alignment, identical_runs
from provcheck.model import AlignedSpan

CODE_PASSAGE = 0.5
"""Share of a match's aligned candidate characters that must lie on the turn's code lines for
the shared passage to be code (``Signals.code_passage``)."""


def on_code(seg: Segment, spans: Sequence[AlignedSpan]) -> bool:
    """Whether most of the aligned candidate text lies on the turn's code lines (``code_lines``):
    a copied prose passage in a turn that also holds a snippet is not a match of code."""
    lines = _code_lines(seg.text)
    total = inside = 0
    for sp in spans:
        a, b = sp.candidate.start - seg.offset, sp.candidate.end - seg.offset
        total += max(0, b - a)
        inside += sum(max(0, min(b, y) - max(a, x)) for x, y in lines)
    return total > 0 and inside >= CODE_PASSAGE * total


_code_lines = functools.lru_cache(maxsize=256)(code_lines)
"""``code_lines`` of the turns met last: a turn matching several references is read once
(1,055 calls for 329 turns on issue 17's workload)."""


def echo_shares(
    alignment: Alignment, echoes: list[tuple[int, int]], cand: str, ref: str
) -> tuple[float, float, bool]:
    """Share of the reference's aligned token ranges that repeat its own prompt, and, when that
    share is ``ECHO_SHARE`` or more, the share of the reference's *own* tokens in those ranges
    (the ones that do not repeat its prompt: its edits, the sentences it added) that the
    candidate repeats identically (``Signals.own_share``; 0.0 when not read), and whether it was
    read (``Signals.own_read``).

    ``cand`` and ``ref`` are the two texts' plain token codes. A match holding only with
    identifiers abstracted is not read (its spans are on other streams), nor is a pack's
    reference (its codes are hashed n-grams: no run is found, and the prompt keeps explaining
    the match, as before)."""
    if not echoes:  # most references: nothing of theirs repeats a prompt
        return 0.0, 0.0, False
    total = inside = 0
    for sp in alignment.spans:
        start, end = sp.ref_start, sp.ref_end
        total += end - start
        for a, b in echoes:  # plain comparisons: ``max``/``min`` calls were most of the cost
            low, high = (a if a > start else start), (b if b < end else end)
            if high > low:
                inside += high - low
    share = inside / total if total else 0.0
    if share < ECHO_SHARE or alignment.renamed or total == inside:
        return share, 0.0, False
    own = taken = 0
    for sp in alignment.spans:
        blocks = identical_runs(cand[sp.cand_start : sp.cand_end], ref[sp.ref_start : sp.ref_end])
        mine = _outside(sp.ref_start, sp.ref_end, echoes)
        own += sum(b - a for a, b in mine)
        taken += _overlap([(sp.ref_start + r0, sp.ref_start + r0 + size) for _, r0, size in blocks], mine)
    return share, (taken / own if own else 0.0), own > 0


def _overlap(xs: list[tuple[int, int]], ys: list[tuple[int, int]]) -> int:
    """Positions two lists of sorted, disjoint ranges share: the sum of every pair's overlap, in
    one merge (the runs of an alignment and the parts outside echoes are both so)."""
    total = i = j = 0
    while i < len(xs) and j < len(ys):
        a, b = xs[i]
        c, d = ys[j]
        low, high = (a if a > c else c), (b if b < d else d)
        if high > low:
            total += high - low
        if b < d:
            i += 1
        else:
            j += 1
    return total


def _outside(start: int, end: int, echoes: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The parts of the token range [start, end) outside every echo (echoes sorted, disjoint)."""
    out = []
    pos = start
    for a, b in echoes:
        if b <= pos or a >= end:
            continue
        if a > pos:
            out.append((pos, a))
        pos = max(pos, b)
    if pos < end:
        out.append((pos, end))
    return out
