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

import hashlib
import io
import math
import os
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, BinaryIO, cast

from provcheck.inputs import Limits, read_unparsed, reader_for
from provcheck.inputs.base import RawRecord
from provcheck.inputs.jsonl import JsonlReader
from provcheck.inputs.parquet import ParquetReader
from provcheck.inputs.source import InputSource, binary_content, is_url, sniff_compression
from provcheck.inputs.streams import StreamCount, join_streams
from provcheck.model import ErrorKind, MarkerHit, Match, RecordError
from provcheck.runtime.executors import WorkerPlan, executor_for
from provcheck.scan.fields import add as add_count
from provcheck.scan.runs import Short
from provcheck.support.batching import batched

if TYPE_CHECKING:  # the engine imports this module: its types only for the checker
    from provcheck.runtime.progress import Progress
    from provcheck.scan.engine import BatchMatcher, ScanOptions
    from provcheck.scan.tally import _Tally


@dataclass(frozen=True, slots=True)
class WorkUnit:
    """What one actor does: read a whole file, or a byte range of a JSON Lines file.

    A range ``[start, end)`` holds the lines that *begin* in it (a line cut by ``start``
    belongs to the range before), so that the ranges of a file hold each line once whatever
    the cuts. ``kind``: ``read`` (read and match), ``count`` (lines and records of the range,
    to number the next ranges' lines as one reader would) or ``digest`` (the whole file's
    sha256, which no range sees).
    """

    display: str
    """The path as the report shows it."""
    fs_path: str
    """What to open (a path or an fsspec URL every node can read)."""
    kind: str = "read"
    start: int = 0
    end: int | None = None
    """None: the whole file (through its reader, whatever the format)."""
    first_line: int = 0
    """Lines of the file before the range."""
    first_index: int = 0
    """Records of the file before the range."""
    groups: tuple[int, ...] = ()
    """Parquet: the row groups to read (``start``/``end`` unused); empty for other files."""


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
    short: tuple[Short, ...] = ()
    """Records under the token floor, matched again in runs by the driver (``scan.runs``)."""
    route: tuple[int, int, int] = (0, 0, 0)
    """What the trigram route added matching the unit (``BatchOutput.route`` summed)."""


@dataclass(frozen=True, slots=True)
class UnitMatcher:
    """A picklable recipe: the per-actor function that reads and matches one unit."""

    batch: BatchMatcher
    limits: Limits
    batch_size: int

    def __call__(self) -> Callable[[WorkUnit], UnitOutput]:
        run = self.batch()
        limits, size = self.limits, self.batch_size

        def read_and_match(unit: WorkUnit) -> Any:
            if unit.kind == "count":
                return count_range(unit, limits)
            if unit.kind == "digest":
                return file_sha256(unit.fs_path)
            if unit.groups:
                source, items = read_row_groups(unit, limits)
            elif unit.end is None:
                source, items = read_unparsed(unit.display, unit.fs_path, limits)
            else:
                source, items = read_range(unit, limits)
            read_errors: list[RecordError] = []

            def pending() -> Iterator[Any]:
                # Streamed chunks joined within this unit (a byte range of a large file: a
                # response cut across two ranges is joined in two parts; not counted here).
                for item in join_streams(unit.display, items, StreamCount(), limits.max_record_bytes):
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
            short: list[Short] = []
            route = (0, 0, 0)
            for batch in batched(pending(), size):
                out = run(batch)
                matches.extend(out.matches)
                short.extend(out.short)
                markers.extend(out.markers)
                errors.extend(out.errors)
                records += out.records
                turns += out.turns
                selected += out.selected
                route = (route[0] + out.route[0], route[1] + out.route[1], route[2] + out.route[2])
                roles.update(out.roles)
                schemas.update(schema for _, schema in out.schemas)
                for path, pattern, reason, n in out.fields:
                    add_count(fields, (path, pattern, reason), n)
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
                tuple(short),
                route,
            )

        return read_and_match


