"""The result seen record first: one row per record with findings, one per indexed source.

Counsel decides about records and sources, not about findings: one record copied from one
source may carry a finding per rule (a licence rule and a provider rule), and one record may
match many references. Counting findings overstates what is affected; these views count
records. They are gathered in one pass over the findings (which may be on disk), keeping a
small tally per record with findings, never the findings themselves.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from provcheck.model import ABSENT, Absent, Action, Finding, Match, RunRecord, ScanResult
from provcheck.policy.licenses import not_assessed
from provcheck.report import basis
from provcheck.report import overview as ov
from provcheck.report.clauses import dating as clause_dating
from provcheck.report.identity import ReportIdentity, identity

WAIVED = "waived"
"""The worst action of a record or source whose every finding is waived."""
_RANK = {a.value: a.severity for a in Action} | {WAIVED: -1}


def worse(a: str | None, b: str | None) -> str | None:
    """The more severe of two actions (``waived`` below ``info``; None below all)."""
    if a is None:
        return b
    if b is None:
        return a
    return a if _RANK[a] >= _RANK[b] else b


@dataclass(slots=True)
class RecordRow:
    """A record (or, for dataset-level findings, a declaring file) and what was found in it."""

    path: str
    """The dataset file."""
    index: int | None
    """0-based record position; None for a dataset-level finding (a declaration)."""
    line: int | None
    """1-based line of the record (or of the declaration)."""
    id: str | None
    """The record's own id."""
    first: int
    """Position of its first finding in ``ScanResult.findings``."""
    first_id: str
    """Id of that finding (the HTML report's anchor)."""
    # Tuples, not lists: a row is kept for every record with a finding, and most hold one
    # rule, one reference and one source (a list of one costs twice a tuple of one).
    rules: tuple[str, ...] = ()
    """Rule ids, in order of first finding."""
    rule_worst: tuple[str, ...] = ()
    """Each rule's worst action on the row (``WAIVED`` when all its findings are waived), in the
    order of ``rules``."""
    references: tuple[str, ...] = ()
    """Reference ids matched (``source:id``), markers (``marker:id``) or declarations."""
    sources: tuple[str, ...] = ()
    """What the findings rest on (see ``origin_of``), in order of first finding."""
    findings: int = 0
    """Findings about it (waived ones included)."""
    worst: str | None = None
    """Most severe action among open findings; ``waived`` when all are waived."""
    blocking: bool = False
    """An open finding has an action the scan fails on."""
    end_index: int | None = None
    """0-based position of the last record of a run of consecutive records the row's findings
    span (``Location.end_index``); None for one record."""
    end_line: int | None = None
    """1-based last line of what the row covers, when it is more than one line."""
    also_lines: tuple[int, ...] = ()
    """A declaring file's other lines with findings (``README.md:2, 6``): the row named only its
    first, beside evidence citing both (counsel 20, P17)."""

    @property
    def location(self) -> str:
        """``path:line`` (``path:4-12`` for a run), else ``path#index``, else the path."""
        if self.line:
            also = "".join(f", {n}" for n in self.also_lines)
            return f"{self.path}:{self.line}" + (f"-{self.end_line}" if self.end_line else "") + also
        if self.index is not None:
            return f"{self.path}#{self.index}" + (f"-{self.end_index}" if self.end_index is not None else "")
        return self.path

    @property
    def labelled_rules(self) -> tuple[str, ...]:
        """``rules``, each whose worst action is not the row's with it (``openai-no-competing-
        models (review)``): a row worst "block" listed a rule lowered to review beside the one
        that blocks as if both did (outside counsel 21)."""
        return tuple(
            rule if action == self.worst else f"{rule} ({action})"
            for rule, action in zip(self.rules, self.rule_worst, strict=True)
        )

    @property
    def covers(self) -> range:
        """Positions of the records the row covers (one, or a run's; none for a declaration)."""
        if self.index is None:
            return range(0)
        return range(self.index, (self.end_index if self.end_index is not None else self.index) + 1)


