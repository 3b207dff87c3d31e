"""``--format json``: one versioned document (schema in ``docs/report.schema.json``)."""

from __future__ import annotations

import codecs
import io
import json
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import IO, Any, TextIO

import orjson

from provcheck.errors import TempSpaceError
from provcheck.matching.trigrams import FEATURE
from provcheck.model import Clause, ScanResult
from provcheck.report import clauses
from provcheck.report import overview as ov
from provcheck.report import serialize as s
from provcheck.report.base import Formatter, ReportContext
from provcheck.report.decision import decision_digest
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


def _utf8(value: Any) -> bytes:
    """``dumps(value)`` encoded in UTF-8 as a strict UTF-8 text stream writes it: orjson's own
    bytes, not decoded into a ``str`` for the stream to encode again (a report of thousands of
    matches is tens of MB of text)."""
    try:
        data: bytes = orjson.dumps(value, default=str, option=_OPTIONS)
    except (orjson.JSONEncodeError, TypeError):
        return _stdlib(value).encode("utf-8")  # a lone surrogate raises, as the stream would
    return data


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


def _byte_pieces(items: Iterable[Any]) -> Iterator[bytes | memoryview]:
    """``_pieces`` in UTF-8, each batch's bytes as the encoder gives them (no copy into text)."""
    it = iter(items)
    first = True
    while batch := list(islice(it, _BATCH)):
        data = memoryview(_utf8(batch))[1:-1]
        if not first:
            yield b","
        yield data  # a view: the batch's bytes are not copied
        first = False


def write_array(out: TextIO, items: Iterable[Any]) -> None:
    """A JSON array written a batch of items at a time (as ``dumps`` would write the whole list)."""
    out.write("[")
    for piece in _pieces(items):
        out.write(piece)
    out.write("]")


def _raw(out: TextIO) -> IO[bytes] | None:
    """The byte stream under ``out`` when UTF-8 bytes written there make the same file as the
    text written to ``out`` (a file ``support.atomic`` opened: UTF-8, strict), else None (an
    echo of standard output, a ``StringIO``, another encoding): those are written as text."""
    if not isinstance(out, io.TextIOWrapper) or out.errors != "strict":
        return None
    if codecs.lookup(out.encoding).name != "utf-8":
        return None
    out.flush()  # text written before goes first
    raw: IO[bytes] = out.buffer
    return raw


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
        sink: _Sink = _Text(out) if (raw := _raw(out)) is None else _Bytes(raw, out)
        with sink.spool() as encoded:
            try:
                sink.encode(encoded, findings())
            except OSError as exc:  # past _MEMORY, in $TMPDIR; nothing is written to ``out`` yet
                raise TempSpaceError.of(exc) from None
            self._write(result, context, sink, blocking, summarize(view, result), cited, encoded)

    def _write(
        self,
        result: ScanResult,
        context: ReportContext,
        out: _Sink,
        blocking: int,
        rs: RecordSummary,
        cited: dict[Clause, None],
        encoded: IO[Any],
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
                "trigram_route": sum(
                    1 for m in result.matches if m.strength and m.strength.features.get(FEATURE)
                ),
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
            "decision": (
                {
                    **context.decision.to_dict(),
                    "sha256": decision_digest(context.decision, rs.identity.digest),
                }
                if context.decision
                else None
            ),
            "run": run,
            "quote_confidence": {},
        }
        out.write(dumps(head)[:-1])
        out.write(',"records":')
        out.array(s.record_row(r) for r in rs.rows)
        out.write(',"matches":')
        out.array(s.match(m) for m in result.matches)
        out.write(',"findings":[')
        encoded.seek(0)
        out.copy(encoded)
        out.write("]")
        out.write(',"errors":')
        out.array(s.error(e) for e in result.errors)
        tail["quote_confidence"] = dict(clauses.legend(cited))
        out.write("," + dumps(tail)[1:])
        out.end("\n")


class _Sink:
    """Where the document goes: text pieces, arrays of items, the encoded findings."""

    def __init__(self, out: Any) -> None:
        self.out = out

    def spool(self) -> IO[Any]:
        """A temporary file for the encoded findings (memory up to ``_MEMORY``)."""
        raise NotImplementedError

    def encode(self, spool: IO[Any], items: Iterable[Any]) -> None:
        """The JSON array of ``items``, without its brackets, into ``spool``."""
        raise NotImplementedError

    def write(self, text: str) -> None:
        raise NotImplementedError

    def array(self, items: Iterable[Any]) -> None:
        raise NotImplementedError

    def copy(self, spool: IO[Any]) -> None:
        shutil.copyfileobj(spool, self.out, 1 << 20)

    def end(self, text: str) -> None:
        """The last text, through the text stream (its newline as the stream writes one)."""
        raise NotImplementedError


class _Text(_Sink):
    """A text stream (an echo of standard output, a ``StringIO``, another encoding)."""

    def spool(self) -> IO[Any]:
        return tempfile.SpooledTemporaryFile(
            max_size=_MEMORY, mode="w+", encoding="utf-8", errors="surrogatepass", newline=""
        )

    def encode(self, spool: IO[Any], items: Iterable[Any]) -> None:
        for piece in _pieces(items):
            spool.write(piece)

    def write(self, text: str) -> None:
        self.out.write(text)

    def array(self, items: Iterable[Any]) -> None:
        write_array(self.out, items)

    def end(self, text: str) -> None:
        self.out.write(text)


class _Bytes(_Sink):
    """The byte stream under a UTF-8 file (``_raw``): the encoder's bytes written as they are,
    where the text stream had them decoded into text and encoded again (the findings twice:
    their temporary file was a text file too)."""

    def __init__(self, out: Any, text: TextIO) -> None:
        super().__init__(out)
        self.text = text

    def spool(self) -> IO[Any]:
        return tempfile.SpooledTemporaryFile(max_size=_MEMORY, mode="w+b")

    def encode(self, spool: IO[Any], items: Iterable[Any]) -> None:
        for piece in _byte_pieces(items):
            spool.write(piece)

    def write(self, text: str) -> None:
        self.out.write(text.encode("utf-8"))

    def array(self, items: Iterable[Any]) -> None:
        out = self.out
        out.write(b"[")
        for piece in _byte_pieces(items):
            out.write(piece)
        out.write(b"]")

    def end(self, text: str) -> None:
        self.text.write(text)  # after every byte above: the text stream writes into ``out``