SPLIT_BYTES = 256 << 20
"""Plain JSON Lines files larger than this are read as byte ranges of about this size, by
several actors at once; smaller files, compressed files and other containers whole."""


def _aligned(fh: BinaryIO, offset: int, size: int) -> int:
    """The start of the first line that begins at or after ``offset``."""
    if offset <= 0:
        return 0
    if offset >= size:
        return size
    fh.seek(offset - 1)
    while True:
        chunk = fh.read(1 << 16)
        if not chunk:
            return size
        cut = chunk.find(b"\n")
        if cut >= 0:
            return fh.tell() - len(chunk) + cut + 1
    # unreachable


class _Window(io.RawIOBase):
    """Bytes ``[start, end)`` of an open file, as a stream."""

    def __init__(self, fh: BinaryIO, start: int, end: int) -> None:
        fh.seek(start)
        self._fh, self._left = fh, end - start

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = min(len(buffer), self._left)
        if n <= 0:
            return 0
        data = self._fh.read(n)
        buffer[: len(data)] = data
        self._left -= len(data)
        return len(data)


def _bounds(unit: WorkUnit, fh: BinaryIO) -> tuple[int, int]:
    size = os.fstat(fh.fileno()).st_size
    end = size if unit.end is None else unit.end
    return _aligned(fh, unit.start, size), _aligned(fh, end, size)


def count_range(unit: WorkUnit, limits: Limits) -> tuple[int, int]:
    """Lines, and records as the JSON Lines reader numbers them, of the range's lines."""
    with open(unit.fs_path, "rb") as fh:
        start, end = _bounds(unit, fh)
        lines = last = 0
        window = _Window(fh, start, end)
        while chunk := window.read(1 << 20):
            lines += chunk.count(b"\n")
            last = chunk[-1]
        lines += 1 if end > start and last != ord("\n") else 0
        records = 0

        def keep(line: bytes, offset: int) -> bool:
            nonlocal records
            records += 1
            return False

        source = InputSource(path=unit.display, fs_path=unit.fs_path, limits=limits)
        stream = io.BufferedReader(_Window(fh, start, end), buffer_size=1 << 20)
        # Oversized lines are records too (an error each): counted from what the reader yields
        # (``first_line=1``: a range with no line is not an "empty file").
        for item in JsonlReader()._lines(
            source, cast(io.BufferedReader, stream), limits.max_record_bytes, keep, first_line=1
        ):
            records += 1 if item.index is not None else 0
    return lines, records


def read_range(unit: WorkUnit, limits: Limits) -> tuple[InputSource, Iterator[Any]]:
    """The range's records, numbered as a reader of the whole file numbers them."""
    source = InputSource(path=unit.display, fs_path=unit.fs_path, limits=limits)

    def items() -> Iterator[Any]:
        try:
            with open(unit.fs_path, "rb") as fh:
                start, end = _bounds(unit, fh)
                stream = io.BufferedReader(_Window(fh, start, end), buffer_size=1 << 20)
                yield from JsonlReader()._lines(
                    source,
                    cast(io.BufferedReader, stream),
                    limits.max_record_bytes,
                    None,
                    unit.first_line,
                    unit.first_index,
                )
                source.consumed = end - start
        except OSError as exc:
            yield RecordError(unit.display, ErrorKind.FILE, f"reading stopped: {exc}")

    return source, items()


