"""Matching records against an index: candidates, alignment, evidence. Never prints.

One ``Matcher`` per process keeps the reference texts it has aligned against in a small cache
(popular references recur across records).
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace

import numpy as np

from provcheck.index import TextKey
from provcheck.index.combined import Index, IndexSet
from provcheck.index.store import Candidate
from provcheck.matching.convergence import residual
from provcheck.matching.determined import determined
from provcheck.matching.evidence import Unanchored, distinct
from provcheck.matching.fingerprint import Fingerprint, Fingerprinter
from provcheck.matching.normalize import Offsets, Tokens, token_offsets
from provcheck.matching.params import MatchConfig
from provcheck.matching.request import request_key
from provcheck.matching.segment import RoleFilter, Segment, segments
from provcheck.matching.strength import (
    Signals,
    verbatim_passage,
)
from provcheck.matching.trigrams import CANDIDATES as ROUTED
from provcheck.matching.uncommented import with_uncommented
from provcheck.matching.verify import (
    Alignment,
    align,
    align_many,
    literal_judgeable,
)
from provcheck.model import Match, MatchId, Record, RecordRef, RoleKind
from provcheck.scan.codestreams import CodeStreams, judgeable_once
from provcheck.scan.codestreams import pack_holding as _pack
from provcheck.scan.described import Described, describe
from provcheck.scan.holders import Holders
from provcheck.scan.judged import Slot, route_kept
from provcheck.scan.refcache import REFS_BYTES, Kept, measured
from provcheck.scan.refcache import CachedText as _Reference
from provcheck.scan.rejections import Rejections
from provcheck.scan.spans import on_code as _on_code

_PROMPT_KINDS = (RoleKind.USER, RoleKind.SYSTEM, RoleKind.TOOL)
"""Candidate turns that are requests (``Signals.prompt_turn``)."""
_REF_BATCH = 512
"""Matched references fingerprinted together (bounds the temporary arrays)."""
_VERDICT_CHARS = 1 << 21
"""Characters of candidate codes or texts a memo of rejections may hold (``scan.rejections``), the
least recently used dropped first: a bound that does not grow with the records scanned (at
most ~8 MB a memo, typically a few)."""
_DESCRIBED_CHARS = 1 << 22
"""Characters of candidate texts (and descriptions) the memo of described pairs may hold."""
_GROUP_CHARS = 4_000_000
"""Characters of segments matched together (bounds the temporary arrays of a batch)."""


_PLAIN_PAIRS = True
"""Segments without packs or comment lines take ``Matcher._plain_pairs`` (the per-pair loop in
``_segments`` gives the same matches: tests/unit/test_match_speed.py turns this off to compare)."""


def match_id(ref: RecordRef, reference_key: Sequence[object]) -> MatchId:
    """Digest of the candidate content and turn and the reference; never positions in files."""
    # Each part's text and a unit separator after it, hashed in one call (the same bytes).
    parts = "\x1f".join(map(str, (ref.content_hash, ref.turn.position, *reference_key))) + "\x1f"
    return MatchId(hashlib.blake2b(parts.encode("utf-8", "surrogatepass"), digest_size=10).hexdigest())


class Matcher(CodeStreams):
    """Finds verified matches of records against one index, a batch of records at a time."""

    def __init__(self, index: Index, config: MatchConfig) -> None:
        self.index = index
        self.config = config
        self.fingerprinter = Fingerprinter(index.config)
        # References are fingerprinted for evidence (offsets, shingles) without their code
        # stream: it was half of that cost, and only ``align_renamed`` reads it (the anchors a
        # pair shares come from the index's postings, ``_shared``).
        self._plain = Unanchored(replace(index.config, code=0)) if index.config.code else self.fingerprinter
        # Candidates are fingerprinted without their literal stream: only a pair that
        # ``literal_may_judge`` admits reads it, and it was a third of fingerprinting them.
        self._candidates = (
            Fingerprinter(index.config, literal=False, query=True)
            if index.config.code
            else self.fingerprinter
        )
        # References with their code streams: never looked up, so without any anchors.
        self._coded = Unanchored(index.config, literal=False) if index.config.code else self.fingerprinter
        self._lazy: tuple[list[Segment], Tokens, set[int]] | None = None
        """This batch's segments, tokens, and texts without their literal stream yet."""
        self._refs: OrderedDict[TextKey, _Reference] = OrderedDict()
        self._ref_bytes = 0
        """Bytes ``_refs`` holds (``CachedText.size`` summed), bounded by ``REFS_BYTES``."""
        self._kept = Kept()
        """Texts with details let go by ``_refs``, taken back when met again (``refcache``)."""
        self._holders = Holders(index)
        self._verdicts = Rejections(_VERDICT_CHARS)
        """(Candidate codes, reference text) pairs that ``align`` rejected in this process. A
        turn that recurs (an instruction asked again, a system prompt, a duplicated record)
        meets the same references, and the verdict is a function of the two codes alone (the
        reference's echoes come with its key, the configuration is the matcher's), so it is
        looked up, not computed again. Only rejections are kept (most pairs; a kept pair's
        alignment would hold memory per match)."""
        self._code_verdicts = Rejections(_VERDICT_CHARS)
        """The same for ``align_literal``/``align_renamed`` (``_renamed``), per candidate text:
        their streams are a function of the text, not of its plain codes."""
        self._described = Described(_DESCRIBED_CHARS)
        self.trigram_added = 0
        """Candidates only the trigram route listed, in this process."""
        self.trigram_aligned = 0
        """Of those, the pairs aligned (whether kept or not)."""
        self.trigram_kept = 0
        """Matches only the trigram route listed that were kept (they can block)."""

    def route_counts(self) -> tuple[int, int, int]:
        """The trigram route's candidates, aligned pairs and kept matches so far (``RouteCounts``)."""
        return self.trigram_added, self.trigram_aligned, self.trigram_kept

    def _load(self, keys: Iterable[TextKey]) -> None:
        """Fingerprint the references not in the cache, all in one batch."""
        needed = dict.fromkeys(keys)
        refs, kept, index = self._refs, self._kept, self.index
        held = self._ref_bytes
        for key in needed:
            if key in refs:
                refs.move_to_end(key)
            else:
                ref = refs[key] = kept.take(key) or _Reference(index.codes(key), index.echo(key))
                measured(ref)  # a text from ``Kept`` is counted there already
                held += ref.size
        while held > REFS_BYTES and len(refs) > len(needed):  # the oldest, not needed by this batch
            key, ref = refs.popitem(last=False)
            held -= ref.size
            kept.put(key, ref)
        self._ref_bytes = held

    def _details(self, keys: Iterable[TextKey], code: bool = False) -> None:
        """Text, fingerprint and token offsets of references that matched, in batches;
        ``code``: with the code stream (``_Reference.coded``)."""
        todo = [
            k
            for k in dict.fromkeys(keys)
            if (self._refs[k].fingerprint is None or (code and not self._refs[k].coded))
            and _pack(self.index, k) is None
        ]
        # With the code streams but not the literal one: few pairs read it (``_renamed``).
        fingerprinter = self._coded if code else self._plain
        # In index order: texts stored in the same zstd block are read one after the other,
        # so the block is decompressed once (the reader keeps the last few).
        todo.sort(key=lambda k: (k.shard, k.text))
        for start in range(0, len(todo), _REF_BATCH):
            chunk = todo[start : start + _REF_BATCH]
            texts = [
                t
                for k in chunk
                if (t := self._refs[k].text if self._refs[k].text is not None else self.index.text(k))
                is not None
            ]
            prints, toks = fingerprinter.with_tokens(texts)
            for i, (key, text, fp) in enumerate(zip(chunk, texts, prints, strict=True)):
                ref = self._refs[key]
                ref.text, ref.fingerprint = text, fp
                ref.coded = code or self._plain is self.fingerprinter
                ref.literal_pending = code and self._candidates is not self.fingerprinter
                ref.shingles = distinct(fp.shingles)
                ref.offsets = token_offsets(text, toks, i)
                self._ref_bytes += measured(ref)  # its arrays its own: the batch's may go

    def _plain_pairs(
        self,
        prints: list[Fingerprint],
        i: int,
        cands: Sequence[Candidate],
        routed_at: int,
        failing: set[TextKey],
        aligned: list[tuple[int, TextKey, Alignment]],
        code: list[tuple[int, TextKey]],
        judgeable: dict[int, bool],
    ) -> None:
        """The pairs of segment ``i`` (no pack, no comment lines: the common case), as the loop
        in ``_segments`` takes them, each pair's verdict in one compiled call (``align_many``):
        the references anchors listed (before ``routed_at``), then, unless an alignment of them
        covers the turn (90%+), those only the trigram route listed (an alignment of one of
        these that covers it leaves the rest unread). ``failing``: the segment's memo of
        rejections, which grows; pairs that fail join ``code`` as the loop joins them."""
        refs, fp = self._refs, prints[i]
        keys = [c.key for c in cands]
        anchored = keys[:routed_at]
        found = align_many(fp.codes, [refs[k] for k in anchored], anchored, failing, self.config)
        aligned += [(i, key, a) for key, a in zip(anchored, found, strict=True) if a is not None]
        if routed_at < len(keys) and not any(a is not None and a.coverage >= 0.9 for a in found):
            rest = keys[routed_at:]
            more = align_many(fp.codes, [refs[k] for k in rest], rest, failing, self.config)
            for key, a in zip(rest, more, strict=True):
                if a is not None:
                    aligned.append((i, key, a))
                    self.trigram_aligned += 1
                    if a.coverage >= 0.9:
                        break
        rejected = [key for key, a in zip(anchored, found, strict=True) if a is None]
        if rejected and fp.renamed is not None:
            code += [(i, key) for key in rejected]
            return
        # Without the identifier-insensitive stream only ``align_literal`` may match, where
        # ``literal_may_judge`` admits the pair (else ``_code_may_match`` rejects it): from the
        # first such pair on (``_may_judge``, each side's half once), with the candidate's
        # literal stream made, every pair left may read it.
        assert self._lazy is not None
        first = 0
        if rejected and i in self._lazy[2]:
            if i not in judgeable:
                judgeable[i] = literal_judgeable(fp.codes, self.config)
            if not judgeable[i]:
                config = self.config
                while first < len(rejected) and not judgeable_once(refs[rejected[first]], config):
                    first += 1
                if first == len(rejected):
                    return
        if rejected and self._with_literal(prints, i).literal is not None:
            code += [(i, k) for k in rejected[first:]]

    def records(self, records: Sequence[Record], roles: RoleFilter | None) -> list[Match]:
        """Verified matches of the records' turns; one per turn and reference (best chunk).

        Four passes over the segments, each vectorized or batched: fingerprint every segment,
        look up every candidate, align every pair, then build evidence for the pairs that
        matched. The segments go through in groups of at most ``_GROUP_CHARS`` characters: the
        passes' arrays take dozens of bytes per character, and one record can be 64 MiB.
        """
        best: dict[Slot, tuple[Match, Signals]] = {}
        self.short: list[Segment] = []  # segments under the token floor (``scan.runs``)
        self._route: set[MatchId] = set()  # matches only the trigram route listed
        for group in _groups((seg for record in records for seg in segments(record, roles)), _GROUP_CHARS):
            self._segments(group, best)
        out = route_kept(best, self._route, self.config)
        self.trigram_kept += sum(1 for m in out if m.id in self._route)
        return out

    def _segments(self, segs: list[Segment], best: dict[Slot, tuple[Match, Signals]]) -> None:
        """Match ``segs``, keeping in ``best`` the longest evidence per turn and reference."""
        prints, toks = self._candidates.with_tokens([seg.text for seg in segs])
        # A text under the token floor needs its literal stream now: its literal length decides
        # whether it is looked up. The others get it when a pair may read it (``_with_literal``).
        lazy: set[int] = set()
        judgeable: dict[int, bool] = {}
        self._lazy = (segs, toks, lazy)
        if self._candidates is not self.fingerprinter:
            lazy.update(range(len(segs)))
            for i in [i for i, fp in enumerate(prints) if len(fp.tokens) < self.config.min_tokens]:
                self._with_literal(prints, i)
        self.short += [
            seg for seg, fp in zip(segs, prints, strict=True) if _length(fp) < self.config.min_tokens
        ]
        empty = np.zeros(0, dtype=np.uint32)
        candidates = self.index.candidates_many(
            [fp.anchors if _length(fp) >= self.config.min_tokens else empty for fp in prints],
            self.config,
        )
        # Code with comment lines is looked up again without them (``Fingerprint.bare_anchors``);
        # what only that finds is aligned only without them (every alignment tried there listed
        # more independent answers in ``benchmarks/code.py``, never a copy more).
        bare_only: set[tuple[int, TextKey]] = set()
        commented = [i for i, fp in enumerate(prints) if fp.bare_anchors is not None and len(fp.bare_anchors)]
        if commented:
            queries = [a for i in commented if (a := prints[i].bare_anchors) is not None]
            more = self.index.candidates_many(queries, self.config)
            for i, found in zip(commented, more, strict=True):
                have = {c.key for c in candidates[i]}
                extra = [c for c in found if c.key not in have]
                candidates[i] += extra
                bare_only.update((i, c.key) for c in extra)
        # The second route (``matching.trigrams``): texts holding 3 of their 10 smallest trigram
        # hashes in the turn, no anchor listed (a copy with one word in every 4-6 replaced).
        looked = [i for i, fp in enumerate(prints) if len(fp.tokens) >= self.config.min_tokens]
        turns = [prints[i].codes for i in looked]
        routed: set[tuple[int, TextKey]] = set()
        routed_at: dict[int, int] = {}  # where a segment's candidates only the route listed start
        for i, found in zip(
            looked, self.index.trigram_candidates_many(turns, self.config, ROUTED), strict=True
        ):
            have = {c.key for c in candidates[i]}
            routed_at[i] = len(candidates[i])
            candidates[i] += (extra := [c for c in found if c.key not in have])
            routed.update((i, c.key) for c in extra)
        self.trigram_added += len(routed)
        self._load(c.key for cands in candidates for c in cands)
        aligned: list[tuple[int, TextKey, Alignment]] = []
        hashed: dict[tuple[int, int], str] = {}
        code: list[tuple[int, TextKey]] = []
        # This loop runs once per pair (~120,000 on issue 17's workload): what does not change
        # from pair to pair is read once (an index without packs has no pack to ask for).
        refs, verdicts, config = self._refs, self._verdicts, self.config
        packs = self.index if isinstance(self.index, IndexSet) else None
        uncommented = {i for i, _ in bare_only}
        for i, (fp, cands) in enumerate(zip(prints, candidates, strict=True)):
            if not cands:
                continue
            # What every pair of this segment reads: its codes' memo of rejections, once.
            # (A group is made at the first rejection: the memo holds no codes nothing failed with.)
            rejected = verdicts.found(fp.codes)
            before, start = (len(rejected) if rejected is not None else 0), len(aligned)
            if _PLAIN_PAIRS and packs is None and fp.comments is None and i not in uncommented:
                # The common case, every pair of the segment in a call or two (``_plain_pairs``).
                failing = set() if rejected is None else rejected
                self._plain_pairs(
                    prints, i, cands, routed_at.get(i, len(cands)), failing, aligned, code, judgeable
                )
                if rejected is None and failing:
                    verdicts.group(fp.codes).update(failing)
                    rejected = failing
                if rejected is not None:
                    verdicts.grown(fp.codes, before)
                continue
            for cand in cands:
                key = cand.key
                # A turn an anchor's alignment already covers (90%+) is explained: the route, for
                # turns no anchor reaches, would only add other answers to its request.
                if routed and (i, key) in routed and any(a.coverage >= 0.9 for _, _, a in aligned[start:]):
                    continue
                ref = refs[key]
                pack = packs.pack_of(key) if packs is not None else None
                if bare_only and (i, key) in bare_only:  # found without comment lines only: aligned so only
                    if pack is None:
                        bare = with_uncommented(None, fp, ref.codes, config, ref.echoes)
                        aligned += [(i, key, bare)] if bare is not None else []
                    continue
                alignment = None
                if pack is not None:
                    # A pack's reference is aligned on hashed n-grams: the candidate is hashed alike.
                    codes = hashed.get((i, id(pack)), "")
                    if not codes:
                        codes = hashed[(i, id(pack))] = pack.query_codes(fp.tokens)
                    if not verdicts.holds(seen := (codes, key)):
                        alignment = align(codes, ref.codes, config, ref.echoes, pack.ngram)
                        if alignment is None:
                            verdicts.add(seen)
                elif rejected is None or key not in rejected:
                    alignment = align(fp.codes, ref.codes, config, ref.echoes, 1)
                    if alignment is None:
                        if rejected is None:
                            rejected = verdicts.group(fp.codes)
                        rejected.add(key)
                if pack is None and fp.comments is not None:  # inserted comment lines (``uncommented``)
                    alignment = with_uncommented(alignment, fp, ref.codes, config, ref.echoes)
                if alignment is not None:
                    aligned.append((i, key, alignment))
                    self.trigram_aligned += 1 if routed and (i, key) in routed else 0
                elif routed and (i, key) in routed:
                    pass  # words replaced throughout: the code streams are not tried for it
                elif fp.renamed is not None:
                    code.append((i, key))
                elif pack is None and (i not in lazy or self._may_judge(fp.codes, ref, judgeable, i)):
                    # Without the identifier-insensitive stream only ``align_literal`` may match,
                    # where ``literal_may_judge`` admits the pair (else ``_code_may_match`` rejects it).
                    fp = self._with_literal(prints, i)
                    if fp.literal is not None:
                        code.append((i, key))
            if rejected is not None:
                verdicts.grown(prints[i].codes, before)
        aligned += self._renamed(prints, code, [seg.text for seg in segs])
        self._lazy = None  # the batch's tokens are not kept past it
        self._details(key for _, key, _ in aligned)
        shared = self._holders.shared([(prints[i].anchors, key) for i, key, _ in aligned])
        commons = self._holders.common_shares(shared)
        for key in sorted({key for _, key, _ in aligned}, key=lambda k: (k.shard, k.text)):
            # Read in index order: reference records of nearby texts share a zstd block.
            if self._refs[key].references is None:
                self._refs[key].references = self.index.references(key, self._refs[key].text)
            if self._refs[key].requests is None:
                self._refs[key].requests = self.index.requests(key)
        requests: dict[int, str | None] = {}
        for i, _, _ in aligned:
            if id(rec := segs[i].record) not in requests:
                requests[id(rec)] = request_key(t.text for t in rec.turns if t.kind in _PROMPT_KINDS)
        asks = [
            (mine := requests[id(segs[i].record)]) is not None and mine in (self._refs[k].requests or ())
            for i, k, _ in aligned
        ]
        # The references ``_code_whole`` aligns again with their code streams, prepared together.
        self._details(
            (
                k
                for (i, k, al), same in zip(aligned, asks, strict=True)
                if same and not al.renamed and prints[i].renamed is not None
            ),
            code=True,
        )
        offsets: dict[int, Offsets] = {}
        shingles: dict[int, np.ndarray] = {}
        records_of: dict[int, RecordRef] = {}
        for (i, key, alignment), common, anchors, same_request in zip(
            aligned, commons, shared, asks, strict=True
        ):
            seg, fp, ref = segs[i], prints[i], self._refs[key]
            if i not in records_of:
                records_of[i] = RecordRef(
                    location=seg.record.location,
                    id=seg.record.id,
                    content_hash=seg.record.content_hash,
                    turn=seg.turn,
                )
            # Only where the shared request may explain a match of code does the code's whole
            # decide (aligning the code streams again), and for a match holding only with names
            # abstracted, whose own alignment says it (no second alignment).
            code_whole = (
                (same_request or alignment.renamed)
                and fp.renamed is not None
                and self._code_whole(fp, key, alignment)
            )
            # A passage of the reference taken near-verbatim, own lines between its lines or not.
            verbatim = same_request and verbatim_passage(
                (sp.matched, sp.ref_end - sp.ref_start) for sp in alignment.spans if not alignment.renamed
            )
            # Evidence, shape and standard text: said once of a pair met again (``described``).
            said = self._described.get(seg.text, (seg.offset, key), alignment)
            if said is None:
                if i not in offsets:
                    offsets[i], shingles[i] = token_offsets(seg.text, toks, i), distinct(fp.shingles)
                pack = _pack(self.index, key)
                withheld = hashed[(i, id(pack))] if pack is not None else None
                said = describe(
                    alignment, fp, seg.text, seg.offset, offsets[i], shingles[i], ref, withheld, self.config
                )
                self._described.put(seg.text, (seg.offset, key), alignment, said)
            ev, whole, passage, shape, third, third_share, third_spans, (echo, owned, read) = said
            # Whether the shared passage lies on code lines (``Signals.code_passage``).
            on_code = same_request and fp.renamed is not None and _on_code(seg, ev.spans)
            record = records_of[i]
            packed = _pack(self.index, key) is not None  # own words not read: text withheld
            told = (
                determined([t.text for t in seg.record.turns if t.kind in _PROMPT_KINDS], passage, ref.text)
                if same_request and not whole and passage is not None and ref.text
                else None
            )
            # Identical texts in several shards (sources) share this digest: one text, not a crowd.
            digest = (
                self.index.text_digest(key)
                if isinstance(self.index, IndexSet)
                else int(self.index.shards[key.shard].text_keys[key.text])
            )
            if ref.references is None:
                ref.references = self.index.references(key, ref.text)
            foreign = None
            asked = seg.turn.kind in _PROMPT_KINDS
            if (
                common > 0
                and not residual(ev, common, echo if asked else 0.0, self.config, alignment.renamed).passes
            ):
                # Only where the text-frequency discount would explain the match away is it
                # worth asking which sources hold the common anchors (reading records' sources).
                own = frozenset(r.source.name for r in ref.references)
                foreign = self._holders.foreign_share(anchors, own)
            for reference in ref.references:
                slot = (id(seg.record), record.turn.position, reference.source.name, reference.id)
                old = best.get(slot)
                if old is None or ev.matched_tokens > old[0].evidence.matched_tokens:
                    # Made only for a match kept (a turn's chunks meet a reference more than once).
                    mid = match_id(record, (reference.source.name, reference.id, reference.turn.position))
                    m = Match(id=mid, record=record, reference=reference, evidence=ev)
                    if (i, key) in routed:
                        self._route.add(mid)
                    else:
                        self._route.discard(mid)
                    best[slot] = (
                        m,
                        Signals(
                            ev,
                            common,
                            shape,
                            reference.source.name,
                            echo,
                            digest,
                            alignment.renamed,
                            asked,
                            foreign,
                            alignment.few_distinct,
                            third,
                            third_share,
                            same_request,
                            fp.renamed is not None,
                            code_whole,
                            verbatim,
                            on_code,
                            attributed_spans=third_spans,
                            determined=told,
                            set_aside=(i, key) in routed and len(anchors) >= config.strong_hits,
                            own_share=owned,
                            own_read=read and not packed,
                            withheld=packed,
                            plain_reference=reference.turn.kind is RoleKind.TEXT,
                            # A source of no named provider or generator may hold many authors.
                            shingles=(
                                None
                                if reference.source.provider or reference.source.generator
                                else ref.shingles
                            ),
                        ),
                    )


def _groups(segs: Iterable[Segment], limit: int) -> Iterator[list[Segment]]:
    """Consecutive segments, in lists of at most ``limit`` characters (at least one segment)."""
    group: list[Segment] = []
    size = 0
    for seg in segs:
        if group and size + len(seg.text) > limit:
            yield group
            group, size = [], 0
        group.append(seg)
        size += len(seg.text)
    if group:
        yield group


def _length(fp: Fingerprint) -> int:
    """Tokens of a text's longest stream: code and markup count their symbols."""
    return max(len(fp.tokens), len(fp.literal or ""))