@dataclass(slots=True)
class SourceRow:
    """An indexed source (or a marker or declaration a finding rests on) and its share."""

    source: str
    provider: str | None = None
    generator: str | None = None
    license: str | None = None
    terms: str | None = None
    texts: int | None = None
    """Texts (turns) the index holds of it; None when it is not an indexed source."""
    indexed: bool = True
    """False for markers and declarations: what a finding rests on that is not in the index."""
    background: bool = False
    """A background source: independent text, whose matches are never findings."""
    basis: str | None = None
    """An indexed source's provenance basis (``meta.basis``); None when not recorded."""
    records: int = 0
    """Records with at least one open finding counted for it (``attributed``)."""
    blocking: int = 0
    """Of ``records``, those with an open finding resting on it that fails the scan (the rest
    have only findings to review, warnings or notes on it: counted together, a review-only
    record read as a copy that blocks)."""
    declared: int = 0
    """Open findings resting on it that are about a dataset (a card's or manifest's declaration),
    not a record: beside "0 records" and a review, they read as a finding about nothing."""
    findings: int = 0
    """Its findings (waived ones included)."""
    worst: str | None = None
    """Most severe open action; ``waived`` if all are waived; None without findings."""
    share: float = 0.0
    """``records`` over the records scanned."""
    blocking_share: float = 0.0
    """``blocking`` over the records scanned."""

    @property
    def licence_shown(self) -> str:
        """``license`` as a sources table shows it: with ``licence not assessed (no traits known
        for LicenseRef-X)`` when no licence rule can read an id of it (counsel 23: the ShareGPT
        source's licence met no rule, and the table said nothing)."""
        said = not_assessed(self.license)
        return f"{self.license} ({said})" if said else self.license or ""

    @property
    def not_blocking(self) -> int:
        """Records with open findings on it, none of which fails the scan."""
        return self.records - self.blocking

    @property
    def not_blocking_share(self) -> float:
        """``not_blocking`` over the records scanned."""
        return max(self.share - self.blocking_share, 0.0)

    clauses: list[str] = field(default_factory=list)
    """Documents of the clauses cited about it (``document, effective date``)."""
    via: list[str] = field(default_factory=list)
    """What its findings were reached through, where that is not itself (``via_of``): the indexed
    source a record matched, or the source the dataset declares, whose derivation chain leads to
    it (tatsu-lab/alpaca's research-only block, on a record matching alpaca-style-nc)."""
    onward: int = 0
    """Findings reached through it (``via_of``) but counted under the source whose facts met the
    rule (``attributed``): with ``findings``, the count the matched-source view would give it."""
    unruled: int = 0
    """Records that matched it under no rule of the policy for the declared use, and have no
    open finding resting on it: a verified copy of a source whose terms no rule applies to was
    a "0" in the records column, read as "nothing of this source was found"."""
    unruled_convergent: int = 0
    """Of ``unruled``, records whose every such match is marked as likely convergence."""


RUN_ROW = "a run of short records read together is one row, with its first and last line"
"""Said where rows are counted when one covers a run (counsel 20: 4 rows beside 15 records)."""


def via_text(s: SourceRow) -> str:
    """`` via alpaca-style-nc`` after a source's name when its findings were reached through
    another source (a record matching it, a card declaring it), else ""."""
    return f" via {', '.join(s.via)}" if s.via else ""


def with_share(n: int, share: float) -> str:
    """A count of records and its share of the records scanned: ``2 (18.2%)``."""
    return f"{n:,} ({share:.1%})"


DATASET_LEVEL_NOTE = (
    "+ N dataset-level: findings on what the dataset's card or manifest declares (its licence, "
    "the datasets it derives from), about the dataset rather than a record, or on what records' "
    "own fields declare (the model that wrote them: one finding per file and name, covering every "
    "record that names it); they are listed under Records with findings and not counted as records."
)
"""What "+ N dataset-level" in a sources table counts, said alike in every format (counsel 20:
the text table left them out, so a source named only by the card read "0 / 0")."""


