"""Evidence explained by convergence: what is left once common and prompt text are set aside
must still pass the verification tests (``matching/convergence.py``)."""

from __future__ import annotations

from provcheck.matching.convergence import residual
from provcheck.matching.params import MatchConfig
from provcheck.model import AlignedSpan, CharSpan, Evidence, MatchKind


def ev(
    tokens: int, extent: float, similarity: float = 0.97, kind: MatchKind = MatchKind.NEAR_DUPLICATE
) -> Evidence:
    span = AlignedSpan(CharSpan(0, 10), CharSpan(0, 10), tokens, similarity)
    return Evidence(kind, similarity, extent, extent, tokens, similarity, 0.5, (span,), tokens < 40)


def test_nothing_set_aside_passes_as_verification_did() -> None:
    assert residual(ev(25, 0.5, 0.7), 0.0, 0.0, MatchConfig()).passes
    assert residual(ev(40, 0.05, 0.93, MatchKind.EXCERPT), 0.0, 0.0, MatchConfig()).passes


def test_a_passage_held_by_many_texts_leaves_too_little() -> None:
    left = residual(ev(85, 0.7, 1.0), 1.0, 0.4, MatchConfig())
    assert not left.passes and left.tokens == 0 and left.discount == 1.0


def test_an_excerpt_must_keep_a_whole_excerpt_after_the_discount() -> None:
    # 60 aligned tokens in one span: 30% common leaves 42 (an excerpt), 40% leaves 36 (not).
    excerpt = ev(60, 0.1, 0.96, MatchKind.EXCERPT)
    assert residual(excerpt, 0.3, 0.0, MatchConfig()).passes
    assert not residual(excerpt, 0.4, 0.0, MatchConfig()).passes


def test_a_near_duplicate_must_keep_its_coverage_after_the_discount() -> None:
    # Half of the candidate aligned, half of that common: a quarter is left (under 0.5).
    assert not residual(ev(56, 0.53, 0.79), 0.5, 0.0, MatchConfig()).passes
    # A whole copy with a third of common text still covers two thirds.
    assert residual(ev(300, 0.98, 0.99), 0.33, 0.0, MatchConfig()).passes


def test_prompt_echo_and_common_text_overlap_the_larger_is_set_aside() -> None:
    left = residual(ev(100, 0.9, 0.95), 0.3, 0.6, MatchConfig())
    assert left.discount == 0.6 and left.tokens == 40


def test_the_floors_are_the_scans_own() -> None:
    e = ev(60, 0.1, 0.96, MatchKind.EXCERPT)
    assert residual(e, 0.3, 0.0, MatchConfig()).passes
    assert not residual(e, 0.3, 0.0, MatchConfig(excerpt_tokens=45)).passes


def test_a_whole_copy_of_a_text_mostly_quoting_its_prompt_stays_a_near_duplicate() -> None:
    """The set-aside text leaves the texts too: a whole copy of a reference that is 56% its own
    prompt still aligns all of the rest (it was explained away when only the alignment lost
    that text, 1 in 400 reformatted copies in the recall benchmark)."""
    left = residual(ev(61, 1.0, 1.0), 0.36, 0.56, MatchConfig())
    assert left.passes and left.tokens == 26


def test_nothing_set_aside_never_undoes_verification() -> None:
    """A renamed-code match's evidence spans are in plain positions, so their similarity can be
    under the excerpt test's although the alignment passed it: with nothing set aside such a
    match was "explained" (a Godot script in the recall benchmark's hard negatives)."""
    span = AlignedSpan(CharSpan(0, 10), CharSpan(0, 10), 67, 0.8)
    e = Evidence(MatchKind.EXCERPT, 0.8, 0.17, 0.3, 67, 0.8, 0.2, (span,), False)
    assert residual(e, 0.0, 0.0, MatchConfig(), renamed=True).passes


def test_located_text_is_set_aside_from_its_own_span() -> None:
    """A 60-token span of the reference's own words beside a 60-token quotation: set aside evenly
    (half of each span), neither span keeps an excerpt; set aside where it lies, the own span
    keeps all 60 tokens (test_adversarial8.py, defect 6)."""
    own = AlignedSpan(CharSpan(0, 10), CharSpan(0, 10), 60, 1.0)
    quote = AlignedSpan(CharSpan(20, 30), CharSpan(20, 30), 60, 1.0)
    e = Evidence(MatchKind.EXCERPT, 1.0, 0.3, 0.3, 120, 1.0, 0.5, (own, quote), False)
    assert not residual(e, 0.5, 0.0, MatchConfig()).passes
    left = residual(e, 0.0, 0.0, MatchConfig(), located=(0.0, 1.0))
    assert left.passes and left.discount == 0.5 and left.tokens == 60
    # Common text found elsewhere is still set aside from every span.
    assert not residual(e, 0.4, 0.0, MatchConfig(), located=(0.0, 1.0)).passes
