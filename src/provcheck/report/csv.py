"""``--format csv``: one row per finding, then one per unreadable input, for spreadsheets.

Cells that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, tab
or carriage return) are prefixed with ``'``, so a dataset cannot put a formula into a
reviewer's spreadsheet (OWASP "CSV injection").
"""

from __future__ import annotations

import csv
from typing import TextIO

from provcheck.model import Finding, RecordError, ScanResult
from provcheck.report import overview as ov
from provcheck.report.base import Formatter, ReportContext
from provcheck.report.clauses import confidence

COLUMNS = (
    "finding_id",
    "action",
    "waived",
    "waiver_state",
    "downgraded_from",
    "rule",
    "rule_title",
    "message",
    "path",
    "line",
    "record_index",
    "record_id",
    "turn_role",
    "turn_field",
    "match_id",
    "match_kind",
    "similarity",
    "containment",
    "coverage",
    "matched_tokens",
    "short_evidence",
    "reference_id",
    "reference_path",
    "source",
    "provider",
    "generator",
    "license",
    "terms",
    "chain",
    "clause_document",
    "clause_section",
    "clause_effective",
    "clause_url",
    "clause_quote",
    "clause_confidence",
    "clause_note",
    "waiver_approver",
    "waiver_date",
    "waiver_expires",
    "waiver_ticket",
    "waiver_reason",
    "marker",
    "declaration",
    "evidence",
    "probability",
    "convergence",
    "reference_withheld",
)
EVIDENCE_CHARS = 500
"""Characters of the longest aligned candidate span in the ``evidence`` column."""
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def cell(value: object) -> str:
    """A value as a CSV cell that no spreadsheet evaluates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.4f}"
    text = str(value)
    return "'" + text if text.startswith(_FORMULA) else text


def row(f: Finding) -> list[str]:
    """One finding's cells, in ``COLUMNS`` order."""
    rec = f.record
    m = f.match
    src = ov.source_of(f)
    c = f.rule.clause
    w = f.waiver
    ev = m.evidence if m else None
    evidence = ""
    if m is not None and m.evidence.spans:
        span = max(m.evidence.spans, key=lambda s: s.matched_tokens)
        evidence = " ".join(m.record.turn.text[span.candidate.start : span.candidate.end].split())
        evidence = evidence[:EVIDENCE_CHARS]
    elif f.marker is not None:
        evidence = f.marker.text
    declaration = f"{f.declaration.key}={f.declaration.value}" if f.declaration else None
    values: list[object] = [
        f.id,
        f.action.value,
        f.waived,
        f.waiver_state.value,
        f.downgraded_from.value if f.downgraded_from else None,
        f.rule.id,
        f.rule.title,
        f.message,
        rec.location.path if rec else (f.declaration.path if f.declaration else f.path),
        rec.location.line if rec else (f.declaration.line if f.declaration else None),
        rec.location.index if rec else None,
        rec.id if rec else None,
        rec.turn.role if rec else None,
        rec.turn.field if rec else None,
        m.id if m else None,
        ev.kind.value if ev else None,
        ev.similarity if ev else None,
        ev.containment if ev else None,
        ev.coverage if ev else None,
        ev.matched_tokens if ev else None,
        ev.short if ev else None,
        m.reference.id if m else None,
        m.reference.path if m else None,
        src.name if src else None,
        src.provider if src else None,
        src.generator if src else None,
        src.license if src else None,
        src.terms if src else None,
        " <- ".join(s.name for s in f.chain),
        c.document if c else None,
        c.section if c else None,
        c.effective if c else None,
        c.url if c else None,
        c.quote if c else None,
        confidence(c) if c else None,
        c.note if c else None,
        w.approver if w else None,
        w.date if w else None,
        w.expires if w else None,
        w.ticket if w else None,
        w.reason if w else None,
        f.marker.marker if f.marker else None,
        declaration,
        evidence,
        m.strength.probability if m and m.strength else None,
        m.strength.convergence if m and m.strength else None,
        m.reference.withheld if m else None,  # the pack publisher who withheld the text
    ]
    return [cell(v) for v in values]


UNREADABLE = "unreadable"
"""The ``action`` of a row that is not a finding but input the scan could not read."""


def error_row(e: RecordError) -> list[str]:
    """An unreadable file or record as a row: ``action`` ``unreadable``, where and why. With
    finding rows only, a scan that read nothing wrote a header alone, which a spreadsheet shows
    as a clean scan (adversarial 14)."""
    values: dict[str, object] = {
        "action": UNREADABLE,
        "message": f"{e.kind.value}: {e.message}",
        "path": e.path,
        "line": e.line,
        "record_index": e.index,
        "turn_field": e.field,
    }
    return [cell(values.get(c)) for c in COLUMNS]


class CsvFormatter(Formatter):
    """RFC 4180 CSV (CRLF line ends), a header row, one row per finding, then one row per
    unreadable file or record (``action`` ``unreadable``)."""

    def write(self, result: ScanResult, context: ReportContext, out: TextIO) -> None:
        """The table, a row at a time."""
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        for f in result.findings:
            writer.writerow(row(f))
        for e in result.errors:
            writer.writerow(error_row(e))
