"""Readers on the workers: with ``--engine ray`` each worker reads its own inputs.

The driver's own reading (split lines, batch, pickle, send) tops out at about 250 MB/s, the
ceiling of one scan however large the cluster. Here the driver sends *work descriptions*
(``WorkUnit``: a file to read, by path or URL) and each actor opens the file itself, reads and
matches every record of it, and sends back only what the report needs: matches, marker hits,
errors and counts (records per schema, turns, fields) — a few hundred bytes per file plus the
matches, not the records.

Results are identical to the local engine: the worker reads with the same reader
(``inputs.read_unparsed``) and matches with the same batch function (``BatchMatcher``) in the
same batches, and the driver adds what comes back to the tally in file order, as the local
engine does. What the driver keeps doing: discovering the files (listing, not reading),
dataset cards, the policy and waivers, and the reports.

Not used for diff-aware scans and the result cache (``--changed-since``, ``--cache-dir``):
both need every record on the driver, so those scans keep the driver's reader.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from provcheck.inputs import Limits, read_unparsed
from provcheck.model import MarkerHit, Match, RecordError
from provcheck.runtime.executors import WorkerPlan, executor_for
from provcheck.support.batching import batched

if TYPE_CHECKING:  # the engine imports this module: its types only for the checker
    from provcheck.runtime.progress import Progress
    from provcheck.scan.engine import BatchMatcher, ScanOptions, _Tally


@dataclass(frozen=True, slots=True)
class WorkUnit:
    """What one actor reads: a whole file."""

    display: str
    """The path as the report shows it."""
    fs_path: str
    """What to open (a path or an fsspec URL every node can read)."""


@dataclass(frozen=True, slots=True)
class UnitOutput:
    """What reading and matching one unit produced: no record text, only results and counts."""

    display: str
    matches: tuple[Match, ...]
    markers: tuple[MarkerHit, ...]
    read_errors: tuple[RecordError, ...]
    """Records or the file the reader could not read (in reading order)."""
    errors: tuple[RecordError, ...]
    """Records whose schema could not be applied, and limit errors (in batch order)."""
    records: int
    """Records read (valid or not)."""
    turns: int
    schemas: tuple[tuple[str, int], ...]
    """Valid records per schema."""
    fields: tuple[tuple[str, str, str, int], ...]
    roles: frozenset[str]
    selected: int
    sha256: str | None
    consumed: int
    """Stored bytes read (for progress)."""


@dataclass(frozen=True, slots=True)
class UnitMatcher:
    """A picklable recipe: the per-actor function that reads and matches one unit."""

    batch: BatchMatcher
    limits: Limits
    batch_size: int

    def __call__(self) -> Callable[[WorkUnit], UnitOutput]:
        run = self.batch()
        limits, size = self.limits, self.batch_size

        def read_and_match(unit: WorkUnit) -> UnitOutput:
            source, items = read_unparsed(unit.display, unit.fs_path, limits)
            read_errors: list[RecordError] = []

            def pending() -> Iterator[Any]:
                for item in items:
                    if isinstance(item, RecordError):
                        read_errors.append(item)
                    else:
                        yield unit.display, item

            matches: list[Match] = []
            markers: list[MarkerHit] = []
            errors: list[RecordError] = []
            schemas: Counter[str] = Counter()
            fields: Counter[tuple[str, str, str]] = Counter()
            roles: set[str] = set()
            records = turns = selected = 0
            for batch in batched(pending(), size):
                out = run(batch)
                matches.extend(out.matches)
                markers.extend(out.markers)
                errors.extend(out.errors)
                records += out.records
                turns += out.turns
                selected += out.selected
                roles.update(out.roles)
                schemas.update(schema for _, schema in out.schemas)
                for path, pattern, reason, n in out.fields:
                    fields[(path, pattern, reason)] += n
            return UnitOutput(
                unit.display,
                tuple(matches),
                tuple(markers),
                tuple(read_errors),
                tuple(errors),
                records,
                turns,
                tuple(schemas.items()),
                tuple((p, f, r, n) for (p, f, r), n in fields.items()),
                frozenset(roles),
                selected,
                source.sha256,
                source.consumed,
            )

        return read_and_match


def scan_on_workers(
    files: list[tuple[str, str]],
    recipe: BatchMatcher,
    options: ScanOptions,
    tally: _Tally,
    progress: Progress,
) -> WorkerPlan:
    """Read and match ``files`` on Ray actors; their results go to ``tally`` in file order."""
    from provcheck.scan.engine import _FileTally

    units = [WorkUnit(display, fs_path) for display, fs_path in files]
    make = UnitMatcher(recipe, options.limits, options.batch_size)
    # The same sizing as the driver's batches get (CPUs, the cluster), with units for batches.
    pool, sent = executor_for(make, iter(units), options.workers, "ray", options.address)
    try:
        for unit, out in zip(units, pool.map(sent), strict=True):
            progress.file_started(unit.display)
            file = tally.files[unit.display] = _FileTally(unit.display)
            for err in out.read_errors:
                file.errors += 1
                tally.errors.append(err)
                progress.error(err)
            tally.results.add(out.matches, out.markers)
            tally.turns += out.turns
            tally.roles.update(out.roles)
            tally.selected += out.selected
            for err in out.errors:
                tally.add_error(err)
            for schema, n in out.schemas:
                file.records += n
                file.schemas[schema] += n
                tally.records += n
            tally.count_fields(out.fields)
            file.sha256 = out.sha256
            tally.bytes_done += out.consumed
            progress.records(out.records)
            progress.position(tally.position(), tally.bytes_total)
            progress.file_done(unit.display)
    finally:
        pool.close()
    return pool.plan


__all__ = ["UnitMatcher", "UnitOutput", "WorkUnit", "scan_on_workers"]
