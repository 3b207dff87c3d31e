"""Values that cross stage boundaries: records, references, matches, findings, results, the
run record.

All are frozen dataclasses (one module per concept: ``ids``, ``records``, ``matches``,
``findings``, ``results``, ``run``). Stages hand these to the right and never mutate them; import them
from ``provcheck.model``.
"""

from __future__ import annotations

import dataclasses
import enum
from typing import TYPE_CHECKING, Any

from provcheck.model.findings import (
    Action,
    Clause,
    DateLowering,
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
    BASIS,
    META_FACTS,
    AlignedSpan,
    CharSpan,
    Evidence,
    Match,
    MatchKind,
    RecordRef,
    Reference,
    SourceInfo,
    Strength,
    meta_key_problem,
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
from provcheck.model.run import (
    ABSENT,
    Absent,
    BelowThreshold,
    CacheFacts,
    ChangedFile,
    ChangeFacts,
    IndexFacts,
    LegalReference,
    PolicyFacts,
    PolicyFile,
    RouteCounts,
    RunRecord,
    SkippedPath,
    SourceFacts,
    ToolFacts,
    UseFacts,
    UseOrigin,
)
from provcheck.support.pickling import by_constructor

if TYPE_CHECKING:
    from provcheck.model.build import BuildFacts
    from provcheck.model.runextras import (
        FetchedIndex,
        GitFacts,
        IndexMember,
        MergeFacts,
        PartialFacts,
        RuleFacts,
        ShardFacts,
        ShareFile,
    )

_OCCASIONAL = frozenset(
    (
        "FetchedIndex",
        "GitFacts",
        "IndexMember",
        "MergeFacts",
        "PartialFacts",
        "RuleFacts",
        "ShardFacts",
        "ShareFile",
    )
)
"""The run record's occasional facts (``model.runextras``) and which build wrote it
(``model.build``): imported when first named, so that a run without them (a pre-commit hook's,
which records no build) does not build their classes."""


def __getattr__(name: str) -> Any:
    if name in _OCCASIONAL:
        from provcheck.model import runextras

        return getattr(runextras, name)
    if name == "BuildFacts":
        from provcheck.model import build

        return build.BuildFacts
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ABSENT",
    "BASIS",
    "META_FACTS",
    "Absent",
    "Action",
    "AlignedSpan",
    "BelowThreshold",
    "BuildFacts",
    "CacheFacts",
    "ChangeFacts",
    "ChangedFile",
    "CharSpan",
    "Clause",
    "ContentHash",
    "DateLowering",
    "Declaration",
    "ErrorKind",
    "Evidence",
    "FetchedIndex",
    "FieldCounts",
    "FileSummary",
    "Finding",
    "FindingCounts",
    "FindingId",
    "GitFacts",
    "IndexFacts",
    "IndexMember",
    "LegalReference",
    "Location",
    "MarkerHit",
    "Match",
    "MatchId",
    "MatchKind",
    "MergeFacts",
    "NotScanned",
    "PartialFacts",
    "PolicyFacts",
    "PolicyFile",
    "Record",
    "RecordError",
    "RecordRef",
    "Reference",
    "ReferenceId",
    "RoleKind",
    "RouteCounts",
    "RuleFacts",
    "RuleRef",
    "RunRecord",
    "ScanResult",
    "ScanStats",
    "ShardFacts",
    "ShareFile",
    "SkipReason",
    "Skipped",
    "SkippedPath",
    "SourceFacts",
    "SourceInfo",
    "SourceName",
    "StaleWaiver",
    "Strength",
    "ToolFacts",
    "Turn",
    "UseFacts",
    "UseOrigin",
    "Waiver",
    "WaiverReport",
    "WaiverState",
    "meta_key_problem",
]


# Every dataclass and enum of the model pickles as a constructor call (see support/pickling.py);
# found by walking the package, so a new value type cannot be left on the slow default path.
for _value in list(globals().values()):
    if (
        isinstance(_value, type)
        and _value.__module__.startswith(__name__ + ".")
        and (dataclasses.is_dataclass(_value) or issubclass(_value, enum.Enum))
    ):
        by_constructor(_value)
del _value
