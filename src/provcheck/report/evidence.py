"""Evidence for people: both texts cut into pieces, aligned spans marked, the rest folded.

A reviewer compares the candidate with the reference at the aligned spans; text far from
them is folded (counted, not shown) so that a report with thousands of findings stays small
and a 40,000-character turn does not bury its evidence. Inside a span, the tokens that differ
between the two sides are marked, so an edited copy shows its edits.
"""

from __future__ import annotations

import difflib
import enum
from collections.abc import Sequence
from dataclasses import dataclass

from provcheck.matching.normalize import reference_tokens
from provcheck.model import CharSpan, Match, Reference

CONTEXT = 240
"""Characters of unaligned text kept on each side of a span."""
SPAN_KEEP = 1200
"""Characters kept at each end of a longer span; its middle is folded."""
MIN_FOLD = 80
"""Gaps shorter than this are shown rather than folded."""
MAX_SPANS = 12
"""Spans marked per match (the longest ones); the rest is in the JSON report."""
DIFF_TOKENS = 3000
"""Spans with more tokens than this are marked as aligned without the word-level diff (the
diff is quadratic in the worst case)."""
WITHHELD = "reference text withheld by the pack's publisher"
"""What every report says where a fingerprint pack's reference text would be."""
_SNAP = 30
"""How far a fold boundary moves to land on whitespace instead of inside a word."""


@enum.unique
class PieceKind(str, enum.Enum):
    """What a piece of a text is."""

    TEXT = "text"
    """Unaligned text shown as context."""
    SAME = "same"
    """Aligned text identical (after normalization) on both sides."""
    CHANGED = "changed"
    """Aligned text that differs from the other side (an edit inside an aligned span)."""
    FOLD = "fold"
    """Text not shown; ``hidden`` characters long."""


@dataclass(frozen=True, slots=True)
class Piece:
    """A run of one kind in one side's text."""

    kind: PieceKind
    text: str
    """The text shown (empty for a fold)."""
    hidden: int = 0
    """Characters folded away (folds only)."""
    span: int | None = None
    """Number of the aligned span the piece belongs to (0-based, in candidate order)."""


@dataclass(frozen=True, slots=True)
class SideBySide:
    """Both sides of a match, ready to render."""

    candidate: tuple[Piece, ...]
    reference: tuple[Piece, ...]
    spans_shown: int
    """How many aligned spans are marked."""
    spans_total: int


@dataclass(frozen=True, slots=True)
class _Mark:
    start: int
    end: int
    kind: PieceKind
    span: int


def changed_ranges(a: str, b: str) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Character ranges of the tokens of ``a`` and of ``b`` that the other side lacks."""
    ta, oa = reference_tokens(a)
    tb, ob = reference_tokens(b)
    if len(ta) > DIFF_TOKENS or len(tb) > DIFF_TOKENS or ta == tb:
        # Equal tokens: the diff would be one "equal" run (most aligned spans of a copy are).
        return [], []
    out_a: list[tuple[int, int]] = []
    out_b: list[tuple[int, int]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, ta, tb, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        if i2 > i1:
            out_a.append((oa[i1][0], oa[i2 - 1][1]))
        if j2 > j1:
            out_b.append((ob[j1][0], ob[j2 - 1][1]))
    return out_a, out_b


def _marks(spans: Sequence[tuple[int, CharSpan, list[tuple[int, int]]]]) -> list[_Mark]:
    """Aligned spans split into SAME and CHANGED runs, in text order, without overlaps."""
    out: list[_Mark] = []
    last = 0
    for number, cs, changed in sorted(spans, key=lambda s: s[1].start):
        start = max(cs.start, last)
        for c0, c1 in changed:
            c0, c1 = max(c0 + cs.start, start), min(c1 + cs.start, cs.end)
            if c1 <= c0:
                continue
            if c0 > start:
                out.append(_Mark(start, c0, PieceKind.SAME, number))
            out.append(_Mark(c0, c1, PieceKind.CHANGED, number))
            start = c1
        if cs.end > start:
            out.append(_Mark(start, cs.end, PieceKind.SAME, number))
        last = max(last, cs.end)
    return out


def _snap(text: str, pos: int, direction: int) -> int:
    """Move ``pos`` by up to ``_SNAP`` characters in ``direction`` to a whitespace boundary."""
    for step in range(_SNAP):
        p = pos + step * direction
        if p <= 0 or p >= len(text):
            return max(0, min(len(text), p))
        if text[p].isspace() or text[p - 1].isspace():
            return p
    return pos


def _visible(text: str, spans: Sequence[CharSpan]) -> list[tuple[int, int]]:
    """Ranges of ``text`` to show: each span's ends and some context around them."""
    ranges: list[tuple[int, int]] = []
    for cs in spans:
        lo = _snap(text, max(0, cs.start - CONTEXT), -1)
        hi = _snap(text, min(len(text), cs.end + CONTEXT), 1)
        if cs.end - cs.start > 2 * SPAN_KEEP + MIN_FOLD:
            ranges.append((lo, _snap(text, cs.start + SPAN_KEEP, 1)))
            ranges.append((_snap(text, cs.end - SPAN_KEEP, -1), hi))
        else:
            ranges.append((lo, hi))
    if not ranges:
        ranges.append((0, min(len(text), 2 * CONTEXT)))
    ranges.sort()
    merged: list[tuple[int, int]] = []
    for lo, hi in ranges:
        if merged and lo - merged[-1][1] < MIN_FOLD:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    if merged[0][0] < MIN_FOLD:
        merged[0] = (0, merged[0][1])
    if len(text) - merged[-1][1] < MIN_FOLD:
        merged[-1] = (merged[-1][0], len(text))
    return merged