SOURCE_FACTS_NOTE = (
    "An indexed source's provider, generator, licence, terms and date are what was recorded for it "
    "when the index was built (the sources file or options given to provcheck index build or add); "
    "provcheck verifies that records match its text, not where that text came from: a source "
    "recorded wrongly gives wrong findings, permissions (info) included. Its basis (where its "
    "text came from, who indexed it, the evidence for those facts) is shown beside it when "
    'recorded (meta basis), otherwise "basis not recorded".'
)
"""Where an indexed source's facts come from, said beside every sources table (outside counsel
21: "copies output of gpt-3.5-turbo" read as established where it was the index builder's word)."""


def provenance_bases(sources: Iterable[SourceRow]) -> str | None:
    """Each indexed source's provenance basis, or that none is recorded, in one line for the
    text and Markdown reports (whose sources tables have no room for it); None without indexed
    sources."""
    said = [f"{s.source}: {s.basis or basis.SHORT}" for s in sources if s.indexed and not s.background]
    return "Basis of each indexed source's facts: " + " | ".join(said) if said else None


def sources_basis(scanned: int) -> str:
    """What the sources table's record columns count, said alike in every format (counsel 18:
    no stated basis; counsel 20: review-only records were counted with the copies that block)."""
    return (
        "a finding is counted for the source whose facts met its rule (the finding's own source, "
        'as in the json and sarif reports), with "via" naming the indexed source its record '
        "matched, or the source the dataset declares, when that is another; records that block: "
        "records with an open finding counted for the source whose action fails the scan; "
        "records with review, warn or info only: records whose open findings counted for the "
        "source are all to review, warnings or information (not copies that block); each with its "
        f"share of the {scanned:,} records scanned (waived-only records not counted); texts "
        "indexed: the source's texts in the index."
    )


@dataclass(frozen=True, slots=True)
class RecordCounts:
    """Records scanned, with open findings, and blocking."""

    scanned: int
    with_findings: int
    blocking: int
    waived_only: int
    """Records whose every finding is waived."""
    dataset_level: int
    """Rows that are not records (declarations about a dataset)."""
    unruled: int = 0
    """Records with a verified match, not marked as likely convergence, that no rule of the
    policy applied to under the declared use (whatever else was found in them)."""
    placeholder_waived: int = 0
    """Findings waived only by ``provcheck baseline``'s placeholder (no reason, no approver)."""
    placeholder_failing: int = 0
    """Of those, findings whose action the scan fails on: blocking findings nobody reviewed."""
    declared_blocking: int = 0
    """Rows of declarations (not records) with a finding the scan fails on: "Blocked: 0 of 12
    records" was said of a scan blocked only by what records' own model fields declare."""
    declared_records: int = 0
    """Records the blocking declarations of records' own fields cover (``Declaration.records``)."""
    info_only: int = 0
    """Of ``with_findings``, records whose every open finding is information (action ``info``: a
    permission, a marker phrase noted): the headline counted them among the records "with at least
    one open finding" without saying so (counsel 21)."""


def origin_of(f: Finding) -> str:
    """What a finding rests on: the matched source, the declared source where a declaration
    resolves to one, else the marker or declaring file (as ``overview.origin``). A record's row
    lists these; a source's row counts a finding under ``attributed`` and names this as its
    ``via`` where the two differ."""
    if f.match is not None:
        return f.match.reference.source.name
    if f.declaration is not None and f.chain:
        return f.chain[0].name
    return ov.origin(f)


def attributed(f: Finding) -> str:
    """The source a finding is counted for in the sources table: the source whose facts met the
    rule (the finding's ``source``, as JSON ``findings[].source`` and SARIF give it), else what
    it rests on (``origin_of``: a marker, a declaring file).

    Counted by the matched source instead, tatsu-lab/alpaca's research-only block (met by the
    catalogue's facts of tatsu-lab/alpaca, on a record copying alpaca-style-nc) was counted for
    alpaca-style-nc, and the table gave tatsu-lab/alpaca a worst action of review beside JSON
    findings naming it as the source of a block (outside counsel 23, P8)."""
    return f.source.name if f.source is not None else origin_of(f)


