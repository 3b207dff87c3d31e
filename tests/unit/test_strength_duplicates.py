"""``strength._duplicated`` stops counting a source's near-duplicates once they are enough: the
same answer as the set of every one of them it replaced (``judge``'s verdicts unchanged)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from provcheck.matching.strength import COMMON_DF, CROWD_OVERLAP, Signals, _duplicated, shared_passage
from provcheck.model import AlignedSpan, CharSpan, Evidence, MatchKind


def _evidence(spans: list[tuple[int, int]]) -> Evidence:
    return Evidence(
        MatchKind.NEAR_DUPLICATE,
        0.9,
        0.5,
        0.5,
        40,
        0.9,
        0.5,
        tuple(AlignedSpan(CharSpan(a, a + n), CharSpan(0, n), 10, 0.9) for a, n in spans),
        False,
    )


def _before(s: Signals, peers: list[Signals]) -> bool:
    """The expression ``judge`` computed until 2026-12-06: every duplicate collected."""
    duplicates = {
        p.text
        for p in peers
        if p is not s
        and p.source == s.source
        and p.text is not None
        and p.text != s.text
        and shared_passage(s.evidence, p.evidence) >= CROWD_OVERLAP
    }
    return len(duplicates) + 1 >= COMMON_DF


_spans = st.lists(st.tuples(st.integers(0, 60), st.integers(0, 40)), min_size=0, max_size=3)
_signal = st.builds(
    lambda spans, source, text: Signals(_evidence(spans), 0.5, None, source, 0.0, text),
    _spans,
    st.sampled_from("ab"),
    st.one_of(st.none(), st.integers(0, 4)),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_signal, min_size=1, max_size=8), st.integers(0, 7))
def test_the_count_that_stops_early_gives_the_same_answer(peers: list[Signals], n: int) -> None:
    s = peers[n % len(peers)]
    assert _duplicated(s, peers) == _before(s, peers)
    outside = Signals(s.evidence, 0.5, None, s.source, 0.0, s.text)  # not among its peers
    assert _duplicated(outside, peers) == _before(outside, peers)


def test_both_answers_occur() -> None:
    e = _evidence([(0, 30)])
    mine = Signals(e, 0.9, None, "dump", 0.0, 1)
    dups = [Signals(e, 0.9, None, "dump", 0.0, t) for t in (2, 3)]
    assert _duplicated(mine, [mine, *dups]) and not _duplicated(mine, [mine, dups[0]])
