"""Judging a batch's matches: each candidate turn's matches against each other (strength), and
the trigram route's rule (a pair only that route listed is kept where it can block). Never prints.
"""

from __future__ import annotations

from dataclasses import replace

from provcheck.matching.params import MatchConfig
from provcheck.matching.strength import Signals, judge
from provcheck.matching.trigrams import FEATURE as TRIGRAM_FEATURE
from provcheck.model import Match, MatchId, Strength
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


def route_kept(
    best: dict[Slot, tuple[Match, Signals]], route: set[MatchId], config: MatchConfig
) -> list[Match]:
    """The matches with their strength, judged per candidate turn against the turn's other
    matches and the verification tests of ``config``. Every one is given whatever
    ``config.min_probability``: the scan's collector applies it and counts what it leaves out
    (``scan.results.above_threshold``), on every path (cache, workers, Ray, merge).

    The matches ``route`` names (pairs only the trigram route listed) are kept where their
    strength allows a block, and dropped otherwise (dense edits and answers in
    a fixed frame align alike: only the pairs that can block told them apart,
    docs/matching.md); the other matches of a turn that lost one are judged again without it,
    as a scan without the route judges them.

    Only those turns are judged twice (each turn is judged apart), and the matches come in the
    order judging the kept pairs of ``best`` in one pass gives."""
    turns = _turns(best)
    first = [_judged_turn(pairs, config) for pairs in turns.values()]
    if not route:
        return [m for found in first for m in found]
    by_id = {m.id: m for found in first for m in found}
    drop = {i for i in route if not ((m := by_id.get(i)) and can_block(m))}
    # A turn is placed by its first pair kept (the order of a pass over the kept pairs).
    place: dict[tuple[int, int], int] = {}
    for n, (slot, (m, _)) in enumerate(best.items()):
        if m.id not in drop:
            place.setdefault(slot[:2], n)
    found_in = dict(zip(turns, first, strict=True))
    out: list[Match] = []
    for turn in sorted((t for t in turns if t in place), key=place.__getitem__):
        found = found_in[turn]
        if drop and any(m.id in drop for m, _ in turns[turn]):
            found = _judged_turn([p for p in turns[turn] if p[0].id not in drop], config)
        out += (routed_match(m) if m.id in route else m for m in found)
    return [m for m in out if m.id not in route or can_block(m)]


def _turns(best: dict[Slot, tuple[Match, Signals]]) -> dict[tuple[int, int], list[tuple[Match, Signals]]]:
    """The pairs of ``best`` by candidate turn, in the order of each turn's first pair."""
    turns: dict[tuple[int, int], list[tuple[Match, Signals]]] = {}
    for slot, pair in best.items():
        turns.setdefault(slot[:2], []).append(pair)
    return turns


def _judged_turn(pairs: list[tuple[Match, Signals]], config: MatchConfig) -> list[Match]:
    """The matches of one candidate turn judged against each other (``route_kept``)."""
    pairs = background_aside(pairs)
    given = [
        with_strength(m, judge(signals, [p for k, (_, p) in enumerate(pairs) if k != n], config))
        for n, (m, signals) in enumerate(pairs)
    ]
    kept = [m for m in given if m.strength is not None]
    # Background matches are the evidence of a listed match they explain: kept with it.
    if any(m.strength is not None and m.strength.convergence == "background" for m in kept):
        kept = [m for m in given if m.reference.source.background or any(m is k for k in kept)]
    return kept


def with_strength(m: Match, strength: Strength | None) -> Match:
    """``replace(m, strength=strength)``, made directly: ``dataclasses.replace`` reads every field
    by name, a sixth of judging a turn (``tests/unit/test_judged.py`` holds ``Match`` to these
    fields). Another dataclass (a test's stand-in) is replaced the general way."""
    if type(m) is not Match:
        return replace(m, strength=strength)
    return Match(m.id, m.record, m.reference, m.evidence, strength)