def _reference(f: Finding) -> str:
    if f.match is not None:
        return f"{f.match.reference.source.name}:{f.match.reference.id}"
    if f.marker is not None:
        return f"marker:{f.marker.marker}"
    if f.declaration is not None:
        return f"{f.declaration.key}={f.declaration.value}"
    return ""


def _with(items: tuple[str, ...], value: str) -> tuple[str, ...]:
    return (*items, value) if value and value not in items else items


def _add_once(items: list[str], value: str) -> None:
    if value and value not in items:
        items.append(value)


def indexed_sources(run: RunRecord) -> list[SourceRow]:
    """The index's sources as the run record lists them (with their facts where recorded)."""
    details = run.index.source_details
    if details is ABSENT:
        return [SourceRow(source=n) for n in run.index.sources]
    return [
        SourceRow(
            source=d.name,
            provider=_opt(d.provider),
            generator=_opt(d.generator),
            license=_opt(d.license),
            terms=_opt(d.terms),
            texts=d.texts,
            background=d.background is True,
            basis=d.basis if isinstance(d.basis, str) else None,
        )
        for d in details
    ]


def _opt(value: str | Absent | None) -> str | None:
    return value or None


class RecordView:
    """Records with findings and sources, gathered one finding at a time."""

    def __init__(self, run: RunRecord, fail_on: frozenset[Action]) -> None:
        self.fail_on = frozenset(a.value for a in fail_on)
        self.rows: dict[tuple[str, int | None, str], RecordRow] = {}
        self._records: dict[str, set[tuple[str, int | None, str]]] = {}
        self._blocking: dict[str, set[tuple[str, int | None, str]]] = {}
        """Per source, the records of ``_records`` with a finding on it that fails the scan."""
        self.sources: dict[str, SourceRow] = {s.source: s for s in indexed_sources(run)}
        self._placeholders = self._placeholders_failing = 0
        self._onward: dict[str, int] = {}
        """Per source, findings reached through it but counted under another (``SourceRow.onward``)."""
        self._declared: dict[tuple[str, int | None, str], int] = {}
        """Per blocking declaration row, the records its record-field declaration covers."""
        self._unruled: dict[str, dict[tuple[str, int | None, str], bool]] = {}
        """Per source, records with a match no rule applied to: True while all are convergent."""
        self.hash = hashlib.sha256()
        """Over every finding's id, action and waiver state, in order (see ``identity``)."""
        self._strings: dict[str, str] = {}
        """One copy of each path, rule id, source and reference name: a row is kept for every
        record with a finding, and each finding read back from the spool brings its own copies."""

    def _one(self, s: str) -> str:
        return self._strings.setdefault(s, s)

    def add(self, position: int, f: Finding) -> None:
        """Count the finding at ``position``."""
        rec = f.record
        end_index = end_line = None
        if rec is not None:
            loc = rec.location
            # A run (a match spanning consecutive records) is a row of its own: the records it
            # covers are counted each (``finish``), and its place is the range of its lines.
            end_index = loc.end_index
            end_line = loc.end_line
            run = f"..{end_index}" if end_index is not None else ""
            key: tuple[str, int | None, str] = (self._one(loc.path), loc.index, run)
            line, index, rid = loc.line, loc.index, rec.id
        else:
            d = f.declaration
            path = d.path if d is not None else f.path
            key = (path, None, f.path)
            line, index, rid = (d.line if d is not None else None), None, None
        row = self.rows.get(key)
        if row is None:
            row = self.rows[key] = RecordRow(key[0], index, line, rid, position, f.id)
            row.end_index, row.end_line = end_index, end_line
        elif rec is None and line is not None and row.line is not None:
            row.line, *others = sorted({row.line, *row.also_lines, line})
            row.also_lines = tuple(others)
        # ``_value_``: the members' values without ``Enum.value``'s Python-level property.
        value = f.action._value_
        action = WAIVED if f.waived else value
        self.hash.update(f"{f.id}\t{value}\t{f.waiver_state._value_}\n".encode())
        if f.waived and f.waiver is not None and f.waiver.placeholder:
            self._placeholders += 1
            self._placeholders_failing += value in self.fail_on
        row.findings += 1
        row.worst = worse(row.worst, action)
        row.blocking = row.blocking or action in self.fail_on
        if rec is None and action in self.fail_on:
            covered = f.declaration.records if f.declaration is not None else None
            self._declared[key] = max(self._declared.get(key, 0), covered or 0)
        rule = self._one(f.rule.id)
        if rule in row.rules:
            at = row.rules.index(rule)
            was = row.rule_worst[at]
            row.rule_worst = (*row.rule_worst[:at], worse(was, action) or action, *row.rule_worst[at + 1 :])
        elif rule:
            row.rules, row.rule_worst = (*row.rules, rule), (*row.rule_worst, action)
        row.references = _with(row.references, self._one(_reference(f)))
        via = self._one(origin_of(f))
        row.sources = _with(row.sources, via)
        name = self._one(attributed(f))
        src = self.sources.get(name)
        if src is None:
            # Not an indexed source: a catalogue or policy entry a derivation chain reaches
            # (its facts are the finding's source's), a marker, or a declaring file.
            info = f.source if f.source is not None and f.source.name == name else None
            indexed = f.match is not None and f.match.reference.source.name == name
            src = self.sources[name] = SourceRow(
                source=name,
                provider=info.provider if info else None,
                generator=info.generator if info else None,
                license=info.license if info else None,
                terms=info.terms if info else None,
                basis=basis.recorded(info) if info and indexed else None,
                indexed=indexed,
            )
        if via != name:
            _add_once(src.via, via)
            self._onward[via] = self._onward.get(via, 0) + 1
        src.findings += 1
        src.worst = worse(src.worst, action)
        if not f.waived and index is not None:  # a declaration is about a dataset, not a record
            counted = self._records.setdefault(name, set())
            keys = [key] if end_index is None else [(key[0], i, "") for i in range(index, end_index + 1)]
            counted.update(keys)  # every record of a run
            if action in self.fail_on:
                self._blocking.setdefault(name, set()).update(keys)
        elif not f.waived:
            src.declared += 1
        c = f.rule.clause
        if c is not None:
            # A note qualifies the citation (a version later than the material, the material's
            # date unknown): the table must not show it as plainly the clause in force.
            qualified = " (see its note)" if c.note else ""
            # Cited by default: read alone it said the source was known to be under this document.
            if c.default_terms:
                qualified += " (the provider's default terms: this source's terms not recorded)"
            _add_once(src.clauses, c.document + (f", {clause_dating(c)}" if c.effective else "") + qualified)

    def add_unruled(self, m: Match) -> None:
        """Count a verified match that no rule applied to (``ScanResult.unruled``)."""
        loc = m.record.location
        name = self._one(m.reference.source.name)
        path = self._one(loc.path)
        st = m.strength
        convergent = st is not None and (st.convergence is not None or st.explained)
        seen = self._unruled.setdefault(name, {})
        for i in loc.covers:
            key = (path, i, "")
            seen[key] = seen.get(key, True) and convergent

    def identity(self, result: ScanResult) -> ReportIdentity:
        """The report's id and digest (call after every finding was added)."""
        return identity(result, self.hash.hexdigest())

    def finish(self, scanned: int) -> tuple[list[RecordRow], list[SourceRow], RecordCounts]:
        """Rows most severe first (then by place); sources with most records first, indexed
        sources before markers and declarations; and the record counts."""
        rows = sorted(
            self.rows.values(),
            key=lambda r: (
                -_RANK[r.worst or WAIVED],
                r.path,
                r.index if r.index is not None else -1,
                r.line or 0,
            ),
        )
        for name in self._unruled:
            self.sources.setdefault(name, SourceRow(source=name))
        for name, src in self.sources.items():
            src.onward = self._onward.get(name, 0)
            src.records = len(self._records.get(name, ()))
            src.share = src.records / scanned if scanned else 0.0
            src.blocking = len(self._blocking.get(name, ()))
            src.blocking_share = src.blocking / scanned if scanned else 0.0
            counted = self._records.get(name, set())
            unruled = {k: c for k, c in self._unruled.get(name, {}).items() if k not in counted}
            src.unruled = len(unruled)
            src.unruled_convergent = sum(unruled.values())
        sources = sorted(
            self.sources.values(),
            key=lambda s: (
                not s.indexed,
                -s.records,
                -_RANK[s.worst] if s.worst else 2,
                -s.unruled,
                s.source,
            ),
        )
        records = [r for r in rows if r.index is not None]
        # Per record (a run's row covers each of its records): open, blocking, only waived.
        opened: set[tuple[str, int]] = set()
        blocking: set[tuple[str, int]] = set()
        waived: set[tuple[str, int]] = set()
        worst: dict[tuple[str, int], str | None] = {}
        """Per record, its worst open action over the rows covering it."""
        for r in records:
            for i in r.covers:
                (waived if r.worst == WAIVED else opened).add((r.path, i))
                if r.worst != WAIVED:
                    worst[(r.path, i)] = worse(worst.get((r.path, i)), r.worst)
                if r.blocking:
                    blocking.add((r.path, i))
        counts = RecordCounts(
            scanned=scanned,
            with_findings=len(opened),
            blocking=len(blocking),
            waived_only=len(waived - opened),
            dataset_level=len(rows) - len(records),
            unruled=len(
                {k for seen in self._unruled.values() for k, convergent in seen.items() if not convergent}
            ),
            placeholder_waived=self._placeholders,
            placeholder_failing=self._placeholders_failing,
            declared_blocking=len(self._declared),
            declared_records=sum(self._declared.values()),
            info_only=sum(1 for action in worst.values() if action == Action.INFO.value),
        )
        return rows, sources, counts


