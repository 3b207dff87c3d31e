"""Align a candidate with a reference and judge it (the evidence a person reads of a match is
``evidence.py``).

Alignment is a token-level longest common subsequence (rapidfuzz ``Indel.opcodes``, bit-parallel;
the passes below are the reference for the compiled ``_align.passes``, which gives the same result
in one call where it is built: ``compiled.py``) whose identical runs are chained into local
spans: a span extends over a gap while the identical tokens it gains outweigh ``gap_penalty``
per skipped token, so an edited copy stays one span while words shared by chance (``the``,
``of the``) do not join up. Two tests decide:

* near-duplicate: the spans cover at least ``min_coverage`` of the candidate or of the reference
  and their similarity is at least ``min_similarity`` (edited, truncated, re-wrapped copies);
* excerpt: one span of at least ``excerpt_tokens`` tokens with similarity of at least
  ``excerpt_similarity`` (a passage pasted into a longer text).

Nothing below ``min_tokens`` aligned tokens is a match. Independent answers to the same question
share topic words and stock phrases, but rarely long, dense, ordered runs; the thresholds were
set on real outputs of 200+ models (``benchmarks/detection.py``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, replace
from typing import Protocol, TypeVar

import numpy as np
from rapidfuzz.distance import Indel

from provcheck.matching.code import RENAMED_MIN_SIMILARITY, RENAMED_MIN_TOKENS
from provcheck.matching.compiled import ALIGN
from provcheck.matching.fingerprint import Fingerprint
from provcheck.matching.params import MatchConfig
from provcheck.model import MatchKind

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
    renamed: bool = False
    """Holds only on the identifier-insensitive streams of code (``align_renamed``)."""
    few_distinct: bool = False
    """Passed on the distinct orderings of fewer distinct tokens than ``min_distinct_tokens``
    (a grid of digits): a copy, or the one solution of a puzzle solved again (``strength``)."""


def _chains(
    blocks: list[tuple[int, int, int]], gap_penalty: float, min_score: float = _MIN_CHAIN_SCORE
) -> list[tuple[int, int, int]]:
    """Best-scoring local chains of identical runs (Kadane's scan with restarts), as
    ``(first, last, matched)``: a range ``[first, last]`` of indices into ``blocks`` and the
    tokens of its runs."""
    chains: list[tuple[int, int, int]] = []
    score = best = 0.0
    first = last = start = 0
    total = kept = 0
    pc = pr = pl = 0
    for i, (c0, r0, length) in enumerate(blocks):
        if score > 0:
            gap = c0 - pc - pl
            other = r0 - pr - pl
            score -= gap_penalty * (gap if gap > other else other)
        if score <= 0:
            if best >= min_score:
                chains.append((first, last, kept))
            score = best = 0.0
            total = 0
            start = i
        score += length
        total += length
        if score > best:
            best, first, last, kept = score, start, i, total
        pc, pr, pl = c0, r0, length
    if best >= min_score:
        chains.append((first, last, kept))
    return chains


def _without_echoes(
    blocks: list[tuple[int, int, int]], echoes: Sequence[tuple[int, int]]
) -> list[tuple[int, int, int]]:
    """The identical runs minus the reference positions that only repeat its prompt."""
    out = []
    for c0, r0, length in blocks:
        pos, end = r0, r0 + length
        for a, b in echoes:
            if b <= pos or a >= end:
                continue
            if a > pos:
                out.append((c0 + pos - r0, pos, a - pos))
            pos = max(pos, b)
        if pos < end:
            out.append((c0 + pos - r0, pos, end - pos))
    return out


_PASSES = 32
"""Alignment passes: each aligns what the previous ones left, so reordered passages count. A
copy with its sentences in reverse order aligns one sentence a pass: with 6 passes such copies
of AlpacaEval answers were found at 0.575, with 32 at 0.877, with no change on the hard and
same-prompt negatives (2026-12-05). Passes stop as soon as one aligns under
``_REPASS_TOKENS``, so unrelated pairs never run them all."""
_REPASS_TOKENS = 10
"""Another pass only after one that aligned at least this many tokens (real shared text)."""
_EXPLAINED = 0.9
"""No further pass once this share of either text is aligned: the evidence is complete enough."""
_CAND_MASK, _REF_MASK = "\x01", "\x02"
"""Stand-ins for aligned tokens in later passes; never token codes (those start at U+0100)."""


def _blocks(cand: str, ref: str, extend: int = 0) -> list[tuple[int, int, int]]:
    blocks = [(b.a, b.b, b.size) for b in Indel.opcodes(cand, ref).as_matching_blocks() if b.size]
    if extend:
        blocks = _extended(blocks, extend, cand, ref)
    return blocks


def identical_runs(cand: str, ref: str) -> list[tuple[int, int, int]]:
    """The identical runs of a longest common subsequence of two token-code strings, as
    ``(candidate start, reference start, length)`` (what ``echoes`` reads of an output)."""
    return ALIGN.blocks(cand, ref) if ALIGN is not None else _blocks(cand, ref)


def _extended(
    blocks: list[tuple[int, int, int]], extend: int, cand: str, ref: str
) -> list[tuple[int, int, int]]:
    """Runs of identical n-gram codes as the runs of identical tokens they prove.

    ``k`` equal codes of n-grams (``hashed.ngram_codes``) mean ``k + n - 1`` equal tokens:
    each run is lengthened by ``extend = n - 1``, never into the next run, into what an
    earlier pass aligned (masked) or past a text's end.
    """
    out = []
    for i, (c0, r0, size) in enumerate(blocks):
        limit = min(len(cand) - c0, len(ref) - r0, size + extend)
        if i + 1 < len(blocks):
            limit = min(limit, blocks[i + 1][0] - c0, blocks[i + 1][1] - r0)
        grown = size
        while grown < limit and cand[c0 + grown] != _CAND_MASK and ref[r0 + grown] != _REF_MASK:
            grown += 1
        out.append((c0, r0, grown))
    return out


def _masked(codes: str, ranges: list[tuple[int, int]], mask: str) -> str:
    out, pos = [], 0
    for a, b in sorted(ranges):
        out += [codes[pos:a], mask * (b - a)]
        pos = b
    out.append(codes[pos:])
    return "".join(out)


_Span = tuple[int, int, int, int, int]
"""A span while aligning: ``(cand_start, cand_end, ref_start, ref_end, matched)``; a
``TokenSpan`` is built only for an alignment that passes (most pairs are rejected)."""


_Chained = list[tuple[list[tuple[int, int, int]], list[tuple[int, int, int]]]]
"""Each pass's identical runs with the chains over them."""


def _passes(cand: str, ref: str, config: MatchConfig, extend: int = 0) -> tuple[list[_Span], _Chained]:
    """Spans of up to ``_PASSES`` alignments (sorted by candidate position), and each pass's
    identical runs with the chains over them (the runs inside spans are read from these only
    when the tests that need them are reached).

    A longest common subsequence is monotone: of two swapped paragraphs it aligns one. What
    a pass aligned is masked on both sides and the rest aligned again, so reordered sentences
    and paragraphs are found too; positions never move, so every span is in the texts' own
    coordinates.
    """
    spans: list[_Span] = []
    chained: _Chained = []
    shorter = min(len(cand), len(ref))
    c, r = cand, ref
    matched = 0
    for n in range(_PASSES):
        blocks = _blocks(c, r, extend)
        chains = _chains(blocks, config.gap_penalty)
        if not chains:
            break
        chained.append((blocks, chains))
        found = []
        aligned = 0
        for first, last, size in chains:
            c0, r0, _ = blocks[first]
            lc, lr, ll = blocks[last]
            found.append((c0, lc + ll, r0, lr + ll, size))
            aligned += size
        spans += found
        matched += aligned
        # ``matched / shorter`` is ``max(matched / len(cand), matched / len(ref))``.
        if n + 1 == _PASSES or aligned < _REPASS_TOKENS or matched / shorter >= _EXPLAINED:
            break
        c = _masked(c, [(s[0], s[1]) for s in found], _CAND_MASK)
        r = _masked(r, [(s[2], s[3]) for s in found], _REF_MASK)
    # Spans hold disjoint candidate positions: their starts differ, so the order is total.
    spans.sort()
    return spans, chained


def _aligned(
    cand: str, ref: str, config: MatchConfig, extend: int
) -> tuple[list[_Span], bytes | _Chained] | None:
    """``_passes`` in one call of the compiled alignment where it is built (the same spans; the
    runs inside chains packed, for ``_inside``), else ``_passes`` itself (``compiled.py``).

    The compiled call also runs ``align``'s near-duplicate and excerpt tests and gives None for a
    pair that fails them (most pairs), so that no Python object is made for its spans; a pair
    that passes is tested again by ``align`` (the pure path is the reference)."""
    if ALIGN is not None:
        c = config
        tests = (c.min_tokens, c.min_coverage, c.min_similarity, c.excerpt_tokens, c.excerpt_similarity)
        found: tuple[list[_Span], bytes] | None = ALIGN.passes(
            cand, ref, c.gap_penalty, extend, _MIN_CHAIN_SCORE, _PASSES, _REPASS_TOKENS, _EXPLAINED, tests
        )
        return found
    return _passes(cand, ref, config, extend)


def _inside(runs: bytes | _Chained) -> list[tuple[int, int, int]]:
    """The identical runs inside chains, pass by pass and chain by chain."""
    if isinstance(runs, bytes):
        packed = memoryview(runs).cast("q")
        return list(zip(packed[0::3], packed[1::3], packed[2::3], strict=True))
    return [b for blocks, chains in runs for first, last, _ in chains for b in blocks[first : last + 1]]


def align(
    cand: str,
    ref: str,
    config: MatchConfig,
    ref_echoes: Sequence[tuple[int, int]] = (),
    ngram: int = 1,
    cand_plain: str | Callable[[], str] | None = None,
) -> Alignment | None:
    """Align two texts given as token codes (``Fingerprint.codes``); None unless the alignment
    passes a test.

    Reference tokens in ``ref_echoes`` repeat the reference's own prompt: whoever wrote the
    prompt wrote them, so a match needs ``min_original_tokens`` aligned tokens outside them (a
    copy of a user's prompt is not a copy of the model's output). ``cand_plain``: the
    candidate's plain codes when ``cand`` is another stream of the same tokens, for counting
    distinct tokens (abstracted identifiers all look alike); a function giving them is called
    only when that test is reached (most pairs fail before).

    ``ngram > 1``: the codes are hashed n-grams (``hashed.ngram_codes``, a pack's references),
    one a token position; identical runs are counted in the tokens they prove.
    """
    if min(len(cand), len(ref)) < config.min_tokens:
        return None
    found = _aligned(cand, ref, config, ngram - 1)
    if found is None:
        return None
    return _judged(cand, config, ref_echoes, cand_plain, len(ref), *found)


_Key = TypeVar("_Key", bound=Hashable)


class Coded(Protocol):
    """A reference text as ``align_many`` reads it (``scan.refcache.CachedText`` is one)."""

    codes: str
    echoes: list[tuple[int, int]]


def align_many(
    cand: str, refs: list[Coded], keys: list[_Key], failing: set[_Key], config: MatchConfig
) -> list[Alignment | None]:
    """``align(cand, ref.codes, config, ref.echoes)`` for each reference in order, in one call of
    the compiled alignment where it is built: the candidate's codes read once, every test in C
    (no Python call per pair the tests reject, most of them; a reference's echoes are read only
    where the tests before reach them). A pair whose key is in ``failing`` is known to fail (a
    memo of rejections): None, not aligned. The key of every pair that fails is added to
    ``failing``."""
    if ALIGN is None:
        out: list[Alignment | None] = []
        for ref, key in zip(refs, keys, strict=True):
            alignment = None if key in failing else align(cand, ref.codes, config, ref.echoes)
            if alignment is None:
                failing.add(key)
            out.append(alignment)
        return out
    c = config
    tests = (c.min_tokens, c.min_coverage, c.min_similarity, c.excerpt_tokens, c.excerpt_similarity)
    got: list[tuple[list[_Span], bool] | None] = ALIGN.passes_many(
        cand,
        refs,
        keys,
        failing,
        c.gap_penalty,
        _MIN_CHAIN_SCORE,
        _PASSES,
        _REPASS_TOKENS,
        _EXPLAINED,
        tests,
        c.min_distinct_tokens,
        c.min_original_tokens,
    )
    judged: list[Alignment | None] = [None] * len(got)
    for j in [j for j, passed in enumerate(got) if passed is not None] if any(got) else ():
        spans, few = got[j] or ([], False)
        figures = _figures(len(cand), len(refs[j].codes), spans, config)
        if figures is None:  # the compiled tests passed it: never, but the Python ones decide
            failing.add(keys[j])
        else:
            judged[j] = _alignment(spans, figures, few)
    return judged


_Figures = tuple[MatchKind, int, float, float, float]
"""An alignment's kind, matched tokens, similarity, containment and coverage."""


def _figures(cand_length: int, ref_length: int, spans: list[_Span], config: MatchConfig) -> _Figures | None:
    """``align``'s first tests of the spans of two texts ``cand_length`` and ``ref_length``
    tokens long, and the figures they read; None when they fail."""
    matched = sum(s[4] for s in spans)
    if matched < config.min_tokens:
        return None
    # The near-duplicate and excerpt tests first: most pairs fail them, and they need only the
    # spans (the tests below need every identical run; each test only rejects, so the order
    # changes no result).
    lengths = sum((c1 - c0) + (r1 - r0) for c0, c1, r0, r1, _ in spans)
    similarity = 2 * matched / lengths
    containment = matched / ref_length
    coverage = matched / cand_length
    if max(containment, coverage) >= config.min_coverage and similarity >= config.min_similarity:
        kind = MatchKind.NEAR_DUPLICATE
    elif any(
        m >= config.excerpt_tokens and 2 * m / ((c1 - c0) + (r1 - r0)) >= config.excerpt_similarity
        for c0, c1, r0, r1, m in spans
    ):
        kind = MatchKind.EXCERPT
    else:
        return None
    return kind, matched, similarity, containment, coverage


def _alignment(spans: list[_Span], figures: _Figures, few: bool) -> Alignment:
    kind, matched, similarity, containment, coverage = figures
    return Alignment(
        kind,
        tuple(TokenSpan(c0, c1, r0, r1, m) for c0, c1, r0, r1, m in spans),
        matched,
        similarity,
        containment,
        coverage,
        few_distinct=few,
    )


def _judged(
    cand: str,
    config: MatchConfig,
    ref_echoes: Sequence[tuple[int, int]],
    cand_plain: str | Callable[[], str] | None,
    ref_length: int,
    spans: list[_Span],
    runs_found: bytes | _Chained,
) -> Alignment | None:
    """``align``'s tests of the spans and runs ``_aligned`` found (the reference ``ref_length``
    tokens long; ``_align.c``'s ``extra_tests`` are the same for ``align_many``)."""
    figures = _figures(len(cand), ref_length, spans, config)
    if figures is None:
        return None
    inside = _inside(runs_found)
    # A table of digits or a repeated list marker aligns by chance: few distinct tokens...
    plain = cand if cand_plain is None else cand_plain if isinstance(cand_plain, str) else cand_plain()
    floor = config.min_distinct_tokens
    # The runs' first tokens settle it for most pairs (a set of every aligned token cost more),
    # often the first runs' alone: the first tokens of some runs hold no more distinct
    # tokens than those of all runs, so reading stops once they hold ``floor`` (on issue 17's
    # workload, 5,091 pairs reached this test, with 8.7 identical runs each).
    seen: set[str] = set()
    for c0, _, size in inside:
        seen.update(plain[c0 : c0 + min(size, 4 * floor)])
        if len(seen) >= floor:
            break
    few = False
    if len(seen) < floor:
        runs = [plain[c0 : c0 + size] for c0, _, size in inside]
        few = len(set().union(*runs)) < floor
        if few and _orderings(runs) < config.min_tokens:
            return None
    if ref_echoes:
        original = sum(size for _, _, size in _without_echoes(inside, ref_echoes))
        if original < config.min_original_tokens:
            return None
    return _alignment(spans, figures, few)


_ORDER_NGRAM = 4
"""Length of the token n-grams :func:`_orderings` counts."""


def _orderings(runs: list[str]) -> int:
    """Distinct token ``_ORDER_NGRAM``-grams inside identical runs: ...unless they share many
    distinct orderings of them. Two independent grids of nine digits align by chance in runs
    of one to three tokens; a copied grid is one run holding one distinct 4-gram a cell. A
    repeated marker or a two-symbol pattern has few however long it is."""
    n = _ORDER_NGRAM
    return len({run[k : k + n] for run in runs for k in range(len(run) - n + 1)})


def align_renamed(
    cand: Fingerprint, ref: Fingerprint, config: MatchConfig, ref_echoes: Sequence[tuple[int, int]] = ()
) -> Alignment | None:
    """``align`` over the identifier-insensitive streams of two texts holding code
    (``Fingerprint.renamed``), with the stricter floors ``RENAMED_MIN_TOKENS`` and
    ``RENAMED_MIN_SIMILARITY``; spans come back
    in plain token positions. Distinct tokens are counted on the candidate's plain codes (its
    real names, not their abstraction)."""
    if cand.renamed is None or ref.renamed is None or cand.renamed_at is None or ref.renamed_at is None:
        return None
    c_at, r_at = cand.renamed_at, ref.renamed_at
    echoes = [(int(np.searchsorted(r_at, a)), int(np.searchsorted(r_at, b))) for a, b in ref_echoes]
    codes = cand.codes

    def plain() -> str:
        return "".join(codes[p] for p in c_at.tolist())

    kept = [e for e in echoes if e[0] < e[1]]
    found = align(cand.renamed, ref.renamed, _stricter(config), kept, cand_plain=plain)
    if found is None:
        return None
    spans = tuple(
        TokenSpan(
            cand_start=int(c_at[s.cand_start]),
            cand_end=int(c_at[s.cand_end - 1]) + 1,
            ref_start=int(r_at[s.ref_start]),
            ref_end=int(r_at[s.ref_end - 1]) + 1,
            matched=s.matched,
        )
        for s in found.spans
    )
    return replace(found, spans=spans, renamed=True)


@functools.lru_cache(maxsize=8)
def _stricter(config: MatchConfig) -> MatchConfig:
    """``config`` with the renamed floors (built once per configuration, not per pair)."""
    return replace(
        config,
        min_tokens=max(config.min_tokens, RENAMED_MIN_TOKENS),
        min_similarity=max(config.min_similarity, RENAMED_MIN_SIMILARITY),
    )


def align_literal(
    cand: Fingerprint, ref: Fingerprint, config: MatchConfig, ref_echoes: Sequence[tuple[int, int]] = ()
) -> Alignment | None:
    """``align`` over the literal streams of two texts holding code or markup
    (``Fingerprint.literal``: symbols and the words of tags counted as tokens, nothing
    abstracted), with the same tests; spans come back in plain token positions. A text
    without a literal stream takes its plain codes (a copy may have lost its fences)."""
    if cand.literal is None and ref.literal is None:
        return None
    if not literal_may_judge(cand.codes, ref.codes, config):
        return None
    sparse = _sparse(cand.codes, ref.codes, config)
    c_codes, c_at = _literal(cand)
    r_codes, r_at = _literal(ref)
    echoes = [(int(np.searchsorted(r_at[0], a)), int(np.searchsorted(r_at[0], b))) for a, b in ref_echoes]
    found = align(c_codes, r_codes, config, [e for e in echoes if e[0] < e[1]])
    if found is None:
        return None
    spans = []
    words = 0
    for s in found.spans:
        c0, c1 = _plain_range(c_at, s.cand_start, s.cand_end, len(cand.codes))
        r0, r1 = _plain_range(r_at, s.ref_start, s.ref_end, len(ref.codes))
        words += min(c1 - c0, r1 - r0)
        # In plain tokens, at the span's literal similarity (symbols are not plain tokens).
        matched = min(round(s.similarity * ((c1 - c0) + (r1 - r0)) / 2), c1 - c0, r1 - r0)
        spans.append(TokenSpan(cand_start=c0, cand_end=c1, ref_start=r0, ref_end=r1, matched=matched))
    if words >= config.min_tokens and not sparse:
        # The plain alignment had enough tokens here and rejected them: symbols may not
        # outvote its tests.
        return None
    return replace(found, spans=tuple(spans))


def _sparse(cand_codes: str, ref_codes: str, config: MatchConfig) -> bool:
    """Whether either text holds fewer distinct tokens than ``min_distinct_tokens``."""
    return _few_distinct(cand_codes, config) or _few_distinct(ref_codes, config)


def _few_distinct(codes: str, config: MatchConfig) -> bool:
    floor = config.min_distinct_tokens
    # A prefix with enough distinct tokens settles it for most texts without a set of all
    # (a prefix holds no more distinct tokens than the whole); one just over the floor long
    # settles most prose, and a set of few tokens is cheap (each a new 1-character string).
    return (
        len(set(codes[: floor + floor // 2])) < floor
        and len(set(codes[: 4 * floor])) < floor
        and len(set(codes)) < floor
    )


def literal_may_judge(cand_codes: str, ref_codes: str, config: MatchConfig) -> bool:
    """Whether :func:`align_literal` may align a pair, from the plain codes alone (so a caller
    can skip fingerprinting a reference with its literal stream when it may not).

    Symbols and punctuation are shared by independent code as much as by copies (the bounds
    check of a textbook ``is_prime`` is 17 words and 45 literal tokens), so they only count
    for a text the plain tests cannot judge: under the token floor, or of fewer distinct
    tokens than the distinct-token test asks (a grid of digits). Elsewhere the plain verdict
    stands.
    """
    return literal_judgeable(cand_codes, config) or literal_judgeable(ref_codes, config)


def literal_judgeable(codes: str, config: MatchConfig) -> bool:
    """Whether one text alone makes :func:`literal_may_judge` hold, whatever the other:
    ``literal_may_judge(a, b)`` is ``literal_judgeable(a) or literal_judgeable(b)`` (a
    caller testing many pairs computes each text's half once)."""
    return len(codes) < config.min_tokens or _few_distinct(codes, config)


def renamed_may_align(cand: Fingerprint, ref_codes: str, config: MatchConfig) -> bool:
    """Whether :func:`align_renamed` may find a match, before the reference's
    identifier-insensitive stream is computed: the candidate needs the stream, and the floor
    of ``RENAMED_MIN_TOKENS`` aligned tokens needs that many values on both sides (a text's
    stream has at most one value per plain token, ``ref_codes``). The reference needs the
    stream too: its caller asks whether its text may hold code."""
    floor = max(config.min_tokens, RENAMED_MIN_TOKENS)
    return cand.renamed is not None and min(len(cand.renamed), len(ref_codes)) >= floor


def _literal(fp: Fingerprint) -> tuple[str, np.ndarray]:
    if fp.literal is not None and fp.literal_at is not None:
        return fp.literal, fp.literal_at
    plain = np.arange(len(fp.codes), dtype=np.int64)
    return fp.codes, np.stack([plain, plain + 1])


def _plain_range(at: np.ndarray, start: int, end: int, plain: int) -> tuple[int, int]:
    """The plain token range of literal values ``[start, end)``: at least one token (a span
    of symbols only stands at the plain token after it), inside the text."""
    first = min(int(at[0][start]), max(plain - 1, 0))
    return first, min(max(int(at[1][end - 1]), first + 1), plain)


ECHO_MIN_CHAIN = 5.0
"""A passage counts as repeated from the prompt when its aligned runs are worth this many tokens."""


def echoes(output: str, prompts: Sequence[str], gap_penalty: float = 1.0) -> list[tuple[int, int]]:
    """Token ranges of ``output`` that repeat one of its ``prompts`` (both as token codes).

    Only the identical runs of an aligned passage are marked, so a model's edits to a text it
    was asked to rewrite stay its own, while the words it kept do not.
    """
    marked: list[tuple[int, int]] = []
    for prompt in prompts:
        if not prompt or not output:
            continue
        blocks = ALIGN.blocks(output, prompt) if ALIGN is not None else _blocks(output, prompt)
        for first, last, _ in _chains(blocks, gap_penalty, ECHO_MIN_CHAIN):
            marked.extend((c0, c0 + size) for c0, _, size in blocks[first : last + 1])
    marked.sort()
    merged: list[tuple[int, int]] = []
    for a, b in marked:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged
