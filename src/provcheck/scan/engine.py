"""Wires the stages: read -> segment -> fingerprint -> index -> verify -> policy -> result.

The engine never prints and never exits; it reports progress through ``Progress`` and returns
a ``ScanResult`` that every formatter renders."""

from __future__ import annotations

import datetime as dt
import functools
import os
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from provcheck.errors import ReferenceIndexError
from provcheck.index.combined import Index, open_index, paths_of
from provcheck.index.remote import local_index
from provcheck.inputs import (
    GIVEN_TWICE,
    NOT_INCLUDED,
    Found,
    InputSource,
    Limits,
    RawItem,
    RawRecord,
    UnparsedLine,
    archive_of,
    discover,
    read_units,
    same_path,
    suffix_of,
)
from provcheck.inputs.declared import CARD_BODY, declaring_dirs, is_card, read_declarations
from provcheck.inputs.schemas import RecordOptions, limit_errors, to_record
from provcheck.inputs.source import file_size
from provcheck.inputs.streams import join_streams
from provcheck.matching.params import MatchConfig
from provcheck.matching.segment import RoleFilter
from provcheck.model import (
    ABSENT,
    Action,
    BelowThreshold,
    ErrorKind,
    MarkerHit,
    Match,
    NotScanned,
    Record,
    RecordError,
    RouteCounts,
    RunRecord,
    ScanResult,
    ScanStats,
)
from provcheck.policy import Evaluator, Policy, Use
from provcheck.policy.markers import MarkerScanner, MarkerSpec
from provcheck.runtime.executors import WorkerPlan, executor_for
from provcheck.runtime.progress import NullProgress, Progress
from provcheck.scan.facts import index_facts, policy_facts, tool_facts_started, use_facts
from provcheck.scan.fields import FieldKey, count_fields, record_declarations
from provcheck.scan.match import Matcher
from provcheck.scan.prefilter import Prefilter, role_tally
from provcheck.scan.results import Collector
from provcheck.scan.runs import Short, shorts
from provcheck.scan.tally import _FileTally, _Tally
from provcheck.support.batching import batched, remembered
from provcheck.support.collection import cycles_paused
from provcheck.waivers import Applier, Waivers

if TYPE_CHECKING:
    from provcheck.scan.partial import Shard


class RecordSelector(Protocol):
    """Chooses what a scan reads: diff-aware scans read only new records (``provcheck.gitscan.selection``)."""

    def discover(self, paths: list[str]) -> Iterator[Found]:
        """The files to read, as ``(display path, filesystem path)``, or located errors."""
        ...

    def read(self, display: str, fs_path: str, limits: Limits) -> tuple[InputSource, Iterator[RawItem]]:
        """A file's raw records; may leave out records known to be unchanged."""
        ...

    def keep(self, display: str, record: Record) -> bool:
        """False for a record known to be unchanged."""
        ...

    def declaring(self, files: list[tuple[str, str]], paths: list[str]) -> list[tuple[str, str]]:
        """Directories whose dataset cards and manifests are read (those that changed)."""
        ...

    def around(
        self, display: str, places: list[tuple[int, int | None]], reach: int, limits: Limits
    ) -> Iterator[RawRecord | UnparsedLine]:
        """The records of a file's version read within ``reach`` positions of ``places``
        (``(index, line)`` of records read) that were not read (committed records next to new
        ones); none for a file read whole."""
        ...


class Globs(Protocol):
    """The configuration's ``include``/``exclude`` (``projectfile.ProjectConfig``)."""

    def selects(self, path: str) -> bool:
        """True when the globs select ``path``."""
        ...

    def excluded(self, path: str) -> bool:
        """True when an ``exclude`` glob names ``path`` (left out on purpose, uncounted)."""
        ...


class ResultCache(Protocol):
    """Matches of records seen before (``provcheck.scan.cache``); never changes what a scan finds."""

    def get(self, record: Record) -> list[Match] | None:
        """The record's matches, located at this record, or None when not known."""
        ...

    def put(self, records: Sequence[Record], matches: Sequence[Match]) -> None:
        """Remember the matches found for ``records`` (records without any too)."""
        ...


