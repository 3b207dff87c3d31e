"""Plain-data views of results, shared by the machine-readable formatters."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from provcheck.model import (
    AlignedSpan,
    Clause,
    DateLowering,
    Declaration,
    Evidence,
    FieldCounts,
    FileSummary,
    Finding,
    Match,
    RecordError,
    RecordRef,
    Reference,
    ScanResult,
    SourceInfo,
    Strength,
    Waiver,
    WaiverReport,
)
from provcheck.policy.licenses import unassessed
from provcheck.report import basis
from provcheck.report import prompt as request
from provcheck.report.meaning import lowered_because

if TYPE_CHECKING:  # annotations only: the hook prints counts without the report's record rows
    from provcheck.report.records import RecordCounts, RecordRow, SourceRow

SCHEMA_VERSION = "1.4"

# An enum member's value is read as ``member._value_`` (the attribute ``Enum.value`` returns)
# where every match and finding is written: ``value`` is a property of Python code, called
# ~10 times a finding.


def source(info: SourceInfo) -> dict[str, Any]:
    """A source's facts."""
    return {
        "name": info.name,
        "provider": info.provider,
        "generator": info.generator,
        "license": info.license,
        "terms": info.terms,
        "meta": dict(info.meta),
        # Said where absent, not only given where recorded (outside counsel 21).
        "basis": basis.recorded(info),
    }


def record(ref: RecordRef) -> dict[str, Any]:
    """Where the candidate is: file, record position, id, turn."""
    loc = ref.location
    return {
        "path": loc.path,
        "index": loc.index,
        "line": loc.line,
        **({"end_line": loc.end_line} if loc.end_line else {}),
        **({"end_index": loc.end_index} if loc.end_index is not None else {}),
        "id": ref.id,
        "content_hash": ref.content_hash,
        "turn": {
            "role": ref.turn.role,
            "kind": ref.turn.kind._value_,
            "position": ref.turn.position,
            "field": ref.turn.field,
        },
    }


def reference(ref: Reference) -> dict[str, Any]:
    """Which reference record and source was matched."""
    return {
        "id": ref.id,
        "source": ref.source.name,
        "provider": ref.source.provider,
        "generator": ref.source.generator,
        "license": ref.source.license,
        "terms": ref.source.terms,
        "meta": dict(ref.source.meta),
        "basis": basis.recorded(ref.source),
        "path": ref.path,
        "index": ref.index,
        "duplicates": ref.duplicates,
        # Only when set, so that every other report reads as before (schema: "const": true).
        **({"background": True} if ref.source.background else {}),
        "turn": {
            "role": ref.turn.role,
            "kind": ref.turn.kind._value_,
            "position": ref.turn.position,
            "field": ref.turn.field,
        },
        # Only for a pack's reference, so reports of indexes with text stay as they were.
        **({"withheld": ref.withheld} if ref.withheld else {}),
    }


def span(s: AlignedSpan, cand_text: str, ref_text: str, withheld: bool = False) -> dict[str, Any]:
    """An aligned span with the text on both sides (the candidate's only when the reference is
    withheld: its range is then in token positions)."""
    if withheld:
        return {
            "candidate": {
                "start": s.candidate.start,
                "end": s.candidate.end,
                "text": cand_text[s.candidate.start : s.candidate.end],
            },
            "reference": {"start": s.reference.start, "end": s.reference.end, "text": "", "unit": "token"},
            "matched_tokens": s.matched_tokens,
            "similarity": s.similarity,
        }
    return {
        "candidate": {
            "start": s.candidate.start,
            "end": s.candidate.end,
            "text": cand_text[s.candidate.start : s.candidate.end],
        },
        "reference": {
            "start": s.reference.start,
            "end": s.reference.end,
            "text": ref_text[s.reference.start : s.reference.end],
        },
        "matched_tokens": s.matched_tokens,
        "similarity": s.similarity,
    }


def scores(ev: Evidence) -> dict[str, Any]:
    """Every score of a match."""
    return {
        "similarity": ev.similarity,
        "containment": ev.containment,
        "coverage": ev.coverage,
        "matched_tokens": ev.matched_tokens,
        "char_similarity": ev.char_similarity,
        "jaccard": ev.jaccard,
    }


def match(m: Match) -> dict[str, Any]:
    """A verified match with its evidence."""
    return {
        "id": m.id,
        "kind": m.evidence.kind._value_,
        "short_evidence": m.evidence.short,
        "record": record(m.record),
        "reference": reference(m.reference),
        "scores": scores(m.evidence),
        "spans": [
            span(s, m.record.turn.text, m.reference.turn.text, bool(m.reference.withheld))
            for s in m.evidence.spans
        ],
        "strength": strength(m.strength),
        # Only where the verdict rests on the reference's prompt (schema 1.4), so that every
        # other match reads as before.
        **({"prompt": prompt(m)} if request.rests_on_prompt(m) else {}),
    }


