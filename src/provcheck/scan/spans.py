"""Where a match's aligned spans lie: on the turn's code lines, on the reference's echoes of
its prompt (``scan.match`` reads both of every match it describes)."""

from __future__ import annotations

import functools
from collections.abc import Sequence

from provcheck.matching.code import code_lines
from provcheck.matching.segment import Segment
from provcheck.matching.verify import Alignment
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


def echo_share(alignment: Alignment, echoes: list[tuple[int, int]]) -> float:
    """Share of the reference's aligned token ranges that repeat its own prompt."""
    total = inside = 0
    for sp in alignment.spans:
        total += sp.ref_end - sp.ref_start
        for a, b in echoes:
            inside += max(0, min(b, sp.ref_end) - max(a, sp.ref_start))
    return inside / total if total else 0.0
