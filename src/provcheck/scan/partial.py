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
Its end mark holds a digest of every line before it (sha256; HMAC-SHA256 when the shares' jobs
share a key in ``PROVCHECK_MERGE_KEY``), which the merge checks: a partial edited by hand is
refused unless whoever edited it recomputed the digest, and a keyed one unless they had the key.
"""

from __future__ import annotations

import dataclasses
import hashlib
import heapq
import hmac
import json
import os
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any

from provcheck import model
from provcheck.errors import UsageError
from provcheck.index.combined import open_index
from provcheck.index.remote import local_index
from provcheck.model import (
    ABSENT,
    Finding,
    Match,
    RunRecord,
    ScanResult,
    ScanStats,
    WaiverReport,
)
from provcheck.model.runextras import ShardFacts, ShareFile
from provcheck.scan.plaindata import decode, encode
from provcheck.support.atomic import write_atomic

FORMAT = "provcheck-partial"
VERSION = 2
"""2: the end mark holds the integrity digest."""

KEY_ENV = "PROVCHECK_MERGE_KEY"
"""A key the shares' jobs and the merge share (hex, at least 16 bytes): partials are then
signed with HMAC-SHA256, which no one without the key can recompute after an edit."""
DIGEST = "sha256"
KEYED = "hmac-sha256"


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


def share(
    files: list[tuple[str, str]], shard: Shard, size: Callable[[str], int]
) -> tuple[list[tuple[str, str]], ShardFacts]:
    """The files of ``shard``, and the run-record entry that lets a merge check the set."""
    sizes = [size(fs_path) for _, fs_path in files]
    owners = deal(sizes, shard.count)
    digest = inputs_digest(
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


def inputs_digest(inputs: Sequence[tuple[str, int, int]]) -> str:
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


def merge_key() -> bytes | None:
    """The key in ``PROVCHECK_MERGE_KEY``, if set (a blank one is refused)."""
    from provcheck.index.pack import parse_key

    value = os.environ.get(KEY_ENV)
    if value is None:
        return None
    if not value.strip():
        raise UsageError(f"{KEY_ENV} is set but blank: give the key the shares' jobs share, or unset it")
    return parse_key(value, where=KEY_ENV)


def _hasher(key: bytes | None) -> Any:
    return hashlib.sha256() if key is None else hmac.new(key, digestmod=hashlib.sha256)


def write_partial(path: str, result: ScanResult, indexes: Sequence[str]) -> None:
    """Write ``result`` (a scan with ``ScanOptions.shard`` against ``indexes``, packs included)
    as a partial, atomically. Their sources go with it: the merge evaluates the dataset cards.
    The end mark holds the digest of every line before it, keyed with ``PROVCHECK_MERGE_KEY``
    when it is set."""
    key = merge_key()
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

    def write(out: IO[bytes]) -> None:
        import gzip  # a partial's: not on the path of every scan (the engine imports this module)

        digest = _hasher(key)
        with gzip.GzipFile(fileobj=out, mode="wb", mtime=0) as gz:
            for line in lines():
                raw = json.dumps(line, ensure_ascii=True, separators=(",", ":")).encode() + b"\n"
                digest.update(raw)
                gz.write(raw)
            end = {"end": True, "integrity": DIGEST if key is None else KEYED, "digest": digest.hexdigest()}
            gz.write(json.dumps(end, separators=(",", ":")).encode() + b"\n")

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
    integrity: str = DIGEST
    """How its content was checked: ``sha256`` (a digest) or ``hmac-sha256`` (keyed)."""

    @property
    def shard(self) -> Shard:
        info = self.run["shard"]
        return Shard(int(info["index"]), int(info["count"]))


def read_partial(path: str, body: bool = True) -> Partial:
    """A partial file, checked; any fault is a ``MergeError`` naming the file and line.

    ``body=False`` leaves out the matches and findings (the bulk of a partial): what ``merge``
    checks first, for every partial, before it reads their bodies one at a time."""
    import gzip

    key = merge_key()
    line_no = 0
    try:
        with gzip.open(path, "rb") as fh:
            lines = iter(fh)
            line_no = 1
            first = next(lines)
            plain, keyed = hashlib.sha256(first), None if key is None else _hasher(key)
            if keyed is not None:
                keyed.update(first)
            head = json.loads(first)
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
            integrity = DIGEST
            for raw in lines:
                line_no += 1
                item = json.loads(raw)
                if ended:
                    raise ValueError("data after the end mark")
                if "end" in item:
                    ended = True
                    integrity = _check_digest(item, plain, keyed, path, line_no)
                    continue
                plain.update(raw)
                if keyed is not None:
                    keyed.update(raw)
                if "stats" in item:
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
                integrity=integrity,
            )
    except OSError as exc:
        raise MergeError(f"{path}: cannot read the partial: {exc.strerror or exc}") from None
    except (StopIteration, EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise MergeError(f"{path}: not a complete partial (cut short or not gzip): {exc}") from None
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        raise MergeError(f"{path}:{line_no}: invalid partial: {exc}") from None


def _check_digest(end: Mapping[str, Any], plain: Any, keyed: Any, path: str, line_no: int) -> str:
    """How the partial's content checks (``sha256`` or ``hmac-sha256``), or a ``MergeError``."""
    how, recorded = end.get("integrity"), end.get("digest")
    if how not in (DIGEST, KEYED) or not isinstance(recorded, str):
        raise ValueError("the end mark holds no integrity digest")
    if how == KEYED and keyed is None:
        raise MergeError(
            f"{path}:{line_no}: the partial is signed with a key ({KEY_ENV} was set in its job), "
            "and no key is set here: it cannot be checked",
            hint=f"set {KEY_ENV} to the key the shares' jobs shared",
        )
    if how == DIGEST and keyed is not None:
        raise MergeError(
            f"{path}:{line_no}: {KEY_ENV} is set, but the partial holds only an unkeyed digest: its "
            "job ran without the key, or someone without it wrote the partial again",
            hint=f"run every share with {KEY_ENV} set, or merge without the key",
        )
    expected = (keyed if how == KEYED else plain).hexdigest()
    if not hmac.compare_digest(expected, recorded):
        what = "signature (HMAC-SHA256 with the key)" if how == KEYED else "digest (sha256)"
        raise MergeError(
            f"{path}:{line_no}: the partial's content does not match its {what}: it was changed "
            "after its scan wrote it",
            hint="scan the share again (scan --shard I/N --partial FILE); never edit a partial",
        )
    return str(how)


def _sources(value: Any) -> dict[str, model.SourceInfo]:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, model.SourceInfo) for k, v in value.items()
    ):
        raise ValueError("the index sources are not a map of names to sources")
    return value


__all__ = [
    "MergeError",
    "Partial",
    "Shard",
    "deal",
    "read_partial",
    "share",
    "write_partial",
]
