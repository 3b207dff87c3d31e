"""Findings: a rule applied to a match, a marker or a declaration, with its clause and waiver."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from provcheck.model.ids import (
    FindingId,
)
from provcheck.model.matches import (
    CharSpan,
    Match,
    RecordRef,
    SourceInfo,
)


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
    version: str | None = None
    """The document's own version number (``4.0`` of a Creative Commons licence), when known."""
    date_note: str | None = None
    """Without ``effective``: what is known of the text's date, with its source, and what the
    missing date means for the reader."""
    effective_note: str | None = None
    """With ``effective``: where that date comes from and how provcheck selects the version for
    the material's date."""
    seen: str | None = None
    """ISO date the quoted wording was last seen in a copy of the document (a crawler's
    capture), when the reference records one."""
    default_terms: bool = False
    """True when the source's terms are not recorded and the document cited is the one the
    policy applies by default (not a licence or version named by the source's generator,
    licence or name)."""


@dataclass(frozen=True, slots=True)
class DateLowering:
    """A finding's action lowered because of a date: the material is dated before every wording
    of the cited clause on record, so the rule's ``action_before_wording`` (``review`` unless the
    policy raises it) stands until a reviewer confirms the restriction was in force then. The
    clause's ``note`` says it in words; this says it to a machine (counsel 21)."""

    date: str
    """The material's date (ISO), which the cited version's ``effective`` date is after."""
    date_of: str | None
    """The source (or ``dataset:…``, a dataset's own declaration) whose ``date`` fact it is: the
    triggering source's, else its own dataset's or the nearest dated source of its chain."""
    effective: str | None
    """When the cited version, the earliest wording of the clause on record, took effect."""
    version: str | None
    """The cited version's own version number, when the policy records one."""
    document: str
    """The document cited (the version's own title)."""
    terms: str | None
    """The policy's terms id (``openai-terms-of-use``); None for a rule's inline clause."""
    clause: str | None
    """The clause's key in those terms (``compete``); None for an inline clause."""
    from_action: Action
    """The rule's action."""
    to_action: Action
    """The finding's action: the rule's ``action_before_wording``."""


@dataclass(frozen=True, slots=True)
class RuleRef:
    """What a finding says about the rule that produced it."""

    id: str
    title: str
    rationale: str | None = None
    remediation: str | None = None
    clause: Clause | None = None
    when: str | None = None
    """The rule's condition as the policy states it (``policy explain``'s ``when``): the facts of
    the source and of the declared use that made it apply. A rationale in the policy author's
    words does not show counsel which use the clause was applied to."""
    when_words: str | None = None
    """The same condition in plain words (``policy.describe``), for counsel; ``when`` stays the
    policy's own spelling, for engineers."""
    date_lowering: DateLowering | None = None
    """Set when the finding's action is lower than the rule's because of the material's date
    (``Rule.action_before_wording``): which date, which version, from what action to what."""


@dataclass(frozen=True, slots=True)
class Waiver:
    """A reviewer's recorded decision to accept a finding."""

    reason: str
    approver: str
    date: str
    expires: str | None = None
    ticket: str | None = None
    """The entry's ``ticket``, else its ``link``."""
    placeholder: bool = False
    """True while the reason is still the placeholder ``provcheck baseline`` wrote."""
    written_for: str | None = None
    """What the waivers file entry names, in its words (``finding 3f2a…``, or ``rule …; source
    …; path …``): a waiver written for one finding reads differently from a rule-wide one."""
    entry: str | None = None
    """Where the entry is (``waivers.yaml:12``)."""
    doubts: tuple[str, ...] = ()
    """Why the entry reads as a placeholder though a person filled it in: an approver or ticket
    at a domain reserved for examples (RFC 2606, RFC 6761: ``example.com``, ``*.test``…), or no
    expiry (never reviewed again). Reports flag it and count it among
    ``WaiverReport.placeholders`` (counsel 21); ``not_credited`` says which of them also keep it
    from waiving."""
    not_credited: tuple[str, ...] = ()
    """Of ``doubts``, those that keep the waiver from waiving: an approver or ticket at a host
    reserved for examples (or a lookalike of one) or for documentation, or at an IP address not
    globally reachable (``support/reserved.py``). No identifiable person approved it, so its
    finding stays open (``WaiverState.NOT_CREDITED``), as under an expired waiver (counsel 21,
    P4). No expiry alone is a doubt, not a reason to withhold credit."""
    link: str | None = None
    """The entry's ``link`` when a ``ticket`` is given too (it was dropped from every report,
    adversarial pass 22); None when it is the ``ticket`` above or not given."""

    @property
    def placeholder_like(self) -> bool:
        """True when nobody can be shown to have approved it: baseline's placeholder, or doubts."""
        return self.placeholder or bool(self.doubts)

    @property
    def credited(self) -> bool:
        """False when the waiver is claimed but not credited (``not_credited``)."""
        return not self.not_credited


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
    approver: str | None = None
    """Who approved the entry: the decision that took effect nowhere was someone's."""
    date: str | None = None
    """When it was approved."""


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
    """Waived findings whose waiver is placeholder-like (``Waiver.placeholder_like``): still
    ``provcheck baseline``'s placeholder reason or approver, or no expiry. (A waiver at a
    reserved example domain waives nothing: its findings are ``not_credited``.)"""
    stale: tuple[StaleWaiver, ...]
    """Entries that matched no finding."""
    sha256: str | None = None
    """SHA-256 of the waivers file as read: which findings are waived is part of the decision, and
    an auditor re-running the scan needs the same file."""
    as_of: str | None = None
    """The date (UTC, ISO) expiry dates were compared with: a waiver in force on the day of the
    scan may have expired when the scan is re-run."""
    from_baseline: int = 0
    """Of ``placeholders``, those whose reason or approver is still ``provcheck baseline``'s."""
    not_credited: int = 0
    """Findings whose only waivers in force are claimed but not credited (an approver or ticket
    at a domain reserved for examples, ``Waiver.not_credited``): open, as if unwaived."""


@enum.unique
class WaiverState(str, enum.Enum):
    """Whether a finding is waived."""

    NONE = "none"
    WAIVED = "waived"
    EXPIRED = "expired"
    """The waiver's expiry has passed: the finding is open again."""
    NOT_CREDITED = "not-credited"
    """The waiver is in force but not credited (``Waiver.not_credited``): the finding is open."""


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
    sha256: str | None = None
    """SHA-256 of the declaring file's bytes, read before its declarations were (None: not
    recorded): a report's decision rests on the card as it was, and a changed card shows."""
    field: str | None = None
    """For what records declare in their own fields (``"license"``, ``"model": "gpt-4"``): the
    field (pattern) that says it; ``line`` is then the first record's. None for a card's."""
    records: int | None = None
    """For a record field's declaration: how many of the file's records make it."""
    output: int | None = None
    """For a model a record field names: how many of those records also hold model output the
    scan read (an assistant, reasoning or tool-call turn): they say who wrote the text in them."""


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
