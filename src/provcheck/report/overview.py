"""What the reports for people share: the verdict, counts, groups, locations and run facts."""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from provcheck.inputs.declared import CARD_BODY
from provcheck.matching.params import MatchConfig
from provcheck.model import (
    ABSENT,
    Absent,
    Action,
    Finding,
    IndexFacts,
    Location,
    Match,
    RecordRef,
    RunRecord,
    ScanResult,
    SkipReason,
    SourceInfo,
    Waiver,
    WaiverState,
)
from provcheck.policy.licenses import (
    MODEL_TERMS,
    NODERIVATIVES,
    NONCOMMERCIAL,
    PERMISSIVE,
    PUBLIC_DOMAIN,
    RESEARCH_ONLY,
    SHAREALIKE,
    traits,
)
from provcheck.report.scope import declared_use as declared_use
from provcheck.report.scope import joined_line as joined_line
from provcheck.report.scope import not_scanned_line as not_scanned_line
from provcheck.report.scope import overrides_line as overrides_line
from provcheck.report.scope import providers_not_indexed as providers_not_indexed
from provcheck.report.scope import read_by_content_line as read_by_content_line
from provcheck.report.scope import replaced_line as replaced_line
from provcheck.report.scope import run_by_text as run_by_text
from provcheck.report.scope import scan_time as scan_time
from provcheck.report.scope import scanned_line as scanned_line
from provcheck.report.scope import summary_lines as summary_lines
from provcheck.report.scope import use_line as use_line

ACTIONS = (Action.BLOCK, Action.REVIEW, Action.WARN, Action.INFO)
"""Actions from most to least severe."""


@dataclass(frozen=True, slots=True)
class Verdict:
    """Would this scan block, and is it complete."""

    status: str
    """``fail``, ``incomplete`` or ``pass``."""
    headline: str
    """One line for people."""
    blocking: int
    """Findings that make the scan fail (not waived, action in ``fail_on``)."""
    fail_on: tuple[str, ...]
    ungated: int = 0
    """Open findings with action ``block`` that this scan does not fail on (``fail_on: never``)."""
    thresholds: tuple[str, ...] = ()
    """Matching thresholds this scan changed (``changed_thresholds``): a verdict without a
    blocking finding holds only at them (``--min-probability 0.9999`` left a verbatim copy out
    while the verdict said no record matched)."""
    unread: int = 0
    """Files or records the scan could not read (``ScanResult.errors``; JSON ``verdict.complete``
    false): every headline says so beside its verdict, a blocked scan's too (counsel 21: "Blocked"
    alone read as a scan of everything)."""
    unread_at: tuple[str, ...] = ()
    """Where the first ``UNREAD_SHOWN`` of them are (``RecordError.where``)."""
    cards: tuple[str, ...] = ()
    """Dataset cards of which only the front matter was read (``CARD_BODY``): the rest of each
    was not scanned, and every headline says so."""

    def at_thresholds(self) -> str:
        """``" at thresholds other than the defaults (...)"``, or "" at the defaults."""
        return at_thresholds(self.thresholds)


def at_thresholds(changed: Sequence[str]) -> str:
    """``" at thresholds other than the defaults (...)"`` for ``changed_thresholds``, or ""."""
    return f" at thresholds other than the defaults ({'; '.join(changed)})" if changed else ""


