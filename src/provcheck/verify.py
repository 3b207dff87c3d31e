"""The only module that imports rapidfuzz: align a candidate with a reference and judge it.

Alignment is a token-level longest common subsequence (rapidfuzz ``Indel.opcodes``, bit-parallel)
whose identical runs are chained into local spans: a span extends over a gap while the
identical tokens it gains outweigh ``gap_penalty`` per skipped token, so an edited copy stays
one span while words shared by chance (``the``, ``of the``) do not join up. Two tests decide:

* near-duplicate: the spans cover at least ``min_coverage`` of the candidate or of the reference
  and their similarity is at least ``min_similarity`` (edited, truncated, re-wrapped copies);
* excerpt: one span of at least ``excerpt_tokens`` tokens with similarity of at least
  ``excerpt_similarity`` (a passage pasted into a longer text).

Nothing below ``min_tokens`` aligned tokens is a match. Independent answers to the same question
share topic words and stock phrases, but rarely long, dense, ordered runs; the thresholds were
set on real outputs of 200+ models (``benchmarks/detection.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz
from rapidfuzz.distance import Indel

from provcheck.config import MatchConfig
from provcheck.fingerprint import Fingerprint
from provcheck.model import AlignedSpan, CharSpan, Evidence, MatchKind
from provcheck.normalize import token_spans

_MIN_CHAIN_SCORE = 8.0
"""A local span must be worth this many tokens after gap penalties to count at all."""


@dataclass(frozen=True, slots=True)
class TokenSpan:
    """An aligned span in token positions."""

    cand_start: int
    cand_end: int
    ref_start: int
    ref_end: int
    matched: int

    @property
    def similarity(self) -> float:
        """Indel similarity of the two ranges."""
        total = (self.cand_end - self.cand_start) + (self.ref_end - self.ref_start)
        return 2 * self.matched / total if total else 0.0


@dataclass(frozen=True, slots=True)
class Alignment:
    """A judged alignment in token positions."""

    kind: MatchKind
    spans: tuple[TokenSpan, ...]
    matched: int
    similarity: float
    containment: float
    coverage: float


def _chains(blocks: list[tuple[int, int, int]], gap_penalty: float) -> list[TokenSpan]:
    """Best-scoring local chains of identical runs (Kadane's scan with restarts)."""
    spans: list[TokenSpan] = []
    score = 0.0
    start = 0
    best: tuple[float, int, int] | None = None

    def close() -> None:
        if best is not None and best[0] >= _MIN_CHAIN_SCORE:
            _, first, last = best
            spans.append(
                TokenSpan(
                    cand_start=blocks[first][0],
                    cand_end=blocks[last][0] + blocks[last][2],
                    ref_start=blocks[first][1],
                    ref_end=blocks[last][1] + blocks[last][2],
                    matched=sum(b[2] for b in blocks[first : last + 1]),
                )
            )

    for i, (c0, r0, length) in enumerate(blocks):
        if score > 0:
            pc, pr, pl = blocks[i - 1]
            score -= gap_penalty * max(c0 - (pc + pl), r0 - (pr + pl))
        if score <= 0:
            close()
            score, start, best = 0.0, i, None
        score += length
        if best is None or score > best[0]:
            best = (score, start, i)
    close()
    return spans


def align(cand: Fingerprint, ref: Fingerprint, config: MatchConfig) -> Alignment | None:
    """Align two fingerprinted texts; None unless the alignment passes a test."""
    if min(len(cand.tokens), len(ref.tokens)) < config.min_tokens:
        return None
    blocks = [
        (op.src_start, op.dest_start, op.src_end - op.src_start)
        for op in Indel.opcodes(cand.tokens, ref.tokens)
        if op.tag == "equal"
    ]
    spans = _chains(blocks, config.gap_penalty)
    matched = sum(s.matched for s in spans)
    if matched < config.min_tokens:
        return None
    lengths = sum((s.cand_end - s.cand_start) + (s.ref_end - s.ref_start) for s in spans)
    similarity = 2 * matched / lengths
    containment = matched / len(ref.tokens)
    coverage = matched / len(cand.tokens)
    if max(containment, coverage) >= config.min_coverage and similarity >= config.min_similarity:
        kind = MatchKind.NEAR_DUPLICATE
    elif any(s.matched >= config.excerpt_tokens and s.similarity >= config.excerpt_similarity for s in spans):
        kind = MatchKind.EXCERPT
    else:
        return None
    return Alignment(kind, tuple(spans), matched, similarity, containment, coverage)


def _jaccard(a: np.ndarray, b: np.ndarray) -> float:
    ua, ub = np.unique(a), np.unique(b)
    if len(ua) + len(ub) == 0:
        return 0.0
    inter = len(np.intersect1d(ua, ub, assume_unique=True))
    return inter / (len(ua) + len(ub) - inter)


def evidence(
    alignment: Alignment,
    cand: Fingerprint,
    cand_text: str,
    ref: Fingerprint,
    ref_text: str,
    config: MatchConfig,
    cand_offset: int = 0,
) -> Evidence:
    """Evidence a person can read: spans as character ranges, and every score.

    ``cand_offset`` is added to candidate ranges when ``cand_text`` is a chunk of a longer text.
    """
    c_toks, c_spans = token_spans(cand_text)
    r_toks, r_spans = token_spans(ref_text)
    if len(c_toks) != len(cand.tokens) or len(r_toks) != len(ref.tokens):
        raise AssertionError("tokenization of evidence differs from fingerprinting")
    aligned = []
    cand_parts, ref_parts = [], []
    for s in alignment.spans:
        aligned.append(
            AlignedSpan(
                candidate=CharSpan(
                    cand_offset + c_spans[s.cand_start][0], cand_offset + c_spans[s.cand_end - 1][1]
                ),
                reference=CharSpan(r_spans[s.ref_start][0], r_spans[s.ref_end - 1][1]),
                matched_tokens=s.matched,
                similarity=round(s.similarity, 4),
            )
        )
        cand_parts.append(" ".join(cand.tokens[s.cand_start : s.cand_end]))
        ref_parts.append(" ".join(ref.tokens[s.ref_start : s.ref_end]))
    char_similarity = fuzz.ratio(" ".join(cand_parts), " ".join(ref_parts)) / 100.0
    return Evidence(
        kind=alignment.kind,
        similarity=round(alignment.similarity, 4),
        containment=round(alignment.containment, 4),
        coverage=round(alignment.coverage, 4),
        matched_tokens=alignment.matched,
        char_similarity=round(char_similarity, 4),
        jaccard=round(_jaccard(cand.shingles, ref.shingles), 4),
        spans=tuple(aligned),
        short=alignment.matched < config.block_floor_tokens,
    )
