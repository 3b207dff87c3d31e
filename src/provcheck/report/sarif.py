"""``--format sarif``: SARIF 2.1.0 for code-scanning dashboards (GitHub, GitLab, Azure DevOps).

One run; one rule per policy rule with its help text and clause link; one result per finding
(so a log counts the findings the JSON, HTML and JUnit reports count: a record that copies
several references, or several turns of one, has one result for each, as it has one finding
for each), located at the dataset file and the record's line (or, for containers without
lines, a logical location naming the record), relative to ``%SRCROOT%`` (the top of the
repository when the scan ran in a git checkout); the reference copied is a related location,
named logically (an index's files are on the scanning machine, never a path in the
repository). ``partialFingerprints`` carry the finding's id (a hash of the rule, the dataset
path, the record's content and the reference, never a line number), so a dashboard tracks an
alert across runs even when the file is re-ordered, and a reader finds the same id in every
other report; a waived finding's result is a ``suppression``. The run's properties count the
results by action as the other reports count findings.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any, TextIO
from urllib.parse import quote

from provcheck.model import Action, Clause, Finding, RecordError, RuleRef, RunRecord, ScanResult, WaiverState
from provcheck.report import basis, clauses
from provcheck.report import overview as ov
from provcheck.report import serialize as s
from provcheck.report.base import Formatter, ReportContext
from provcheck.report.decision import Decision, decision_digest, decision_over
from provcheck.report.evidence import WITHHELD
from provcheck.report.html.markup import safe_url
from provcheck.report.locations import repo_path
from provcheck.report.markdown import md as markdown_text
from provcheck.report.meaning import kind_label, lowered_because
from provcheck.report.records import report_identity
from provcheck.report.terminal import printable_lines

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_HELP_CHARS = 4000
"""Characters of one policy text (title, rationale, remediation, quote) in ``help.markdown``."""
FINGERPRINT_KEY = "provcheckFindingId/v1"
"""``partialFingerprints`` key: the finding's id, as every other report gives it (until schema
1.x of the log it was ``provcheckRecordRule/v1``, a hash of the rule and the record, one result
per record and rule)."""
SRCROOT = "%SRCROOT%"
"""Base of relative paths: the directory the scan ran in (dashboards map it to the repository)."""
LEVEL = {Action.BLOCK: "error", Action.REVIEW: "warning", Action.WARN: "warning", Action.INFO: "note"}


def artifact_location(path: str, run: RunRecord | None = None) -> dict[str, Any]:
    """A dataset path as a SARIF artifact location: relative to ``%SRCROOT%`` (the repository's
    top when the scan ran in a checkout, else the directory it ran in); a file outside it as a
    ``file:`` URI."""
    if run is not None:
        path = repo_path(path, run)
    for pure in (PurePosixPath(path), PureWindowsPath(path)):
        if pure.is_absolute():
            return {"uri": pure.as_uri()}
    return {"uri": quote(path.replace("\\", "/"), safe="/"), "uriBaseId": SRCROOT}


def utc(stamp: str) -> str | None:
    """ISO time with ``+00:00`` as SARIF's ``Z`` form."""
    if not stamp:
        return None
    return stamp[:-6] + "Z" if stamp.endswith("+00:00") else stamp


def _clause_text(c: Clause) -> str:
    parts = [
        c.document,
        clauses.section(c),
        clauses.dating(c),
        clauses.retrieval(c) or "",
    ]
    note = f" Note: {c.note}." if c.note else ""
    note += f" {clauses.DEFAULT_TERMS[0].upper()}{clauses.DEFAULT_TERMS[1:]}." if c.default_terms else ""
    return f"{clauses.quote(c)} ({', '.join(p for p in parts if p)}{'; ' + c.url if c.url else ''}).{note}"


@dataclass(slots=True)
class RuleUse:
    """What the findings of one rule say about it, gathered a finding at a time."""

    ref: RuleRef
    """The first finding's rule."""
    clauses: list[Clause] = field(default_factory=list)
    """Every clause cited, in order of first citation."""
    actions: Counter[Action] = field(default_factory=Counter)
    """The rule's action per finding (before the short-evidence cap)."""

    def add(self, f: Finding) -> None:
        """Count one more finding of the rule."""
        if f.rule.clause is not None and f.rule.clause not in self.clauses:
            self.clauses.append(f.rule.clause)
        self.actions[f.downgraded_from or f.action] += 1