def read_row_groups(unit: WorkUnit, limits: Limits) -> tuple[InputSource, Iterator[Any]]:
    """Rows of some row groups of a Parquet file, numbered as the whole-file reader numbers
    them (``inputs.parquet``: the same conversion of each value). The file-level check (a
    column that can hold text) is the first unit's, so that it is reported once."""
    source = InputSource(path=unit.display, fs_path=unit.fs_path, limits=limits)

    def items() -> Iterator[Any]:
        import pyarrow as pa
        import pyarrow.parquet as pq

        from provcheck.inputs import parquet as pqr

        index = unit.first_index
        try:
            parquet = pq.ParquetFile(unit.fs_path)
            if not any(pqr._may_hold_text(f.type) for f in parquet.schema_arrow):
                if unit.groups[0] == 0:
                    yield from ParquetReader().read(source)  # its located error, as a whole-file read
                return
            for batch in parquet.iter_batches(batch_size=pqr._BATCH, row_groups=list(unit.groups)):
                batch, raw = pqr._as_text(batch)
                for row in batch.to_pylist():
                    for name in raw:
                        row[name] = pqr._decoded(row[name])
                    yield RawRecord(index=index, line=None, data=row)
                    index += 1
            source.consumed = sum(parquet.metadata.row_group(g).total_byte_size for g in unit.groups)
        except (pa.ArrowException, OSError, ValueError) as exc:
            where = "the file" if index == 0 else f"row {index}"
            yield RecordError(
                unit.display,
                ErrorKind.FILE,
                f"not a readable Parquet file at {where}: {exc}",
                index=index if index else None,
            )

    return source, items()


def row_group_units(display: str, fs_path: str, split_bytes: int) -> list[WorkUnit] | None:
    """A large, plain, local Parquet file as units of consecutive row groups of about
    ``split_bytes`` (from its footer only), then its digest; None to read it whole."""
    if split_bytes <= 0 or is_url(fs_path) or not isinstance(reader_for(fs_path), ParquetReader):
        return None
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        if os.path.getsize(fs_path) <= split_bytes:
            return None
        with open(fs_path, "rb") as fh:
            if sniff_compression(fh.read(8)) is not None:
                return None
        meta = pq.ParquetFile(fs_path).metadata
    except (OSError, ValueError, pa.ArrowException):
        return None  # the whole-file reader reports it, located
    if meta.num_row_groups < 2:
        return None
    units: list[WorkUnit] = []
    groups: list[int] = []
    size = first = rows = 0
    for g in range(meta.num_row_groups):
        group = meta.row_group(g)
        if groups and size + group.total_byte_size > split_bytes:
            units.append(WorkUnit(display, fs_path, first_index=first, groups=tuple(groups)))
            groups, size, first = [], 0, rows
        groups.append(g)
        size += group.total_byte_size
        rows += group.num_rows
    units.append(WorkUnit(display, fs_path, first_index=first, groups=tuple(groups)))
    return [*units, WorkUnit(display, fs_path, "digest")] if len(units) > 1 else None


