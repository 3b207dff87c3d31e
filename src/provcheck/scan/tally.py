"""What a scan has read so far: per file and in all (``scan.engine`` fills it as batches are
matched)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from provcheck.inputs import InputSource, Limits
from provcheck.inputs.streams import StreamCount
from provcheck.model import FieldCounts, FileSummary, NotScanned, RecordError, SkipReason
from provcheck.scan.fields import DECLARED, FIRST
from provcheck.scan.results import Collector
from provcheck.scan.runs import Runs

if TYPE_CHECKING:
    from provcheck.scan.engine import BatchOutput


@dataclass(slots=True)
class _FileTally:
    path: str
    records: int = 0
    errors: int = 0
    schemas: Counter[str] = field(default_factory=Counter)
    sha256: str | None = None
    read_as: str | None = None
    """The format told by content, when the file's name told none."""
    read: Counter[str] = field(default_factory=Counter)
    """Turns read per field pattern."""
    skipped: Counter[tuple[str, str]] = field(default_factory=Counter)
    """Strings not read per field pattern and reason."""
    declared: Counter[tuple[str, str]] = field(default_factory=Counter)
    """Records per field pattern and licence or generator they declare (``scan.fields``)."""
    first: dict[tuple[str, str], int] = field(default_factory=dict)
    """The first line of each of ``declared`` (none in a container without lines)."""
    streams: StreamCount = field(default_factory=StreamCount)
    """Streamed chunks joined into responses (``inputs.streams``)."""

    def fields(self) -> FieldCounts:
        return FieldCounts(
            read=tuple(sorted(self.read.items())),
            skipped=tuple((f, SkipReason(r), n) for (f, r), n in sorted(self.skipped.items())),
        )


@dataclass(slots=True)
class _Tally:
    results: Collector
    """Matches and findings go there as batches arrive (on disk, not in this tally)."""
    errors: list[RecordError] = field(default_factory=list)
    files: dict[str, _FileTally] = field(default_factory=dict)
    records: int = 0
    turns: int = 0
    roles: set[str] = field(default_factory=set)
    selected: int = 0
    """Turns the role filter accepted."""
    route: tuple[int, int, int] = (0, 0, 0)
    """What the trigram route added to the matching (``RouteCounts``' three counts)."""
    bytes_total: int = 0
    bytes_done: int = 0
    """Bytes of the files read to their end."""
    reading: InputSource | None = None
    """The file being read."""
    error_limit: int = Limits().max_errors_per_file
    """Errors listed per file; more are counted (``unlisted``) so they cannot fill memory."""
    unlisted: Counter[str] = field(default_factory=Counter)
    not_scanned: list[NotScanned] = field(default_factory=list)
    """Members of archives not read (found while reading)."""
    runs: Runs = field(default_factory=Runs)
    """Records under the token floor, matched in runs after the main pass (``scan.runs``)."""

    def position(self) -> int:
        return self.bytes_done + (self.reading.consumed if self.reading else 0)

    def add(self, out: BatchOutput) -> None:
        self.results.add(out.matches, out.markers)
        self.runs.add(out.short)
        self.turns += out.turns
        self.roles.update(out.roles)
        self.selected += out.selected
        self.count_route(out.route)
        for err in out.errors:
            self.add_error(err)
        for path, schema in out.schemas:
            self.files[path].records += 1
            self.files[path].schemas[schema] += 1
        self.records += len(out.schemas)
        self.count_fields(out.fields)

    def count_route(self, counts: tuple[int, int, int]) -> None:
        """Add a batch's or a matcher's ``RouteCounts`` counts."""
        a, b, c = self.route
        self.route = (a + counts[0], b + counts[1], c + counts[2])

    def count_fields(self, counts: Iterable[tuple[str, str, str, int]]) -> None:
        for path, pattern, reason, n in counts:
            file = self.files[path]
            if reason.startswith(DECLARED):
                file.declared[(pattern, reason[len(DECLARED) :])] += n
            elif reason.startswith(FIRST):
                key = (pattern, reason[len(FIRST) :])
                file.first[key] = min(file.first.get(key, n), n)
            elif reason:
                file.skipped[(pattern, reason)] += n
            else:
                file.read[pattern] += n

    def add_error(self, err: RecordError) -> None:
        file = self.files[err.path]
        file.errors += 1
        if file.errors > self.error_limit:
            self.unlisted[err.path] += 1
        else:
            self.errors.append(err)

    def summaries(self) -> tuple[FileSummary, ...]:
        return tuple(
            FileSummary(
                f.path,
                f.schemas.most_common(1)[0][0] if f.schemas else None,
                f.records,
                f.errors,
                f.sha256,
                f.fields(),
                f.read_as,
                (f.streams.chunks, f.streams.responses) if f.streams.responses else None,
                self.runs.counts.get(f.path),
            )
            for f in self.files.values()
        )