@dataclass(frozen=True, slots=True)
class RecordSummary:
    """The result record first: rows, sources, counts and the report's identity."""

    rows: list[RecordRow]
    sources: list[SourceRow]
    counts: RecordCounts
    identity: ReportIdentity


def summarize(view: RecordView, result: ScanResult) -> RecordSummary:
    """The summary of a view every finding of ``result`` was added to (its matches that no rule
    applied to are counted here)."""
    for m in result.unruled:
        view.add_unruled(m)
    rows, sources, counts = view.finish(result.stats.records)
    return RecordSummary(rows, sources, counts, view.identity(result))


def record_view(
    result: ScanResult, fail_on: frozenset[Action], findings: Iterable[Finding] | None = None
) -> RecordSummary:
    """The records with findings, the sources, the record counts and identity of ``result``
    (one pass over its findings)."""
    view = RecordView(result.run, fail_on)
    for i, f in enumerate(result.findings if findings is None else findings):
        view.add(i, f)
    return summarize(view, result)


def report_identity(result: ScanResult) -> ReportIdentity:
    """The id and digest of ``result``'s report (one pass over its findings)."""
    view = RecordView(result.run, frozenset())
    for i, f in enumerate(result.findings):
        view.add(i, f)
    return view.identity(result)


def unruled_line(rs: RecordSummary, use: str) -> str:
    """What the matches that no rule applied to mean, or "" without any: counsel read "0
    records" beside a source whose outputs three records copy, because the declared use made
    no rule of the policy apply to them. The report does not assess them; it says so."""
    by_source = [
        f"{s.source} {s.unruled:,}"
        + (f" ({s.unruled_convergent:,} likely convergence)" if s.unruled_convergent else "")
        for s in rs.sources
        if s.unruled
    ]
    if not by_source:
        return ""
    n = rs.counts.unruled
    lead = (
        f"{n:,} record(s) hold a verified match to which no rule of this policy applies for the "
        f"declared use ({use})"
        if n
        else f"Records match an indexed source under no rule of this policy for the declared use ({use}), "
        "each only as likely convergence"
    )
    return (
        f"{lead}; records matched under no rule, by source: {', '.join(by_source)}. "
        "This report does not assess whether that use of "
        "them is permitted: the policy's rules decide which matches become findings, and a different "
        "use or policy may make a rule apply."
    )
