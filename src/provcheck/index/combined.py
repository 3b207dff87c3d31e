"""Several indexes and packs matched as one: ``scan --index A --index PACK``.

Every shard of every index and every pack is one *part*; a ``TextKey``'s ``shard`` numbers the
parts in the order given. The set offers what matching reads of an index (candidates, anchor
frequency, codes, echoes, references), so the matcher does not care where a text lives.
A pack's texts are withheld: ``text`` is None and their references say who withholds them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from provcheck.errors import IndexCorruptError, IndexMismatchError, UsageError
from provcheck.index.manifest import Manifest, SourceEntry
from provcheck.index.pack import Pack, env_key, is_pack
from provcheck.index.shard import Shard
from provcheck.index.store import Candidate, ReferenceIndex, TextKey, now, ranked
from provcheck.matching.fingerprint import U32
from provcheck.matching.params import FingerprintConfig, MatchConfig
from provcheck.matching.trigrams import MIN_SHARED
from provcheck.matching.trigrams import hashed as trigram_hashes
from provcheck.model import Reference, ReferenceId, RoleKind, SourceInfo, SourceName, Turn

if TYPE_CHECKING:
    from provcheck.model.runextras import IndexMember

U64 = npt.NDArray[np.uint64]


@dataclass(frozen=True, slots=True)
class _Part:
    """One shard of an index, or one pack."""

    member: int
    store: Shard | Pack


class IndexSet:
    """Indexes and packs opened together; the same questions as ``ReferenceIndex``."""

    def __init__(self, paths: Sequence[str], key: bytes | None = None) -> None:
        if not paths:
            raise UsageError("no reference index given")
        self.paths = tuple(paths)
        self.path = self.paths[0]
        self.members: list[ReferenceIndex | Pack] = [
            Pack(p, key) if is_pack(p) else ReferenceIndex(p) for p in self.paths
        ]
        self.config: FingerprintConfig = self.members[0].config
        seen: dict[str, str] = {}
        for path, m in zip(self.paths, self.members, strict=True):
            # The same content twice (one path twice, or a copy) would count every text twice.
            if m.digest in seen:
                raise UsageError(
                    f"--index {path}: the same {'pack' if isinstance(m, Pack) else 'index'} as "
                    f"--index {seen[m.digest]} (same digest): given twice",
                    hint="give each index or pack once",
                )
            seen[m.digest] = path
        for path, m in zip(self.paths, self.members, strict=True):
            # A pack beside the index it was made from holds the same texts again: every source's
            # counts (and, keyed, every anchor's frequency) would be doubled.
            if isinstance(m, Pack) and m.index_digest in seen:
                raise UsageError(
                    f"--index {path}: this pack was made from --index {seen[m.index_digest]}: "
                    "the same texts given twice",
                    hint="give the index or its pack, not both",
                )
        for path, m in zip(self.paths, self.members, strict=True):
            if m.config.signature != self.config.signature:
                raise IndexMismatchError(
                    f"{path}: built with {m.config.signature}; {self.path} with "
                    f"{self.config.signature}: one scan needs one set of fingerprint parameters",
                    hint="rebuild one of them (or its pack) with the other's parameters",
                )
        self.parts: list[_Part] = []
        for i, m in enumerate(self.members):
            if isinstance(m, Pack):
                self.parts.append(_Part(i, m))
            else:
                self.parts.extend(_Part(i, shard) for shard in m.shards)
        entries: dict[str, SourceEntry] = {}
        for path, m in zip(self.paths, self.members, strict=True):
            for name, entry in m.sources.items() if isinstance(m, Pack) else m.manifest.sources.items():
                old = entries.get(name)
                if old is not None and old.info != entry.info:
                    raise UsageError(
                        f"{path}: source {name!r} is also in another index given with different facts",
                        hint="scan them separately, or rename the source in one of them",
                    )
                if old is None:
                    entries[name] = SourceEntry(entry.info, entry.records, entry.turns)
                else:
                    old.records += entry.records
                    old.turns += entry.turns
        stamp = now()
        self.manifest = Manifest(
            fingerprint=self.config, created=stamp, updated=stamp, tool="provcheck", sources=entries
        )
        self.sources: dict[str, SourceInfo] = {n: e.info for n, e in entries.items()}

    @property
    def digest(self) -> str:
        """Identifies the content of every member, in order."""
        h = hashlib.sha256()
        for m in self.members:
            h.update(m.digest.encode() + b"\x1f")
        return h.hexdigest()[:32]

    def member_facts(self) -> tuple[IndexMember, ...]:
        """What the run record says of each member."""
        from provcheck.model.runextras import IndexMember  # a run of several indexes' only

        out: list[IndexMember] = []
        for path, m in zip(self.paths, self.members, strict=True):
            if isinstance(m, Pack):
                created = m.body.get("created")
                out.append(
                    IndexMember(
                        path=path,
                        kind="pack",
                        digest=m.digest,
                        publisher=m.publisher,
                        created=created if isinstance(created, str) else None,
                        keyed=m.keyed,
                        ngram=m.ngram,
                    )
                )
            else:
                out.append(IndexMember(path=path, kind="index", digest=m.digest))
        return tuple(out)

    def check_config(self, wanted: FingerprintConfig | None) -> None:
        """Refuse a scan asking for other fingerprint parameters than the set has."""
        if wanted is not None and wanted.signature != self.config.signature:
            raise IndexMismatchError(
                f"{self.path}: built with {self.config.signature}; this scan asks for {wanted.signature}",
                hint="scan with the index's parameters (omit the fingerprint options)",
            )

    def _query(self, part: _Part, anchors: U32) -> U32:
        return part.store.query_anchors(anchors) if isinstance(part.store, Pack) else anchors

    def candidates_many(self, queries: list[U32], config: MatchConfig) -> list[list[Candidate]]:
        """As ``ReferenceIndex.candidates_many``, over every part."""
        out: list[list[tuple[int, int, int]]] = [[] for _ in queries]
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
        for s, part in enumerate(self.parts):
            query, text, counts, text_sizes = part.store.lookup_many(
                self._query(part, flat), owners, config.max_postings
            )
            if not len(query):
                continue
            smaller = np.minimum(text_sizes, sizes[query])
            need = np.maximum(config.min_hits, np.ceil(config.min_hit_share * smaller))
            need = np.minimum(np.minimum(need, config.strong_hits), np.maximum(smaller, 1))
            keep = counts >= need
            for q, t, c in zip(query[keep].tolist(), text[keep].tolist(), counts[keep].tolist(), strict=True):
                out[q].append((c, s, t))
        result = []
        for q, found in enumerate(out):
            found.sort(key=lambda p: (-p[0], p[1], p[2]))
            limit = max(config.max_candidates, int(sizes[q]) // 4)
            result.append([Candidate(TextKey(s, t), c) for c, s, t in found[:limit]])
        return result

    def trigram_candidates_many(
        self, codes: list[str], config: MatchConfig, limit: int
    ) -> list[list[Candidate]]:
        """As ``ReferenceIndex.trigram_candidates_many``, over every part (a keyed pack's hashes
        are keyed as its anchors are: ``Pack.trigram_lookup_many``)."""
        flat, owners = trigram_hashes(codes)
        found = [
            (s, *part.store.trigram_lookup_many(flat, owners, config.max_postings, MIN_SHARED))
            for s, part in enumerate(self.parts)
        ]
        return ranked(found, len(codes), limit)

    def frequency(self, anchors: U32) -> npt.NDArray[np.int64]:
        """Distinct reference texts holding each anchor, over every part."""
        parts = [p.store.holders(self._query(p, anchors)) for p in self.parts]
        which = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, dtype=np.int64)
        if not len(which):
            return np.zeros(len(anchors), dtype=np.int64)
        keys = np.concatenate([p[1] for p in parts])
        order = np.lexsort((keys, which))
        which, keys = which[order], keys[order]
        first = np.concatenate(([True], (which[1:] != which[:-1]) | (keys[1:] != keys[:-1])))
        return np.bincount(which[first], minlength=len(anchors))

    def pack_of(self, key: TextKey) -> Pack | None:
        """The pack holding a text, or None when an index holds it (with its text)."""
        store = self.parts[key.shard].store
        return store if isinstance(store, Pack) else None

    def text(self, key: TextKey) -> str | None:
        """The reference text, or None when it is withheld (a pack's)."""
        store = self.parts[key.shard].store
        return None if isinstance(store, Pack) else store.text(key.text)

    def codes(self, key: TextKey) -> str:
        """Token codes (an index's) or hashed n-gram codes (a pack's) of a text."""
        return self.parts[key.shard].store.codes(key.text)

    def echo(self, key: TextKey) -> list[tuple[int, int]]:
        """Token ranges of a text that repeat its prompt."""
        return self.parts[key.shard].store.echo(key.text)

    def text_digest(self, key: TextKey) -> int:
        """Identifies a text's tokens (identical texts share it)."""
        return int(self.parts[key.shard].store.text_keys[key.text])

    def shared_anchors(self, key: TextKey, anchors: U32) -> U32:
        """Anchors of a query that a pack's text holds, in the query's own anchor space."""
        store = self.parts[key.shard].store
        if not isinstance(store, Pack):
            raise TypeError("shared_anchors is for pack texts")
        if store.key is None:
            return store.shared(key.text, anchors)
        mapped = store.query_anchors(anchors)
        held = np.isin(mapped, store.shared(key.text, mapped))
        out: U32 = anchors[held]
        return out

    def requests(self, key: TextKey) -> frozenset[str]:
        """Keys of the requests the reference records carrying a text answer (``Index.requests``)."""
        try:
            refs = self.parts[key.shard].store.refs(key.text)
        except (KeyError, TypeError, ValueError):
            return frozenset()  # ``references`` says the record is malformed
        return frozenset(
            r["request"] for r in refs if isinstance(r, dict) and isinstance(r.get("request"), str)
        )

    def references(self, key: TextKey, text: str | None = None) -> list[Reference]:
        """Reference records carrying the text, one per source (first record, with a count);
        ``text``: the text of ``key`` when the caller has read it already."""
        part = self.parts[key.shard]
        store = part.store
        withheld = store.publisher if isinstance(store, Pack) else None
        if isinstance(store, Pack):
            text = ""
        elif text is None:
            text = store.text(key.text)
        first: dict[str, dict[str, object]] = {}
        counts: dict[str, int] = {}
        try:
            for ref in store.refs(key.text):
                source = str(ref["source"])
                counts[source] = counts.get(source, 0) + 1
                first.setdefault(source, ref)
            return self._references(first, counts, text, withheld)
        except (KeyError, TypeError, ValueError) as exc:
            where = store.path if isinstance(store, Pack) else store.directory
            raise IndexCorruptError(f"{where}: malformed reference record: {exc!r}") from None

    def _references(
        self,
        first: dict[str, dict[str, object]],
        counts: dict[str, int],
        text: str,
        withheld: str | None,
    ) -> list[Reference]:
        out = []
        for source, ref in first.items():
            info = self.sources.get(source) or SourceInfo(name=SourceName(source))
            turn = Turn(
                role=str(ref["role"]),
                kind=RoleKind(str(ref["kind"])),
                position=int(str(ref["position"])),
                field=str(ref["field"]),
                text=text,
            )
            path, index = ref.get("path"), ref.get("index")
            out.append(
                Reference(
                    id=ReferenceId(str(ref["id"])),
                    source=info,
                    turn=turn,
                    path=str(path) if path is not None else None,
                    index=int(str(index)) if index is not None else None,
                    duplicates=counts[source] - 1,
                    withheld=withheld,
                )
            )
        return out


Index = ReferenceIndex | IndexSet
"""What a scan matches against."""


def open_index(paths: Sequence[str]) -> Index:
    """One index as it always opened; a pack, or several indexes and packs, as an ``IndexSet``.

    A keyed pack's key comes from ``PROVCHECK_PACK_KEY`` (read here, in every worker process).
    """
    if len(paths) == 1 and not is_pack(paths[0]):
        return ReferenceIndex(paths[0])
    return IndexSet(paths, env_key())


def paths_of(index: Index) -> tuple[str, ...]:
    """The paths a worker process opens ``index`` from."""
    return index.paths if isinstance(index, IndexSet) else (index.path,)
