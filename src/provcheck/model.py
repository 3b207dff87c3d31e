"""Values that cross stage boundaries: records, references, matches, findings, results.

All are frozen dataclasses. Stages hand these to the right and never mutate them.
"""

from __future__ import annotations

import enum
import operator
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import NewType

ReferenceId = NewType("ReferenceId", str)
"""Id of a reference record: its ``--id-field`` value, else ``<source>#<position>``."""
SourceName = NewType("SourceName", str)
"""Name of a reference source, unique within an index."""
ContentHash = NewType("ContentHash", str)
"""Hex digest of a record's or a text's content; independent of its position in a file."""
MatchId = NewType("MatchId", str)
"""Stable id of a match: candidate content, turn and reference, never positions."""
FindingId = NewType("FindingId", str)
"""Stable id of a finding: rule, record content, turn and reference, never line numbers."""


@enum.unique
class RoleKind(str, enum.Enum):
    """What kind of speaker a turn has, whatever the schema calls it."""

    SYSTEM = "system"
    USER = "user"
    ASSISTANT = "assistant"
    TOOL = "tool"
    """Output of a tool the model called (tool messages, ``tool_result`` blocks, observations)."""
    TEXT = "text"
    """A text field with no speaker (plain text records, unknown schemas)."""
    FIELD = "field"
    """A string field outside the record's schema (metadata, extra columns): scanned, but never
    reference material by default."""
    REASONING = "reasoning"
    """A model's reasoning trace (``reasoning_content``, ``thinking`` blocks): model output."""
    TOOL_CALL = "tool_call"
    """A call the model made to a tool (``tool_calls`` arguments, ``tool_use`` input): model output."""


@enum.unique
class SkipReason(str, enum.Enum):
    """Why a string in a record was not read as text (each is counted in the report)."""

    EMPTY = "empty"
    """Only whitespace."""
    NO_TOKENS = "no-tokens"
    """No word or character a match could use (only punctuation, symbols or emoji)."""
    ID = "id"
    """An identifier: an id-named field without spaces, a UUID or a hex digest."""
    URL = "url"
    """A URL or data URI."""
    LABEL = "label"
    """A short value of a label-named field (role, type, name, language, model, split ...)."""
    NUMBER = "number"
    """A number, date or time written as a string."""
    ENCODED = "encoded"
    """Encoded or encrypted data (base64 blobs, ``redacted_thinking`` data, signatures)."""
    NOT_SELECTED = "not-selected"
    """Outside the field chosen with ``--text-field``."""
    ROLE = "role"
    """A turn that ``--roles`` does not select (read, but not scanned)."""
    LIMIT = "limit"
    """Nested deeper than the documented limit (also reported as a located error)."""


@dataclass(frozen=True, slots=True)
class Skipped:
    """A string of a record that was not read as text, and why."""

    field: str
    """Path of the string (or of the container beyond the nesting limit) in the record."""
    reason: SkipReason


@dataclass(frozen=True, slots=True)
class Location:
    """Where a record is in its file."""

    path: str
    """The file path as given on the command line (joined under a given directory)."""
    index: int
    """0-based position of the record in its file."""
    line: int | None = None
    """1-based line where the record starts, where the container has lines."""


@dataclass(frozen=True, slots=True)
class Turn:
    """One text-carrying part of a record: a chat turn or a field."""

    role: str
    """The role as the data spells it (``gpt``, ``assistant``, ``output``, ``text`` ...)."""
    kind: RoleKind
    """The role's kind, independent of the schema's vocabulary."""
    position: int
    """0-based position of the turn in its record."""
    field: str
    """Path of the text in the record, e.g. ``conversations[3].value``."""
    text: str
    """The text (NFC-normalized)."""


