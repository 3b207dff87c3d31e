"""Each dataset file in a line for the decision: what it was read as, how many of its records
have findings and from which sources, and how many matched nothing (outside counsel 21: the
records that matched nothing read as cleared, beside a file read in ShareGPT's format whose
matched rows were ShareGPT copies, on an index of a few texts)."""

from __future__ import annotations

from provcheck.model import ScanResult
from provcheck.report.records import WAIVED, RecordSummary


def file_lines(result: ScanResult, rs: RecordSummary) -> list[str]:
    """One line a file read, in the order read."""
    found: dict[str, set[int]] = {}
    sources: dict[str, dict[str, None]] = {}
    for row in rs.rows:
        if row.worst == WAIVED or row.index is None:
            continue  # waived only, or a declaration (about the dataset, not a record)
        found.setdefault(row.path, set()).update(row.covers)
        sources.setdefault(row.path, {}).update(dict.fromkeys(row.sources))
    lines = []
    for f in result.files:
        with_findings = len(found.get(f.path, ()))
        named = ", ".join(sources.get(f.path, {}))
        lines.append(
            f"{f.path} (read as {f.schema or 'nothing'}): {f.records:,} record(s), {with_findings:,} with "
            "open findings"
            + (f" ({named})" if named else "")
            + f", {f.records - with_findings:,} with none"
            + (f"; {f.errors:,} unreadable" if f.errors else "")
        )
    return lines


def unmatched_basis(rs: RecordSummary) -> str:
    """What a record without findings was checked against, in one sentence."""
    indexed = [s for s in rs.sources if s.indexed and not s.background]
    texts = sum(s.texts or 0 for s in indexed)
    return (
        f"A record with no finding was checked only against the {texts:,} text(s) of the "
        f"{len(indexed):,} indexed source(s) named above and the policy's marker phrases: it is not "
        "shown to be free of other sources' text, even in a file whose other records are copies."
    )
