"""A scan's matches and findings, collected as batches arrive and kept on disk.

Each batch's matches go to a spool as they come; the policy is evaluated and the waivers are
applied to them at once (both are per match and per finding), and the findings go to a second
spool. What stays in memory is small and fixed per item: the sort keys as a few integers
(strings such as paths and reference ids are numbered, and the numbers ranked at the end),
10-byte match ids, and counts. So a scan's memory no longer grows with the size of what it
finds, only by ~100 bytes per match, whatever the texts' length.

The order is the one the engine has always given: matches by file, record, turn, source and
reference; findings blocking first (not waived, most severe), then by file, record, turn, rule
and id. Ties keep the order of arrival (the sorts are stable).
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import operator
import re
from array import array
from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from provcheck import model
from provcheck.model import Action, Declaration, Finding, FindingCounts, MarkerHit, Match, WaiverReport
from provcheck.policy import Evaluator
from provcheck.scan import spool
from provcheck.scan.spool import Spool, SpoolView, compact
from provcheck.support.arrays import is_in
from provcheck.support.slots import maker
from provcheck.waivers import Applier

# Matches and findings are model values: stored compactly (read back ~3x faster; spool.compact).
compact(
    *(
        v
        for v in vars(model).values()
        if isinstance(v, type)
        and v.__module__.startswith(model.__name__ + ".")
        and (dataclasses.is_dataclass(v) or issubclass(v, enum.Enum))
    )
)

_FINDING_FIELDS = [f.name for f in dataclasses.fields(Finding)]
_MATCH_AT = _FINDING_FIELDS.index("match")
_SHARED_AT = tuple(_FINDING_FIELDS.index(name) for name in ("rule", "source", "chain"))
"""Fields whose values the policy evaluator reuses for many findings (a rule's citation, a
source's facts): stored once, in memory, and by number in each finding."""
_SHARED = 4096
"""Shared values held at most per scan; past this a value is stored with each finding."""
_finding_values = operator.attrgetter(*_FINDING_FIELDS)
_make_finding = maker(Finding)

_HEX_ID = re.compile(r"[0-9a-f]{20}")

Stub = tuple[Any, ...]
"""A finding as stored: its fields, with the position of its match in place of the match (a
finding's match is stored once, in the match spool) and shared values (``_SHARED_AT``) by
their number in ``Collector._shared``."""


def match_order(m: Match) -> tuple[Any, ...]:
    """The order of a scan's matches, as a key (``Collector`` sorts by integer encodings of it)."""
    loc = m.record.location
    return (loc.path, loc.index, m.record.turn.position, m.reference.source.name, m.reference.id)


def finding_order(f: Finding) -> tuple[Any, ...]:
    """The order of a scan's findings, as a key (``Collector`` sorts by integer encodings of it)."""
    rec = f.record
    where = (rec.location.path, rec.location.index, rec.turn.position) if rec else (f.path, -1, -1)
    return (f.waived, -f.action.severity, *where, f.rule.id, f.id)


class _Numbers:
    """Numbers strings as they come; ``ranks`` maps each number to the string's sorted rank."""

    def __init__(self) -> None:
        self._codes: dict[str, int] = {}

    def __call__(self, value: str) -> int:
        code = self._codes.get(value)
        if code is None:
            code = self._codes[value] = len(self._codes)
        return code

    def ranks(self) -> np.ndarray[Any, np.dtype[np.int64]]:
        out = np.empty(len(self._codes), dtype=np.int64)
        for rank, code in enumerate(sorted(self._codes.items())):
            out[code[1]] = rank
        return out


def _columns(n: int, kind: str = "q") -> list[array[int]]:
    return [array(kind) for _ in range(n)]


def _digest(match_id: str) -> bytes:
    """A match id as 10 bytes (ids are 20 hex digits; anything else is hashed to 10 bytes)."""
    if len(match_id) == 20:
        try:
            return bytes.fromhex(match_id)
        except ValueError:
            pass
    return hashlib.blake2b(match_id.encode("utf-8", "surrogatepass"), digest_size=10).digest()


def _finding_id(fid: str) -> tuple[int, int]:
    """A finding id (20 lowercase hex digits) as two integers that sort as the text does."""
    if not _HEX_ID.fullmatch(fid):
        raise ValueError(f"finding id {fid!r} is not 20 lowercase hex digits")
    return int(fid[:4], 16), int(fid[4:], 16)


@dataclass(frozen=True, slots=True)
class Collected:
    """What a scan found, in report order."""

    matches: Sequence[Match]
    findings: Sequence[Finding]
    unruled: Sequence[Match]
    """Matches no finding rests on, in match order."""
    counts: FindingCounts
    waivers: WaiverReport | None
    markers: int
    """Marker hits seen."""
    below_threshold: tuple[int, int] = (0, 0)
    """Verified matches the collector's ``min_probability`` left out, and records left with none."""


def above_threshold(matches: Sequence[Match], min_probability: float) -> tuple[list[Match], list[Match]]:
    """``matches`` (of whole records) split into those kept at ``min_probability`` and those it
    leaves out, judged per turn: a background match (the evidence of a listed match it
    explains, ``Strength.convergence == "background"``) is kept with the match it explains.

    The one place the threshold is applied: the matcher gives every verified match, so that the
    result cache, Ray workers and partial results all hold what was left out, and the
    collector counts it once whatever path the matches came by."""
    if min_probability <= 0.0:
        return list(matches), []
    turns: dict[tuple[str, int, int], list[Match]] = {}
    for m in matches:
        loc = m.record.location
        turns.setdefault((loc.path, loc.index, m.record.turn.position), []).append(m)
    left: set[int] = set()
    for turn in turns.values():
        kept = [m for m in turn if m.strength is not None and m.strength.probability >= min_probability]
        if any(m.strength is not None and m.strength.convergence == "background" for m in kept):
            kept = [m for m in turn if m.reference.source.background or any(m is k for k in kept)]
        held = {id(m) for m in kept}
        left.update(id(m) for m in turn if id(m) not in held)
    return [m for m in matches if id(m) not in left], [m for m in matches if id(m) in left]


class Collector:
    """Takes a scan's matches and marker hits batch by batch; ``finish`` gives them in order."""

    def __init__(
        self, evaluator: Evaluator, waivers: Applier | None = None, min_probability: float = 0.0
    ) -> None:
        self.evaluator = evaluator
        self.waivers = waivers
        self.min_probability = min_probability
        """Matches below it are left out here (``above_threshold``), and counted."""
        self.below_matches = 0
        self.below_records = 0
        # Reports read every match at least twice (with its findings, then in match order):
        # the first ``KEEP`` bytes of them stay values from the start, never decoded.
        self._matches: Spool[Match] = Spool(keep=spool.KEEP, hold=True)
        self._findings: Spool[Stub] = Spool()
        self._paths = _Numbers()
        self._sources = _Numbers()
        self._references = _Numbers()
        self._rules = _Numbers()
        self._match_keys = _columns(5)
        """path, record index, turn position, source, reference id."""
        self._match_ids = bytearray()
        self._finding_keys = _columns(6)
        """waived, -severity, path, record index (-1), turn position (-1), rule."""
        self._finding_ids = _columns(2, "Q")
        self._used_ids = bytearray()
        """Ids of the matches findings rest on."""
        self._shared: list[Any] = []
        """Values of the ``_SHARED_AT`` fields, by number (kept alive: numbered by identity)."""
        self._shared_ids: dict[Hashable, int] = {}
        self._open: Counter[Action] = Counter()
        self._waived: Counter[Action] = Counter()
        self.markers = 0

    @property
    def match_count(self) -> int:
        """Matches collected so far."""
        return len(self._matches)

    def add(self, matches: Sequence[Match], markers: Sequence[MarkerHit] = ()) -> None:
        """Store a batch's matches (of whole records) and the findings the policy makes of them
        and of its markers; matches below ``min_probability`` are counted, not stored."""
        if self.min_probability > 0.0:
            matches, left = above_threshold(matches, self.min_probability)
            if left:
                self.below_matches += len(left)
                shown = {(m.record.location.path, m.record.location.index) for m in matches}
                self.below_records += len(
                    {(m.record.location.path, m.record.location.index) for m in left} - shown
                )
        slots: dict[int, int] = {}
        path, index, position, source, reference = self._match_keys
        for m in matches:
            slots[id(m)] = self._matches.append(m)
            loc = m.record.location
            path.append(self._paths(loc.path))
            index.append(loc.index)
            position.append(m.record.turn.position)
            source.append(self._sources(m.reference.source.name))
            reference.append(self._references(m.reference.id))
            self._match_ids += _digest(m.id)
        self.markers += len(markers)
        self._add_findings(self.evaluator.matches(matches), slots)
        if markers:
            self._add_findings(self.evaluator.markers(markers), slots)

    def declarations(self, declared: Iterable[Declaration]) -> None:
        """Store the findings of what the datasets declare about themselves."""
        self._add_findings(self.evaluator.declarations(declared), {})

    def _add_findings(self, findings: Iterable[Finding], slots: dict[int, int]) -> None:
        waived, severity, path, index, position, rule = self._finding_keys
        high, low = self._finding_ids
        for f in findings:
            if self.waivers is not None:
                f = self.waivers(f)
            values = list(_finding_values(f))
            at_rule, at_source, at_chain = _SHARED_AT
            values[at_rule] = self._share(f.rule, id(f.rule))
            values[at_source] = self._share(f.source, id(f.source))
            # A chain is a new tuple for each finding, of values shared by many.
            values[at_chain] = self._share(f.chain, tuple(map(id, f.chain)))
            if f.match is not None:
                values[_MATCH_AT] = slots[id(f.match)]
                self._used_ids += _digest(f.match.id)
            self._findings.append(tuple(values))
            (self._waived if f.waived else self._open)[f.action] += 1
            rec = f.record
            waived.append(f.waived)
            severity.append(-f.action.severity)
            if rec is not None:
                path.append(self._paths(rec.location.path))
                index.append(rec.location.index)
                position.append(rec.turn.position)
            else:
                path.append(self._paths(f.path))
                index.append(-1)
                position.append(-1)
            rule.append(self._rules(f.rule.id))
            hi, lo = _finding_id(f.id)
            high.append(hi)
            low.append(lo)

    def _share(self, value: Any, key: Hashable) -> Any:
        """``value``'s number in ``_shared`` (an int), or ``value`` when the table is full.
        ``key``: the identity of the value (or of its parts), valid while it is held here."""
        number = self._shared_ids.get(key)
        if number is None:
            if len(self._shared) >= _SHARED:
                return value
            number = self._shared_ids[key] = len(self._shared)
            self._shared.append(value)
        return number

    def finish(self) -> Collected:
        """Everything collected, sorted (the items stay on disk; only their order is computed)."""
        paths = self._paths.ranks()
        path, index, position, source, reference = (
            np.frombuffer(c, dtype=np.int64) for c in self._match_keys
        )
        # np.lexsort sorts by the last key first and is stable: ties keep the order of arrival.
        match_order = np.lexsort(
            (
                self._references.ranks()[reference],
                self._sources.ranks()[source],
                position,
                index,
                paths[path],
            )
        )
        waived, severity, fpath, findex, fposition, rule = (
            np.frombuffer(c, dtype=np.int64) for c in self._finding_keys
        )
        high, low = (np.frombuffer(c, dtype=np.uint64) for c in self._finding_ids)
        finding_order = np.lexsort(
            (low, high, self._rules.ranks()[rule], fposition, findex, paths[fpath], severity, waived)
        )
        ids = np.frombuffer(bytes(self._match_ids), dtype="S10")
        used = np.frombuffer(bytes(self._used_ids), dtype="S10")
        unruled = match_order[~is_in(ids[match_order], used)]
        matches = self._matches
        return Collected(
            matches=matches.view(match_order),
            findings=self._findings.view(finding_order, _Rehydrate(matches, self._shared)),
            unruled=matches.view(unruled),
            counts=FindingCounts(self._open, self._waived),
            waivers=self.waivers.report() if self.waivers is not None else None,
            markers=self.markers,
            below_threshold=(self.below_matches, self.below_records),
        )


class _Rehydrate:
    """A stored finding back as a ``Finding``, its match read from the match spool and its
    shared values from the table."""

    def __init__(self, matches: Spool[Match], shared: list[Any]) -> None:
        self.matches = matches
        self.shared = shared

    def __call__(self, stub: Stub) -> Finding:
        values = list(stub)
        slot = values[_MATCH_AT]
        if slot is not None:
            values[_MATCH_AT] = self.matches[slot]
        for at in _SHARED_AT:
            if type(values[at]) is int:
                values[at] = self.shared[values[at]]
        return _make_finding(*values)


__all__ = ["Collected", "Collector", "SpoolView", "above_threshold", "finding_order", "match_order"]