def rule_uses(findings: Iterable[Finding]) -> dict[str, RuleUse]:
    """Every rule with findings, in order of its first finding."""
    out: dict[str, RuleUse] = {}
    for f in findings:
        use = out.get(f.rule.id)
        if use is None:
            use = out[f.rule.id] = RuleUse(f.rule)
        use.add(f)
    return out


def rule_descriptor(rule_id: str, use: RuleUse) -> dict[str, Any]:
    """A policy rule as a SARIF reporting descriptor, with help text and clause links."""
    ref = use.ref
    clauses_ = use.clauses
    usual = use.actions.most_common(1)[0][0]
    text = [ref.title + "."]
    # help.markdown is rendered by GitHub code scanning: everything from the policy is escaped
    # as in the Markdown report (no images, HTML, links or mentions), links only to http(s).
    md = [f"**{_md(ref.title)}**"]
    if ref.rationale:
        text.append(f"Why: {ref.rationale}")
        md.append(f"Why: {_md(ref.rationale)}")
    if ref.remediation:
        text.append(f"What to do: {ref.remediation}")
        md.append(f"What to do: {_md(ref.remediation)}")
    if ref.when:
        raw = f" (as written in the policy: {ref.when})" if ref.when_words else ""
        text.append(f"Applies when: {ref.when_words or ref.when}{raw}")
        md.append(f"Applies when: {_md(ref.when_words or ref.when)}{_md(raw)}")
    for c in clauses_:
        text.append(f"Clause: {_clause_text(c)}")
        url = _link_target(c.url)
        cite = f"[{_md(c.document)}]({url})" if url else _md(c.document)
        md.append(
            (f"> {_md(c.quote)}\n\n" if c.quote else f"{clauses.NO_WORDING}: ")
            + cite
            + f", {_md(clauses.section(c))}"
            + f", {_md(clauses.dating(c))}"
            + (f", {_md(seen)}" if (seen := clauses.retrieval(c)) else "")
            + (f"\n\nDate: {_md(meaning)}" if (meaning := clauses.date_meaning(c)) else "")
            + (f"\n\nNote: {_md(c.note)}" if c.note else "")
            + (f"\n\n{_md(clauses.DEFAULT_TERMS)}" if c.default_terms else "")
        )
    legend = clauses.legend_line(clauses_)
    if legend:
        text.append(legend)
        md.append(f"_{legend}_")
    text.append("Not legal advice.")
    md.append("_Not legal advice._")
    out: dict[str, Any] = {
        "id": rule_id,
        "name": rule_id,
        "shortDescription": {"text": printable_lines(ref.title)},
        "fullDescription": {"text": printable_lines(ref.rationale or ref.title)},
        "help": {"text": printable_lines("\n".join(text)), "markdown": "\n\n".join(md)},
        "defaultConfiguration": {"level": LEVEL[usual]},
        "properties": {
            "action": usual.value,
            "clauses": [s.clause(c) for c in clauses_],
            "tags": ["provenance", "terms-of-use"],
        },
    }
    url = next((u for c in clauses_ if (u := safe_url(c.url))), None)
    if url:
        out["helpUri"] = url
    return out


def _md(text: object) -> str:
    return markdown_text(text, limit=_HELP_CHARS)


def _link_target(url: str | None) -> str | None:
    """An http(s) URL fit for a Markdown link target (parentheses and spaces encoded), else None."""
    safe = safe_url(url)
    if safe is None:
        return None
    return (
        safe.replace(" ", "%20")
        .replace("(", "%28")
        .replace(")", "%29")
        .replace("<", "%3C")
        .replace(">", "%3E")
    )


