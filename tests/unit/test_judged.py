"""Judging a batch's matches with the trigram route's keep rule (``scan.judged.route_kept``):
the same matches, in the same order, as judging every turn, dropping the route's pairs that
cannot block and judging every turn again without them; only the turns that lost a pair are
judged twice."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from provcheck.matching.params import MatchConfig
from provcheck.scan import judged


@dataclass(frozen=True)
class _Source:
    background: bool = False


@dataclass(frozen=True)
class _Reference:
    source: _Source = _Source()


@dataclass(frozen=True)
class _Strength:
    can_block: bool
    reason: str
    convergence: str | None = None
    features: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class _Match:
    id: str
    reference: _Reference = _Reference()
    strength: _Strength | None = None


def _judge(score: int, peers: list[int], config: MatchConfig) -> _Strength | None:
    """A stand-in for ``strength.judge``: a match's strength falls with its turn's other matches."""
    left = score - len(peers)
    return None if left < 0 else _Strength(can_block=left >= 3, reason=f"{score}/{len(peers)}")


def _two_passes(best: dict[Any, Any], route: set[str], config: MatchConfig) -> list[Any]:
    """The rule as first written (every turn judged, then every turn again without the drops)."""

    def every(pairs: dict[Any, Any]) -> list[Any]:
        turns: dict[Any, list[Any]] = {}
        for slot, pair in pairs.items():
            turns.setdefault(slot[:2], []).append(pair)
        return [m for p in turns.values() for m in judged._judged_turn(p, config)]

    first = {m.id: m for m in every(best)}
    drop = {i for i in route if not ((m := first.get(i)) and judged.can_block(m))}
    kept = every({k: v for k, v in best.items() if v[0].id not in drop})
    out = [judged.routed_match(m) if m.id in route else m for m in kept]
    return [m for m in out if m.id not in route or judged.can_block(m)]


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    seen: list[int] = []

    def judge(score: int, peers: list[int], config: MatchConfig) -> _Strength | None:
        seen.append(score)
        return _judge(score, peers, config)

    monkeypatch.setattr(judged, "judge", judge)
    monkeypatch.setattr(judged, "background_aside", lambda pairs: pairs)
    return seen


def test_the_route_rule_judges_only_turns_that_lost_a_pair_twice_and_keeps_the_order(
    calls: list[int],
) -> None:
    config = MatchConfig()
    # Turn (1, 0) starts with a route pair that cannot block (dropped): a pass over the kept
    # pairs meets turn (2, 0) first. Turn (3, 0)'s route pair can block (kept, said so).
    pairs = [
        ((1, 0, "s", "a"), "r1", 3),
        ((2, 0, "s", "b"), "x", 9),
        ((1, 0, "s", "c"), "y", 5),
        ((3, 0, "s", "d"), "r2", 9),
        ((3, 0, "s", "e"), "z", 4),
        ((2, 0, "s", "f"), "w", 2),
    ]
    best: dict[Any, Any] = {slot: (_Match(mid), score) for slot, mid, score in pairs}
    route = {"r1", "r2"}
    want = _two_passes(best, route, config)
    calls.clear()
    got = judged.route_kept(best, route, config)  # type: ignore[arg-type]
    assert got == want
    assert [m.id for m in got] == ["x", "w", "y", "r2", "z"]
    assert "trigrams" in got[3].strength.reason
    # Six pairs judged once, and turn (1, 0) again without its dropped pair: one more.
    assert len(calls) == 7


def test_without_route_pairs_every_match_is_judged_once(calls: list[int]) -> None:
    config = MatchConfig()
    best: dict[Any, Any] = {
        (t, 0, "s", str(k)): (_Match(f"{t}{k}"), t + k) for t in range(3) for k in range(2)
    }
    got = judged.route_kept(best, set(), config)  # type: ignore[arg-type]
    assert len(calls) == len(best)
    assert got == _two_passes(best, set(), config)


def test_a_match_given_its_strength_is_the_match_replaced_with_it() -> None:
    # ``with_strength`` names ``Match``'s fields (faster than ``dataclasses.replace``): a field
    # added to ``Match`` must be added there too, or judging would drop it.
    import dataclasses

    from provcheck.model import Match

    names = ["id", "record", "reference", "evidence", "strength"]
    assert [f.name for f in dataclasses.fields(Match)] == names
    m = Match(id="m1", record="rec", reference="ref", evidence="ev")  # type: ignore[arg-type]
    given = judged.with_strength(m, "strong")  # type: ignore[arg-type]
    assert given == dataclasses.replace(m, strength="strong") and given is not m and m.strength is None
