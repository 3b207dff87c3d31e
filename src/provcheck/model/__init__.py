"""Values that cross stage boundaries: records, references, matches, findings, results.

All are frozen dataclasses (one module per concept: ``ids``, ``records``, ``matches``,
``findings``, ``results``). Stages hand these to the right and never mutate them; import them
from ``provcheck.model``.
"""

from __future__ import annotations

import operator
from dataclasses import fields

from provcheck.model.findings import (
    Action,
    Clause,
    Declaration,
    Finding,
    MarkerHit,
    RuleRef,
    StaleWaiver,
    Waiver,
    WaiverReport,
    WaiverState,
)
from provcheck.model.ids import (
    ContentHash,
    FindingId,
    MatchId,
    ReferenceId,
    SourceName,
)
from provcheck.model.matches import (
    AlignedSpan,
    CharSpan,
    Evidence,
    Match,
    MatchKind,
    RecordRef,
    Reference,
    SourceInfo,
    Strength,
)
from provcheck.model.records import (
    ErrorKind,
    Location,
    Record,
    RecordError,
    RoleKind,
    Skipped,
    SkipReason,
    Turn,
)
from provcheck.model.results import (
    FieldCounts,
    FileSummary,
    FindingCounts,
    NotScanned,
    ScanResult,
    ScanStats,
)

__all__ = [
    "Action",
    "AlignedSpan",
    "CharSpan",
    "Clause",
    "ContentHash",
    "Declaration",
    "ErrorKind",
    "Evidence",
    "FieldCounts",
    "FileSummary",
    "Finding",
    "FindingCounts",
    "FindingId",
    "Location",
    "MarkerHit",
    "Match",
    "MatchId",
    "MatchKind",
    "NotScanned",
    "Record",
    "RecordError",
    "RecordRef",
    "Reference",
    "ReferenceId",
    "RoleKind",
    "RuleRef",
    "ScanResult",
    "ScanStats",
    "SkipReason",
    "Skipped",
    "SourceInfo",
    "SourceName",
    "StaleWaiver",
    "Strength",
    "Turn",
    "Waiver",
    "WaiverReport",
    "WaiverState",
]


def _pickled_by_fields(cls: type) -> None:
    """Pickle ``cls`` as its constructor and field values.

    Matches and findings are pickled to and from worker processes and the result spool, tens
    of thousands per scan. The default for a frozen slotted dataclass restores each object
    through a Python-level ``__setstate__`` that looks up its fields every time, which cost
    more than the scan's policy evaluation; calling the class with its values costs a third.
    """
    names = tuple(f.name for f in fields(cls))
    get = operator.attrgetter(*names)

    def __reduce__(self: object) -> tuple[type, tuple[object, ...]]:
        values = get(self)
        return cls, (values if len(names) > 1 else (values,))

    cls.__reduce__ = __reduce__  # type: ignore[method-assign,assignment]


for _cls in (
    Location,
    Turn,
    Skipped,
    Record,
    RecordError,
    SourceInfo,
    Reference,
    CharSpan,
    AlignedSpan,
    Evidence,
    RecordRef,
    Match,
    Clause,
    RuleRef,
    Waiver,
    MarkerHit,
    Declaration,
    Finding,
    FileSummary,
    FieldCounts,
):
    _pickled_by_fields(_cls)
del _cls