@dataclass(frozen=True, slots=True)
class ScanOptions:
    """How to read and match the scanned data."""

    records: RecordOptions = RecordOptions()
    roles: RoleFilter | None = None
    """Turns to scan; None scans every turn."""
    match: MatchConfig = MatchConfig()
    limits: Limits = Limits()
    workers: int = 1
    """Processes matching records; 1 matches in this process."""
    batch_size: int = 256
    """Records per unit of work handed to a worker."""
    engine: str = "local"
    """``local`` (this machine's processes) or ``ray`` (a Ray cluster)."""
    address: str | None = None
    """Ray cluster address (``auto``, ``HOST:PORT``); None starts a local Ray runtime."""
    selector: RecordSelector | None = None
    """Reads only some records (diff-aware scans); None reads every record of every file."""
    globs: Globs | None = None
    """Applied to the members of archives as to the files of a folder (``a.zip!x/y.jsonl`` is
    matched as ``a.zip/x/y.jsonl``); None selects every member."""
    cache: ResultCache | None = None
    """Matches of records seen before; None matches every record."""
    shard: Shard | None = None
    """Scan only this share of the files found (``scan --shard I/N``); None scans them all."""
    index_url: str | None = None
    """The index's URL when it was fetched (``index.remote``): each worker's node fetches it."""
    recorded: bool = True
    """False when the run record is not written (a hook's): its build and versions are not read."""


Pending = tuple[str, RawRecord | UnparsedLine]
"""A record as read, with the path it was read from, before its schema is applied."""


@dataclass(frozen=True, slots=True)
class BatchOutput:
    """What matching one batch of records produced."""

    matches: tuple[Match, ...]
    errors: tuple[RecordError, ...]
    """Records whose schema could not be applied."""
    records: int
    """Records read (valid or not)."""
    turns: int
    schemas: tuple[tuple[str, str], ...]
    """``(path, schema)`` of every valid record."""
    markers: tuple[MarkerHit, ...] = ()
    """Model-output markers found in the batch's scanned turns."""
    fields: tuple[tuple[str, str, str, int], ...] = ()
    """``(path, field pattern, skip reason or "" for read, count)`` over the batch's records."""

    roles: frozenset[str] = frozenset()
    """Role names of the batch's turns, as the data spells them (to name them when ``--roles``
    selects none)."""
    selected: int = 0
    """Turns ``--roles`` accepted (every turn without it)."""
    short: tuple[Short, ...] = ()
    """Records under the token floor, matched again in runs (``scan.runs``)."""
    route: tuple[int, int, int] = (0, 0, 0)
    """What the trigram route added matching the batch: ``RouteCounts``' three counts."""


@dataclass(frozen=True, slots=True)
class BatchMatcher:
    """A picklable recipe for the per-process function that matches a batch of records.

    Schemas are applied in the worker too, so the reading process only parses containers.
    """

    index_path: str
    match: MatchConfig
    roles: RoleFilter | None
    records: RecordOptions = RecordOptions()
    markers: tuple[MarkerSpec, ...] = ()
    """The policy's markers, as plain data: each process compiles them once."""
    more_indexes: tuple[str, ...] = ()
    """Further indexes and packs matched with ``index_path`` as one set (``--index`` repeated)."""
    digest: str | None = None
    """The digest of the set the driver opened (and the run record names)."""

    def __call__(self) -> Callable[[list[Pending]], BatchOutput]:
        """Open the index in this process and return the batch function."""
        # Any index may be a URL: each worker fetches it once (index.remote), and refuses a
        # version other than the driver's (one replaced at the URL since the scan began).
        index = open_index([local_index(p) for p in (self.index_path, *self.more_indexes)])
        if self.digest is not None and index.digest != self.digest:
            raise ReferenceIndexError(
                f"--index {self.index_path} changed since the scan began (digest {index.digest}, "
                f"the scan's {self.digest}): no result is given against two versions",
                hint="scan again when the index is not being replaced",
            )
        return self.bound(index)

    def bound(self, index: Index) -> Callable[[list[Pending]], BatchOutput]:
        """The batch function over the open ``index`` (the driver's own; no second open)."""
        matcher = Matcher(index, self.match)
        scanner = MarkerScanner(self.markers)
        roles, options = self.roles, self.records

        @cycles_paused()  # a batch's objects die by reference counting
        def run(batch: list[Pending]) -> BatchOutput:
            records: list[Record] = []
            errors: list[RecordError] = []
            for path, item in batch:
                raw = item.parse(path) if isinstance(item, UnparsedLine) else item
                rec = (
                    raw if isinstance(raw, RecordError) else to_record(raw.data, raw.location(path), options)
                )
                (errors if isinstance(rec, RecordError) else records).append(rec)  # type: ignore[arg-type]
            before = matcher.route_counts()
            matches = matcher.records(records, roles)
            route = tuple(b - a for a, b in zip(before, matcher.route_counts(), strict=True))
            hits = scanner.records(records, roles) if scanner else []
            fields: Counter[FieldKey] = Counter()
            count_fields(records, roles, fields)
            seen, selected = role_tally(records, roles)
            return BatchOutput(
                tuple(matches),
                tuple(errors + limit_errors(records)),
                len(batch),
                sum(len(r.turns) for r in records),
                tuple((r.location.path, r.schema) for r in records),
                tuple(hits),
                tuple((path, field, reason, n) for (path, field, reason), n in fields.items()),
                seen,
                selected,
                tuple(shorts(records, roles, matcher.short)),
                (route[0], route[1], route[2]),
            )

        return run