@dataclass(frozen=True, slots=True)
class Record:
    """A record read from a dataset, with its text-carrying turns."""

    location: Location
    """Where the record is."""
    id: str | None
    """The record's own id (``id`` or ``--id-field``), if it has one."""
    schema: str
    """The schema its turns were read with (``sharegpt``, ``openai``, ``alpaca``, ``text``...)."""
    turns: tuple[Turn, ...]
    """Every text-carrying turn, in record order."""
    content_hash: ContentHash
    """Digest of the turns' roles and texts; identical records share it."""
    skipped: tuple[Skipped, ...] = ()
    """Every string of the record that no turn reads, with the reason it was not read."""


@enum.unique
class ErrorKind(str, enum.Enum):
    """What went wrong with a piece of input."""

    FILE = "file"
    """The file as a whole cannot be read (missing, binary, unsupported)."""
    PARSE = "parse"
    """A record is not valid in its container format (bad JSON, bad CSV row)."""
    ENCODING = "encoding"
    """Bytes that are not valid in the file's text encoding."""
    SCHEMA = "schema"
    """A record parses but has no text where its schema puts it."""
    LIMIT = "limit"
    """A documented size or depth limit was exceeded."""


@dataclass(frozen=True, slots=True)
class RecordError:
    """Input that could not be read. Reported; the rest of the scan goes on."""

    path: str
    """The file, as given."""
    kind: ErrorKind
    """What kind of problem it is."""
    message: str
    """What was found and what was expected."""
    line: int | None = None
    """1-based line, where the container has lines."""
    index: int | None = None
    """0-based record position, where known."""
    field: str | None = None
    """The field concerned, where one is."""

    def where(self) -> str:
        """``path:line`` (or ``path record N``) for messages."""
        if self.line is not None:
            return f"{self.path}:{self.line}"
        if self.index is not None:
            return f"{self.path} record {self.index}"
        return self.path


@dataclass(frozen=True, slots=True)
class SourceInfo:
    """Facts about a reference source, stored with the index and attached to every match."""

    name: SourceName
    """Unique name of the source in its index."""
    provider: str | None = None
    """Who operates the model that produced the material (``openai``, ``anthropic``...)."""
    generator: str | None = None
    """The model that produced it (``gpt-4-0613``, ``text-davinci-003``...)."""
    license: str | None = None
    """SPDX id or ``LicenseRef-...`` of the material."""
    terms: str | None = None
    """Id of the terms of use the material is subject to."""
    meta: Mapping[str, str] = field(default_factory=dict)
    """Anything else given with ``--meta key=value`` (e.g. ``origin``, ``derived_from``, ``date``)."""


@dataclass(frozen=True, slots=True)
class Reference:
    """A reference record's turn that a candidate matched."""

    id: ReferenceId
    """Reference record id."""
    source: SourceInfo
    """Its source and the source's facts."""
    turn: Turn
    """The reference turn, with its text."""
    path: str | None = None
    """The file it was indexed from."""
    index: int | None = None
    """Its position in that file."""
    duplicates: int = 0
    """How many other records of the same source carry the same text."""


@dataclass(frozen=True, slots=True)
class CharSpan:
    """A half-open character range ``[start, end)`` in a turn's text."""

    start: int
    end: int


@dataclass(frozen=True, slots=True)
class AlignedSpan:
    """A stretch of candidate text aligned to a stretch of reference text."""

    candidate: CharSpan
    """Range in the candidate turn's text."""
    reference: CharSpan
    """Range in the reference turn's text."""
    matched_tokens: int
    """Normalized tokens that are identical and in the same order in both ranges."""
    similarity: float
    """Token-level similarity of the two ranges, 0-1."""


@enum.unique
class MatchKind(str, enum.Enum):
    """Which evidence test a match passed."""

    NEAR_DUPLICATE = "near-duplicate"
    """Most of the candidate or of the reference is a (possibly edited) copy of the other."""
    EXCERPT = "excerpt"
    """A long passage of the reference appears nearly verbatim inside the candidate."""