def _location(f: Finding, run: RunRecord) -> dict[str, Any]:
    rec = f.record
    if rec is not None:
        loc = rec.location
        physical: dict[str, Any] = {"artifactLocation": artifact_location(loc.path, run)}
        if loc.line:
            physical["region"] = {
                "startLine": loc.line,
                **({"endLine": loc.end_line} if loc.end_line else {}),
            }
        return {
            "physicalLocation": physical,
            # One per record: a run of short records names each of its records (with its line
            # where known), so a removal list read from the log is every record, not the first.
            "logicalLocations": [
                {
                    "name": f"record {i}" + (f" (line {line})" if line and loc.end_index is not None else ""),
                    "fullyQualifiedName": f"{repo_path(loc.path, run)}#{i}",
                    "kind": "object",
                }
                for i, line in ov.covered(loc)
            ],
        }
    if f.declaration is not None:
        d = f.declaration
        physical = {"artifactLocation": artifact_location(d.path, run)}
        if d.line:
            physical["region"] = {"startLine": d.line}
        return {"physicalLocation": physical}
    return {"physicalLocation": {"artifactLocation": artifact_location(f.path or ".", run)}}


class Fingerprints:
    """Each result's fingerprint: the finding's id; a later finding with the same id (identical
    records share their findings' ids, as waivers do) gets ``:N``, its occurrence in report
    order, so a dashboard does not merge two records' alerts into one."""

    def __init__(self) -> None:
        self._seen: set[int | str] = set()
        """Ids met (as integers when hexadecimal: about 60 bytes a finding)."""
        self._again: Counter[str] = Counter()
        """Occurrences of the ids met more than once."""

    def of(self, f: Finding) -> str:
        """``f``'s fingerprint."""
        key: int | str = f.id
        if len(f.id) == 20 and all(ch in "0123456789abcdef" for ch in f.id):
            key = int(f.id, 16)
        if key not in self._seen:
            self._seen.add(key)
            return f.id
        self._again[f.id] += 1
        return f"{f.id}:{self._again[f.id] + 1}"


def _related(f: Finding, n: int, run: RunRecord) -> dict[str, Any] | None:
    """The turn of one finding of the result, in the dataset file (relative to ``%SRCROOT%``),
    and the reference (or marker) it rests on, named logically: an index's files are on the
    machine that scanned, never paths of the repository."""
    turn = f"{f.record.turn.role}[{f.record.turn.position}]" if f.record is not None else ""
    if f.match is not None:
        ref = f.match.reference
        name = f"{ref.source.name}/{ref.id}"
        text = (
            f"{turn} copies reference {ref.id} of source {ref.source.name} ({kind_label(f.match.evidence)}, "
        )
        text += f"similarity {f.match.evidence.similarity:.2f}, {f.match.evidence.matched_tokens} tokens)"
        if ref.withheld:
            text += f"; {WITHHELD} ({ref.withheld})"
    elif f.marker is not None:
        name = f"marker/{f.marker.marker}"
        text = f"{turn} contains marker {f.marker.label!r}"
    else:
        return None
    out: dict[str, Any] = {"id": n}
    if f.record is not None:
        physical: dict[str, Any] = {"artifactLocation": artifact_location(f.record.location.path, run)}
        if f.record.location.line:
            physical["region"] = {"startLine": f.record.location.line}
        out["physicalLocation"] = physical
    out["logicalLocations"] = [
        {"name": name, "fullyQualifiedName": f"provcheck-index:{name}", "kind": "object"}
    ]
    out["message"] = {"text": printable_lines(text)}  # shown to people: no hidden characters
    return out


