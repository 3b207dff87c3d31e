"""The scan result a report reads: files, counts, statistics and every match and finding."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from provcheck.model.findings import (
    Action,
    Declaration,
    Finding,
    WaiverReport,
)
from provcheck.model.matches import (
    Match,
)
from provcheck.model.records import (
    RecordError,
    SkipReason,
)
from provcheck.model.run import RunRecord


@dataclass(frozen=True, slots=True)
class FileSummary:
    """What was read from one input file."""

    path: str
    schema: str | None
    """The schema detected (or forced) for the file's records; None if nothing was read."""
    records: int
    errors: int
    sha256: str | None
    """Digest of the file's bytes as stored (compressed if compressed)."""
    fields: FieldCounts | None = None
    """What was read of the records' fields and what was not; None when not counted."""
    read_as: str | None = None
    """The format told by the file's content (``JSON Lines``) when its name told none
    (``data.jsonlines``, ``part-00000``); None when read by its name."""
    joined: tuple[int, int] | None = None
    """``(chunks, responses)``: streamed chunks joined into responses (``inputs.streams``);
    None when none were."""
    runs: tuple[int, int] | None = None
    """``(records, runs)``: records under the token floor also matched joined in runs of
    consecutive records (``scan.runs``); None when none were."""


@dataclass(frozen=True, slots=True)
class FieldCounts:
    """Per field path (list indices as ``[]``): turns read, and strings not read by reason."""

    read: tuple[tuple[str, int], ...] = ()
    """``(field, turns)``, sorted by field."""
    skipped: tuple[tuple[str, SkipReason, int], ...] = ()
    """``(field, reason, strings)``, sorted by field then reason."""

    def not_read(self) -> Counter[SkipReason]:
        """Strings not read, per reason."""
        out: Counter[SkipReason] = Counter()
        for _, reason, count in self.skipped:
            out[reason] += count
        return out


@dataclass(frozen=True, slots=True)
class NotScanned:
    """A file found under a scanned directory (or changed in a diff) that is not read, and why.

    Not an error: it is listed by name in the JSON report and counted in every summary, so
    that nothing given is dropped without a word.
    """

    path: str
    reason: str
    """``unsupported type`` or ``provcheck report`` (an earlier report written beside the data)."""
    kind: str
    """What to group by in a summary: the suffix (``.zip``, ``.tar.gz``) or, without one, the name."""


@dataclass(frozen=True, slots=True)
class ScanStats:
    """Counts and timing of a scan."""

    files: int
    records: int
    turns: int
    matches: int
    findings: int
    errors: int
    seconds: float

    @property
    def records_per_second(self) -> float:
        """Throughput of the whole scan."""
        return self.records / self.seconds if self.seconds > 0 else 0.0


@dataclass(frozen=True, slots=True)
class FindingCounts:
    """Findings per action and waiver state: what verdicts and summaries count, known without
    reading every finding back (a scan's findings may be on disk)."""

    open: Mapping[Action, int]
    """Findings not waived (expired waivers included), per action."""
    waived: Mapping[Action, int]
    """Findings a waiver in force covers, per action."""

    @classmethod
    def of(cls, findings: Iterable[Finding]) -> FindingCounts:
        """The counts of ``findings``."""
        open_: Counter[Action] = Counter()
        waived: Counter[Action] = Counter()
        for f in findings:
            (waived if f.waived else open_)[f.action] += 1
        return cls(open_, waived)

    def blocking(self, fail_on: frozenset[Action]) -> int:
        """Findings whose action is in ``fail_on`` and that are not waived."""
        return sum(self.open.get(a, 0) for a in fail_on)

    @property
    def total_waived(self) -> int:
        """Waived findings, whatever their action."""
        return sum(self.waived.values())

    @property
    def total(self) -> int:
        """Every finding counted."""
        return sum(self.open.values()) + self.total_waived


class _NotGiven(tuple):  # type: ignore[type-arg]
    """An empty tuple with its own identity: marks a field the result works out itself."""

    __slots__ = ()


_COUNT_FINDINGS = FindingCounts({}, {})
_FROM_FINDINGS: Sequence[Match] = _NotGiven()


@dataclass(frozen=True, slots=True)
class ScanResult:
    """Everything a report needs; produced by the engine, consumed by formatters.

    ``matches`` and ``findings`` are sequences that may live on disk (``provcheck.scan.spool``):
    read them in order, or by position, rather than copying them into lists.
    """

    matches: Sequence[Match]
    """Every verified match, by file, record, turn, source and reference."""
    findings: Sequence[Finding]
    """Every finding, blocking ones first (see ``engine``), then by place."""
    errors: tuple[RecordError, ...]
    files: tuple[FileSummary, ...]
    stats: ScanStats
    run: RunRecord
    """Parameters and versions needed to reproduce the run (index, policy, use, versions)."""
    waivers: WaiverReport | None = None
    """What the waivers file did; None when no waivers file was used."""
    markers: int = 0
    """Marker hits found (each may or may not be a finding, depending on the policy)."""
    declarations: tuple[Declaration, ...] = ()
    """What the scanned datasets declare about themselves (cards, provenance manifests)."""
    counts: FindingCounts = _COUNT_FINDINGS
    """Findings per action and waiver state; counted from ``findings`` when not given (or
    when they do not add up to the number of findings)."""
    unruled: Sequence[Match] = _FROM_FINDINGS
    """The matches no finding rests on (no rule applied to them), in match order; worked out
    from ``findings`` when not given."""
    not_scanned: tuple[NotScanned, ...] = ()
    """Files found but not read: unsupported types and provcheck's own reports."""

    def __post_init__(self) -> None:
        # The engine gives both (it knows them without reading its findings back); a result
        # built by hand gets them here, and so does a copy whose findings or matches were
        # replaced (``dataclasses.replace``) when the counts no longer add up.
        stale = self.counts.total != len(self.findings) or len(self.unruled) > len(self.matches)
        if self.counts is _COUNT_FINDINGS or stale:
            object.__setattr__(self, "counts", FindingCounts.of(self.findings))
        if self.unruled is _FROM_FINDINGS or stale:
            used = {f.match.id for f in self.findings if f.match is not None}
            object.__setattr__(self, "unruled", tuple(m for m in self.matches if m.id not in used))

    def blocking_count(self, fail_on: frozenset[Action]) -> int:
        """How many findings have an action in ``fail_on`` and are not waived."""
        return self.counts.blocking(fail_on)

    def blocking(self, fail_on: frozenset[Action]) -> tuple[Finding, ...]:
        """Findings whose action is in ``fail_on`` and that are not waived (read into memory:
        prefer ``blocking_count`` and iterating ``findings`` for large scans)."""
        return tuple(f for f in self.findings if f.action in fail_on and not f.waived)