def prompt(m: Match) -> dict[str, Any]:
    """The reference's prompt the match's verdict rests on: the reference's passages that repeat
    it and where it came from (``report.prompt``)."""
    return {
        "share": round(request.share(m), 4),
        "passages": [{"start": p.start, "end": p.end, "text": p.text} for p in request.passages(m)],
        "from": request.FROM,
        "record": {"path": m.reference.path, "index": m.reference.index},
    }


def strength(s: Strength | None) -> dict[str, Any] | None:
    """Calibrated probability of derivation and convergence class, with the reason in words."""
    if s is None:
        return None
    return {
        "probability": s.probability,
        "convergence": s.convergence,
        "reason": s.reason,
        "sources": list(s.sources),
        "can_block": s.can_block,
        "features": dict(s.features),
        "explained": s.explained,
    }


def clause(c: Clause | None) -> dict[str, Any] | None:
    """A cited clause."""
    if c is None:
        return None
    return {
        "quote": c.quote,
        "document": c.document,
        "url": c.url,
        "effective": c.effective,
        "date_label": c.date_label,
        "section": c.section,
        "confidence": c.confidence,
        "note": c.note,
        "version": c.version,
        "date_note": c.date_note,
        "effective_note": c.effective_note,
        "seen": c.seen,
        "default_terms": c.default_terms,
        **({"parts": [{"section": s, "quote": q} for s, q in c.parts]} if c.parts else {}),
    }


def date_lowering(d: DateLowering | None) -> dict[str, Any] | None:
    """Why a finding's action is lower than its rule's because of a date, or None."""
    if d is None:
        return None
    return {
        "date": d.date,
        "date_of": d.date_of,
        "clause": {
            "terms": d.terms,
            "clause": d.clause,
            "document": d.document,
            "version": d.version,
            "effective": d.effective,
            "date_label": d.date_label,
        },
        "from": d.from_action.value,
        "to": d.to_action.value,
    }


def waiver(w: Waiver | None) -> dict[str, Any] | None:
    """A waiver."""
    if w is None:
        return None
    return {
        "reason": w.reason,
        "approver": w.approver,
        "date": w.date,
        "expires": w.expires,
        "ticket": w.ticket,
        "link": w.link,
        # True whenever nobody can be shown to have approved it (counsel 21: it read false beside
        # a non-empty `doubts`); `baseline` says whether it is provcheck baseline's placeholder.
        "placeholder": w.placeholder_like,
        "baseline": w.placeholder,
        "doubts": list(w.doubts),
        "credited": w.credited,
        "not_credited": list(w.not_credited),
        "written_for": w.written_for,
        "entry": w.entry,
    }


def finding(f: Finding) -> dict[str, Any]:
    """A policy finding and what it rests on."""
    out: dict[str, Any] = {
        "id": f.id,
        "rule": f.rule.id,
        "title": f.rule.title,
        "action": f.action._value_,
        "downgraded_from": f.downgraded_from._value_ if f.downgraded_from else None,
        "message": f.message,
        "path": f.path,
        "match": f.match.id if f.match else None,
        "record": record(f.record) if f.record else None,
        "reference": reference(f.match.reference) if f.match else None,
        "source": source(f.source) if f.source else None,
        "chain": [source(s) for s in f.chain],
        "rationale": f.rule.rationale,
        "remediation": f.rule.remediation,
        "applies_when": f.rule.when,
        "applies_when_words": f.rule.when_words,
        # Why a finding was lowered, in the card's words; the card's "shows / does not show"
        # prose is left to the human formats: ~700 characters a finding, held in memory with
        # the encoded findings (tests/unit/test_results.py), for what the scores already say.
        "lowered_because": lowered_because(f) if f.downgraded_from is not None else None,
        # Lowered because of the material's date (counsel 21): the clause's note says it in words.
        "date_lowering": date_lowering(f.rule.date_lowering),
        "clause": clause(f.rule.clause),
        "waived": f.waived,
        "waiver_state": f.waiver_state._value_,
        "waiver": waiver(f.waiver),
    }
    if f.marker is not None:
        out["marker"] = {
            "id": f.marker.marker,
            "label": f.marker.label,
            "provider": f.marker.provider,
            "text": f.marker.text,
            "start": f.marker.span.start,
            "end": f.marker.span.end,
            "count": f.marker.count,
        }
    if f.declaration is not None:
        out["declaration"] = declaration(f.declaration)
    return out


