"""Opening an index for queries, and writing to it under a lock."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import replace
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from provcheck import __version__
from provcheck.errors import (
    IndexLockedError,
    IndexMismatchError,
    IndexWriteError,
    ReferenceIndexError,
    UsageError,
)
from provcheck.index import manifest as mf
from provcheck.index.integrity import file_digest
from provcheck.index.manifest import Manifest, ShardEntry, SourceEntry
from provcheck.index.shard import COMPONENTS, Shard, ShardBuilder
from provcheck.matching.fingerprint import U32
from provcheck.matching.params import FingerprintConfig, MatchConfig
from provcheck.model import Reference, ReferenceId, RoleKind, SourceInfo, SourceName, Turn
from provcheck.support import atomic

if TYPE_CHECKING:
    from filelock import FileLock

SHARDS = "shards"
TMP = "tmp"
LOCK = "lock"


def now() -> str:
    """UTC timestamp, ISO 8601, seconds."""
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


class TextKey(NamedTuple):
    """A distinct reference text: which shard, which text in it.

    A named tuple, not a frozen dataclass: a scan hashes a key about a dozen times a pair it
    aligns (its caches and memos are keyed by it), and a tuple hashes in C; the hash is the
    same (a frozen dataclass hashes the tuple of its fields), so sets of keys iterate alike."""

    shard: int
    text: int


class Candidate(NamedTuple):
    """A reference text worth verifying, and the anchors it shares with the query (a named
    tuple, as ``TextKey``: a scan makes ~7 a record)."""

    key: TextKey
    hits: int


def held_anchors(shard: Shard, pairs: list[tuple[int, U32]]) -> list[U32]:
    """For each ``(text id, query anchors)``: the query's anchors (sorted, distinct) that the
    text holds, read from the shard's postings, all pairs in one pass.

    The postings hold exactly the anchors fingerprinting the stored text gives (an index
    built with other fingerprint parameters, tokenizer or code-anchor version is refused), so
    this equals intersecting with a fresh fingerprint's anchors, without fingerprinting a
    reference's code stream again only to learn which anchors it shares.
    """
    sizes = np.array([len(a) for _, a in pairs], dtype=np.int64)
    total = int(sizes.sum())
    if total == 0 or len(shard.anchors) == 0:
        return [a[:0] for _, a in pairs]
    flat = np.concatenate([a for _, a in pairs])
    tids = np.repeat(np.array([t for t, _ in pairs], dtype=np.int64), sizes)
    lo, lengths = shard.ranges(flat)
    postings = int(lengths.sum())
    # Every posting of every query anchor (the ranges [lo, lo + length) without a loop).
    starts = np.repeat(lo - np.cumsum(lengths) + lengths, lengths) + np.arange(postings)
    which = np.repeat(np.arange(total, dtype=np.int64), lengths)
    held = np.zeros(total, dtype=bool)
    held[which[np.asarray(shard.postings[starts], dtype=np.int64) == tids[which]]] = True
    bounds = np.zeros(len(pairs) + 1, dtype=np.int64)
    np.cumsum(sizes, out=bounds[1:])
    return [flat[a:b][held[a:b]] for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True)]


class ReferenceIndex:
    """A read-only view of an index at one generation."""

    def __init__(self, path: str, *, check_digests: bool = True) -> None:
        self.path = path
        self.manifest = mf.read(path)
        self.config = self.manifest.fingerprint
        self.shards = [
            Shard(os.path.join(path, SHARDS, entry.name), entry, check_digests)
            for entry in self.manifest.shards
        ]
        self.sources: dict[str, SourceInfo] = {
            name: entry.info for name, entry in self.manifest.sources.items()
        }

    @property
    def digest(self) -> str:
        """Identifies the index content."""
        return self.manifest.digest

    def check_config(self, wanted: FingerprintConfig | None) -> None:
        """Refuse a scan asking for other fingerprint parameters than the index has."""
        if wanted is not None and wanted.signature != self.config.signature:
            raise IndexMismatchError(
                f"{self.path}: the index was built with {self.config.signature}; this scan "
                f"asks for {wanted.signature}",
                hint="scan with the index's parameters (omit the fingerprint options) or "
                "rebuild the index with the new ones",
            )

    def candidates(self, anchors: U32, config: MatchConfig) -> list[Candidate]:
        """Reference texts sharing enough anchors with a query, most shared first.

        A text qualifies with ``strong_hits`` shared anchors (a long shared passage, whatever
        the texts' lengths), or with ``min_hits`` that are at least ``min_hit_share`` of the
        smaller text's anchors (a near-copy of a short text). Texts sharing a couple of stock
        phrases with a long query are not worth aligning.
        """
        found: list[tuple[int, int, int]] = []
        query_size = len(anchors)
        for s, shard in enumerate(self.shards):
            hits = shard.lookup(anchors, config.max_postings)
            if not len(hits.text_ids):
                continue
            smaller = np.minimum(hits.sizes, query_size)
            need = np.maximum(config.min_hits, np.ceil(config.min_hit_share * smaller))
            need = np.minimum(np.minimum(need, config.strong_hits), np.maximum(smaller, 1))
            keep = hits.counts >= need
            found.extend(
                (int(c), s, int(t)) for t, c in zip(hits.text_ids[keep], hits.counts[keep], strict=True)
            )
        found.sort(key=lambda p: (-p[0], p[1], p[2]))
        limit = max(config.max_candidates, query_size // 4)
        return [Candidate(TextKey(s, t), c) for c, s, t in found[:limit]]

    def candidates_many(self, queries: list[U32], config: MatchConfig) -> list[list[Candidate]]:
        """:meth:`candidates` of many queries, looked up together (one pass per shard)."""
        if not queries:
            return []
        sizes = np.array([len(q) for q in queries], dtype=np.int64)
        flat = np.concatenate(queries) if sizes.sum() else np.zeros(0, dtype=np.uint32)
        owners = np.repeat(np.arange(len(queries), dtype=np.int64), sizes)
        # Sorted once for every shard's binary searches (``key_ranges`` sorts unsorted keys
        # itself: once per shard, 204 times a batch for an index of 204 sources). A lookup's
        # answer does not depend on the order of its queries.
        order = np.argsort(flat, kind="stable")
        flat, owners = flat[order], owners[order]
        kept: list[tuple[np.ndarray, ...]] = []
        for s, shard in enumerate(self.shards):
            query, text, counts, text_sizes = shard.lookup_many(flat, owners, config.max_postings)
            if not len(query):
                continue
            smaller = np.minimum(text_sizes, sizes[query])
            need = np.maximum(config.min_hits, np.ceil(config.min_hit_share * smaller))
            need = np.minimum(np.minimum(need, config.strong_hits), np.maximum(smaller, 1))
            keep = counts >= need
            kept.append((query[keep], np.full(int(keep.sum()), s, dtype=np.int64), text[keep], counts[keep]))
        result: list[list[Candidate]] = [[] for _ in queries]
        if not kept:
            return result
        query, shard_of, text, counts = (np.concatenate(part) for part in zip(*kept, strict=True))
        if not len(query):
            return result
        # Per query, most shared first, then by shard and text (the keys are distinct), the
        # first ``max(max_candidates, anchors // 4)`` kept: all queries in one sort.
        order = np.lexsort((text, shard_of, -counts, query))
        query, shard_of, text, counts = query[order], shard_of[order], text[order], counts[order]
        starts = np.flatnonzero(np.concatenate(([True], query[1:] != query[:-1])))
        rank = np.arange(len(query)) - np.repeat(starts, np.diff(np.append(starts, len(query))))
        limits = np.maximum(config.max_candidates, sizes // 4)
        within = rank < limits[query]
        ends = np.cumsum(np.add.reduceat(within.astype(np.int64), starts))
        shards, texts, hits = shard_of[within].tolist(), text[within].tolist(), counts[within].tolist()
        keys = map(tuple.__new__, [TextKey] * len(hits), zip(shards, texts, strict=True))  # built in C
        found = list(map(tuple.__new__, [Candidate] * len(hits), zip(keys, hits, strict=True)))
        at = 0
        for q, end in zip(query[starts].tolist(), ends.tolist(), strict=True):
            result[q] = found[at:end]
            at = end
        return result

    def frequency(self, anchors: U32) -> np.ndarray:
        """Document frequency of each anchor: the distinct reference texts holding it, over
        every shard (a text added twice, in two shards or by two sources, counts once).

        Computed from the postings at query time, so it stays right as sources and shards are
        added; nothing is stored for it.
        """
        # A shard stores identical texts once: its postings count distinct texts already.
        per_shard = [shard.ranges(anchors)[1] for shard in self.shards]
        if not per_shard:
            return np.zeros(len(anchors), dtype=np.int64)
        total = np.asarray(np.sum(per_shard, axis=0), dtype=np.int64)
        # Only an anchor held in several shards may be held by one text twice (a text added
        # to two shards): count its distinct texts by their token digests.
        several = np.flatnonzero(np.count_nonzero(per_shard, axis=0) > 1)
        if not len(several):
            return total
        parts = [shard.holders(anchors[several]) for shard in self.shards]
        which = np.concatenate([p[0] for p in parts])
        keys = np.concatenate([p[1] for p in parts])
        order = np.lexsort((keys, which))
        which, keys = which[order], keys[order]
        first = np.concatenate(([True], (which[1:] != which[:-1]) | (keys[1:] != keys[:-1])))
        total[several] = np.bincount(which[first], minlength=len(several))
        return total

    def text(self, key: TextKey) -> str:
        """The reference text."""
        return self.shards[key.shard].text(key.text)

    def codes(self, key: TextKey) -> str:
        """The reference text's token codes, as stored at indexing time."""
        return self.shards[key.shard].codes(key.text)

    def echo(self, key: TextKey) -> list[tuple[int, int]]:
        """Token ranges of the reference text that repeat its prompt."""
        return self.shards[key.shard].echo(key.text)

    def requests(self, key: TextKey) -> frozenset[str]:
        """Keys of the requests the reference records carrying the text answer
        (``matching.request``; none from an index built before they were kept)."""
        return frozenset(
            r["request"] for r in self.shards[key.shard].refs(key.text) if isinstance(r.get("request"), str)
        )

    def references(self, key: TextKey, text: str | None = None) -> list[Reference]:
        """Reference records carrying the text, one per source (first record, with a count).

        ``text``: the text of ``key`` when the caller has read it already (reading it again
        decompresses its block again: the block cache rarely still holds it by then)."""
        if text is None:
            text = self.text(key)
        first: dict[str, dict[str, Any]] = {}
        counts: dict[str, int] = {}
        for ref in self.shards[key.shard].refs(key.text):
            source = ref["source"]
            counts[source] = counts.get(source, 0) + 1
            first.setdefault(source, ref)
        out = []
        for source, ref in first.items():
            info = self.sources.get(source) or SourceInfo(name=SourceName(source))
            turn = Turn(
                role=ref["role"],
                kind=RoleKind(ref["kind"]),
                position=ref["position"],
                field=ref["field"],
                text=text,
            )
            out.append(
                Reference(
                    id=ReferenceId(ref["id"]),
                    source=info,
                    turn=turn,
                    path=ref.get("path"),
                    index=ref.get("index"),
                    duplicates=counts[source] - 1,
                )
            )
        return out

    def damaged_files(self) -> list[str]:
        """Full checksum verification; the damaged files (empty when sound)."""
        return [bad for shard in self.shards for bad in shard.damaged_files()]

    def size_on_disk(self) -> int:
        """Bytes of all shard files."""
        return sum(f.size for s in self.manifest.shards for f in s.files.values())

    def size_by_component(self) -> dict[str, int]:
        """Bytes on disk of each component (text, codes, anchors, echoes, refs), all shards."""
        out: dict[str, int] = dict.fromkeys(dict.fromkeys(COMPONENTS.values()), 0)
        for s in self.manifest.shards:
            for name, f in s.files.items():
                component = COMPONENTS.get(name, "other")
                out[component] = out.get(component, 0) + f.size
        return out


class _Lock:
    """An exclusive lock on the index's lock file (``filelock``), waited for up to ``timeout`` s.

    The holder writes its pid beside the lock so that the one waiting can name it.
    """

    def __init__(self, path: str, timeout: float) -> None:
        self.path = path
        self.timeout = timeout
        # Imported by writers only: filelock (asyncio and all) costs a reader ~20 ms of start-up.
        from filelock import FileLock

        self._lock: FileLock = FileLock(path, timeout=timeout, thread_local=False)

    def __enter__(self) -> _Lock:
        from filelock import Timeout

        try:
            self._lock.acquire(poll_interval=0.05)
        except Timeout:
            raise IndexLockedError(
                f"{os.path.dirname(self.path)}: another provcheck process{self._holder()} is "
                f"writing to this index (waited {self.timeout:g} s)",
                hint="wait for it to finish, then run the command again",
            ) from None
        try:
            with open(self.path + ".pid", "w") as fh:
                fh.write(str(os.getpid()))
        except OSError:
            self._lock.release()
            raise
        return self

    def _holder(self) -> str:
        try:
            with open(self.path + ".pid") as fh:
                pid = fh.read().strip()
            return f" (pid {pid})" if pid else ""
        except OSError:
            return ""

    def __exit__(self, *exc: object) -> None:
        if self._lock.is_locked:
            self._lock.release()


class IndexWriter:
    """Adds shards to an index (creating it if needed); nothing is visible until ``commit``.

    Use as a context manager: the lock is held from entry to exit, and leaving without commit
    (an exception, Ctrl-C) discards what was built.
    """

    def __init__(
        self, path: str, config: FingerprintConfig | None = None, *, lock_timeout: float = 10.0
    ) -> None:
        self.path = path
        self._config = config
        self._lock_timeout = lock_timeout
        self._lock: _Lock | None = None
        self.manifest: Manifest
        self._new: list[tuple[str, ShardEntry]] = []
        self._building: list[ShardBuilder] = []
        self._created = False
        """This writer made the index's directory (a first ``index add``)."""
        self._made: list[str] = []
        """What this writer made in a directory that was there (removed when no index came of it)."""

    def __enter__(self) -> IndexWriter:
        exists = os.path.exists(os.path.join(self.path, mf.MANIFEST))
        if not exists and os.path.exists(self.path) and not os.path.isdir(self.path):
            if mf.is_zip(self.path):
                raise UsageError(
                    f"{self.path}: a fingerprint pack, not an index directory: a pack is not added to",
                    hint="add to the index the pack was made from, then make the pack again with "
                    "provcheck pack create",
                )
            raise UsageError(f"{self.path}: exists and is not a directory")
        self._created = not os.path.exists(self.path)
        if not exists and not self._created:
            self._refuse_foreign_directory()
        own = (SHARDS, LOCK, LOCK + ".pid")
        self._made = [n for n in own if not self._created and not os.path.lexists(os.path.join(self.path, n))]
        try:
            os.makedirs(os.path.join(self.path, SHARDS), exist_ok=True)
            self._lock = _Lock(os.path.join(self.path, LOCK), self._lock_timeout)
            self._lock.__enter__()
        except OSError as exc:
            raise IndexWriteError(
                f"{self.path}: cannot create or lock the index: {_reason(exc)}",
                hint="check the directory's permissions and free space",
            ) from None
        try:
            if exists:
                self.manifest = mf.read(self.path)
                if self._config is not None and self._config != self.manifest.fingerprint:
                    raise IndexMismatchError(
                        f"{self.path}: the index was built with "
                        f"{self.manifest.fingerprint.signature}; this command asks for "
                        f"{self._config.signature}",
                        hint="omit the fingerprint options to use the index's own",
                    )
            else:
                stamp = now()
                self.manifest = Manifest(
                    fingerprint=self._config or FingerprintConfig(),
                    created=stamp,
                    updated=stamp,
                    tool=f"provcheck {__version__}",
                )
            self._clean_leftovers()
        except BaseException:
            self._lock.__exit__()
            self._remove_unfinished(opened=False)
            raise
        return self

    def _refuse_foreign_directory(self) -> None:
        """An existing directory without a manifest holds an index only if it holds nothing
        else: ``index add data/ refs.jsonl`` (the arguments swapped) made the dataset folder an
        index, and wrote its ``manifest.json`` among the data (adversarial pass 12)."""
        try:
            names = sorted(set(os.listdir(self.path)) - {SHARDS, TMP, LOCK, LOCK + ".pid"})
        except OSError:
            return  # creating or locking it reports the problem
        if names:
            shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
            raise UsageError(
                f"{self.path}: a directory that is not an index (no manifest.json) and holds other "
                f"files ({shown}): the index would be written among them",
                hint="give a new or empty directory for the index (index add INDEX FILE...: the "
                "index comes first)",
            )

    def _remove_unfinished(self, opened: bool = True) -> None:
        """Remove what this writer made when no index came of it: the directory it created, or
        its lock and shards folder in an empty directory that was there (a failed first add
        left them, and every scan refused the directory as an unfinished index), or beside a
        ``manifest.json`` that is not an index's (``opened``: the index was opened)."""
        if os.path.exists(os.path.join(self.path, mf.MANIFEST)) and (opened or self._created):
            return
        if self._created:
            shutil.rmtree(self.path, ignore_errors=True)
            return
        for name in self._made:
            target = os.path.join(self.path, name)
            if os.path.isdir(target) and not os.path.islink(target):
                shutil.rmtree(target, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    os.unlink(target)

    def __exit__(self, exc_type: object, exc: BaseException | None, tb: object) -> None:
        kept = False
        try:
            for builder in self._building:
                builder.abort()
            shutil.rmtree(os.path.join(self.path, TMP), ignore_errors=True)
            if exc_type is not None:
                kept = self._discard()
        finally:
            if self._lock is not None:
                self._lock.__exit__()
        if exc_type is not None:
            # A first add that failed (no reference turn, an unreadable file) left a directory
            # with a lock and empty shards that every scan refused as an unfinished index.
            self._remove_unfinished()
        if isinstance(exc, OSError):
            # Disk full, a file size limit, permissions: say what happened to the index.
            state = (
                "the index was updated, but the change may not be durable: run `provcheck index verify`"
                if kept
                else "nothing was added: the index is as it was before this command"
            )
            raise IndexWriteError(
                f"{self.path}: cannot write the index: {_reason(exc)}; {state}",
                hint="free disk space (or fix the cause above) and run the command again",
            ) from exc

    def _discard(self) -> bool:
        """Remove the shards this writer made that the manifest on disk does not use.

        The manifest is read back rather than assumed: an interruption inside ``commit`` may
        come just after the new manifest replaced the old one, and its shards must then stay.
        True when the manifest on disk uses this writer's shards (the commit happened).
        """
        try:
            live = {s.name for s in mf.read(self.path).shards}
        except ReferenceIndexError:
            live = set()  # no manifest yet (a first add) or a damaged one: nothing of ours is used
        self._remove_manifest_leftovers()
        kept = False
        for name, _ in self._new:
            if name in live:
                kept = True
            else:
                shutil.rmtree(os.path.join(self.path, SHARDS, name), ignore_errors=True)
        return kept

    def _remove_manifest_leftovers(self) -> None:
        """A manifest being written when its writer was killed (this and older versions' names)."""
        manifest = os.path.join(self.path, mf.MANIFEST)
        for tmp in [manifest + ".tmp", *atomic.leftovers(manifest)]:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)

    @property
    def config(self) -> FingerprintConfig:
        """The index's fingerprint parameters."""
        return self.manifest.fingerprint

    def _clean_leftovers(self) -> None:
        """Remove what an interrupted writer left: temp dirs, unreferenced shards, a manifest
        that was being written."""
        shutil.rmtree(os.path.join(self.path, TMP), ignore_errors=True)
        self._remove_manifest_leftovers()
        live = {s.name for s in self.manifest.shards}
        shard_dir = os.path.join(self.path, SHARDS)
        for name in os.listdir(shard_dir):
            if name not in live:
                shutil.rmtree(os.path.join(shard_dir, name), ignore_errors=True)

    def source(self, info: SourceInfo) -> SourceEntry:
        """Register a source, or check that re-adding it does not contradict its facts."""
        entry = self.manifest.sources.get(info.name)
        if entry is None:
            entry = SourceEntry(info)
            self.manifest.sources[info.name] = entry
            return entry
        old = entry.info
        if old.background != info.background:
            # The stricter reading cannot be guessed: material is either reference or background.
            kind = "background (independent text)" if old.background else "reference material"
            raise UsageError(
                f"source {info.name!r} is already in the index as {kind}; this command adds it "
                f"{'without' if old.background else 'with'} --background",
                hint="use another --source name for material of the other kind",
            )
        merged = {}
        for fieldname in ("provider", "generator", "license", "terms"):
            a, b = getattr(old, fieldname), getattr(info, fieldname)
            if a is not None and b is not None and a != b:
                raise UsageError(
                    f"source {info.name!r} is already in the index with {fieldname} {a!r}; "
                    f"this command says {b!r}",
                    hint="use another --source name, or the same facts",
                )
            merged[fieldname] = a if a is not None else b
        entry.info = replace(old, **merged, meta={**old.meta, **info.meta})
        return entry

    def new_shard(self) -> ShardBuilder:
        """A builder writing into a temp directory."""
        builder = ShardBuilder(os.path.join(self.path, TMP, uuid.uuid4().hex))
        self._building.append(builder)
        return builder

    def seal(self, builder: ShardBuilder) -> None:
        """Finish a shard and move it into place (still invisible until commit)."""
        self.manifest.generation += 1
        name = f"{self.manifest.generation:06d}-{uuid.uuid4().hex[:8]}"
        entry = builder.finish(name)
        self._building.remove(builder)
        target = os.path.join(self.path, SHARDS, name)
        os.rename(builder.directory, target)
        self._new.append((name, entry))

    def commit(self) -> None:
        """Make the new shards and source facts visible, atomically."""
        self.manifest.shards.extend(entry for _, entry in self._new if entry.texts)
        for name, entry in self._new:
            if not entry.texts:
                shutil.rmtree(os.path.join(self.path, SHARDS, name), ignore_errors=True)
        mf.fsync_dir(os.path.join(self.path, SHARDS))
        self.manifest.updated = now()
        mf.write(self.path, self.manifest)
        self._new = []


def damaged(path: str) -> list[str]:
    """Every file of the index at ``path`` that is missing or fails its checksum.

    Reads every file, and only the manifest besides: a file too damaged to open as an array
    is listed like any other.
    """
    bad = []
    for entry in mf.read(path).shards:
        for name, expected in entry.files.items():
            full = os.path.join(path, SHARDS, entry.name, name)
            try:
                sound = file_digest(full) == expected.xxh3
            except OSError as exc:
                bad.append(f"{full} ({exc.strerror or exc})")
                continue
            if not sound:
                bad.append(full)
    return bad


def _reason(exc: OSError) -> str:
    """``No space left on device (/idx/shards/x/texts.zst)``."""
    reason = exc.strerror or str(exc)
    return f"{reason} ({exc.filename})" if exc.filename else reason


def iter_texts(index: ReferenceIndex) -> Iterator[tuple[TextKey, str]]:
    """Every distinct reference text (for compaction and tests)."""
    for s, shard in enumerate(index.shards):
        for t in range(len(shard.text_keys)):
            yield TextKey(s, t), shard.text(t)