def file_sha256(path: str) -> str:
    """The sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def splittable(fs_path: str, split_bytes: int) -> int:
    """The number of ranges a file is read in: 1 unless it is plain JSON Lines (a local file,
    no compression, no byte-order mark, text) larger than ``split_bytes``."""
    if split_bytes <= 0 or is_url(fs_path) or not isinstance(reader_for(fs_path), JsonlReader):
        return 1
    try:
        size = os.path.getsize(fs_path)
        if size <= split_bytes:
            return 1
        with open(fs_path, "rb") as fh:
            head = io.BufferedReader(cast(io.RawIOBase, fh))
            first = head.peek(8192)[:8192]
            if (
                sniff_compression(first[:8]) is not None
                or first.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"))
                or first.startswith(b"version https://git-lfs")
                or binary_content(cast(BinaryIO, head)) is not None
            ):
                return 1
    except OSError:
        return 1  # the whole-file reader reports it, located
    return math.ceil(size / split_bytes)


def plan_units(
    files: list[tuple[str, str]],
    parts: list[int],
    run: Callable[[list[WorkUnit]], list[Any]],
    row_groups: list[list[WorkUnit] | None] | None = None,
) -> list[list[WorkUnit]]:
    """The units of each file: the whole file, or ``parts`` byte ranges whose first line and
    record numbers come from a first pass of counts (``run`` runs units on the workers and
    returns their results in order), then the file's digest."""
    counts: list[WorkUnit] = []
    cuts: list[list[int]] = []
    for (display, fs_path), k in zip(files, parts, strict=True):
        size = os.path.getsize(fs_path) if k > 1 else 0
        cuts.append([size * i // k for i in range(k + 1)])
        counts += [WorkUnit(display, fs_path, "count", cuts[-1][i], cuts[-1][i + 1]) for i in range(k - 1)]
    counted = iter(run(counts))
    out: list[list[WorkUnit]] = []
    for i, ((display, fs_path), k, at) in enumerate(zip(files, parts, cuts, strict=True)):
        if k == 1:
            groups = row_groups[i] if row_groups else None
            out.append(groups or [WorkUnit(display, fs_path)])
            continue
        units, line, index = [], 0, 0
        for i in range(k):
            units.append(WorkUnit(display, fs_path, "read", at[i], at[i + 1], line, index))
            if i < k - 1:
                lines, records = next(counted)
                line, index = line + lines, index + records
        out.append([*units, WorkUnit(display, fs_path, "digest")])
    return out


def scan_on_workers(
    files: list[tuple[str, str]],
    recipe: BatchMatcher,
    options: ScanOptions,
    tally: _Tally,
    progress: Progress,
    split_bytes: int | None = None,
) -> WorkerPlan:
    """Read and match ``files`` on Ray actors; their results go to ``tally`` in file order."""
    size = SPLIT_BYTES if split_bytes is None else split_bytes
    parts = [splittable(fs_path, size) for _, fs_path in files]
    row_groups = [
        row_group_units(d, f, size) if k == 1 else None for (d, f), k in zip(files, parts, strict=True)
    ]
    make = UnitMatcher(recipe, options.limits, options.batch_size)
    # Sized as the driver's batches would be (usable CPUs, or the cluster), with units for batches.
    nominal = iter(range(sum(parts) + sum(len(u) - 1 for u in row_groups if u)))
    pool, _ = executor_for(make, nominal, options.workers, "ray", options.address)  # type: ignore[arg-type]
    try:
        groups = plan_units(files, parts, lambda units: list(pool.map(iter(units))), row_groups)
        flat = [u for group in groups for u in group]
        outputs = pool.map(iter(flat))
        for group in groups:
            _add_file(group, [next(outputs) for _ in group], tally, progress, options.limits)
    finally:
        pool.close()
    return pool.plan


def _add_file(
    group: list[WorkUnit], outs: list[Any], tally: _Tally, progress: Progress, limits: Limits
) -> None:
    """One file's results into the tally, as the driver's own reading would have added them."""
    from provcheck.scan.tally import _FileTally

    display = group[0].display
    progress.file_started(display)
    file = tally.files[display] = _FileTally(display)
    split = len(group) > 1
    listed = 0
    for unit, out in zip(group, outs, strict=True):
        if unit.kind == "digest":
            file.sha256 = out
            continue
        for err in out.read_errors:
            listed += 1
            if split and listed > limits.max_errors_per_file:
                continue  # the whole-file reader lists as many (``inputs._guarded``)
            file.errors += 1
            tally.errors.append(err)
            progress.error(err)
        tally.results.add(out.matches, out.markers)
        tally.runs.add(out.short)
        tally.turns += out.turns
        tally.roles.update(out.roles)
        tally.selected += out.selected
        tally.count_route(out.route)
        for err in out.errors:
            tally.add_error(err)
        for schema, n in out.schemas:
            file.records += n
            file.schemas[schema] += n
            tally.records += n
        tally.count_fields(out.fields)
        if not split:
            file.sha256 = out.sha256
        tally.bytes_done += out.consumed
        progress.records(out.records)
        progress.position(tally.position(), tally.bytes_total)
    most = limits.max_errors_per_file
    if split and listed > most:
        file.errors += 1
        tally.errors.append(
            RecordError(
                display,
                ErrorKind.LIMIT,
                f"{listed - most:,} more unreadable records in this file are not listed "
                f"(only the first {most:,} are; {listed:,} in all)",
            )
        )
    progress.file_done(display)


__all__ = ["UnitMatcher", "UnitOutput", "WorkUnit", "scan_on_workers"]
