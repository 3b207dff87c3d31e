"""``--format json``: one versioned document (schema in ``docs/report.schema.json``)."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from typing import Any, TextIO

from provcheck.model import Clause, ScanResult
from provcheck.report import clauses
from provcheck.report import overview as ov
from provcheck.report import serialize as s
from provcheck.report.base import Formatter, ReportContext
from provcheck.report.records import record_view

# Compact: reports with many matches are tens of MB and indenting triples the time to write
# them; `jq .` pretty-prints when a person reads one.
dumps = functools.partial(json.dumps, ensure_ascii=False, separators=(",", ":"), default=str)


def write_array(out: TextIO, items: Iterable[Any]) -> None:
    """A JSON array written an item at a time (as ``dumps`` would write the whole list)."""
    out.write("[")
    for i, item in enumerate(items):
        if i:
            out.write(",")
        out.write(dumps(item))
    out.write("]")


class JsonFormatter(Formatter):
    """The complete result as JSON."""

    def write(self, result: ScanResult, context: ReportContext, out: TextIO) -> None:
        """Matches, findings, errors, files, stats and the run's parameters.

        The document is written key by key and item by item, in the order and with the
        separators ``json.dumps`` uses for the whole document, so it is the same text.
        """
        blocking = result.blocking_count(context.fail_on)
        rs = record_view(result, context.fail_on)
        run = result.run.to_dict()
        head = {
            "schema_version": s.SCHEMA_VERSION,
            "tool": run["tool"],
            "report": {"id": rs.identity.id, "digest": rs.identity.digest},
            "verdict": {
                "blocking": blocking > 0,
                "blocking_findings": blocking,
                "fail_on": sorted(a.value for a in context.fail_on),
                "complete": not result.errors,
            },
            "summary": {
                "records": s.record_counts(rs.counts),
                "sources": [s.source_row(r) for r in rs.sources],
                "findings_by_action": s.counts_by_action(result),
                "waived": result.counts.total_waived,
                "matches": len(result.matches),
                "errors": len(result.errors),
                "not_read": {reason.value: n for reason, n in ov.not_read(result).items()},
                "coverage": ov.coverage(result),
                "not_scanned": len(result.not_scanned),
                "declared_use": ov.declared_use(result.run),
            },
        }
        cited: dict[Clause, None] = {}

        def findings() -> Iterable[dict[str, Any]]:
            for f in result.findings:
                if f.rule.clause is not None:
                    cited.setdefault(f.rule.clause, None)
                yield s.finding(f)

        tail = {
            "files": [s.file_summary(f) for f in result.files],
            "not_scanned": [{"path": n.path, "reason": n.reason, "kind": n.kind} for n in result.not_scanned],
            "declarations": [s.declaration(d) for d in result.declarations],
            "waivers": s.waivers(result.waivers),
            "stats": {
                "files": result.stats.files,
                "records": result.stats.records,
                "turns": result.stats.turns,
                "matches": result.stats.matches,
                "findings": result.stats.findings,
                "errors": result.stats.errors,
                "markers": result.markers,
                "seconds": result.stats.seconds,
                "records_per_second": round(result.stats.records_per_second, 1),
            },
            "decision": context.decision.to_dict() if context.decision else None,
            "run": run,
            "quote_confidence": {},
        }
        out.write(dumps(head)[:-1])
        out.write(',"records":')
        write_array(out, (s.record_row(r) for r in rs.rows))
        out.write(',"matches":')
        write_array(out, (s.match(m) for m in result.matches))
        out.write(',"findings":')
        write_array(out, findings())
        out.write(',"errors":')
        write_array(out, (s.error(e) for e in result.errors))
        tail["quote_confidence"] = dict(clauses.legend(cited))
        out.write("," + dumps(tail)[1:] + "\n")
