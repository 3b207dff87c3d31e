"""The evidence a person can read of a verified match: its aligned spans as character ranges of
both texts, and every score (similarity, containment, coverage, character similarity with
rapidfuzz ``fuzz.ratio``, shingle Jaccard). ``verify.align`` decides whether two texts match;
this module only describes a match it found.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rapidfuzz import fuzz

from provcheck.matching.fingerprint import U32, U64, Fingerprint, Fingerprinter
from provcheck.matching.normalize import Offsets, canonical
from provcheck.matching.params import MatchConfig
from provcheck.matching.verify import Alignment
from provcheck.model import AlignedSpan, CharSpan, Evidence


def distinct(a: np.ndarray) -> np.ndarray:
    """The sorted distinct values of ``a`` (what :func:`evidence` takes as ``distinct_shingles``)."""
    a = a.copy()
    a.sort()
    if len(a) > 1:
        # A text's shingles are mostly distinct already: the sorted copy is then the answer,
        # without a mask built and applied (with ``np.sort``'s wrapper, a third of the cost).
        step = a[1:] != a[:-1]
        if not step.all():
            keep = np.empty(len(a), dtype=bool)
            keep[0] = True
            keep[1:] = step
            return a[keep]
    return a


class Unanchored(Fingerprinter):
    """A fingerprinter for texts that are never looked up (a scan's reference texts, read for
    their evidence and code streams): ``Fingerprint.anchors`` is empty, every other field is
    ``Fingerprinter``'s: their window minima and the sort merging them were computed for none."""

    def _anchors(self, shingles: list[U64], window: int) -> list[U32]:
        return [np.zeros(0, dtype=np.uint32)] * len(shingles)


def _jaccard(ua: np.ndarray, ub: np.ndarray) -> float:
    """Jaccard similarity of two sorted distinct arrays."""
    if len(ua) + len(ub) == 0:
        return 0.0
    inter = 0
    if len(ua) and len(ub):
        # Each value of the smaller array looked up in the larger (both sorted): a third of
        # ``np.intersect1d``'s cost, which sorts both together.
        small, big = (ua, ub) if len(ua) <= len(ub) else (ub, ua)
        at = big.searchsorted(small)  # the method: ``np.searchsorted``'s wrapper cost as much
        np.minimum(at, len(big) - 1, out=at)
        inter = int(np.count_nonzero(big[at] == small))
    return inter / (len(ua) + len(ub) - inter)


def evidence(
    alignment: Alignment,
    cand: Fingerprint,
    cand_text: str,
    cand_offsets: Offsets,
    ref: Fingerprint,
    ref_text: str,
    ref_offsets: Offsets,
    config: MatchConfig,
    cand_base: int = 0,
    distinct_shingles: tuple[np.ndarray | None, np.ndarray | None] = (None, None),
    ref_echoes: Sequence[tuple[int, int]] = (),
) -> Evidence:
    """Evidence a person can read: spans as character ranges, and every score.

    ``*_offsets`` are the texts' token offsets (``normalize.token_offsets``); ``cand_base`` is
    added to candidate ranges when ``cand_text`` is a chunk of a longer turn.
    ``distinct_shingles`` may give both texts' :func:`distinct` shingles, computed once by a
    caller that builds evidence for the same text many times (sorting them was a fifth of
    this function's cost). ``ref_echoes``: the reference's token ranges that repeat its own
    prompt (``verify.echoes``), given as character ranges inside its aligned spans
    (``Evidence.prompt_echoes``).
    """
    if len(cand_offsets[0]) != len(cand.tokens) or len(ref_offsets[0]) != len(ref.tokens):
        raise AssertionError("tokenization of evidence differs from fingerprinting")
    cand_canon, ref_canon = canonical(cand_text), canonical(ref_text)
    aligned = []
    cand_parts, ref_parts = [], []
    for s in alignment.spans:
        c0, c1 = int(cand_offsets[0][s.cand_start]), int(cand_offsets[1][s.cand_end - 1])
        r0, r1 = int(ref_offsets[0][s.ref_start]), int(ref_offsets[1][s.ref_end - 1])
        aligned.append(
            AlignedSpan(
                candidate=CharSpan(cand_base + c0, cand_base + c1),
                reference=CharSpan(r0, r1),
                matched_tokens=s.matched,
                similarity=round(s.similarity, 4),
            )
        )
        cand_parts.append(cand_canon[c0:c1])
        ref_parts.append(ref_canon[r0:r1])
    cand_joined, ref_joined = " ".join(cand_parts), " ".join(ref_parts)
    # ``processor=_fold`` folds both sides; a verbatim passage is folded once.
    folded = _fold(cand_joined)
    char_similarity = _ratio(folded, folded if ref_joined == cand_joined else _fold(ref_joined)) / 100.0
    return Evidence(
        kind=alignment.kind,
        similarity=round(alignment.similarity, 4),
        containment=round(alignment.containment, 4),
        coverage=round(alignment.coverage, 4),
        matched_tokens=alignment.matched,
        char_similarity=round(char_similarity, 4),
        jaccard=round(
            _jaccard(
                distinct(cand.shingles) if distinct_shingles[0] is None else distinct_shingles[0],
                distinct(ref.shingles) if distinct_shingles[1] is None else distinct_shingles[1],
            ),
            4,
        ),
        spans=tuple(aligned),
        short=alignment.matched < config.block_floor_tokens,
        prompt_echoes=prompt_echoes(alignment, ref_echoes, ref_offsets) if ref_echoes else (),
    )


def prompt_echoes(
    alignment: Alignment, echoes: Sequence[tuple[int, int]], offsets: Offsets
) -> tuple[CharSpan, ...]:
    """The reference's ``echoes`` (token ranges) inside ``alignment``'s reference spans, as
    character ranges of the reference text, in order, adjacent ones joined."""
    parts: list[tuple[int, int]] = []
    for sp in sorted(alignment.spans, key=lambda sp: sp.ref_start):
        r0, r1 = sp.ref_start, sp.ref_end
        for a, b in echoes:  # plain comparisons: ``max``/``min`` calls were most of the cost
            start, end = (a if a > r0 else r0), (b if b < r1 else r1)
            if start < end:
                parts.append((int(offsets[0][start]), int(offsets[1][end - 1])))
    parts.sort()
    merged: list[list[int]] = []
    for a, b in parts:
        if merged and a <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return tuple(CharSpan(a, b) for a, b in merged)


_NEAR = 95.0
"""``fuzz.ratio`` is first asked with this cutoff: most matches' passages are at least this
similar, and with a cutoff rapidfuzz aligns only a band around the diagonal (3x faster). Above
the cutoff the figure is exact; below it, 0, and the full alignment decides."""


def _ratio(a: str, b: str) -> float:
    """``fuzz.ratio(a, b)``, faster for near-identical texts."""
    near: float = fuzz.ratio(a, b, score_cutoff=_NEAR)
    return near if near else float(fuzz.ratio(a, b))


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())
