"""How common the anchors a candidate shares with a reference are in the index, and who holds them
(and which passages background sources, text known to be independent, hold).

The evidence that text is convergence, not copying (``matching.convergence``): a passage that many
reference texts hold (document frequency, ``common_shares``) or that texts of several other
sources hold (``foreign_share``, MOSS-style). The matcher asks once per batch of matched pairs;
holders' sources are read from the shards' reference records and cached.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from provcheck.index import TextKey
from provcheck.index.combined import Index, IndexSet
from provcheck.index.shard import Shard
from provcheck.index.store import held_anchors
from provcheck.matching.convergence import FOREIGN_SOURCES, HOLDERS_READ
from provcheck.matching.fingerprint import U32
from provcheck.matching.overlap import covered_by, covered_spans
from provcheck.matching.strength import COMMON_DF, Signals
from provcheck.model import Match
from provcheck.support.arrays import sorted_unique

_SOURCES_ENOUGH = FOREIGN_SOURCES + 8
"""Sources read per anchor before stopping: enough to leave ``FOREIGN_SOURCES`` others once the
matched text's own sources are taken out."""
_CACHE = 4096 * 64
"""Anchors whose holder sources are kept (then the cache starts again)."""


class Holders:
    """Document frequencies and holder sources of shared anchors in one index."""

    def __init__(self, index: Index) -> None:
        self.index = index
        self._sources: dict[tuple[int, int], frozenset[str]] = {}
        """Sources of the reference records of a text (shard or part, text id)."""
        self._anchor_sources: dict[int, frozenset[str]] = {}
        """Sources of the texts holding an anchor (as far as read, ``_holder_sources``)."""
        self._freq: tuple[U32, np.ndarray] = (np.zeros(0, dtype=np.uint32), np.zeros(0, dtype=np.int64))
        """This batch's shared anchors and their document frequencies (``common_shares``)."""
        self._background = frozenset(n for n, info in index.sources.items() if info.background)
        """Background sources: their texts make no anchor common nor foreign (``_less_background``)."""
        self._ranges: dict[int, list[tuple[int, Shard, int, int]]] | None = None
        """Per anchor of this batch that may be asked (``_holder_sources``), the posting range of
        each shard holding it, in shard order: found once a batch, not once a match per shard."""
        self._source_names = frozenset(index.sources)
        """Every source the index describes: with fewer than ``FOREIGN_SOURCES`` of them beside a
        match's own, no anchor can be foreign and no holder is read (``foreign_share``)."""

    def shared(self, pairs: list[tuple[U32, TextKey]]) -> list[U32]:
        """For each (candidate anchors, reference text it matched): the anchors both hold,
        read from the index's postings (``held_anchors``), one pass per shard."""
        out: list[U32] = [anchors[:0] for anchors, _ in pairs]
        by_shard: dict[int, list[int]] = {}
        for n, (anchors, key) in enumerate(pairs):
            if isinstance(self.index, IndexSet) and self.index.pack_of(key) is not None:
                out[n] = self.index.shared_anchors(key, anchors)
            else:
                by_shard.setdefault(key.shard, []).append(n)
        for number, members in by_shard.items():
            shard = (
                self.index.parts[number].store
                if isinstance(self.index, IndexSet)
                else self.index.shards[number]
            )
            assert isinstance(shard, Shard)
            held = held_anchors(shard, [(pairs[n][1].text, pairs[n][0]) for n in members])
            for n, found in zip(members, held, strict=True):
                out[n] = found
        return out

    def foreign_share(self, anchors: U32, own: frozenset[str]) -> float:
        """Share of ``anchors`` that texts of ``FOREIGN_SOURCES`` or more sources other than
        ``own`` hold (MOSS-style: what independent sources share shows copying of none).

        Only anchors held by ``FOREIGN_SOURCES + 1`` texts or more (frequencies of this batch,
        ``common_shares``) can qualify; their holders' sources are read once per anchor
        (cached: a candidate's matches share most anchors), up to ``HOLDERS_READ`` holders per
        anchor and shard, stopping at ``_SOURCES_ENOUGH`` sources. Texts of packs (withheld,
        hashed anchors) are not read: they never make an anchor foreign (the stricter reading,
        which keeps a copy verified).
        """
        others = own | self._background  # background text explains only as ``background_aside`` says
        if not len(anchors) or len(self._source_names - others) < FOREIGN_SOURCES:
            # Too few other sources in the index for any anchor to be foreign: nothing to read
            # (a one-source index read every holder's records for nothing). A record naming a
            # source the manifest does not would only be missed here, which keeps the match
            # verified: the stricter reading.
            return 0.0
        every, freq = self._freq
        at = np.minimum(np.searchsorted(every, anchors), len(every) - 1)
        known = every[at] == anchors
        held = anchors[known & (freq[at] >= FOREIGN_SOURCES + 1)]
        self._holder_sources([int(a) for a in held.tolist() if int(a) not in self._anchor_sources])
        foreign = sum(len(self._anchor_sources[int(a)] - others) >= FOREIGN_SOURCES for a in held.tolist())
        return foreign / len(anchors)

    def _holder_sources(self, todo: list[int]) -> None:
        """Read the sources of the texts holding each anchor of ``todo`` into the cache."""
        if not todo:
            return
        if len(self._anchor_sources) >= _CACHE:
            self._anchor_sources.clear()
        ranges = self._batch_ranges()
        for value in sorted(todo):
            found: set[str] = set()
            for n, shard, lo, hi in ranges.get(value, ()):
                if len(found) >= _SOURCES_ENOUGH:
                    break
                for tid in shard.postings[lo:hi].tolist():
                    found |= self._sources_of(n, shard, int(tid))
            self._anchor_sources[value] = frozenset(found)

    def _batch_ranges(self) -> dict[int, list[tuple[int, Shard, int, int]]]:
        """``_ranges``: every anchor of the batch that ``foreign_share`` may ask (held by
        ``FOREIGN_SOURCES + 1`` texts or more), looked up in each shard once, up to
        ``HOLDERS_READ`` postings a shard."""
        if self._ranges is not None:
            return self._ranges
        every, freq = self._freq
        query = every[freq >= FOREIGN_SOURCES + 1]
        ranges: dict[int, list[tuple[int, Shard, int, int]]] = {}
        for n, shard in self._parts():
            if not len(shard.anchors) or not len(query):
                continue
            lo = np.searchsorted(shard.anchors, query, side="left")
            hi = np.minimum(np.searchsorted(shard.anchors, query, side="right"), lo + HOLDERS_READ)
            held = np.flatnonzero(hi > lo)
            for value, a, b in zip(query[held].tolist(), lo[held].tolist(), hi[held].tolist(), strict=True):
                ranges.setdefault(value, []).append((n, shard, a, b))
        self._ranges = ranges
        return ranges

    def _parts(self) -> list[tuple[int, Shard]]:
        """The shards whose texts can be read (packs' are withheld), by part number."""
        if isinstance(self.index, IndexSet):
            return [(n, p.store) for n, p in enumerate(self.index.parts) if isinstance(p.store, Shard)]
        return list(enumerate(self.index.shards))

    def _less_background(self, every: U32, freq: np.ndarray) -> np.ndarray:
        """``freq`` less the texts of background sources only, for anchors that reach
        ``COMMON_DF``: two background texts less similar to the candidate than the reference
        made a verbatim copy's passage "common" and lowered it to review, though such background
        text may not explain it (``BACKGROUND_MARGIN``). Read as ``_holder_sources`` reads, up to
        ``HOLDERS_READ`` holders per anchor and shard; packs' texts are not read (they keep
        counting: the looser reading, noted in test_adversarial8)."""
        at = np.flatnonzero(freq >= COMMON_DF) if self._background else np.zeros(0, dtype=np.int64)
        if not len(at):
            return freq
        query = every[at]
        texts: list[set[int]] = [set() for _ in range(len(at))]
        for n, shard in self._parts():
            if not len(shard.anchors):
                continue
            lo = np.searchsorted(shard.anchors, query, side="left")
            hi = np.minimum(np.searchsorted(shard.anchors, query, side="right"), lo + HOLDERS_READ)
            for a in np.flatnonzero(hi > lo).tolist():
                for tid in shard.postings[lo[a] : hi[a]].tolist():
                    if self._sources_of(n, shard, int(tid)) <= self._background:
                        texts[a].add(int(shard.text_keys[int(tid)]))
        out: np.ndarray = freq.copy()
        out[at] -= np.array([len(t) for t in texts], dtype=out.dtype)
        return out

    def _sources_of(self, part: int, shard: Shard, tid: int) -> frozenset[str]:
        """The sources of the records carrying one reference text (cached)."""
        got = self._sources.get((part, tid))
        if got is None:
            if len(self._sources) >= _CACHE // 4:
                self._sources.clear()
            got = self._sources[(part, tid)] = frozenset(r["source"] for r in shard.refs(tid))
        return got

    def common_shares(self, shared: Sequence[U32]) -> list[float]:
        """For each matched pair's shared anchors, the share that are common in the index
        (``COMMON_DF`` texts or more).

        The document frequencies of every pair's shared anchors are looked up in one call:
        per match, the lookup's fixed cost (a pass over every shard) was ~0.1 ms, more than
        the alignment of a short pair.
        """
        if not shared:
            return []
        flat = np.concatenate(shared)
        every = sorted_unique(flat)
        freq = self._less_background(every, self.index.frequency(every))
        self._freq = (every, freq)  # ``foreign_share`` reads them for the same batch
        self._ranges = None
        common = freq >= COMMON_DF
        # Common anchors counted per pair in one pass (a mean per pair cost more than the lookup).
        sizes = [len(s) for s in shared]
        owners = np.repeat(np.arange(len(shared)), sizes)
        counts = np.bincount(owners[common[np.searchsorted(every, flat)]], minlength=len(shared))
        return [c / n if n else 0.0 for c, n in zip(counts.tolist(), sizes, strict=True)]


