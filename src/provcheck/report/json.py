"""``--format json``: one versioned document (schema in ``docs/report.schema.json``)."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import IO, Any, TextIO

import orjson

from provcheck.errors import TempSpaceError
from provcheck.model import Clause, ScanResult
from provcheck.report import clauses
from provcheck.report import overview as ov
from provcheck.report import serialize as s
from provcheck.report.base import Formatter, ReportContext
from provcheck.report.records import RecordSummary, RecordView, summarize

# Compact: reports with many matches are tens of MB and indenting triples the time to write
# them; `jq .` pretty-prints when a person reads one. One encoder for every call: this is
# what ``json.dumps`` does with these arguments, without building an encoder each time.
# Without the circular-reference check (a dict of ids of every container encoded, ~8% of
# encoding): what is encoded is built afresh from frozen results and never refers to itself.
_stdlib = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), default=str, check_circular=False
).encode
# orjson writes the same text as ``_stdlib`` for what a report holds (str keys, strings, ints,
# floats, lists, dicts) 3-4x faster: encoding was ~12% of the instructions of a scan that
# reports thousands of matches (benchmarks/detection.py workload, callgrind). Dataclasses and
# datetimes go to ``default`` as ``json`` sends them; whatever orjson refuses (a lone
# surrogate from a file's undecodable bytes, an int past 64 bits, a non-str key) is encoded
# by ``json``. Floats may differ in notation only (``1e-05`` is written ``0.00001``).
_OPTIONS = orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME


def dumps(value: Any) -> str:
    """``value`` as compact JSON text, non-ASCII characters as they are."""
    try:
        text: str = orjson.dumps(value, default=str, option=_OPTIONS).decode("utf-8")
    except (orjson.JSONEncodeError, TypeError):
        return _stdlib(value)
    return text


_BATCH = 256
"""Items encoded by one ``dumps`` call (a list's text is its items' texts joined by commas)."""
_MEMORY = 8 << 20
"""Characters of encoded findings held in memory before they go to a temporary file."""


def _pieces(items: Iterable[Any]) -> Iterator[str]:
    """The text of the JSON array of ``items`` without its brackets, a batch of items at a time."""
    it = iter(items)
    first = True
    while batch := list(islice(it, _BATCH)):
        text = dumps(batch)[1:-1]
        yield text if first else "," + text
        first = False


def write_array(out: TextIO, items: Iterable[Any]) -> None:
    """A JSON array written a batch of items at a time (as ``dumps`` would write the whole list)."""
    out.write("[")
    for piece in _pieces(items):
        out.write(piece)
    out.write("]")


class JsonFormatter(Formatter):
    """The complete result as JSON."""

    def write(self, result: ScanResult, context: ReportContext, out: TextIO) -> None:
        """Matches, findings, errors, files, stats and the run's parameters.

        The document is written key by key and item by item, in the order and with the
        separators ``json.dumps`` uses for the whole document, so it is the same text.
        """
        blocking = result.blocking_count(context.fail_on)
        # One pass over the findings (each read back from disk with its match) counts the
        # records and sources for the head and encodes the findings.
        view = RecordView(result.run, context.fail_on)
        cited: dict[Clause, None] = {}

        def findings() -> Iterable[dict[str, Any]]:
            for i, f in enumerate(result.findings):
                view.add(i, f)
                if f.rule.clause is not None:
                    cited.setdefault(f.rule.clause, None)
                yield s.finding(f)

        # What the head says needs every finding: they are encoded first, into a temporary
        # file (memory for a small report), and copied to their place after the matches.
        with tempfile.SpooledTemporaryFile(
            max_size=_MEMORY, mode="w+", encoding="utf-8", errors="surrogatepass", newline=""
        ) as encoded:
            try:
                for piece in _pieces(findings()):
                    encoded.write(piece)
            except OSError as exc:  # past _MEMORY, in $TMPDIR; nothing is written to ``out`` yet
                raise TempSpaceError.of(exc) from None
            self._write(result, context, out, blocking, summarize(view, result), cited, encoded)

    def _write(
        self,
        result: ScanResult,
        context: ReportContext,
        out: TextIO,
        blocking: int,
        rs: RecordSummary,
        cited: dict[Clause, None],
        encoded: IO[str],
    ) -> None:
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
        out.write(',"findings":[')
        encoded.seek(0)
        shutil.copyfileobj(encoded, out, 1 << 20)
        out.write("]")
        out.write(',"errors":')
        write_array(out, (s.error(e) for e in result.errors))
        tail["quote_confidence"] = dict(clauses.legend(cited))
        out.write("," + dumps(tail)[1:] + "\n")