def verdict(result: ScanResult, fail_on: frozenset[Action]) -> Verdict:
    """The verdict the CLI's exit code gives, in words."""
    blocking = result.blocking_count(fail_on)
    names = tuple(a.value for a in ACTIONS if a in fail_on)
    if blocking:
        status = "fail"
        headline = f"FAIL: {blocking:,} finding(s) with action {'/'.join(names)} would block this dataset"
    elif result.errors:
        status = "incomplete"
        headline = (
            f"INCOMPLETE: no blocking finding in what could be read; "
            f"{len(result.errors):,} file(s) or record(s) could not be read"
        )
    else:
        status = "pass"
        # Never "the data is clean": only what was checked, against what (issue 14).
        n = len(result.run.index.sources)
        headline = (
            f"NO BLOCKING FINDING against the {n:,} indexed source(s) under this policy and declared "
            "use; text from sources not in the index is not detected"
        )
    # Under `--fail-on never` a finding whose action is block does not fail the scan, and the
    # words "no blocking finding" said there was none.
    ungated = 0 if Action.BLOCK in fail_on else result.blocking_count(frozenset({Action.BLOCK}))
    if ungated and not blocking:
        headline = (
            f"NOT GATED: {ungated:,} finding(s) with action block, but this scan fails on nothing "
            "(fail-on never)" + ("; some input could not be read" if result.errors else "")
        )
    thresholds = tuple(changed_thresholds(result.run))
    if thresholds and not blocking:
        headline += f"; matches judged{at_thresholds(thresholds)}"
    return Verdict(
        status=status,
        headline=headline,
        blocking=blocking,
        fail_on=names,
        ungated=ungated,
        thresholds=thresholds,
        unread=len(result.errors),
        unread_at=tuple(e.where() for e in result.errors[:UNREAD_SHOWN]),
        cards=tuple(n.path for n in result.not_scanned if n.reason == CARD_BODY),
    )


UNREAD_SHOWN = 3
"""Places of unreadable input a headline names (every one is in the JSON report's ``errors``)."""


_NOT_READ = {
    SkipReason.ID: "id(s)",
    SkipReason.URL: "URL(s)",
    SkipReason.LABEL: "label(s) (short values of fields such as role, type, name or language)",
    SkipReason.NUMBER: "number(s) or date(s)",
    SkipReason.ENCODED: "encoded or encrypted value(s)",
    SkipReason.EMPTY: "empty string(s)",
    SkipReason.NO_TOKENS: "string(s) without words",
    SkipReason.NOT_SELECTED: "string(s) outside --text-field",
    SkipReason.ROLE: "turn(s) outside the roles selected",
    SkipReason.LIMIT: "part(s) nested past the depth limit",
}
"""How the coverage sentence names each reason, in the order it lists them."""


def roles_from(run: RunRecord) -> str:
    """Where the role filter came from: ``--roles`` on the command line, or ``roles:`` in the
    configuration file the run names (``--roles or roles: in .provcheck.yaml`` left counsel to
    guess which, and the command under Reproducibility shows only the first). The run record's
    ``roles_from`` says it; a report of an older run is read from its command line."""
    if run.roles_from == "command line":
        return "--roles"
    if run.roles_from == "configuration":
        return (
            f"roles: in {run.config}" if isinstance(run.config, str) else "roles: in the configuration file"
        )
    command = run.command if isinstance(run.command, tuple) else ()
    if any(a == "--roles" or a.startswith("--roles=") for a in command):
        return "--roles"
    if isinstance(run.config, str):
        return f"roles: in {run.config}"
    return "--roles or roles: in .provcheck.yaml"


def not_read(result: ScanResult) -> dict[SkipReason, int]:
    """Strings (and turns left out by ``--roles``) not read, per reason, over every file."""
    totals: Counter[SkipReason] = Counter()
    for f in result.files:
        if f.fields is not None:
            totals.update(f.fields.not_read())
    return {reason: totals[reason] for reason in _NOT_READ if totals[reason]}


def coverage(result: ScanResult) -> str | None:
    """One sentence for every format's summary: what was read of the records and what was not,
    and why, then what ``--min-probability`` left out (``below_threshold``); None when the
    result does not say (built without field counts)."""
    read = _read(result)
    left = below_threshold(result.run)
    return " ".join(s for s in (read, left) if s) or None


def below_threshold(run: RunRecord) -> str | None:
    """``Left out by --min-probability 0.9: 12 verified match(es) ...``, or None when the
    scan ran without the option (a threshold of 0 leaves nothing out)."""
    b = run.below_threshold
    if b is ABSENT:
        return None
    if not b.matches:
        return f"Left out by --min-probability {b.min_probability:g}: no verified match."
    return (
        f"Left out by --min-probability {b.min_probability:g}: {b.matches:,} verified match(es) "
        f"below it; {b.records:,} record(s) show no match because of it."
    )