BACKGROUND_MARGIN = 0.0
"""A background match explains a reference match only when its similarity is at least the
reference match's less this margin (``background_aside``). Measured with ``code.py
--background``: 0.05 kept 0.966 of re-wrapped copies and explained 31 of set (b)'s 38 verified
matches; 0.0 keeps 0.979 and explains 25 (the stricter reading)."""


def background_aside(pairs: list[tuple[Match, Signals]]) -> list[tuple[Match, Signals]]:
    """One candidate turn's matches, those of background sources marked, and in the others the
    share of the aligned text that the turn also shares with background text (MOSS's "base"
    files: text of an independent author shows no copying) set aside like boilerplate
    (``Signals.attributed``), so that what is left must still verify.

    Only background matches at least as close to the candidate as the reference match is
    (``BACKGROUND_MARGIN``) explain it: a copy matches its original better than any independent
    text, while an independent answer is about as close to the reference as to other
    independent answers. (Any background match explained away 6% of ``code.py``'s verbatim
    copies, through independent versions of their code at similarity 0.74-0.90.)"""
    background = [m.evidence for m, _ in pairs if m.reference.source.background]
    if not background:
        return pairs
    out = []
    for m, s in pairs:
        if m.reference.source.background:
            out.append((m, replace(s, background=True)))
            continue
        floor = s.evidence.similarity - BACKGROUND_MARGIN
        spans = [
            (x.candidate.start, x.candidate.end)
            for ev in background
            if ev.similarity >= floor
            for x in ev.spans
        ]
        share = covered_by(s.evidence, spans)
        if share > s.attributed_share:
            s = replace(
                s,
                attributed="background",
                attributed_share=share,
                attributed_spans=covered_spans(s.evidence, spans),
            )
        out.append((m, s))
    return out
