"""Records answered before matching: the diff-aware selector's record filter and the result
cache, applied to the records as they are read (``scan.engine``)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from provcheck.inputs import UnparsedLine
from provcheck.inputs.schemas import limit_errors, to_record
from provcheck.matching.segment import RoleFilter
from provcheck.model import Record, RecordError
from provcheck.policy.markers import MarkerScanner, MarkerSpec
from provcheck.scan.fields import FieldKey, count_fields

if TYPE_CHECKING:
    from provcheck.scan.engine import BatchOutput, Pending, ScanOptions
    from provcheck.scan.tally import _Tally


def role_tally(records: Sequence[Record], roles: RoleFilter | None) -> tuple[frozenset[str], int]:
    """The role names of the records' turns, and how many turns ``roles`` accepts."""
    seen = frozenset(t.role for r in records for t in r.turns)
    selected = sum(1 for r in records for t in r.turns if roles is None or roles.accepts(t))
    return seen, selected


class Prefilter:
    """Applies the selector's record filter and the result cache before records are batched.

    Both need the record, so its schema is applied here (workers apply it again to the few
    records that go on); the records of batches in flight are kept for ``stored``. The cache
    holds reference matches only: a record answered from it is still scanned for the policy's
    markers here.
    """

    def __init__(self, options: ScanOptions, tally: _Tally, markers: tuple[MarkerSpec, ...]) -> None:
        self.options = options
        self.tally = tally
        self.waiting: dict[tuple[str, int], Record] = {}
        self.scanner = MarkerScanner(markers) if markers and options.cache is not None else None

    def __call__(self, pending: Iterator[Pending]) -> Iterator[Pending]:
        selector, cache = self.options.selector, self.options.cache
        for path, item in pending:
            raw = item.parse(path) if isinstance(item, UnparsedLine) else item
            if isinstance(raw, RecordError):
                yield path, item  # the worker reports it, like any other
                continue
            rec = to_record(raw.data, raw.location(path), self.options.records)
            if isinstance(rec, RecordError):
                yield path, raw
                continue
            if selector is not None and not selector.keep(path, rec):
                continue
            known = cache.get(rec) if cache is not None else None
            if known is None:
                self.waiting[(path, raw.index)] = rec
                yield path, raw
                continue
            self.tally.runs.remember(rec, self.options.roles)
            file = self.tally.files[path]
            file.records += 1
            file.schemas[rec.schema] += 1
            self.tally.records += 1
            self.tally.turns += len(rec.turns)
            fields: Counter[FieldKey] = Counter()
            count_fields([rec], self.options.roles, fields)
            self.tally.count_fields((p, f, r, n) for (p, f, r), n in fields.items())
            for error in limit_errors([rec]):
                self.tally.add_error(error)
            seen, selected = role_tally([rec], self.options.roles)
            self.tally.roles.update(seen)
            self.tally.selected += selected
            hits = self.scanner.records([rec], self.options.roles) if self.scanner is not None else []
            self.tally.results.add(known, hits)

    def stored(self, batch: list[Pending], out: BatchOutput) -> None:
        """Hand a matched batch's records and matches to the cache."""
        records = [r for path, raw in batch if (r := self.waiting.pop((path, raw.index), None)) is not None]
        if self.options.cache is not None:
            self.options.cache.put(records, out.matches)
