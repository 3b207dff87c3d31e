"""``--format json``: one versioned document (schema in ``docs/report.schema.json``)."""

from __future__ import annotations

import json

from provcheck.model import ScanResult
from provcheck.report import serialize as s
from provcheck.report.base import Formatter, ReportContext


class JsonFormatter(Formatter):
    """The complete result as JSON."""

    def render(self, result: ScanResult, context: ReportContext) -> str:
        """Matches, findings, errors, files, stats and the run's parameters."""
        blocking = result.blocking(context.fail_on)
        doc = {
            "schema_version": s.SCHEMA_VERSION,
            "tool": result.run.get("tool"),
            "verdict": {
                "blocking": len(blocking) > 0,
                "blocking_findings": len(blocking),
                "fail_on": sorted(a.value for a in context.fail_on),
                "complete": not result.errors,
            },
            "summary": {
                "findings_by_action": s.counts_by_action(result),
                "waived": sum(1 for f in result.findings if f.waived),
                "matches": len(result.matches),
                "errors": len(result.errors),
            },
            "matches": [s.match(m) for m in result.matches],
            "findings": [s.finding(f) for f in result.findings],
            "errors": [s.error(e) for e in result.errors],
            "files": [s.file_summary(f) for f in result.files],
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
            "run": dict(result.run),
        }
        # Compact: reports with many matches are tens of MB and indenting triples the time to
        # write them; `jq .` pretty-prints when a person reads one.
        return json.dumps(doc, ensure_ascii=False, separators=(",", ":"), default=str) + "\n"
