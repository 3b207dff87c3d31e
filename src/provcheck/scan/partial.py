"""Shards that merge: ``scan --shard I/N --partial FILE`` and ``provcheck merge FILE...``.

A scan too big for one job is cut into N shares of its input files; each share is scanned on
its own (another machine, another day) and writes a *partial*: everything a report needs of
that share (matches, findings with their waivers applied, marker count, errors, file
summaries) and the run record, which says what the run was (index and policy digests, declared
use, matching and reading options, versions, the waivers file's digest, and the whole file list
with the share of each file). ``merge`` checks that the partials are the N shares of one run —
none missing, none twice, none from another run — and gives the ``ScanResult`` one scan of
everything gives: the same matches and findings in the same order, the same finding ids, the
same counts and so the same exit code.

How files are dealt out: every share discovers the same files (sorted paths, the order of a
whole scan) and deals them by size, largest first, each to the share with the fewest bytes so
far (ties to the lowest share). The deal depends only on the list of paths and sizes, which
the partial records: a file that changed size between two shares' runs makes the lists differ
and the merge refuses them. A file is never split across shares (see docs/scale.md for why
byte ranges are left to the Ray engine).

What every share sees alike — files found but not read, discovery errors, dataset cards —
belongs to share 1 only, so that the merge counts it once. The cards' findings are made by the
merge (``_Cards``): their rules compare a card with what every share's records matched.

The partial is gzip-compressed JSON Lines of plain data (``scan.plaindata``): a partial
someone else wrote cannot run code (unlike pickle), and values of the wrong type are refused.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gzip
import hashlib
import heapq
import json
import os
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any

from provcheck import model
from provcheck.errors import ProvcheckError, UsageError
from provcheck.index.combined import open_index
from provcheck.index.remote import local_index
from provcheck.model import (
    ABSENT,
    Finding,
    Match,
    RunRecord,
    ScanResult,
    ScanStats,
    ShardFacts,
    ShareFile,
    WaiverReport,
)
from provcheck.policy import Evaluator, Use, default_policy, load_policy
from provcheck.scan.plaindata import decode, encode
from provcheck.scan.results import Collector
from provcheck.support.atomic import write_atomic
from provcheck.waivers import Applier, load_waivers

FORMAT = "provcheck-partial"
VERSION = 1

SAME_RUN = (
    ("versions",),
    ("paths",),
    ("use",),
    ("index", "digest"),
    ("index", "signature"),
    ("policy", "digest"),
    ("policy", "name"),
    ("markers",),
    ("match",),
    ("roles",),
    ("schema",),
    ("text_field",),
    ("id_field",),
    ("fail_on",),
    ("waivers_digest",),
    ("shard", "count"),
    ("shard", "inputs"),
)
"""Run-record entries that must be equal in every share of one run (a missing one is None)."""


MAX_SHARDS = 100_000
"""Shares a run may be cut into (a job array's size; more would be empty shares)."""


class MergeError(UsageError):
    """Partials that are not the shares of one run, or a partial that cannot be read."""


@dataclass(frozen=True, slots=True)
class Shard:
    """Share ``index`` of ``count`` (1-based)."""

    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        """``3/8`` -> Shard(3, 8); anything else is refused."""
        left, sep, right = text.partition("/")
        try:
            index, count = int(left), int(right)
        except ValueError:
            index = count = 0
        if not sep or not 1 <= count <= MAX_SHARDS or not 1 <= index <= count:
            raise UsageError(
                f"--shard {text}: expected I/N with 1 <= I <= N <= {MAX_SHARDS:,} "
                "(e.g. --shard 1/4 ... --shard 4/4)"
            )
        return cls(index, count)

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def deal(sizes: Sequence[int], count: int) -> list[int]:
    """The share (1-based) of each file: largest first to the share with the fewest bytes so far."""
    # Only the first len(sizes) shares can get a file (one of them is empty, and first, until
    # every file is placed): N never sizes a list. The heap orders (bytes, share).
    heap = [(0, s) for s in range(min(count, len(sizes)))]
    out = [0] * len(sizes)
    for i in sorted(range(len(sizes)), key=lambda i: (-sizes[i], i)):
        load, target = heapq.heappop(heap)
        heapq.heappush(heap, (load + sizes[i], target))
        out[i] = target + 1
    return out


def file_size(path: str) -> int:
    """A file's size; 0 for URLs and vanished files (progress without an ETA, dealt as empty)."""
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def share(
    files: list[tuple[str, str]], shard: Shard, size: Callable[[str], int]
) -> tuple[list[tuple[str, str]], ShardFacts]:
    """The files of ``shard``, and the run-record entry that lets a merge check the set."""
    sizes = [size(fs_path) for _, fs_path in files]
    owners = deal(sizes, shard.count)
    digest = _inputs_digest(
        [(display, n, owner) for (display, _), n, owner in zip(files, sizes, owners, strict=True)]
    )
    mine = [f for f, owner in zip(files, owners, strict=True) if owner == shard.index]
    info = ShardFacts(
        index=shard.index,
        count=shard.count,
        inputs=digest,
        files=tuple(
            ShareFile(path=d, bytes=n, share=o) for (d, _), n, o in zip(files, sizes, owners, strict=True)
        ),
        bytes=sum(n for n, owner in zip(sizes, owners, strict=True) if owner == shard.index),
    )
    return mine, info


def _inputs_digest(inputs: Sequence[tuple[str, int, int]]) -> str:
    """Identifies a run's file list: each file's path, size and share."""
    listed = [[path, size, owner] for path, size, owner in inputs]
    return hashlib.sha256(json.dumps(listed, ensure_ascii=True).encode()).hexdigest()


# --- writing -------------------------------------------------------------------------------


def file_digest(path: str | None) -> str | None:
    """sha256 of a file's bytes (the waivers file), None when there is none."""
    if not path:
        return None
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def write_partial(path: str, result: ScanResult, indexes: Sequence[str]) -> None:
    """Write ``result`` (a scan with ``ScanOptions.shard`` against ``indexes``, packs included)
    as a partial, atomically. Their sources go with it: the merge evaluates the dataset cards."""
    opened = open_index([local_index(i) for i in indexes])
    if opened.digest != result.run.index.digest:
        raise UsageError(f"--index {', '.join(indexes)} changed during the scan; the partial was not written")
    sources = opened.sources
    if result.run.shard is ABSENT:
        raise UsageError("--partial needs --shard I/N (a partial is one share of a run)")
    digest = file_digest(result.waivers.file) if result.waivers is not None else None
    run = dataclasses.replace(result.run, waivers_digest=digest).to_dict()  # the one serializer

    def lines() -> Iterator[Any]:
        yield {"format": FORMAT, "version": VERSION, "run": run}
        yield {
            "stats": encode(result.stats),
            "markers": result.markers,
            "waivers": encode(result.waivers),
            "sources": encode(dict(sources)),
        }
        for summary in result.files:
            yield {"file": encode(summary)}
        for e in result.errors:
            yield {"error": encode(e)}
        for n in result.not_scanned:
            yield {"not_scanned": encode(n)}
        for d in result.declarations:
            yield {"declaration": encode(d)}
        # A finding's match is written once, with the matches, and named by its position
        # (match ids hash content: two copies of a record share one, so the place is kept too).
        position: dict[tuple[Any, ...], int] = {}
        for i, m in enumerate(result.matches):
            position.setdefault(_match_key(m), i)
            yield {"match": encode(m)}
        for finding in result.findings:
            at = None if finding.match is None else position[_match_key(finding.match)]
            yield {"finding": encode(dataclasses.replace(finding, match=None)), "match_at": at}
        yield {"end": True}

    def write(out: IO[bytes]) -> None:
        with gzip.GzipFile(fileobj=out, mode="wb", mtime=0) as gz:
            for line in lines():
                gz.write(json.dumps(line, ensure_ascii=True, separators=(",", ":")).encode() + b"\n")

    write_atomic(path, write, binary=True)


def _match_key(m: Match) -> tuple[Any, ...]:
    loc = m.record.location
    return (m.id, loc.path, loc.index, m.record.turn.position, m.reference.source.name, m.reference.id)


# --- reading and merging -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Partial:
    """One share as read back."""

    path: str
    run: dict[str, Any]
    stats: ScanStats
    markers: int
    waivers: WaiverReport | None
    files: tuple[model.FileSummary, ...]
    errors: tuple[model.RecordError, ...]
    not_scanned: tuple[model.NotScanned, ...]
    declarations: tuple[model.Declaration, ...]
    matches: tuple[Match, ...]
    findings: tuple[Finding, ...]
    sources: Mapping[str, model.SourceInfo]
    """The index's sources (for the evaluation of dataset cards at the merge)."""

    @property
    def shard(self) -> Shard:
        info = self.run["shard"]
        return Shard(int(info["index"]), int(info["count"]))


def read_partial(path: str, body: bool = True) -> Partial:
    """A partial file, checked; any fault is a ``MergeError`` naming the file and line.

    ``body=False`` leaves out the matches and findings (the bulk of a partial): what ``merge``
    checks first, for every partial, before it reads their bodies one at a time."""
    line_no = 0
    try:
        with gzip.open(path, "rb") as fh:
            lines = iter(fh)
            line_no = 1
            head = json.loads(next(lines))
            if not isinstance(head, dict) or head.get("format") != FORMAT:
                raise ValueError("not a provcheck partial (written by scan --shard I/N --partial FILE)")
            if head.get("version") != VERSION:
                raise ValueError(
                    f"partial format version {head.get('version')!r}; this provcheck reads {VERSION}"
                )
            run = head["run"]
            shard = RunRecord.from_dict(run).shard  # every value type-checked, or refused
            if shard is ABSENT:
                raise ValueError("the run record has no shard")
            if not 1 <= shard.index <= shard.count <= MAX_SHARDS:
                raise ValueError(f"shard {shard.index}/{shard.count} is out of range")
            parts: dict[str, list[Any]] = {
                k: [] for k in ("file", "error", "not_scanned", "declaration", "match", "finding")
            }
            top: dict[str, Any] = {}
            ended = False
            for raw in lines:
                line_no += 1
                item = json.loads(raw)
                if ended:
                    raise ValueError("data after the end mark")
                if "end" in item:
                    ended = True
                elif "stats" in item:
                    top = {  # decoded here, so that a fault names this line
                        "stats": decode(item["stats"]),
                        "markers": int(item["markers"]),
                        "waivers": decode(item["waivers"]),
                        "sources": _sources(decode(item.get("sources", {"$m": []}))),
                    }
                elif "finding" in item:
                    if body:
                        parts["finding"].append((decode(item["finding"]), item.get("match_at")))
                else:
                    (kind,) = item.keys()
                    if body or kind != "match":
                        parts[kind].append(decode(item[kind]))
            if not ended:
                raise ValueError("the file ends before its end mark (cut short)")
            matches = tuple(parts["match"])
            for _, at in parts["finding"]:
                if at is not None and not (isinstance(at, int) and 0 <= at < len(matches)):
                    raise ValueError(f"a finding names match {at!r} of {len(matches)}")
            findings = tuple(
                f if at is None else dataclasses.replace(f, match=matches[at]) for f, at in parts["finding"]
            )
            stats = top["stats"]
            errors = tuple(parts["error"])
            # Lines removed from a partial (an edit, a filter) would merge into a smaller verdict.
            held = {"errors": len(errors)}
            if body:
                held.update(matches=len(matches), findings=len(findings))
            for what, n in held.items():
                if not isinstance(stats, ScanStats) or getattr(stats, what) != n:
                    raise ValueError(
                        f"it holds {n} {what} but its counts say {getattr(stats, what, None)!r}: "
                        "lines were removed or added"
                    )
            return Partial(
                path=path,
                run=run,
                stats=stats,
                markers=top["markers"],
                waivers=top["waivers"],
                files=tuple(parts["file"]),
                errors=errors,
                not_scanned=tuple(parts["not_scanned"]),
                declarations=tuple(parts["declaration"]),
                matches=matches,
                findings=findings,
                sources=top["sources"],
            )
    except OSError as exc:
        raise MergeError(f"{path}: cannot read the partial: {exc.strerror or exc}") from None
    except (StopIteration, EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise MergeError(f"{path}: not a complete partial (cut short or not gzip): {exc}") from None
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        raise MergeError(f"{path}:{line_no}: invalid partial: {exc}") from None


def _sources(value: Any) -> dict[str, model.SourceInfo]:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, model.SourceInfo) for k, v in value.items()
    ):
        raise ValueError("the index sources are not a map of names to sources")
    return value


