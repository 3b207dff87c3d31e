"""Model-output markers: phrases that mark a turn as model output without any reference corpus.

Every marker of a policy is compiled into ONE RE2 multi-pattern automaton (``re2.Set``), so a
turn is read once whatever the number of markers, in time linear in its length. Scanning runs
in the worker processes, next to matching (``engine.BatchMatcher``); only the markers' plain
data crosses the process boundary and each process compiles them once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from provcheck.matching.segment import RoleFilter
from provcheck.model import CharSpan, MarkerHit, Record, RecordRef
from provcheck.policy.model import Marker
from provcheck.policy.patterns import Pattern, PatternMatch, compile_pattern, compile_set

MAX_HITS_PER_TURN = 1000
"""Matches of one marker counted per turn; the count stops there."""


@dataclass(frozen=True, slots=True)
class MarkerSpec:
    """A marker as plain data (picklable), for the processes that scan."""

    id: str
    label: str
    pattern: str
    provider: str | None
    case_sensitive: bool

    @classmethod
    def of(cls, marker: Marker) -> MarkerSpec:
        """From a loaded policy's marker."""
        return cls(marker.id, marker.label, marker.pattern, marker.provider, marker.case_sensitive)


class MarkerScanner:
    """Finds every marker in records' turns.

    One RE2 ``Set`` holds every marker's pattern: a turn is read once, in time linear in its
    length, and the set answers which markers occur anywhere in it (overlapping ones too, which
    a single alternation would hide behind the leftmost). Only the markers that occur are then
    searched again, alone, for their first span and their count: most turns carry none.
    """

    def __init__(self, specs: Sequence[MarkerSpec]) -> None:
        self.specs = tuple(specs)
        self._set: Any = None
        self._each: list[Pattern] = []
        if self.specs:
            self._set = compile_set([_cased(spec) for spec in self.specs])
            self._each = [compile_pattern(_cased(spec), case_sensitive=True) for spec in self.specs]

    def __bool__(self) -> bool:
        return self._set is not None

    def turn_hits(self, text: str) -> dict[int, tuple[int, int, int]]:
        """Marker index -> (start, end, count) of its first match in ``text``."""
        found: dict[int, tuple[int, int, int]] = {}
        if self._set is None:
            return found
        for which in self._set.Match(text) or ():
            first: PatternMatch | None = None
            count = 0
            for m in self._each[which].finditer(text):
                if first is None:
                    first = m
                count += 1
                if count >= MAX_HITS_PER_TURN:
                    break
            if first is not None:
                found[which] = (first.start(), first.end(), count)
        return found

    def records(self, records: Iterable[Record], roles: RoleFilter | None = None) -> list[MarkerHit]:
        """Hits in the turns of ``records`` that ``roles`` accepts (every turn when None)."""
        hits: list[MarkerHit] = []
        if self._set is None:
            return hits
        for record in records:
            for turn in record.turns:
                if roles is not None and not roles.accepts(turn):
                    continue
                found = self.turn_hits(turn.text)
                if not found:
                    continue
                ref = RecordRef(record.location, record.id, record.content_hash, turn)
                for which, (start, end, count) in sorted(found.items(), key=lambda kv: kv[1][0]):
                    spec = self.specs[which]
                    hits.append(
                        MarkerHit(
                            marker=spec.id,
                            label=spec.label,
                            record=ref,
                            span=CharSpan(start, end),
                            text=turn.text[start:end],
                            provider=spec.provider,
                            count=count,
                        )
                    )
        return hits


def _cased(spec: MarkerSpec) -> str:
    # Each marker keeps its own case rule inside shared compiled sets: (?i:...) or (?-i:...).
    return f"(?{'-' if spec.case_sensitive else ''}i:{spec.pattern})"
