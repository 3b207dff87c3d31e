"""Judging a batch's matches: each candidate turn's matches against each other (strength), and
the trigram route's rule (a pair only that route listed is kept where it can block). Never prints.
"""

from __future__ import annotations

from dataclasses import replace

from provcheck.matching.params import MatchConfig
from provcheck.matching.strength import Signals, judge
from provcheck.matching.trigrams import FEATURE as TRIGRAM_FEATURE
from provcheck.model import Match
from provcheck.scan.holders import background_aside

Slot = tuple[int, int, str, str]
"""A match's place: candidate record (object id), turn, reference source and id."""


def can_block(m: Match) -> bool:
    return m.strength is not None and m.strength.can_block


def routed_match(m: Match) -> Match:
    """A match only the trigram route found, said so in its reason."""
    assert m.strength is not None
    said = "; found by its token trigrams (words replaced throughout), kept as it can block"
    features = {**m.strength.features, TRIGRAM_FEATURE: 1.0}
    return replace(m, strength=replace(m.strength, reason=m.strength.reason + said, features=features))


def judged(best: dict[Slot, tuple[Match, Signals]], config: MatchConfig) -> list[Match]:
    """The matches with their strength, judged per candidate turn against the turn's other
    matches and the verification tests of ``config``. Every one is given whatever
    ``config.min_probability``: the scan's collector applies it and counts what it leaves out
    (``scan.results.above_threshold``), on every path (cache, workers, Ray, merge)."""
    turns: dict[tuple[int, int], list[tuple[Match, Signals]]] = {}
    for slot, pair in best.items():
        turns.setdefault(slot[:2], []).append(pair)
    out = []
    for pairs in turns.values():
        pairs = background_aside(pairs)
        judged = [
            replace(m, strength=judge(signals, [p for k, (_, p) in enumerate(pairs) if k != n], config))
            for n, (m, signals) in enumerate(pairs)
        ]
        kept = [m for m in judged if m.strength is not None]
        # Background matches are the evidence of a listed match they explain: kept with it.
        if any(m.strength is not None and m.strength.convergence == "background" for m in kept):
            kept = [m for m in judged if m.reference.source.background or any(m is k for k in kept)]
        out += kept
    return out