def declaration(d: Declaration) -> dict[str, Any]:
    """A fact a dataset declares about itself."""
    out: dict[str, Any] = {
        "file": d.path,
        "line": d.line,
        "key": d.key,
        "value": d.value,
        "dataset": d.dataset,
        "sha256": d.sha256,
    }
    if d.field is not None:  # what records say in their own fields: which field, how many
        out["field"] = d.field
        out["records"] = d.records
        if d.output is not None:  # a model's name: how many of the records hold its output
            out["output_records"] = d.output
    return out


def waivers(w: WaiverReport | None) -> dict[str, Any] | None:
    """What the waivers file did: counts and the stale entries."""
    if w is None:
        return None
    return {
        "file": w.file,
        "entries": w.entries,
        "waived": w.waived,
        "expired": w.expired,
        "placeholders": w.placeholders,
        "placeholders_from_baseline": w.from_baseline,
        "not_credited": w.not_credited,
        "sha256": w.sha256,
        "as_of": w.as_of,
        "stale": [
            {
                "file": s.file,
                "line": s.line,
                "id": s.id,
                "rule": s.rule,
                "source": s.source,
                "path": s.path,
                "reason": s.reason,
                "approver": s.approver,
                "date": s.date,
            }
            for s in w.stale
        ],
    }


def error(e: RecordError) -> dict[str, Any]:
    """An input error."""
    return {
        "path": e.path,
        "line": e.line,
        "index": e.index,
        "field": e.field,
        "kind": e.kind.value,
        "message": e.message,
    }


def file_summary(f: FileSummary) -> dict[str, Any]:
    """What was read of a file (``read_as`` only for a file read by content)."""
    out = {
        "path": f.path,
        "schema": f.schema,
        "records": f.records,
        "errors": f.errors,
        "sha256": f.sha256,
        "fields": field_counts(f.fields or FieldCounts()),
    }
    if f.read_as is not None:
        out["read_as"] = f.read_as
    if f.joined is not None:
        out["stream_chunks"], out["stream_responses"] = f.joined
    if f.runs is not None:
        out["run_records"], out["runs"] = f.runs
    return out


def field_counts(fields: FieldCounts) -> dict[str, Any]:
    """Per field path: turns read, and strings not read with their reason."""
    return {
        "read": [{"field": name, "count": n} for name, n in fields.read],
        "skipped": [
            {"field": name, "reason": reason.value, "count": n} for name, reason, n in fields.skipped
        ],
    }


def counts_by_action(result: ScanResult) -> dict[str, int]:
    """Findings per action, waived ones excluded."""
    out = dict.fromkeys(("block", "review", "warn", "info"), 0)
    for action, n in result.counts.open.items():
        out[action.value] += n
    return out


def record_counts(c: RecordCounts) -> dict[str, Any]:
    """Records scanned, with open findings, blocking (``summary.records``)."""
    return {
        "scanned": c.scanned,
        "with_findings": c.with_findings,
        "info_only": c.info_only,
        "blocking": c.blocking,
        "waived_only": c.waived_only,
        "dataset_level": c.dataset_level,
        "unruled": c.unruled,
    }


def source_row(r: SourceRow) -> dict[str, Any]:
    """An indexed source (or a marker or declaration) and the records resting on it."""
    return {
        "source": r.source,
        "indexed": r.indexed,
        **({"background": True} if r.background else {}),
        "provider": r.provider,
        "generator": r.generator,
        "license": r.license,
        **({"license_not_assessed": list(ids)} if (ids := unassessed(r.license)) else {}),
        "terms": r.terms,
        **({"basis": r.basis} if r.indexed and not r.background else {}),
        "texts": r.texts,
        "records": r.records,
        "share": round(r.share, 6),
        "blocking_records": r.blocking,
        "blocking_share": round(r.blocking_share, 6),
        "findings": r.findings,
        "via": list(r.via),
        "onward_findings": r.onward,
        "worst_action": r.worst,
        "clauses": list(r.clauses),
        "unruled_records": r.unruled,
        "unruled_convergent": r.unruled_convergent,
    }


def record_row(r: RecordRow) -> dict[str, Any]:
    """A record with findings: where, its rules, references and worst action."""
    return {
        "path": r.path,
        "index": r.index,
        "line": r.line,
        **({"end_index": r.end_index, "end_line": r.end_line} if r.end_index is not None else {}),
        "id": r.id,
        "rules": list(r.rules),
        "references": list(r.references),
        "sources": list(r.sources),
        "findings": r.findings,
        "worst_action": r.worst,
        "blocking": r.blocking,
    }
