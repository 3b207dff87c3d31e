"""Code copied with comment lines inserted: aligned without them. Pure.

A copier "documenting" copied code puts a comment line every two or three lines. The plain
alignment cuts such a copy at every comment (runs of a few tokens, below the chains it keeps)
and, with comments as long as the code, its similarity is halved: with 15-word comments every
2-3 lines, 0.81 of such copies were found and 0.03 could block (``benchmarks/heldout.py``). The
candidate's code is aligned again without its comment lines that the reference does not hold
(``Fingerprint.comments``); the scan keeps that alignment when it holds a longer passage.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from provcheck.matching.code import RENAMED_MIN_TOKENS, UNCOMMENTED_MIN_SIMILARITY
from provcheck.matching.fingerprint import Fingerprint
from provcheck.matching.params import MatchConfig
from provcheck.matching.verify import Alignment, align


def align_uncommented(
    cand: Fingerprint, ref_codes: str, config: MatchConfig, ref_echoes: Sequence[tuple[int, int]] = ()
) -> Alignment | None:
    """``align`` of the candidate's plain codes without the whole-line comments of its code
    that the reference does not hold (``Fingerprint.comments``: comment lines a copier
    inserted) with the reference's plain codes, under the token floor of ``align_renamed`` and
    ``UNCOMMENTED_MIN_SIMILARITY`` (near-duplicate and excerpt tests), holding at least
    ``min_coverage`` of the reference; spans
    come back in plain token positions; None when the candidate has no such comment line.
    Names and the reference's own comments are kept, so this is as literal as the plain
    alignment: it only stops inserted comments from cutting the code's identical runs."""
    codes = cand.codes
    # Aligned tokens are kept candidate tokens, so ``containment`` (aligned tokens over the
    # reference's) is at most the kept tokens over the reference's: a candidate too short to
    # hold ``min_coverage`` of the reference, with or without the comments it drops, is not
    # aligned (the same verdict, ~1,000 of 7,300 pairs on issue 17's workload).
    if cand.comments is None or not ref_codes or len(codes) / len(ref_codes) < config.min_coverage:
        return None
    # The comment lines to leave out, as token ranges in order, overlapping ones merged; no
    # array per pair (most pairs are rejected: positions are mapped back only for a match).
    cut: list[list[int]] = []
    for a, b in sorted(cand.comments.tolist()):
        if a < b and codes[a:b] not in ref_codes:
            if cut and a <= cut[-1][1]:
                cut[-1][1] = max(cut[-1][1], b)
            else:
                cut.append([a, b])
    if not cut:
        return None
    size = len(codes) - sum(b - a for a, b in cut)
    if min(size, len(ref_codes)) < max(config.min_tokens, RENAMED_MIN_TOKENS):
        return None
    if size / len(ref_codes) < config.min_coverage:
        return None
    # The kept codes joined run by run (a slice per run between removed comments).
    edges = [0, *(x for a, b in cut for x in (a, b)), len(codes)]
    kept = "".join(codes[a:b] for a, b in zip(edges[0::2], edges[1::2], strict=True))
    found = align(kept, ref_codes, _floors(config), ref_echoes)
    # What it is for is the reference's code copied with comments inserted: a passage of it in
    # an independent answer (two answers writing the same snippet) is the plain alignment's to
    # judge, so at least ``min_coverage`` of the reference must be aligned.
    if found is None or found.containment < config.min_coverage:
        return None
    keep = np.ones(len(codes), dtype=bool)
    for a, b in cut:
        keep[a:b] = False
    c_at = np.flatnonzero(keep)
    spans = tuple(
        replace(s, cand_start=int(c_at[s.cand_start]), cand_end=int(c_at[s.cand_end - 1]) + 1)
        for s in found.spans
    )
    return replace(found, spans=spans)


def with_uncommented(
    found: Alignment | None,
    cand: Fingerprint,
    ref_codes: str,
    config: MatchConfig,
    ref_echoes: Sequence[tuple[int, int]] = (),
) -> Alignment | None:
    """``found`` (the plain alignment of the pair, or None), or :func:`align_uncommented` of
    the pair when that holds a longer span: the plain alignment, when it passes, cuts a copy
    with inserted comments into short spans, whose estimated probability of derivation is low."""
    bare = align_uncommented(cand, ref_codes, config, ref_echoes)
    if bare is None or (found is not None and _longest(bare) <= _longest(found)):
        return found
    return bare


def _longest(alignment: Alignment) -> int:
    return max((s.matched for s in alignment.spans), default=0)


@functools.lru_cache(maxsize=8)
def _floors(config: MatchConfig) -> MatchConfig:
    """``config`` with the floors of :func:`align_uncommented`."""
    return replace(
        config,
        min_tokens=max(config.min_tokens, RENAMED_MIN_TOKENS),
        min_similarity=max(config.min_similarity, UNCOMMENTED_MIN_SIMILARITY),
        excerpt_similarity=max(config.excerpt_similarity, UNCOMMENTED_MIN_SIMILARITY),
    )
