"""Wires the stages: read -> segment -> fingerprint -> index -> verify -> policy -> result.

The engine never prints and never exits; it reports progress through ``Progress`` and returns
a ``ScanResult`` that every formatter renders.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import platform
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any, TypeVar

from provcheck import __version__
from provcheck.config import MatchConfig
from provcheck.executors import Executor, InProcess, ProcessPool
from provcheck.fingerprint import Fingerprint, Fingerprinter
from provcheck.formats import RecordOptions, to_record
from provcheck.index import ReferenceIndex, TextKey
from provcheck.model import (
    Action,
    FileSummary,
    Finding,
    Location,
    MarkerHit,
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
from provcheck.policy.markers import MarkerScanner, MarkerSpec
from provcheck.progress import NullProgress, Progress
from provcheck.readers import Limits, discover, read
from provcheck.readers.declared import declaring_dirs, is_card, read_declarations
from provcheck.segment import RoleFilter, segments
from provcheck.verify import Alignment, align, evidence
from provcheck.waivers import Waivers, apply

T = TypeVar("T")
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
            self._refs[key] = _Reference(self.index.codes(key))
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
        candidates = [
            self.index.candidates(fp.anchors, self.config) if len(fp.tokens) >= self.config.min_tokens else []
            for fp in prints
        ]
        self._load(c.key for cands in candidates for c in cands)
        aligned: list[tuple[int, TextKey, Alignment]] = []
        for i, (fp, cands) in enumerate(zip(prints, candidates, strict=True)):
            for cand in cands:
                alignment = align(fp.codes, self._refs[cand.key].codes, self.config)
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


@dataclass(frozen=True, slots=True)
class BatchOutput:
    """What matching one batch of records produced."""

    matches: tuple[Match, ...]
    records: int
    turns: int
    markers: tuple[MarkerHit, ...] = ()
    """Model-output markers found in the batch's scanned turns."""


@dataclass(frozen=True, slots=True)
class BatchMatcher:
    """A picklable recipe for the per-process function that matches a batch of records."""

    index_path: str
    match: MatchConfig
    roles: RoleFilter | None
    markers: tuple[MarkerSpec, ...] = ()
    """The policy's markers, as plain data: each process compiles them once."""

    def __call__(self) -> Callable[[list[Record]], BatchOutput]:
        """Open the index in this process and return the batch function."""
        matcher = Matcher(ReferenceIndex(self.index_path), self.match)
        scanner = MarkerScanner(self.markers)
        roles = self.roles

        def run(batch: list[Record]) -> BatchOutput:
            matches = matcher.records(batch, roles)
            hits = scanner.records(batch, roles) if scanner else []
            return BatchOutput(tuple(matches), len(batch), sum(len(r.turns) for r in batch), tuple(hits))

        return run


def batched(items: Iterator[T], size: int) -> Iterator[list[T]]:
    """Consecutive lists of ``size`` items (the last may be shorter)."""
    while batch := list(itertools.islice(items, size)):
        yield batch


def executor_for(
    recipe: BatchMatcher, batches: Iterator[list[Record]], workers: int
) -> tuple[Executor[list[Record], BatchOutput], Iterator[list[Record]]]:
    """A process pool when there is more than one batch of work and more than one worker;
    otherwise this process (a small scan never pays for starting workers)."""
    if workers <= 1:
        return InProcess(recipe), batches
    first = list(itertools.islice(batches, 2))
    rest = itertools.chain(first, batches)
    if len(first) < 2:
        return InProcess(recipe), rest
    return ProcessPool(recipe, workers), rest


@dataclass(slots=True)
class _Tally:
    matches: list[Match] = field(default_factory=list)
    markers: list[MarkerHit] = field(default_factory=list)
    errors: list[RecordError] = field(default_factory=list)
    files: list[FileSummary] = field(default_factory=list)
    records: int = 0
    turns: int = 0


def read_records(
    paths: Iterable[tuple[str, str]],
    options: ScanOptions,
    tally: _Tally,
    progress: Progress,
) -> Iterator[Record]:
    """Records of every file; errors and per-file summaries go to ``tally``."""
    for display, fs_path in paths:
        progress.file_started(display)
        source, items = read(display, fs_path, options.limits)
        records = errors = 0
        schemas: dict[str, int] = {}
        for item in items:
            if isinstance(item, RecordError):
                errors += 1
                tally.errors.append(item)
                progress.error(item)
                continue
            rec = to_record(item.data, Location(display, item.index, item.line), options.records)
            if isinstance(rec, RecordError):
                errors += 1
                tally.errors.append(rec)
                progress.error(rec)
                continue
            records += 1
            schemas[rec.schema] = schemas.get(rec.schema, 0) + 1
            yield rec
        schema = max(schemas, key=lambda k: schemas[k]) if schemas else None
        tally.files.append(FileSummary(display, schema, records, errors, source.sha256))
        progress.file_done(display)


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
    waivers: Waivers | None = None,
    today: dt.date | None = None,
) -> ScanResult:
    """Scan files and directories against ``index`` and evaluate ``policy`` for ``use``.

    ``waivers`` are applied to the findings as of ``today`` (default: the current UTC date).
    """
    progress = progress or NullProgress()
    started = time.perf_counter()
    started_at = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()
    tally = _Tally()
    files: list[tuple[str, str]] = []
    for item in discover(list(paths)):
        if isinstance(item, RecordError):
            tally.errors.append(item)
            progress.error(item)
        elif is_card(item[1]) and item[0] not in paths:
            continue  # a dataset card found in a directory is metadata: read as declarations
        else:
            files.append(item)
    declarations, declaration_errors = read_declarations(declaring_dirs(files, paths))
    for error in declaration_errors:
        tally.errors.append(error)
        progress.error(error)
    recipe = BatchMatcher(
        index.path, options.match, options.roles, tuple(MarkerSpec.of(m) for m in policy.markers)
    )
    batches = batched(read_records(files, options, tally, progress), options.batch_size)
    executor, batches = executor_for(recipe, batches, options.workers)
    try:
        for out in executor.map(batches):
            tally.records += out.records
            tally.turns += out.turns
            tally.matches.extend(out.matches)
            tally.markers.extend(out.markers)
            progress.records(out.records)
    finally:
        executor.close()
    evaluator = Evaluator(policy, use, index.sources)
    findings = evaluator.matches(tally.matches)
    findings += evaluator.markers(tally.markers)
    findings += evaluator.declarations(declarations)
    today = today or dt.datetime.now(dt.timezone.utc).date()
    findings, waiver_report = apply(findings, waivers, today)
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
        "waivers": waivers.path if waivers is not None else None,
        "markers": [m.id for m in policy.markers],
        "match": options.match.to_dict(),
        "workers": options.workers,
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
        files=tuple(tally.files),
        stats=stats,
        run=info,
        waivers=waiver_report,
        markers=len(tally.markers),
        declarations=tuple(declarations),
    )


def _match_order(m: Match) -> tuple[Any, ...]:
    loc = m.record.location
    return (loc.path, loc.index, m.record.turn.position, m.reference.source.name, m.reference.id)


def _finding_order(f: Finding) -> tuple[Any, ...]:
    rec = f.record
    where = (rec.location.path, rec.location.index, rec.turn.position) if rec else (f.path, -1, -1)
    return (f.waived, -f.action.severity, *where, f.rule.id, f.id)


__all__ = ["Action", "Matcher", "ScanOptions", "scan"]