def _read(result: ScanResult) -> str | None:
    counted = [f.fields for f in result.files if f.fields is not None]
    if not counted:
        return None
    scanned = sum(n for fields in counted for _, n in fields.read)
    skipped = not_read(result)
    if not skipped and not scanned:
        # "Every string was read" of no record at all read as full coverage (``--text-field``
        # naming a field no record has: every record an error, 0 turns).
        return "Coverage: no text was scanned."
    if not skipped:
        return f"Coverage: {scanned:,} turn(s) scanned; every string in the records was read."
    why = {**_NOT_READ, SkipReason.ROLE: f"{_NOT_READ[SkipReason.ROLE]} ({roles_from(result.run)})"}
    listed = ", ".join(f"{n:,} {why[reason]}" for reason, n in skipped.items())
    return (
        f"Coverage: {scanned:,} turn(s) scanned; not read: {listed} "
        "(per file and field in the JSON report, files[].fields)."
    )


def record_location(rec: RecordRef) -> str:
    """``path:line``, or ``path#index`` where the container has no lines."""
    loc = rec.location
    return f"{loc.path}:{loc.lines}" if loc.line else f"{loc.path}#{loc.index}"


def covered(loc: Location) -> list[tuple[int, int | None]]:
    """Each record a location covers, as ``(index, line)``: one, or every record of a run of
    short records (so a CI log lists each record to remove, not the run's first line only).
    A record's line is known when the run's lines are one per record (its span has as many lines
    as records); else only the first record's line is (a record of several lines)."""
    first, n = loc.line, len(loc.covers)
    if first is None:
        return [(i, None) for i in loc.covers]
    exact = n == 1 or (loc.end_line is not None and loc.end_line - first + 1 == n)
    return [(i, first + k if exact else first if k == 0 else None) for k, i in enumerate(loc.covers)]


def where(f: Finding) -> str:
    """Where a finding is: record location and turn, or the declaring file."""
    rec = f.record
    if rec is not None:
        return f"{record_location(rec)} record {rec.location.index} {rec.turn.role}[{rec.turn.position}]"
    if f.declaration is not None:
        d = f.declaration
        return f"{d.path}:{d.line}" if d.line else d.path
    return f.path


def origin(f: Finding) -> str:
    """What a finding rests on, for grouping: the matched source, a marker, or a declaration."""
    if f.match is not None:
        return f.match.reference.source.name
    if f.marker is not None:
        return f"marker: {f.marker.label}"
    if f.declaration is not None:
        return f"declared in {f.declaration.path}"
    return f.source.name if f.source else "unknown"


def origin_words(said: str) -> str:
    """A group's ``origin`` after "Note for": "Note for declared in README.md" read as a
    fragment; "Note for what README.md declares" and "Note for source X" do not."""
    if said.startswith("declared in "):
        return f"what {said.removeprefix('declared in ')} declares"
    return said if said.startswith("marker: ") else f"source {said}"


def source_of(f: Finding) -> SourceInfo | None:
    """The source whose facts apply: the triggering source, else the matched one."""
    if f.source is not None:
        return f.source
    if f.match is not None:
        return f.match.reference.source
    return None


_CLASSES = (
    (NONCOMMERCIAL, "non-commercial"),
    (RESEARCH_ONLY, "research only"),
    (NODERIVATIVES, "no derivatives"),
    (SHAREALIKE, "share-alike"),
    (MODEL_TERMS, "provider terms"),
    (PUBLIC_DOMAIN, "public domain"),
    (PERMISSIVE, "permissive"),
)


def licence_class(info: SourceInfo | None) -> str:
    """The most restrictive trait of a source's licence, in words."""
    if info is None:
        return "no source"
    found = traits(info.license)
    for trait, label in _CLASSES:
        if trait in found:
            return label
    if info.license:
        return "other licence"
    if info.terms:
        return "provider terms"
    return "no licence recorded"