def result_of(
    f: Finding,
    rule_index: int,
    run: RunRecord,
    fingerprint_: str,
    bases: Mapping[str, str | None] | None = None,
) -> dict[str, Any]:
    """One finding as a SARIF result (``fingerprint_``: its ``partialFingerprints`` value;
    ``bases``: each indexed source's recorded basis, ``basis.indexed_bases``)."""
    message = f"{f.message} [{ov.where(f)}]"
    if f.downgraded_from is not None:
        # As the text report and the HTML card say it: a warning that read as a copy was a
        # blocking rule's finding lowered as likely convergence.
        message += f" (rule action {f.downgraded_from.value}; lowered: {lowered_because(f)})"
    if (low := f.rule.date_lowering) is not None:
        # Said in the message, not only in properties: a warning worded as the restriction read
        # as a restriction in force (outside counsel 21, P3).
        message += (
            f" (rule action {low.from_action.value}; lowered to {low.to_action.value}: the material is "
            f"dated {low.date}, before the earliest wording of {low.document} on record took effect"
            + (f" ({low.effective})" if low.effective else "")
            + "; a reviewer confirms whether the restriction was in force then)"
        )
    if f.match is not None and f.match.strength is not None:
        # The match's reason, as the text report gives it (counsel 21: a copy and an answer the
        # prompt explains read alike without it).
        message += f" (strength: {f.match.strength.reason})"
    # The provenance basis of each indexed source the finding rests on, or that none is
    # recorded: a dashboard shows the message, and a finding on a source recorded on the index
    # builder's word alone read as one on an established source (trust 23).
    rests = basis.rests_on(f, bases or {})
    if rests:
        said = (f"source {name}: {basis.words(based, short=True)}" for name, based in rests)
        message += " (" + "; ".join(said) + ")"
    message += f" (finding {f.id})"
    props: dict[str, Any] = {
        "action": f.action.value,
        "findingId": f.id,
        # A list of one, as when a result grouped a record's findings of one rule.
        "findings": [
            {
                "id": f.id,
                "action": f.action.value,
                "downgradedFrom": f.downgraded_from.value if f.downgraded_from else None,
                # Lowered because of the material's date: which date, version, from and to.
                "dateLowering": s.date_lowering(f.rule.date_lowering),
                "waiverState": f.waiver_state.value,
                "waiver": s.waiver(f.waiver),
                "turn": s.record(f.record)["turn"] if f.record is not None else None,
                "match": (
                    {
                        "id": f.match.id,
                        "kind": f.match.evidence.kind.value,
                        "shortEvidence": f.match.evidence.short,
                        "probability": f.match.strength.probability if f.match.strength else None,
                        "convergence": f.match.strength.convergence if f.match.strength else None,
                        "scores": s.scores(f.match.evidence),
                        "reference": s.reference(f.match.reference),
                    }
                    if f.match is not None
                    else None
                ),
            }
        ],
        "waiverState": f.waiver_state.value,
        "source": s.source(f.source) if f.source else None,
        "chain": [c.name for c in f.chain],
        # Each indexed source the finding rests on and its basis (null: not recorded).
        "provenanceBasis": [{"source": name, "basis": based} for name, based in rests],
        "clause": s.clause(f.rule.clause),
    }
    if f.record is not None:
        props["record"] = {k: v for k, v in s.record(f.record).items() if k != "turn"}
        props["record"]["path"] = repo_path(f.record.location.path, run)
    out: dict[str, Any] = {
        "ruleId": f.rule.id,
        "ruleIndex": rule_index,
        "level": LEVEL[f.action],
        "message": {"text": printable_lines(message)},  # what code scanning shows on an alert
        "locations": [_location(f, run)],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint_},
    }
    related = _related(f, 1, run)
    if related is not None:
        out["relatedLocations"] = [related]
    if f.marker is not None:
        props["marker"] = {"id": f.marker.marker, "label": f.marker.label, "text": f.marker.text}
    if f.declaration is not None:
        d = f.declaration
        props["declaration"] = {"key": d.key, "value": d.value, "dataset": repo_path(d.dataset, run)}
    if f.waiver is not None and f.waiver_state is WaiverState.WAIVED:
        # Only a credited waiver in force suppresses (an expired or not credited one does not);
        # one with doubts is under review, its doubts in the justification (counsel 21, P4).
        w = f.waiver
        doubts = ov.waiver_doubts(w)
        out["suppressions"] = [
            {
                "kind": "external",
                "status": "underReview" if w.placeholder_like else "accepted",
                "justification": f"{w.reason} (approved by {w.approver} on {w.date}"
                + (f", expires {w.expires}" if w.expires else "")
                + (f", ticket {w.ticket}" if w.ticket else "")
                + (f", link {w.link}" if w.link else "")
                + ")"
                + (f"; placeholder-like: {doubts}" if doubts else ""),
            }
        ]
    out["properties"] = props
    return out


def notification(e: RecordError, run: RunRecord) -> dict[str, Any]:
    """An unreadable file or record as a tool execution notification."""
    physical: dict[str, Any] = {"artifactLocation": artifact_location(e.path, run)}
    if e.line:
        physical["region"] = {"startLine": e.line}
    return {
        "level": "error",
        "message": {
            "text": printable_lines(
                f"{e.kind.value}: {e.message}" + (f" (field {e.field})" if e.field else "")
            )
        },
        "locations": [{"physicalLocation": physical}],
        "descriptor": {"id": f"input-{e.kind.value}"},
    }


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=1, default=str)


