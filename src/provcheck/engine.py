"""Wires the stages: read -> segment -> fingerprint -> index -> verify -> policy -> result.

The engine never prints and never exits; it reports progress through ``Progress`` and returns
a ``ScanResult`` that every formatter renders.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import os
import platform
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any, TypeVar

import numpy as np

from provcheck import __version__
from provcheck.config import MatchConfig
from provcheck.executors import executor_for
from provcheck.fingerprint import Fingerprint, Fingerprinter
from provcheck.formats import RecordOptions, to_record
from provcheck.index import ReferenceIndex, TextKey
from provcheck.model import (
    Action,
    FileSummary,
    Finding,
    Location,
    Match,
    MatchId,
    Record,
    RecordError,
    RecordRef,
    ScanResult,
    ScanStats,
)
from provcheck.normalize import Offsets, token_offsets
from provcheck.policy import Evaluator, Policy, Use
from provcheck.progress import NullProgress, Progress
from provcheck.readers import InputSource, Limits, RawRecord, discover, read
from provcheck.segment import RoleFilter, segments
from provcheck.verify import Alignment, align, evidence

T = TypeVar("T")
R = TypeVar("R")
_REF_CACHE = 4096
_REF_BATCH = 512
"""Matched references fingerprinted together (bounds the temporary arrays)."""
"""Reference fingerprints kept between candidates (popular references recur)."""


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


def match_id(ref: RecordRef, reference_key: Sequence[object]) -> MatchId:
    """Digest of the candidate content and turn and the reference; never positions in files."""
    digest = hashlib.blake2b(digest_size=10)
    for part in (ref.content_hash, ref.turn.position, *reference_key):
        digest.update(str(part).encode("utf-8", "surrogatepass"))
        digest.update(b"\x1f")
    return MatchId(digest.hexdigest())


@dataclass(slots=True)
class _Reference:
    """A reference text ready for verification; the rest is computed when it matches."""

    codes: str
    echoes: list[tuple[int, int]]
    text: str | None = None
    fingerprint: Fingerprint | None = None
    offsets: Offsets | None = None


class Matcher:
    """Finds verified matches of records against one index, a batch of records at a time."""

    def __init__(self, index: ReferenceIndex, config: MatchConfig) -> None:
        self.index = index
        self.config = config
        self.fingerprinter = Fingerprinter(index.config)
        self._refs: OrderedDict[TextKey, _Reference] = OrderedDict()

    def _load(self, keys: Iterable[TextKey]) -> None:
        """Fingerprint the references not in the cache, all in one batch."""
        needed = list(dict.fromkeys(keys))
        missing = []
        for key in needed:
            if key in self._refs:
                self._refs.move_to_end(key)
            else:
                missing.append(key)
        for key in missing:
            self._refs[key] = _Reference(self.index.codes(key), self.index.echo(key))
        while len(self._refs) > max(_REF_CACHE, len(needed)):
            self._refs.popitem(last=False)  # the oldest are not needed by this batch

    def _details(self, keys: Iterable[TextKey]) -> None:
        """Text, fingerprint and token offsets of references that matched, in batches."""
        todo = [k for k in dict.fromkeys(keys) if self._refs[k].fingerprint is None]
        for start in range(0, len(todo), _REF_BATCH):
            chunk = todo[start : start + _REF_BATCH]
            texts = [self.index.text(k) for k in chunk]
            prints, toks = self.fingerprinter.with_tokens(texts)
            for i, (key, text, fp) in enumerate(zip(chunk, texts, prints, strict=True)):
                ref = self._refs[key]
                ref.text, ref.fingerprint = text, fp
                ref.offsets = token_offsets(text, toks, i)

    def records(self, records: Sequence[Record], roles: RoleFilter | None) -> list[Match]:
        """Verified matches of the records' turns; one per turn and reference (best chunk).

        Four passes over the batch, each vectorized or batched: fingerprint every segment, look
        up every candidate, align every pair, then build evidence for the pairs that matched.
        """
        segs = [seg for record in records for seg in segments(record, roles)]
        prints, toks = self.fingerprinter.with_tokens([seg.text for seg in segs])
        empty = np.zeros(0, dtype=np.uint32)
        candidates = self.index.candidates_many(
            [fp.anchors if len(fp.tokens) >= self.config.min_tokens else empty for fp in prints],
            self.config,
        )
        self._load(c.key for cands in candidates for c in cands)
        aligned: list[tuple[int, TextKey, Alignment]] = []
        for i, (fp, cands) in enumerate(zip(prints, candidates, strict=True)):
            for cand in cands:
                ref = self._refs[cand.key]
                alignment = align(fp.codes, ref.codes, self.config, ref.echoes)
                if alignment is not None:
                    aligned.append((i, cand.key, alignment))
        self._details(key for _, key, _ in aligned)
        best: dict[tuple[int, int, str, str], Match] = {}
        offsets: dict[int, Offsets] = {}
        records_of: dict[int, RecordRef] = {}
        for i, key, alignment in aligned:
            seg, fp, ref = segs[i], prints[i], self._refs[key]
            if i not in offsets:
                offsets[i] = token_offsets(seg.text, toks, i)
                records_of[i] = RecordRef(
                    location=seg.record.location,
                    id=seg.record.id,
                    content_hash=seg.record.content_hash,
                    turn=seg.turn,
                )
            assert ref.text is not None and ref.fingerprint is not None and ref.offsets is not None
            ev = evidence(
                alignment,
                fp,
                seg.text,
                offsets[i],
                ref.fingerprint,
                ref.text,
                ref.offsets,
                self.config,
                seg.offset,
            )
            record = records_of[i]
            for reference in self.index.references(key):
                mid = match_id(record, (reference.source.name, reference.id, reference.turn.position))
                m = Match(id=mid, record=record, reference=reference, evidence=ev)
                slot = (id(seg.record), record.turn.position, reference.source.name, reference.id)
                old = best.get(slot)
                if old is None or ev.matched_tokens > old.evidence.matched_tokens:
                    best[slot] = m
        return list(best.values())


Pending = tuple[str, RawRecord]
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


@dataclass(frozen=True, slots=True)
class BatchMatcher:
    """A picklable recipe for the per-process function that matches a batch of records.

    Schemas are applied in the worker too, so the reading process only parses containers.
    """

    index_path: str
    match: MatchConfig
    roles: RoleFilter | None
    records: RecordOptions = RecordOptions()

    def __call__(self) -> Callable[[list[Pending]], BatchOutput]:
        """Open the index in this process and return the batch function."""
        matcher = Matcher(ReferenceIndex(self.index_path), self.match)
        roles, options = self.roles, self.records

        def run(batch: list[Pending]) -> BatchOutput:
            records: list[Record] = []
            errors: list[RecordError] = []
            for path, raw in batch:
                rec = to_record(raw.data, Location(path, raw.index, raw.line), options)
                (errors if isinstance(rec, RecordError) else records).append(rec)  # type: ignore[arg-type]
            matches = matcher.records(records, roles)
            return BatchOutput(
                tuple(matches),
                tuple(errors),
                len(batch),
                sum(len(r.turns) for r in records),
                tuple((r.location.path, r.schema) for r in records),
            )

        return run


def batched(items: Iterator[T], size: int) -> Iterator[list[T]]:
    """Consecutive lists of ``size`` items (the last may be shorter)."""
    while batch := list(itertools.islice(items, size)):
        yield batch


@dataclass(slots=True)
class _FileTally:
    path: str
    records: int = 0
    errors: int = 0
    schemas: Counter[str] = field(default_factory=Counter)
    sha256: str | None = None


@dataclass(slots=True)
class _Tally:
    matches: list[Match] = field(default_factory=list)
    errors: list[RecordError] = field(default_factory=list)
    files: dict[str, _FileTally] = field(default_factory=dict)
    records: int = 0
    turns: int = 0
    bytes_total: int = 0
    bytes_done: int = 0
    """Bytes of the files read to their end."""
    reading: InputSource | None = None
    """The file being read."""

    def position(self) -> int:
        return self.bytes_done + (self.reading.consumed if self.reading else 0)

    def add(self, out: BatchOutput) -> None:
        self.matches.extend(out.matches)
        self.errors.extend(out.errors)
        self.turns += out.turns
        for err in out.errors:
            self.files[err.path].errors += 1
        for path, schema in out.schemas:
            self.files[path].records += 1
            self.files[path].schemas[schema] += 1
        self.records += out.records - len(out.errors)

    def summaries(self) -> tuple[FileSummary, ...]:
        return tuple(
            FileSummary(
                f.path,
                f.schemas.most_common(1)[0][0] if f.schemas else None,
                f.records,
                f.errors,
                f.sha256,
            )
            for f in self.files.values()
        )


def read_records(
    paths: Iterable[tuple[str, str]],
    options: ScanOptions,
    tally: _Tally,
    progress: Progress,
) -> Iterator[Pending]:
    """Raw records of every file; reading errors go to ``tally``."""
    for display, fs_path in paths:
        progress.file_started(display)
        file = tally.files[display] = _FileTally(display)
        source, items = read(display, fs_path, options.limits)
        tally.reading = source
        for item in items:
            if isinstance(item, RecordError):
                file.errors += 1
                tally.errors.append(item)
                progress.error(item)
                continue
            yield display, item
        file.sha256 = source.sha256
        tally.bytes_done += source.consumed
        tally.reading = None
        progress.file_done(display)


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:  # URLs and vanished files: progress without an ETA
        return 0


def _versions() -> dict[str, str]:
    out = {"provcheck": __version__, "python": platform.python_version()}
    for dist in ("numpy", "rapidfuzz", "xxhash", "pyarrow"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:  # pragma: no cover - declared dependencies
            out[dist] = "missing"
    return out


def scan(
    paths: Sequence[str],
    index: ReferenceIndex,
    policy: Policy,
    use: Use,
    options: ScanOptions = ScanOptions(),
    progress: Progress | None = None,
    run: dict[str, Any] | None = None,
) -> ScanResult:
    """Scan files and directories against ``index`` and evaluate ``policy`` for ``use``."""
    progress = progress or NullProgress()
    started = time.perf_counter()
    started_at = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()
    tally = _Tally()
    files: list[tuple[str, str]] = []
    for item in discover(list(paths)):
        if isinstance(item, RecordError):
            tally.errors.append(item)
            progress.error(item)
        else:
            files.append(item)
    tally.bytes_total = sum(_size(fs_path) for _, fs_path in files)
    recipe = BatchMatcher(index.path, options.match, options.roles, options.records)
    batches = batched(read_records(files, options, tally, progress), options.batch_size)
    executor, batches = executor_for(recipe, batches, options.workers, options.engine, options.address)
    try:
        for out in executor.map(batches):
            tally.add(out)
            progress.records(out.records)
            progress.position(tally.position(), tally.bytes_total)
    finally:
        executor.close()
    tally.errors.sort(key=lambda e: (e.path, -1 if e.index is None else e.index, e.line or 0))
    findings = Evaluator(policy, use, index.sources).matches(tally.matches)
    findings.sort(key=_finding_order)
    elapsed = time.perf_counter() - started
    info: dict[str, Any] = {
        "tool": {"name": "provcheck", "version": __version__},
        "versions": _versions(),
        "started_at": started_at,
        "finished_at": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
        "paths": list(paths),
        "use": use.to_dict(),
        "index": {
            "path": index.path,
            "digest": index.digest,
            "signature": index.config.signature,
            "fingerprint": index.config.to_dict(),
            "sources": sorted(index.sources),
        },
        "policy": {
            "path": policy.path or None,
            "name": policy.name,
            "digest": policy.digest or None,
            "files": list(policy.files),
        },
        "match": options.match.to_dict(),
        "workers": options.workers,
        "engine": options.engine,
        "roles": str(options.roles) if options.roles else None,
        "schema": options.records.schema,
    }
    info.update(run or {})
    stats = ScanStats(
        files=len(tally.files),
        records=tally.records,
        turns=tally.turns,
        matches=len(tally.matches),
        findings=len(findings),
        errors=len(tally.errors),
        seconds=round(elapsed, 3),
    )
    return ScanResult(
        matches=tuple(sorted(tally.matches, key=_match_order)),
        findings=tuple(findings),
        errors=tuple(tally.errors),
        files=tally.summaries(),
        stats=stats,
        run=info,
    )


def _match_order(m: Match) -> tuple[Any, ...]:
    loc = m.record.location
    return (loc.path, loc.index, m.record.turn.position, m.reference.source.name, m.reference.id)


def _finding_order(f: Finding) -> tuple[Any, ...]:
    rec = f.record
    where = (rec.location.path, rec.location.index, rec.turn.position) if rec else (f.path, -1, -1)
    return (-f.action.severity, *where, f.rule.id)


__all__ = ["Action", "Matcher", "ScanOptions", "scan"]