def pieces(text: str, spans: Sequence[tuple[int, CharSpan, list[tuple[int, int]]]]) -> tuple[Piece, ...]:
    """``text`` as pieces: marked spans, context, and folds.

    ``spans`` are (span number, range in ``text``, changed ranges relative to the span start).
    """
    marks = _marks(spans)
    out: list[Piece] = []
    pos = 0

    def emit(lo: int, hi: int) -> None:
        # Text between lo and hi, split at the marks it overlaps.
        at = lo
        for m in marks:
            if m.end <= at or m.start >= hi:
                continue
            if m.start > at:
                out.append(Piece(PieceKind.TEXT, text[at : m.start]))
            end = min(m.end, hi)
            out.append(Piece(m.kind, text[max(m.start, at) : end], span=m.span))
            at = end
        if hi > at:
            out.append(Piece(PieceKind.TEXT, text[at:hi]))

    for lo, hi in _visible(text, [s[1] for s in spans]):
        if lo > pos:
            out.append(Piece(PieceKind.FOLD, "", hidden=lo - pos))
        emit(max(lo, pos), hi)
        pos = max(pos, hi)
    if pos < len(text):
        out.append(Piece(PieceKind.FOLD, "", hidden=len(text) - pos))
    return tuple(out)


def withheld_note(ref: Reference) -> str | None:
    """``reference text withheld by the pack's publisher (Acme)``, or None when the text is here."""
    return f"{WITHHELD} ({ref.withheld})" if ref.withheld else None


def token_ranges(match: Match) -> str:
    """The reference's aligned token positions (what locates a withheld reference's side)."""
    return ", ".join(f"{s.reference.start}-{s.reference.end}" for s in match.evidence.spans)


def side_by_side(match: Match) -> SideBySide:
    """The candidate and reference texts of ``match`` with its aligned spans marked.

    A withheld reference (a fingerprint pack's) has no text: the candidate is shown with its
    aligned regions, and the reference side says who withholds it and which of its token
    positions aligned.
    """
    note = withheld_note(match.reference)
    if note is not None:
        spans = list(enumerate(match.evidence.spans))
        if len(spans) > MAX_SPANS:
            spans = sorted(sorted(spans, key=lambda s: -s[1].matched_tokens)[:MAX_SPANS])
        return SideBySide(
            candidate=pieces(match.record.turn.text, [(n, s.candidate, []) for n, s in spans]),
            reference=(Piece(PieceKind.TEXT, f"{note}; aligned reference tokens {token_ranges(match)}"),),
            spans_shown=len(spans),
            spans_total=len(match.evidence.spans),
        )
    cand_text = match.record.turn.text
    ref_text = match.reference.turn.text
    spans = list(enumerate(match.evidence.spans))
    if len(spans) > MAX_SPANS:
        spans = sorted(sorted(spans, key=lambda s: -s[1].matched_tokens)[:MAX_SPANS])
    cand: list[tuple[int, CharSpan, list[tuple[int, int]]]] = []
    ref: list[tuple[int, CharSpan, list[tuple[int, int]]]] = []
    for number, s in spans:
        a = cand_text[s.candidate.start : s.candidate.end]
        b = ref_text[s.reference.start : s.reference.end]
        ca, cb = changed_ranges(a, b)
        cand.append((number, s.candidate, ca))
        ref.append((number, s.reference, cb))
    return SideBySide(
        candidate=pieces(cand_text, cand),
        reference=pieces(ref_text, ref),
        spans_shown=len(spans),
        spans_total=len(match.evidence.spans),
    )


def marked(text: str, span: CharSpan) -> tuple[Piece, ...]:
    """``text`` with one range marked (a marker hit), folded around it."""
    return pieces(text, [(0, span, [])])