@dataclass(frozen=True, slots=True)
class Evidence:
    """Why a candidate turn is said to copy a reference turn."""

    kind: MatchKind
    """Which test it passed."""
    similarity: float
    """Token-level similarity over the aligned spans, 0-1."""
    containment: float
    """Fraction of the reference's tokens found, aligned, in the candidate, 0-1."""
    coverage: float
    """Fraction of the candidate's tokens aligned to the reference, 0-1."""
    matched_tokens: int
    """Aligned identical tokens over all spans."""
    char_similarity: float
    """Character-level similarity (rapidfuzz ratio) of the aligned spans, 0-1."""
    jaccard: float
    """Exact Jaccard similarity of the two texts' shingle sets, 0-1."""
    spans: tuple[AlignedSpan, ...]
    """The aligned spans, in candidate order."""
    short: bool
    """True when the evidence is below the blocking floor: never blocks on its own."""


@dataclass(frozen=True, slots=True)
class RecordRef:
    """The candidate side of a match: which record and which turn."""

    location: Location
    """Where the record is."""
    id: str | None
    """The record's own id, if any."""
    content_hash: ContentHash
    """The record's content digest."""
    turn: Turn
    """The matched turn, with its text."""


@dataclass(frozen=True, slots=True)
class Strength:
    """How strongly a match shows that the candidate derives from the reference."""

    probability: float
    """Estimated probability, 0-1, that the candidate derives from the reference (a logistic
    model over the evidence, fitted on benchmark copies and independent same-prompt answers;
    see ``provcheck.matching.calibration``)."""
    convergence: str | None
    """Why the match looks like independent convergence rather than a copy (``common-passage``,
    ``crowd``, ``prompt``, ``list``, ``code``, ``template``, ``recipe``, ``citation``), or None."""
    reason: str
    """What was verified and, for a convergent match, why it is not treated as a copy, in words."""
    sources: tuple[str, ...]
    """Every index source the same candidate turn matches (this match's source first)."""
    can_block: bool
    """False when a policy must not block on this match (short, convergent or improbable
    evidence): a ``block`` rule is lowered to ``review``."""
    features: Mapping[str, float] = field(default_factory=dict)
    """The model's inputs (what the probability rests on), by name."""


@dataclass(frozen=True, slots=True)
class Match:
    """A verified match of a candidate turn against a reference turn, independent of policy."""

    id: MatchId
    """Stable id (see ``MatchId``)."""
    record: RecordRef
    """The candidate."""
    reference: Reference
    """The reference it matches."""
    evidence: Evidence
    """Scores and aligned spans."""
    strength: Strength | None = None
    """Calibrated strength and convergence class (None only for matches built by hand)."""


@enum.unique
class Action(str, enum.Enum):
    """What a finding asks for, from most to least severe."""

    BLOCK = "block"
    REVIEW = "review"
    WARN = "warn"
    INFO = "info"

    @property
    def severity(self) -> int:
        """Higher is more severe."""
        return _SEVERITY[self]


_SEVERITY = {Action.BLOCK: 3, Action.REVIEW: 2, Action.WARN: 1, Action.INFO: 0}


@dataclass(frozen=True, slots=True)
class Clause:
    """The wording a rule rests on, cited by document, version and URL."""

    quote: str
    """The clause, verbatim."""
    document: str
    """The document's title, e.g. ``OpenAI Terms of Use``."""
    url: str | None = None
    """Where the document is published."""
    effective: str | None = None
    """ISO date the quoted version took effect."""
    section: str | None = None
    """Section or item number, as the document numbers it."""
    confidence: str | None = None
    """How the quote was verified (``V-P`` primary, ``V-S`` secondary)."""
    note: str | None = None
    """Why this version is cited when it may not be the one in force (e.g. the material
    predates it, or its date is unknown)."""


@dataclass(frozen=True, slots=True)
class RuleRef:
    """What a finding says about the rule that produced it."""

    id: str
    title: str
    rationale: str | None = None
    remediation: str | None = None
    clause: Clause | None = None