def _entry(run: Mapping[str, Any], keys: tuple[str, ...]) -> Any:
    value: Any = run
    for k in keys:
        value = value.get(k) if isinstance(value, Mapping) else None
    return value


def check_set(partials: Sequence[Partial]) -> None:
    """The partials are the N shares of one run, each once; else a located error."""
    if not partials:
        raise MergeError("no partial given: name the files written by scan --shard I/N --partial FILE")
    first = partials[0]
    for p in partials[1:]:
        for keys in SAME_RUN:
            if _entry(p.run, keys) != _entry(first.run, keys):
                name = ".".join(keys)
                raise MergeError(
                    f"{p.path}: not a share of the same run as {first.path}: {name} differs "
                    f"({_short(_entry(p.run, keys))} vs {_short(_entry(first.run, keys))})",
                    hint="merge only the partials of one scan: same inputs, index, policy, use and options",
                )
    count = first.shard.count
    seen: dict[int, str] = {}
    for p in partials:
        i = p.shard.index
        if i in seen:
            raise MergeError(f"{p.path}: shard {i}/{count} given twice (also {seen[i]})")
        seen[i] = p.path
    missing = [f"{i}/{count}" for i in range(1, count + 1) if i not in seen]
    if missing:
        raise MergeError(
            f"shard {', '.join(missing)} missing: {len(partials)} of {count} partials given",
            hint="scan the missing share with --shard and the same options, then merge all of them",
        )
    for p in partials:
        _check_file_list(p)
        if p.run["shard"]["files"] != first.run["shard"]["files"]:
            raise MergeError(f"{p.path}: its run's file list differs from that of {first.path}")
    for p in partials:
        expected = [f["path"] for f in p.run["shard"]["files"] if f["share"] == p.shard.index]
        got = [f.path for f in p.files]
        if got != expected:
            raise MergeError(
                f"{p.path}: shard {p.shard} read {len(got)} file(s) but its share is {len(expected)}; "
                "the partial is not what its run record says"
            )


