"""Evidence for people: spans marked, edits inside spans marked, long texts folded."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from provcheck.model import CharSpan
from provcheck.report.evidence import (
    CONTEXT,
    SPAN_KEEP,
    PieceKind,
    changed_ranges,
    marked,
    pieces,
    side_by_side,
)
from report_samples import copy_match


def joined(ps: tuple) -> str:  # type: ignore[type-arg]
    return "".join(p.text for p in ps)


def test_pieces_cover_the_text_exactly_when_nothing_is_folded() -> None:
    text = "alpha beta gamma delta epsilon"
    ps = pieces(text, [(0, CharSpan(6, 16), [(0, 4)])])
    assert joined(ps) == text
    assert [(p.kind, p.text) for p in ps] == [
        (PieceKind.TEXT, "alpha "),
        (PieceKind.CHANGED, "beta"),
        (PieceKind.SAME, " gamma"),
        (PieceKind.TEXT, " delta epsilon"),
    ]


def test_long_texts_are_folded_around_the_evidence_with_counts() -> None:
    before = "lorem ipsum " * 300
    evidence = "the copied passage " * 20
    after = " dolor sit amet" * 300
    text = before + evidence + after
    start = len(before)
    ps = pieces(text, [(0, CharSpan(start, start + len(evidence)), [])])
    kinds = [p.kind for p in ps]
    assert kinds[0] is PieceKind.FOLD and kinds[-1] is PieceKind.FOLD
    shown = sum(len(p.text) for p in ps)
    hidden = sum(p.hidden for p in ps)
    assert shown + hidden == len(text)
    assert shown <= len(evidence) + 2 * CONTEXT + 60
    assert "".join(p.text for p in ps if p.kind is PieceKind.SAME) == evidence
    # Folds land on whitespace: the context starts and ends with whole words.
    context = [p.text for p in ps if p.kind is PieceKind.TEXT]
    assert context[0].startswith(("lorem", "ipsum", " ")) and context[-1].endswith(
        ("dolor", "sit", "amet", " ")
    )


def test_a_very_long_span_keeps_both_ends_and_folds_its_middle() -> None:
    text = "word " * 3000
    ps = pieces(text, [(0, CharSpan(0, len(text)), [])])
    folds = [p for p in ps if p.kind is PieceKind.FOLD]
    assert len(folds) == 1 and folds[0].hidden > len(text) - 2 * SPAN_KEEP - 100
    assert ps[0].kind is PieceKind.SAME and ps[-1].kind is PieceKind.SAME


def test_changed_ranges_mark_the_edited_words_on_both_sides() -> None:
    a = "TCP gives a reliable, ordered byte stream."
    b = "TCP gives a dependable ordered byte stream!"
    ca, cb = changed_ranges(a, b)
    assert [a[s:e] for s, e in ca] == ["reliable"]
    assert [b[s:e] for s, e in cb] == ["dependable"]
    assert changed_ranges("same words here", "Same, words: here.") == ([], [])


def test_side_by_side_marks_the_same_span_on_both_sides() -> None:
    ref = "one two three four five six seven eight nine ten eleven twelve"
    m = copy_match(0, ("Prefix text. ", ref.replace("six", "SIXTEEN"), " suffix"), ref)
    sbs = side_by_side(m)
    assert sbs.spans_shown == sbs.spans_total == 1
    assert joined(sbs.candidate) == m.record.turn.text and joined(sbs.reference) == ref
    assert [p.text for p in sbs.candidate if p.kind is PieceKind.CHANGED] == ["SIXTEEN"]
    assert [p.text for p in sbs.reference if p.kind is PieceKind.CHANGED] == ["six"]
    assert {p.span for p in sbs.candidate if p.kind is not PieceKind.TEXT} == {0}


def test_a_marker_is_marked_in_its_turn() -> None:
    ps = marked("Sure. As an AI language model, I cannot.", CharSpan(6, 29))
    assert [p.text for p in ps if p.kind is PieceKind.SAME] == ["As an AI language model"]


@settings(max_examples=200, deadline=None)
@given(
    text=st.text(alphabet=st.sampled_from("ab c\n界."), min_size=0, max_size=3000),
    cuts=st.lists(st.integers(min_value=0, max_value=3000), max_size=8),
)
def test_pieces_account_for_every_character_in_order(text: str, cuts: list[int]) -> None:
    points = sorted({min(c, len(text)) for c in cuts})
    spans = [
        (i, CharSpan(a, b), [(0, (b - a) // 2)] if b > a else [])
        for i, (a, b) in enumerate(zip(points[::2], points[1::2], strict=False))
    ]
    ps = pieces(text, spans)
    rebuilt, pos = [], 0
    for p in ps:
        if p.kind is PieceKind.FOLD:
            assert p.hidden > 0
            rebuilt.append(text[pos : pos + p.hidden])
            pos += p.hidden
        else:
            assert text[pos : pos + len(p.text)] == p.text
            rebuilt.append(p.text)
            pos += len(p.text)
    assert "".join(rebuilt) == text
    inside = "".join(p.text for p in ps if p.kind in (PieceKind.SAME, PieceKind.CHANGED))
    assert len(inside) <= sum(s.end - s.start for _, s, _ in spans)


def test_spans_with_the_same_tokens_are_not_diffed(monkeypatch: pytest.MonkeyPatch) -> None:
    """A copy's aligned spans mostly hold the same tokens on both sides: nothing is marked,
    and the quadratic diff (most of an HTML report's time) is not run for them."""
    from provcheck.report import evidence

    a = "The quick brown fox jumps over the lazy dog, twice."
    b = "the  QUICK brown fox jumps over the lazy dog twice"  # other case, spacing, punctuation
    changed = evidence.changed_ranges(a, b.replace("lazy", "sleepy"))
    assert changed[0] and changed[1]  # a real difference is still found

    def refused(*args: object, **kwargs: object) -> None:
        raise AssertionError("diffed")

    monkeypatch.setattr(evidence.difflib, "SequenceMatcher", refused)
    assert evidence.changed_ranges(a, b) == ([], [])
