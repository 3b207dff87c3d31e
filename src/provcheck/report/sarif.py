"""``--format sarif``: SARIF 2.1.0 for code-scanning dashboards (GitHub, GitLab, Azure DevOps).

One run; one rule per policy rule with its help text and clause link; one result per finding,
located at the dataset file and the record's line (or, for containers without lines, a logical
location naming the record); ``partialFingerprints`` carry the finding id, so a dashboard
tracks a finding across runs even when the file is re-ordered; waived findings are
``suppressions``.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any, TextIO
from urllib.parse import quote

from provcheck.model import Action, Clause, Finding, RecordError, RuleRef, ScanResult, WaiverState
from provcheck.report import overview as ov
from provcheck.report import serialize as s
from provcheck.report.base import Formatter, ReportContext

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "provcheckFindingId/v1"
"""``partialFingerprints`` key holding the finding id."""
SRCROOT = "%SRCROOT%"
"""Base of relative paths: the directory the scan ran in (dashboards map it to the repository)."""
LEVEL = {Action.BLOCK: "error", Action.REVIEW: "warning", Action.WARN: "warning", Action.INFO: "note"}


def artifact_location(path: str) -> dict[str, Any]:
    """A path as given, as a SARIF artifact location: relative URIs under ``%SRCROOT%``."""
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
        f"section {c.section}" if c.section else "",
        f"effective {c.effective}" if c.effective else "",
    ]
    return f"“{c.quote}” ({', '.join(p for p in parts if p)}{'; ' + c.url if c.url else ''})"


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
    clauses = use.clauses
    usual = use.actions.most_common(1)[0][0]
    text = [ref.title + "."]
    md = [f"**{ref.title}**"]
    if ref.rationale:
        text.append(f"Why: {ref.rationale}")
        md.append(f"Why: {ref.rationale}")
    if ref.remediation:
        text.append(f"What to do: {ref.remediation}")
        md.append(f"What to do: {ref.remediation}")
    for c in clauses:
        text.append(f"Clause: {_clause_text(c)}")
        cite = f"[{c.document}]({c.url})" if c.url else c.document
        md.append(
            f"> {c.quote}\n\n{cite}"
            + (f", section {c.section}" if c.section else "")
            + (f", effective {c.effective}" if c.effective else "")
        )
    text.append("Not legal advice.")
    md.append("_Not legal advice._")
    out: dict[str, Any] = {
        "id": rule_id,
        "name": rule_id,
        "shortDescription": {"text": ref.title},
        "fullDescription": {"text": ref.rationale or ref.title},
        "help": {"text": "\n".join(text), "markdown": "\n\n".join(md)},
        "defaultConfiguration": {"level": LEVEL[usual]},
        "properties": {
            "action": usual.value,
            "clauses": [s.clause(c) for c in clauses],
            "tags": ["provenance", "terms-of-use"],
        },
    }
    url = next((c.url for c in clauses if c.url), None)
    if url:
        out["helpUri"] = url
    return out


def _location(f: Finding) -> dict[str, Any]:
    rec = f.record
    if rec is not None:
        loc = rec.location
        physical: dict[str, Any] = {"artifactLocation": artifact_location(loc.path)}
        if loc.line:
            physical["region"] = {"startLine": loc.line}
        return {
            "physicalLocation": physical,
            "logicalLocations": [
                {
                    "name": f"record {loc.index}",
                    "fullyQualifiedName": f"{loc.path}#{loc.index}/{rec.turn.field}",
                    "kind": "object",
                }
            ],
        }
    if f.declaration is not None:
        d = f.declaration
        physical = {"artifactLocation": artifact_location(d.path)}
        if d.line:
            physical["region"] = {"startLine": d.line}
        return {"physicalLocation": physical}
    return {"physicalLocation": {"artifactLocation": artifact_location(f.path or ".")}}


def result_of(f: Finding, rule_index: int) -> dict[str, Any]:
    """A finding as a SARIF result."""
    message = f"{f.message} [{ov.where(f)}]"
    props: dict[str, Any] = {
        "action": f.action.value,
        "downgradedFrom": f.downgraded_from.value if f.downgraded_from else None,
        "waiverState": f.waiver_state.value,
        "source": s.source(f.source) if f.source else None,
        "chain": [c.name for c in f.chain],
        "clause": s.clause(f.rule.clause),
    }
    if f.record is not None:
        props["record"] = s.record(f.record)
    out: dict[str, Any] = {
        "ruleId": f.rule.id,
        "ruleIndex": rule_index,
        "level": LEVEL[f.action],
        "message": {"text": message},
        "locations": [_location(f)],
        "partialFingerprints": {FINGERPRINT_KEY: f.id},
    }
    if f.match is not None:
        m = f.match
        props["match"] = {"id": m.id, "kind": m.evidence.kind.value, "shortEvidence": m.evidence.short}
        if m.strength is not None:
            props["match"]["probability"] = m.strength.probability
            props["match"]["convergence"] = m.strength.convergence
        props["scores"] = s.scores(m.evidence)
        props["reference"] = s.reference(m.reference)
        if m.reference.path:
            out["relatedLocations"] = [
                {
                    "id": 1,
                    "physicalLocation": {"artifactLocation": artifact_location(m.reference.path)},
                    "message": {
                        "text": f"reference {m.reference.id} of source {m.reference.source.name} "
                        f"(record {m.reference.index})"
                    },
                }
            ]
    if f.marker is not None:
        props["marker"] = {"id": f.marker.marker, "label": f.marker.label, "text": f.marker.text}
    if f.declaration is not None:
        d = f.declaration
        props["declaration"] = {"key": d.key, "value": d.value, "dataset": d.dataset}
    if f.waiver is not None:
        props["waiver"] = s.waiver(f.waiver)
    if f.waiver is not None and f.waiver_state is WaiverState.WAIVED:
        w = f.waiver
        out["suppressions"] = [
            {
                "kind": "external",
                "status": "accepted",
                "justification": f"{w.reason} (approved by {w.approver} on {w.date}"
                + (f", expires {w.expires}" if w.expires else "")
                + (f", ticket {w.ticket}" if w.ticket else "")
                + ")",
            }
        ]
    out["properties"] = props
    return out


def notification(e: RecordError) -> dict[str, Any]:
    """An unreadable file or record as a tool execution notification."""
    physical: dict[str, Any] = {"artifactLocation": artifact_location(e.path)}
    if e.line:
        physical["region"] = {"startLine": e.line}
    return {
        "level": "error",
        "message": {"text": f"{e.kind.value}: {e.message}" + (f" (field {e.field})" if e.field else "")},
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
        version = ov.run_text(run, "tool", "version")
        invocation: dict[str, Any] = {
            "executionSuccessful": True,
            "commandLine": ov.command_line(run),
            "toolExecutionNotifications": [notification(e) for e in result.errors],
        }
        for key, name in (("startTimeUtc", "started_at"), ("endTimeUtc", "finished_at")):
            stamp = utc(ov.run_text(run, name))
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
                            "location": artifact_location(f.path),
                            **({"hashes": {"sha-256": f.sha256}} if f.sha256 else {}),
                            "properties": {"schema": f.schema, "records": f.records, "errors": f.errors},
                        }
                        for f in result.files
                    ],
                    "results": [placeholder] if result.findings else [],
                    "properties": {
                        "verdict": {"status": verdict.status, "blockingFindings": verdict.blocking},
                        "run": dict(run),
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
        for i, f in enumerate(result.findings):
            if i:
                out.write(",\n" + indent)
            out.write(_dumps(result_of(f, index_of[f.rule.id])).replace("\n", "\n" + indent))
        out.write(skeleton[at + len(_dumps(placeholder)) :] + "\n")