def counts(values: Iterable[str] | Mapping[str, int]) -> list[tuple[str, int]]:
    """Value counts (of values, or counted already), largest first, ties by name."""
    return sorted(Counter(values).items(), key=lambda kv: (-kv[1], kv[0]))


def by_action(result: ScanResult) -> list[tuple[str, int]]:
    """Open findings per action, most severe first, then the waived ones."""
    out = [(a.value, result.counts.open.get(a, 0)) for a in ACTIONS]
    out.append(("waived", result.counts.total_waived))
    return out


_BY_SEVERITY = {a.severity: a for a in Action}


@dataclass(frozen=True, slots=True)
class Group:
    """Findings of one rule resting on one source (or marker, or declaration)."""

    rule: str
    origin: str
    positions: Sequence[int]
    """Where its findings are in the sequence grouped (``ScanResult.findings``), in order."""
    worst: Action
    """The most severe action among open findings (the rule's action if all are waived)."""

    @property
    def size(self) -> int:
        """How many findings the group has."""
        return len(self.positions)


@dataclass(slots=True)
class _GroupTally:
    positions: array[int]
    open_: int = -1
    """Highest severity among open findings (-1: none)."""
    any_: int = -1
    """Highest severity among all."""


class Grouper:
    """Groups findings by rule, then by origin, keeping only their positions (8 bytes each):
    a report reads each finding again when it writes it."""

    def __init__(self) -> None:
        self._by_rule: dict[str, dict[str, _GroupTally]] = {}

    def add(self, position: int, f: Finding) -> None:
        """Count the finding at ``position``."""
        key = origin(f)
        group = self._by_rule.setdefault(f.rule.id, {}).get(key)
        if group is None:
            group = self._by_rule[f.rule.id][key] = _GroupTally(array("q"))
        group.positions.append(position)
        severity = f.action.severity
        group.any_ = max(group.any_, severity)
        if not f.waived:
            group.open_ = max(group.open_, severity)

    def groups(self) -> list[tuple[str, list[Group]]]:
        """The groups of every rule; most severe and largest groups (and rules) first."""
        out: list[tuple[str, list[Group]]] = []
        for rule, by_origin in self._by_rule.items():
            gs = [
                Group(rule, o, g.positions, _BY_SEVERITY[g.open_ if g.open_ >= 0 else g.any_])
                for o, g in by_origin.items()
            ]
            gs.sort(key=lambda g: (-g.worst.severity, -g.size, g.origin))
            out.append((rule, gs))
        out.sort(key=lambda kv: (-max(g.worst.severity for g in kv[1]), -sum(g.size for g in kv[1]), kv[0]))
        return out


def groups(findings: Iterable[Finding]) -> list[tuple[str, list[Group]]]:
    """Findings grouped by rule, then by origin; most severe and largest groups first."""
    grouper = Grouper()
    for i, f in enumerate(findings):
        grouper.add(i, f)
    return grouper.groups()


def unmatched(result: ScanResult) -> Sequence[Match]:
    """Matches no rule produced a finding for (shown so that nothing found is hidden)."""
    return result.unruled


def changed_thresholds(run: RunRecord) -> list[str]:
    """``min_tokens 100000 (default 25)`` for each matching threshold this scan changed: the
    error rates a report states were measured at the defaults and say nothing of other values."""
    defaults = MatchConfig().to_dict()
    used = run.match if isinstance(run.match, Mapping) else {}
    return [f"{k} {used[k]:g} (default {d:g})" for k, d in defaults.items() if k in used and used[k] != d]


def policy_label(run: RunRecord, default: str) -> str:
    """The policy as a reader names it: its ``name:``, else the file it was read from; ``default``
    only when no policy file was given (an unnamed file was shown as the default policy, one
    that blocks nothing, while its rules blocked)."""
    return fact_text(run.policy.name) or fact_text(run.policy.path) or default