def _made(index: Index, config: MatchConfig, made: list[Matcher]) -> Matcher:
    """A matcher, kept in ``made`` (its work is counted when it is done)."""
    made.append(Matcher(index, config))
    return made[-1]


def read_records(
    paths: Iterable[tuple[str, str]],
    options: ScanOptions,
    tally: _Tally,
    progress: Progress,
) -> Iterator[Pending]:
    """Raw records of every file (each member of an archive as a file of its own); reading
    errors and an archive's members not read go to ``tally``."""
    for given, fs_path in paths:
        progress.file_started(given)
        archived = options.selector is None and archive_of(fs_path) is not None
        if archived:  # listed as a file (0 records) with its own errors; its members after it
            tally.files[given] = _FileTally(given)
        if options.selector is None:
            units = read_units(given, fs_path, options.limits)
        else:
            units = iter([options.selector.read(given, fs_path, options.limits)])
        for unit in units:
            if isinstance(unit, NotScanned):
                tally.not_scanned.append(unit)
                continue
            if isinstance(unit, RecordError):  # an archive's, or a member's not read: the archive's
                tally.files[given].errors += 1 if archived else 0
                tally.errors.append(unit)
                progress.error(unit)
                continue
            source, items = unit
            display = source.path
            if archived and options.globs is not None and _left_out(given, source, options.globs, tally):
                continue
            file = tally.files[display] = _FileTally(display, read_as=source.read_as)
            tally.reading = source
            for item in join_streams(display, items, file.streams, options.limits.max_record_bytes):
                if isinstance(item, RecordError):
                    file.errors += 1
                    tally.errors.append(item)
                    progress.error(item)
                    continue
                yield display, item
            file.sha256 = source.sha256
            tally.bytes_done += source.consumed if source.stream is None else 0
            tally.reading = None
        if archived:
            tally.bytes_done += file_size(fs_path)  # an archive's bytes, once its members are read
        progress.file_done(given)


def _around(
    options: ScanOptions, path: str, places: list[tuple[int, int | None]], reach: int
) -> list[Record]:
    """The committed records next to a diff-aware scan's new ones (``RecordSelector.around``),
    read as records; unreadable ones are left out (a run stops there)."""
    assert options.selector is not None
    out = []
    for item in options.selector.around(path, places, reach, options.limits):
        raw: RawRecord | RecordError = item.parse(path) if isinstance(item, UnparsedLine) else item
        if not isinstance(raw, RecordError):
            rec = to_record(raw.data, raw.location(path), options.records)
            if not isinstance(rec, RecordError):
                out.append(rec)
    return out


