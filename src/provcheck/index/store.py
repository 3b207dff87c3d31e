"""Opening an index for queries (writing to it: :mod:`provcheck.index.writer`)."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from typing import Any, NamedTuple

import numpy as np

from provcheck.errors import IndexMismatchError
from provcheck.index import manifest as mf
from provcheck.index.integrity import file_digest
from provcheck.index.shard import COMPONENTS, Shard
from provcheck.matching.fingerprint import U32
from provcheck.matching.params import FingerprintConfig, MatchConfig
from provcheck.matching.trigrams import MIN_SHARED
from provcheck.matching.trigrams import hashed as trigram_hashes
from provcheck.model import Reference, ReferenceId, RoleKind, SourceInfo, SourceName, Turn

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


def ranked(
    found: list[tuple[int, np.ndarray, np.ndarray, np.ndarray]], queries: int, limit: int
) -> list[list[Candidate]]:
    """Per query, the texts of ``found`` ((part, query, text, shared) of every part), most
    shared first then by part and text, at most ``limit`` of them. Ranked in arrays: only the
    texts kept become objects (a turn shares 3 hashes with ~15 texts on issue 17's workload)."""
    out: list[list[Candidate]] = [[] for _ in range(queries)]
    given = [(np.full(len(q), s, dtype=np.int64), q, t, c) for s, q, t, c in found if len(q)]
    if not given:
        return out
    part, query, text, shared = (np.concatenate(column) for column in zip(*given, strict=True))
    order = np.lexsort((text, part, -shared, query))
    part, query, text, shared = part[order], query[order], text[order], shared[order]
    starts = np.flatnonzero(np.concatenate(([True], query[1:] != query[:-1])))
    rank = np.arange(len(query)) - np.repeat(starts, np.diff(np.append(starts, len(query))))
    kept = rank < limit
    for q, s, t, c in zip(
        query[kept].tolist(), part[kept].tolist(), text[kept].tolist(), shared[kept].tolist(), strict=True
    ):
        out[q].append(Candidate(TextKey(s, t), c))
    return out


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

    def trigram_candidates_many(
        self, codes: list[str], config: MatchConfig, limit: int
    ) -> list[list[Candidate]]:
        """The second candidate route (``matching.trigrams``): for each turn's token codes
        (``Fingerprint.codes``; every distinct trigram hash looked up), the texts holding at least
        ``trigrams.MIN_SHARED`` of them among their kept hashes, most shared first (``limit`` a
        query at most)."""
        flat, owners = trigram_hashes(codes)
        found = [
            (s, *shard.trigram_lookup_many(flat, owners, config.max_postings, MIN_SHARED))
            for s, shard in enumerate(self.shards)
        ]
        return ranked(found, len(codes), limit)

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


def iter_texts(index: ReferenceIndex) -> Iterator[tuple[TextKey, str]]:
    """Every distinct reference text (for compaction and tests)."""
    for s, shard in enumerate(index.shards):
        for t in range(len(shard.text_keys)):
            yield TextKey(s, t), shard.text(t)