def fact_text(value: object) -> str:
    """A run fact as text (lists joined, null and absent as empty)."""
    if value is None or value is ABSENT:
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


def tool_text(run: RunRecord) -> str:
    """The program and the build that wrote the report: "0.1.0" names every checkout and edit
    between two releases, so the build is said too, or that the record does not hold it."""
    build = run.tool.build
    head = f"{run.tool.name} {run.tool.version}"
    if isinstance(build, Absent):
        return f"{head} (which build is not recorded: the run record predates provcheck recording it)"
    return f"{head}, {build.describe()}"


def index_written(index: IndexFacts) -> str:
    """``; last written 2026-… by provcheck 0.1.0 (created 2026-…)``: the index a decision rests
    on, as it was when the scan read it; empty for a record without it (several indexes or packs
    matched as one carry theirs under members, and older records none)."""
    if isinstance(index.updated, Absent):
        return ""
    by = "" if isinstance(index.written_by, Absent) else f" by {index.written_by}"
    created = (
        ""
        if isinstance(index.created, Absent) or index.created == index.updated
        else f" (created {index.created})"
    )
    return f"; last written {index.updated}{by}{created}"


def policy_files(run: RunRecord) -> list[tuple[str, str]]:
    """Each policy file read with its own SHA-256 (or why it is not known); a pack shipped with
    provcheck says so (an install path such as ``.../site-packages/provcheck/policies/openai.yaml``
    did not tell counsel which files were the user's and which came with the tool)."""
    from pathlib import Path  # only this line of a report reads a path

    from provcheck.policy.loadstate import packs_dir

    packs = packs_dir().resolve()
    shipped = f" (shipped with provcheck {run.tool.version})"

    def named(path: str) -> str:
        return path + (shipped if Path(path).resolve().parent == packs else "")

    digests = run.policy.file_digests
    if isinstance(digests, Absent):
        why = "not recorded (the run record predates per-file digests)"
        return [(named(p), why) for p in run.policy.files]
    return [(named(f.path), f.sha256) for f in digests]


def command_line(run: RunRecord) -> str:
    """The command as a shell would take it; for a merged result, the merge's (with when it ran)
    and every share's scan, each named by its shard (outside counsel read 19 and 20)."""
    import shlex  # a report's line, not the hook's

    merged = run.merged if not isinstance(run.merged, Absent) else None
    if merged is not None and merged.partials:
        # The merge that wrote the reports first, then each share's scan (counsel 20: the merge
        # command was recorded nowhere).
        merge = shlex.join(merged.command) if isinstance(merged.command, tuple) else "not recorded"
        when = f" (at {merged.merged_at})" if isinstance(merged.merged_at, str) else ""
        return "; ".join(
            [
                f"merge{when}: {merge}",
                *(
                    f"shard {p.shard}: "
                    + (shlex.join(p.command) if isinstance(p.command, tuple) else "not recorded")
                    for p in merged.partials
                ),
            ]
        )
    return shlex.join(run.command) if run.command else ""


def declared_unscanned(result: ScanResult) -> list[str]:
    """The files listed as not scanned whose declarations were read all the same (a dataset
    card's front matter): what they declare is a fact of the report, the rest of them is not."""
    declaring = {d.path for d in result.declarations}
    return [n.path for n in result.not_scanned if n.path in declaring]


PLACEHOLDER_LIKE = (
    "no one can be shown to have approved it (a placeholder reason or approver, an approver or "
    "ticket at a host reserved for examples or documentation such as example.com or 192.0.2.1, or "
    "not publicly reachable such as 127.0.0.1, or no expiry)"
)
"""What a placeholder-like waiver is, said where reports count or flag them."""


def waiver_doubts(w: Waiver) -> str:
    """Why a waiver is placeholder-like, in words, or "" when it is not."""
    said = ["placeholder reason or approver written by provcheck baseline"] if w.placeholder else []
    return "; ".join([*said, *w.doubts])