def _left_out(given: str, source: InputSource, globs: Globs, tally: _Tally) -> bool:
    """True when the globs leave an archive's member out (counted unless excluded)."""
    as_folder = os.path.join(given, source.member or source.path[len(given) + 1 :])
    if globs.selects(as_folder):
        return False
    if source.stream is not None:
        source.stream.close()
    if not globs.excluded(as_folder):
        tally.not_scanned.append(
            NotScanned(source.path, NOT_INCLUDED, suffix_of(os.path.basename(as_folder)))
        )
    return True


def _read_and_match(
    files: list[tuple[str, str]],
    index: Index,
    recipe: BatchMatcher,
    options: ScanOptions,
    tally: _Tally,
    progress: Progress,
) -> WorkerPlan:
    """Read the files here and match their records in the executor's workers."""
    pending = read_records(files, options, tally, progress)
    prefilter = None
    sent: deque[list[Pending]] = deque()
    if options.selector is not None or options.cache is not None:
        prefilter = Prefilter(options, tally, recipe.markers)
        pending = prefilter(pending)
    batches = batched(pending, options.batch_size)
    if prefilter is not None:
        batches = remembered(batches, sent)
    here = functools.partial(recipe.bound, index)  # batches matched in this process: the open index
    executor, batches = executor_for(recipe, batches, options.workers, options.engine, options.address, here)
    try:
        for out in executor.map(batches):
            tally.add(out)
            if prefilter is not None:
                prefilter.stored(sent.popleft(), out)
            progress.records(out.records)
            progress.position(tally.position(), tally.bytes_total)
    finally:
        executor.close()
    return executor.plan