def _check_file_list(p: Partial) -> None:
    """The file list a partial's run record holds is the one its digest names, dealt as
    ``deal`` deals it: a list edited to leave a file out (or to move it) is refused."""
    shard = p.run["shard"]
    listed = [(str(f["path"]), int(f["bytes"]), int(f["share"])) for f in shard["files"]]
    if _inputs_digest(listed) != shard["inputs"]:
        raise MergeError(f"{p.path}: its run's file list does not match its digest: the partial was edited")
    if [owner for _, _, owner in listed] != deal([size for _, size, _ in listed], p.shard.count):
        raise MergeError(
            f"{p.path}: its run's file list is not dealt as a scan deals it: the partial was edited"
        )


def _short(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 80 else text[:77] + "..."


def merge(partials: Sequence[Partial], load: Callable[[Partial], Partial] | None = None) -> ScanResult:
    """One ``ScanResult`` from the shares of a run, as one scan of everything gives it.

    ``load``: reads a partial's body when ``partials`` were read without (``body=False``), so
    that one partial's matches are in memory at a time (the collector spools them to disk)."""
    check_set(partials)
    ordered = sorted(partials, key=lambda p: p.shard.index)
    replay = _Replay()
    collector = Collector(replay)  # type: ignore[arg-type]  # replays stored findings
    declarations = [d for p in ordered for d in p.declarations]
    cards = _Cards(ordered[0]) if declarations else None
    for head in ordered:
        p = load(head) if load is not None else head
        replay.findings = list(p.findings)
        collector.add(p.matches, ())
        if cards is not None:
            cards.evaluator.matches(p.matches)  # what the cards' rules compare with
    replay.findings = cards.findings(declarations) if cards is not None else []
    collector.declarations(())
    collected = collector.finish()
    order = {f["path"]: i for i, f in enumerate(ordered[0].run["shard"]["files"])}
    files = tuple(sorted((f for p in ordered for f in p.files), key=lambda f: order.get(f.path, len(order))))
    errors = sorted(
        (e for p in ordered for e in p.errors),
        key=lambda e: (e.path, -1 if e.index is None else e.index, e.line or 0),
    )
    seconds = max(p.stats.seconds for p in ordered)
    stats = ScanStats(
        files=sum(p.stats.files for p in ordered),
        records=sum(p.stats.records for p in ordered),
        turns=sum(p.stats.turns for p in ordered),
        matches=len(collected.matches),
        findings=len(collected.findings),
        errors=len(errors),
        seconds=seconds,
    )
    return ScanResult(
        matches=collected.matches,
        findings=collected.findings,
        errors=tuple(errors),
        files=files,
        stats=stats,
        run=_merged_run(ordered),
        waivers=_merged_waivers(
            [p.waivers for p in ordered] + ([cards.report()] if cards is not None else [])
        ),
        markers=sum(p.markers for p in ordered),
        declarations=tuple(d for p in ordered for d in p.declarations),
        counts=collected.counts,
        unruled=collected.unruled,
        not_scanned=tuple(n for p in ordered for n in p.not_scanned),
    )


class _Cards:
    """Evaluates the dataset cards of a run at its merge: their rules compare what a card
    declares with what every share's records matched, which no share saw alone. The policy and
    the waivers file are read again from where the shares read them, and refused if they
    changed since (their digests are in the run record)."""

    def __init__(self, first: Partial) -> None:
        run = first.run
        policy_info: dict[str, Any] = run["policy"] if isinstance(run.get("policy"), dict) else {}
        path = policy_info.get("path")
        try:
            policy = (
                load_policy(path, allow_outside=bool(run.get("allow_include_outside")))
                if path
                else default_policy()
            )
        except ProvcheckError as exc:
            raise MergeError(
                f"{first.path}: the run's policy {path} cannot be read again for its dataset cards: "
                f"{exc.message}",
                hint="run merge where the shards ran (paths in the run record are relative to it)",
            ) from None
        if (policy.digest or None) != policy_info.get("digest"):
            raise MergeError(f"{first.path}: the policy {path} changed since the shards ran (digest differs)")
        u: dict[str, Any] = run["use"] if isinstance(run.get("use"), dict) else {}
        use = Use(
            frozenset(u.get("purpose") or ()),
            u.get("commercial"),
            u.get("distributed"),
            u.get("research_only"),
        )
        self.evaluator = Evaluator(policy, use, dict(first.sources))
        self.applier: Applier | None = None
        waivers = run.get("waivers")
        if isinstance(waivers, str):
            if not os.path.isfile(waivers) or file_digest(waivers) != run.get("waivers_digest"):
                raise MergeError(
                    f"{first.path}: the waivers file {waivers} is missing or changed since the shards ran"
                )
            self.applier = Applier(load_waivers(waivers), dt.datetime.now(dt.timezone.utc).date())

    def findings(self, declarations: Sequence[model.Declaration]) -> list[Finding]:
        found = self.evaluator.declarations(declarations)
        return [self.applier(f) for f in found] if self.applier is not None else found

    def report(self) -> WaiverReport | None:
        return self.applier.report() if self.applier is not None else None


class _Replay:
    """Stands in for the policy evaluator: gives back the findings a share already made."""

    def __init__(self) -> None:
        self.findings: list[Finding] = []

    def matches(self, matches: Sequence[Match]) -> list[Finding]:
        return self.findings

    def markers(self, markers: Sequence[object]) -> list[Finding]:  # pragma: no cover - never given
        return []

    def declarations(self, declared: object) -> list[Finding]:
        return self.findings


def _merged_run(ordered: Sequence[Partial]) -> RunRecord:
    run = dict(ordered[0].run)
    run.pop("shard", None)
    run.pop("waivers_digest", None)
    run["started_at"] = min(str(p.run.get("started_at")) for p in ordered)
    run["finished_at"] = max(str(p.run.get("finished_at")) for p in ordered)
    run["turns_selected"] = sum(int(p.run.get("turns_selected") or 0) for p in ordered)
    roles = sorted({str(r) for p in ordered for r in p.run.get("roles_seen") or []})
    run["roles_seen"] = roles[:50]
    run["merged"] = {
        "shards": len(ordered),
        "inputs": ordered[0].run["shard"]["inputs"],
        "partials": [
            {
                "path": p.path,
                "shard": str(p.shard),
                "command": p.run.get("command"),
                "seconds": p.stats.seconds,
            }
            for p in ordered
        ],
    }
    return RunRecord.from_dict(run)


def _merged_waivers(reports: Sequence[WaiverReport | None]) -> WaiverReport | None:
    """Counts add up; an entry is stale when no share used it."""
    given = [r for r in reports if r is not None]
    if not given:
        return None
    stale = [s for s in given[0].stale if all(s in r.stale for r in given[1:])]
    return WaiverReport(
        file=given[0].file,
        entries=given[0].entries,
        waived=sum(r.waived for r in given),
        expired=sum(r.expired for r in given),
        placeholders=sum(r.placeholders for r in given),
        stale=tuple(stale),
    )


__all__ = [
    "MergeError",
    "Partial",
    "Shard",
    "check_set",
    "deal",
    "merge",
    "read_partial",
    "share",
    "write_partial",
]