NOT_CREDITED = "claimed, not credited"
"""The state of a waiver at a host reserved for examples, in every register (counsel 21, P4)."""
NOT_CREDITED_MEANS = (
    "no identifiable person can be shown to have approved it, so its finding stays open and counts "
    "as if unwaived"
)
"""What a waiver not credited does, said beside its reasons."""
NOT_CREDITED_WHY = (
    "an approver or ticket at a host reserved for examples (RFC 2606/6761, such as example.com, or a "
    "lookalike of one) or for documentation (RFC 5737/3849, such as 192.0.2.1), or at an address "
    "not publicly reachable (127.0.0.1, 10.0.0.1): " + NOT_CREDITED_MEANS
)
"""Why a waiver is not credited, said where reports count them."""


def waiver_state(f: Finding) -> str:
    """The state of a finding's waiver in words, with why it is placeholder-like or not credited:
    one wording for every register (HTML, Markdown, text)."""
    w = f.waiver
    if w is None:
        return "none"
    if f.waiver_state is WaiverState.NOT_CREDITED:
        rest = [d for d in w.doubts if d not in w.not_credited]
        also = f"; also {'; '.join(rest)}" if rest else ""
        return f"{NOT_CREDITED} (finding open): {'; '.join(w.not_credited)}{also}"
    state = {WaiverState.WAIVED: "in force", WaiverState.EXPIRED: "expired (finding open)"}.get(
        f.waiver_state, "not applied"
    )
    return state + (f" (placeholder-like: {waiver_doubts(w)})" if w.placeholder_like else "")


def register_counts(findings: Iterable[Finding]) -> str:
    """The waiver register's entries by state: ``2 entries: 1 in force, 1 expired`` (a finding
    with a waiver is an entry of the register, whatever the state of its waiver)."""
    states = Counter(f.waiver_state for f in findings if f.waiver is not None)
    total = sum(states.values())
    parts = [
        f"{states[s]:,} {label}"
        for s, label in (
            (WaiverState.WAIVED, "in force"),
            (WaiverState.NOT_CREDITED, "not credited"),
            (WaiverState.EXPIRED, "expired"),
        )
        if states[s]
    ]
    return f"{total:,} entr{'y' if total == 1 else 'ies'}" + (f": {', '.join(parts)}" if parts else "")


def not_credited_entries(findings: Iterable[Finding]) -> dict[str, tuple[str, ...]]:
    """The waivers file entries claimed but not credited on a finding, each with why, in order."""
    out: dict[str, tuple[str, ...]] = {}
    for f in findings:
        w = f.waiver
        if w is not None and f.waiver_state is WaiverState.NOT_CREDITED:
            out.setdefault(w.entry or w.written_for or w.approver, w.not_credited)
    return out


def waivers_fact(result: ScanResult) -> str:
    """The waivers file a scan applied, with its digest, the date expiry was judged on and what
    it did: which findings are waived is part of what counsel decides on, and an auditor
    re-running the scan needs the same file and date."""
    w = result.waivers
    if w is None:
        return "none: no waivers file was used, and no finding is waived"
    placeholders = ""
    if w.placeholders:
        # Counsel 21: waivers approved at example.com, and never expiring, read as approvals.
        baseline = (
            f" ({w.from_baseline:,} still with provcheck baseline's placeholder reason or approver)"
            if w.from_baseline
            else ""
        )
        placeholders = (
            f", {w.placeholders:,} of them by a placeholder-like waiver{baseline}: {PLACEHOLDER_LIKE}"
        )
    not_credited = (
        f"{w.not_credited:,} open with a waiver claimed, not credited ({NOT_CREDITED_WHY}); "
        if w.not_credited
        else ""
    )
    return (
        f"{w.file} (sha256 {w.sha256 or 'not recorded'}), expiry dates compared with "
        f"{w.as_of or 'a date not recorded'} (UTC): {w.waived:,} finding(s) waived{placeholders}; "
        f"{not_credited}{w.expired:,} re-opened (waiver expired); entries matching no finding: "
        f"{len(w.stale):,}"
    )