def scan(
    paths: Sequence[str],
    index: Index,
    policy: Policy,
    use: Use,
    options: ScanOptions = ScanOptions(),
    progress: Progress | None = None,
    waivers: Waivers | None = None,
    today: dt.date | None = None,
) -> ScanResult:
    """Scan files and directories against ``index`` and evaluate ``policy`` for ``use``.

    ``waivers`` are applied to the findings as of ``today`` (default: the current UTC date).
    """
    progress = progress or NullProgress()
    tool, started = tool_facts_started(options.recorded), time.perf_counter()  # taken for the record
    started_at = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()
    today = today or dt.datetime.now(dt.timezone.utc).date()
    # Findings are made batch by batch as matches arrive, so nothing grows with the dataset
    # but the results' small sort keys (``provcheck.scan.results``).
    # A scope waiver naming a near miss of a rule id is refused here, where the policy is known.
    rules = {r.id for r in policy.rules} | {o.split(" ", 1)[0] for o in policy.overrides}
    applier = Applier(waivers, today, rules) if waivers is not None else None
    tally = _Tally(
        Collector(Evaluator(policy, use, index.sources), applier, options.match.min_probability),
        error_limit=options.limits.max_errors_per_file,
    )
    files: list[tuple[str, str]] = []
    not_scanned: list[NotScanned] = []
    found = options.selector.discover(list(paths)) if options.selector else discover(list(paths))
    read_once: set[str] = set()
    for item in found:
        if isinstance(item, NotScanned):
            not_scanned.append(item)
        elif isinstance(item, RecordError):
            tally.errors.append(item)
            progress.error(item)
        elif same_path(item[1]) in read_once:
            # `scan data ./data` or `scan a.jsonl a.jsonl` read the file twice: every record and
            # finding counted twice, the shares of the summary wrong.
            not_scanned.append(NotScanned(item[0], GIVEN_TWICE, suffix_of(os.path.basename(item[0]))))
        else:
            read_once.add(same_path(item[1]))
            if is_card(item[1]) and item[0] not in paths:
                # A dataset card found in a directory is metadata, read as declarations; its
                # body is counted as not scanned (it was dropped without a word).
                not_scanned.append(NotScanned(item[0], CARD_BODY, os.path.basename(item[0])))
            else:
                files.append(item)
    if options.selector is None:
        directories = declaring_dirs(files, paths)
    else:
        directories = options.selector.declaring(files, list(paths))
    declarations, declaration_errors = read_declarations(directories)
    shard_info = None
    if options.shard is not None:
        # What every share sees (discovery, dataset cards) is the first share's; files are dealt.
        from provcheck.scan.partial import share

        files, shard_info = share(files, options.shard, file_size)
        if options.shard.index != 1:
            not_scanned, tally.errors, declarations, declaration_errors = [], [], [], []
    for error in declaration_errors:
        tally.errors.append(error)
        progress.error(error)
    tally.bytes_total = sum(file_size(fs_path) for _, fs_path in files)
    recipe = BatchMatcher(
        options.index_url or index.path,
        options.match,
        options.roles,
        options.records,
        tuple(MarkerSpec.of(m) for m in policy.markers),
        paths_of(index)[1:],
        digest=index.digest,
    )
    ray_reads = not any(archive_of(fs_path) for _, fs_path in files)  # archives: read here
    if options.engine == "ray" and options.selector is None and options.cache is None and ray_reads:
        from provcheck.scan.remote import scan_on_workers  # Ray only: not on a local scan's path

        plan, reading = scan_on_workers(files, recipe, options, tally, progress), "workers"
    else:
        plan, reading = _read_and_match(files, index, recipe, options, tally, progress), "driver"
    # Runs of records under the token floor, joined (``scan.runs``): after every record is matched.
    around = functools.partial(_around, options) if options.selector is not None else None
    made: list[Matcher] = []
    make = functools.partial(_made, index, options.match, made)
    for spanning in tally.runs.matched(make, options.roles, around):
        tally.results.add(spanning)
    for matcher in made:
        tally.count_route(matcher.route_counts())
    for path, count in tally.unlisted.items():
        most, total = tally.error_limit, tally.files[path].errors
        message = (
            f"{count:,} more unreadable records in this file are not listed "
            f"(only the first {most:,} are; {total:,} in all)"
        )
        tally.errors.append(RecordError(path, ErrorKind.LIMIT, message))
    for file in tally.files.values():  # licences and models records declare (judged like a card's)
        stated, limited = record_declarations(file.path, file.sha256, file.declared, file.first)
        declarations += stated
        tally.errors += limited
    tally.errors.sort(key=lambda e: (e.path, -1 if e.index is None else e.index, e.line or 0))
    if options.shard is None:  # a share's: evaluated by the merge, over every share's matches
        tally.results.declarations(declarations)
    collected = tally.results.finish()
    elapsed = time.perf_counter() - started
    tool_facts, library_versions = tool()
    info = RunRecord(
        tool=tool_facts,
        versions=library_versions,
        started_at=started_at,
        finished_at=dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
        paths=tuple(paths),
        use=use_facts(use),
        index=index_facts(index),
        policy=policy_facts(policy, index.sources, rules=options.recorded, evaluator=tally.results.evaluator),
        waivers=waivers.path if waivers is not None else None,
        markers=tuple(m.id for m in policy.markers),
        match=options.match.to_dict(),
        workers=plan.used,
        workers_requested=plan.requested,
        workers_limit=plan.limit,
        engine=options.engine,
        reading=reading,
        roles=str(options.roles) if options.roles else None,
        turns_selected=tally.selected,
        trigram_route=RouteCounts(*tally.route),
        below_threshold=(
            BelowThreshold(options.match.min_probability, *collected.below_threshold)
            if options.match.min_probability > 0
            else ABSENT
        ),
        roles_seen=tuple(sorted(tally.roles)[:50]),
        schema=options.records.schema,
        text_field=options.records.text_field,
        id_field=options.records.id_field,
        shard=shard_info if shard_info is not None else ABSENT,
    )
    stats = ScanStats(
        files=len(tally.files),
        records=tally.records,
        turns=tally.turns,
        matches=len(collected.matches),
        findings=len(collected.findings),
        errors=len(tally.errors),
        seconds=round(elapsed, 3),
    )
    return ScanResult(
        matches=collected.matches,
        findings=collected.findings,
        errors=tuple(tally.errors),
        files=tally.summaries(),
        stats=stats,
        run=info,
        waivers=collected.waivers,
        markers=collected.markers,
        declarations=tuple(declarations),
        counts=collected.counts,
        unruled=collected.unruled,
        not_scanned=(*not_scanned, *tally.not_scanned),
    )


__all__ = ["Action", "Matcher", "RecordSelector", "ResultCache", "ScanOptions", "scan"]