@dataclass(frozen=True, slots=True)
class Waiver:
    """A reviewer's recorded decision to accept a finding."""

    reason: str
    approver: str
    date: str
    expires: str | None = None
    ticket: str | None = None
    placeholder: bool = False
    """True while the reason is still the placeholder ``provcheck baseline`` wrote."""


@dataclass(frozen=True, slots=True)
class StaleWaiver:
    """A waiver entry that matched no finding of the scan (reported so it can be removed)."""

    file: str
    line: int | None
    id: str | None
    rule: str | None
    source: str | None
    path: str | None
    reason: str


@dataclass(frozen=True, slots=True)
class WaiverReport:
    """What the waivers file did in a scan."""

    file: str
    entries: int
    """Entries in the file."""
    waived: int
    """Findings a waiver in force covers."""
    expired: int
    """Findings whose only waivers have expired (re-opened)."""
    placeholders: int
    """Waived findings whose waiver still has ``provcheck baseline``'s placeholder reason."""
    stale: tuple[StaleWaiver, ...]
    """Entries that matched no finding."""


@enum.unique
class WaiverState(str, enum.Enum):
    """Whether a finding is waived."""

    NONE = "none"
    WAIVED = "waived"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class MarkerHit:
    """Text in a record that marks model output by itself (no reference corpus needed)."""

    marker: str
    """Id of the marker (e.g. ``as-an-ai-language-model``)."""
    label: str
    """What the marker is, for people."""
    record: RecordRef
    """Where it was found (the turn carries the text)."""
    span: CharSpan
    """The matched text's range in the turn."""
    text: str
    """The matched text."""
    provider: str | None = None
    """The provider the marker points to, when it points to one."""
    count: int = 1
    """How many times the marker occurs in the turn (the span is the first)."""


@dataclass(frozen=True, slots=True)
class Declaration:
    """A fact a dataset declares about itself (dataset card, provenance manifest)."""

    path: str
    """The declaring file (``README.md`` front matter, ``provenance.yaml``)."""
    line: int | None
    """Line of the declaration in that file."""
    key: str
    """What is declared (``license``, ``source_datasets``...)."""
    value: str
    """The declared value."""
    dataset: str
    """The dataset files the declaration covers (a directory or a file)."""


@dataclass(frozen=True, slots=True)
class Finding:
    """A policy result: a rule applied to a signal (match, marker or declaration)."""

    id: FindingId
    """Stable id (see ``FindingId``)."""
    rule: RuleRef
    """The rule and its citation."""
    action: Action
    """The action, after waivers and the short-evidence cap."""
    message: str
    """What to tell the user."""
    match: Match | None = None
    """The reference match it rests on, for match rules."""
    marker: MarkerHit | None = None
    """The marker it rests on, for marker rules."""
    declaration: Declaration | None = None
    """The declaration it rests on, for dataset-level rules."""
    source: SourceInfo | None = None
    """The source whose facts made the rule apply (the matched source or an ancestor)."""
    chain: tuple[SourceInfo, ...] = ()
    """The matched or declared source and every source it derives from, nearest first."""
    waiver: Waiver | None = None
    """The waiver that applies, if any."""
    waiver_state: WaiverState = WaiverState.NONE
    """Whether the waiver is in force."""
    downgraded_from: Action | None = None
    """The rule's action when it was lowered (short evidence), else None."""

    @property
    def waived(self) -> bool:
        """True when a waiver in force covers this finding."""
        return self.waiver_state is WaiverState.WAIVED

    @property
    def path(self) -> str:
        """The dataset file the finding is about."""
        if self.match is not None:
            return self.match.record.location.path
        if self.marker is not None:
            return self.marker.record.location.path
        if self.declaration is not None:
            return self.declaration.dataset
        return ""

    @property
    def record(self) -> RecordRef | None:
        """The record the finding is about, if it is about one."""
        if self.match is not None:
            return self.match.record
        if self.marker is not None:
            return self.marker.record
        return None


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
    run: Mapping[str, object]
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
