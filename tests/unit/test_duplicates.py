"""``duplicates.resembles`` and the crowd ``strength._duplicated`` counts in a source of no named
provider (tests/acceptance/test_precision23.py runs them through the CLI)."""

from __future__ import annotations

import numpy as np

from provcheck.matching.duplicates import resembles
from provcheck.matching.strength import Signals, _duplicated
from provcheck.model import AlignedSpan, CharSpan, Evidence, MatchKind


def _signals(text: int, tokens: int, shingles: np.ndarray | None, similarity: float = 1.0) -> Signals:
    span = AlignedSpan(CharSpan(0, 100), CharSpan(0, 100), tokens, similarity)
    ev = Evidence(MatchKind.NEAR_DUPLICATE, similarity, 1.0, 0.5, tokens, 1.0, 0.5, (span,), False)
    return Signals(ev, 1.0, None, "answers", 0.0, text, shingles=shingles)


def test_resemblance_and_the_crowd_count() -> None:
    own = np.arange(0, 100, dtype=np.uint64)
    near = np.arange(10, 110, dtype=np.uint64)  # 90 of 100 shared
    other = np.arange(70, 250, dtype=np.uint64)  # 30 shared of the larger's 180
    assert resembles(own, near) and not resembles(own, other) and resembles(None, other)
    s = _signals(0, 60, own)
    crowd = [_signals(t, 60, np.arange(70 + 200 * t, 250 + 200 * t, dtype=np.uint64)) for t in (1, 2)]
    assert not _duplicated(s, [s, *crowd])  # different texts aligned as well: the crowd's passage
    assert _duplicated(s, [s, _signals(1, 60, near), _signals(2, 60, near + 1)])  # near-copies
    assert _duplicated(s, [s, _signals(1, 30, other), _signals(2, 30, other)])  # led: a copy of s
    # No shingles (a source naming its provider): every text sharing the passage is a near-copy.
    unnamed = _signals(0, 60, None)
    assert _duplicated(unnamed, [unnamed, *[_signals(t, 60, None) for t in (1, 2)]])


def test_a_copy_held_more_closely_than_its_siblings_is_no_crowd() -> None:
    """A copy edited 5% aligns with its original at 0.96 and with texts its original's model
    family wrote alike at 0.85: they do not make the passage common (``SIMILARITY_LEAD``)."""
    own = np.arange(0, 100, dtype=np.uint64)
    s = _signals(0, 60, own, 0.96)
    siblings = [
        _signals(t, 55, np.arange(70 + 200 * t, 250 + 200 * t, dtype=np.uint64), 0.85) for t in (1, 2)
    ]
    assert _duplicated(s, [s, *siblings])
    close = [_signals(t, 55, np.arange(70 + 200 * t, 250 + 200 * t, dtype=np.uint64), 0.93) for t in (1, 2)]
    assert not _duplicated(s, [s, *close])