class SarifFormatter(Formatter):
    """SARIF 2.1.0 log with one run."""

    def write(self, result: ScanResult, context: ReportContext, out: TextIO) -> None:
        """The log as JSON.

        Two passes over the findings: the rules first (the log lists them before the
        results), then a result at a time, indented as ``json.dumps`` indents the whole log.
        """
        run = result.run
        by_rule = rule_uses(result.findings)
        rule_ids = sorted(by_rule)
        index_of = {r: i for i, r in enumerate(rule_ids)}
        version = ov.fact_text(run.tool.version)
        invocation: dict[str, Any] = {
            # Not when input went unread (exit 4): a log of no results then looked like a clean
            # scan to a viewer that reads this flag and not the notifications (adversarial 14).
            "executionSuccessful": not result.errors,
            "commandLine": ov.command_line(run),
            "toolExecutionNotifications": [notification(e, run) for e in result.errors],
        }
        for key, when in (("startTimeUtc", run.started_at), ("endTimeUtc", run.finished_at)):
            stamp = utc(when)
            if stamp:
                invocation[key] = stamp
        verdict = ov.verdict(result, context.fail_on)
        placeholder = f"provcheck-results-{uuid.uuid4().hex}"  # unguessable: data cannot contain it
        doc = {
            "$schema": SARIF_SCHEMA,
            "version": "2.1.0",
            "runs": [
                {
                    "tool": {
                        "driver": {
                            "name": "provcheck",
                            "version": version,
                            "semanticVersion": version,
                            "rules": [rule_descriptor(r, by_rule[r]) for r in rule_ids],
                        }
                    },
                    "invocations": [invocation],
                    "artifacts": [
                        {
                            "location": artifact_location(f.path, run),
                            **({"hashes": {"sha-256": f.sha256}} if f.sha256 else {}),
                            "properties": {"schema": f.schema, "records": f.records, "errors": f.errors},
                        }
                        for f in result.files
                    ],
                    "results": [placeholder] if result.findings else [],
                    "properties": {
                        "verdict": {"status": verdict.status, "blockingFindings": verdict.blocking},
                        # One result a finding: these are the results' counts, as the JSON
                        # report's summary.findings_by_action and summary.waived count them.
                        "findings": {
                            "total": result.counts.total,
                            "open": s.counts_by_action(result),
                            "waived": result.counts.total_waived,
                        },
                        "coverage": ov.coverage(result),
                        "notRead": {reason.value: n for reason, n in ov.not_read(result).items()},
                        "summary": ov.summary_lines(result),
                        "notScanned": [
                            {"path": n.path, "reason": n.reason, "kind": n.kind} for n in result.not_scanned
                        ],
                        "run": run.to_dict(),
                        # Counsel's decision, as the JSON report's `decision` (null without
                        # --decision): CI read the error results as an unreviewed failure (counsel 23).
                        "decision": decision_data(context.decision, result),
                    },
                }
            ],
        }
        skeleton = _dumps(doc)
        if not result.findings:
            out.write(skeleton + "\n")
            return
        # The results go where the placeholder is, each indented like it.
        at = skeleton.index(_dumps(placeholder))
        indent = skeleton[skeleton.rindex("\n", 0, at) + 1 : at]
        out.write(skeleton[:at])
        prints = Fingerprints()
        bases = basis.indexed_bases(result)
        for i, f in enumerate(result.findings):
            if i:
                out.write(",\n" + indent)
            item = result_of(f, index_of[f.rule.id], run, prints.of(f), bases)
            out.write(_dumps(item).replace("\n", "\n" + indent))
        out.write(skeleton[at + len(_dumps(placeholder)) :] + "\n")


def decision_data(decision: Decision | None, result: ScanResult) -> dict[str, Any] | None:
    """The decision on record as the JSON report's ``decision`` gives it, with what an approval
    was given over (``given_over``, as the other formats say it); None without one."""
    if decision is None:
        return None
    digest = decision_digest(decision, report_identity(result).digest)
    return {**decision.to_dict(), "sha256": digest, "given_over": decision_over(decision, result)}
