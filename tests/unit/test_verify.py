"""Verification: edited copies and excerpts are found, coincidences and short texts are not."""

from __future__ import annotations

import random

from helpers import REFERENCE_TEXTS, UNRELATED_TEXT
from provcheck.matching.evidence import evidence
from provcheck.matching.fingerprint import Fingerprinter
from provcheck.matching.normalize import token_offsets
from provcheck.matching.params import FingerprintConfig, MatchConfig
from provcheck.matching.verify import align
from provcheck.model import MatchKind

F = Fingerprinter(FingerprintConfig())
CFG = MatchConfig()

# Two answers to the same question, written independently: same topic, facts and stock phrases.
ANSWER_A = (
    "To make a good cup of coffee at home, start with freshly roasted beans and grind them just "
    "before brewing. Use about two tablespoons of coffee for every six ounces of water, and heat "
    "the water to between 195 and 205 degrees Fahrenheit. A pour-over cone gives you control "
    "over the flow, while a French press produces a fuller body. Let it steep for about four "
    "minutes, then press slowly and serve right away so it does not turn bitter."
)
ANSWER_B = (
    "Great coffee at home comes down to a few basics. Buy whole beans roasted within the last "
    "few weeks and grind them right before you brew. A common ratio is roughly two tablespoons "
    "of grounds per six ounces of water. Water just off the boil, around 200 degrees Fahrenheit, "
    "extracts the best flavour. If you like a heavier cup, a French press is ideal: steep for "
    "four minutes and pour it all out so it does not keep extracting and become bitter."
)


def word_edits(text: str, rate: float, seed: int) -> str:
    rng = random.Random(seed)
    vocab = UNRELATED_TEXT.split()
    out = []
    for w in text.split():
        r = rng.random()
        if r < rate / 3:
            continue
        if r < 2 * rate / 3:
            out.append(rng.choice(vocab))
        elif r < rate:
            out.extend([w, rng.choice(vocab)])
        else:
            out.append(w)
    return " ".join(out)


def check(cand: str, ref: str) -> object:
    return align(F.of_text(cand).codes, F.of_text(ref).codes, CFG)


def test_verbatim_and_reformatted_copies_match_as_near_duplicates() -> None:
    ref = REFERENCE_TEXTS[0]
    for cand in (ref, ref.upper().replace(". ", ".\n\n- "), "**" + ref.replace(",", "") + "**"):
        a = check(cand, ref)
        assert a is not None and a.kind is MatchKind.NEAR_DUPLICATE
        assert a.similarity > 0.95


def test_edited_copies_match_up_to_twenty_percent_word_edits() -> None:
    for i, ref in enumerate(REFERENCE_TEXTS):
        for rate in (0.05, 0.1, 0.2):
            a = check(word_edits(ref, rate, seed=i), ref)
            assert a is not None, (i, rate)
            assert a.kind is MatchKind.NEAR_DUPLICATE


def test_truncated_copy_matches_by_candidate_coverage() -> None:
    ref = REFERENCE_TEXTS[1]
    words = ref.split()
    a = check(" ".join(words[: len(words) // 2]), ref)
    assert a is not None and a.coverage > 0.95 and a.containment < 0.6


def test_excerpt_inside_unrelated_text_matches_as_excerpt() -> None:
    ref = REFERENCE_TEXTS[2] + " " + REFERENCE_TEXTS[0]
    excerpt = " ".join(ref.split()[5:55])
    cand = UNRELATED_TEXT + " " + excerpt + " " + ANSWER_A + " " + ANSWER_B
    a = check(cand, ref)
    assert a is not None and a.kind is MatchKind.EXCERPT
    assert a.coverage < 0.5 and a.containment < 0.5 and a.similarity == 1.0


def test_independent_answers_to_the_same_question_do_not_match() -> None:
    assert check(ANSWER_A, ANSWER_B) is None
    assert check(ANSWER_B, ANSWER_A) is None
    assert check(UNRELATED_TEXT, REFERENCE_TEXTS[0]) is None


def test_short_texts_never_match() -> None:
    short = "The capital of France is Paris, a city on the Seine."
    assert check(short, short) is None


def test_evidence_spans_point_at_the_shared_text_in_both_texts() -> None:
    ref = REFERENCE_TEXTS[0]
    cand = "Intro sentence about bread. " + ref.replace("patience", "PATIENCE!")
    c_fp, r_fp = F.of_text(cand), F.of_text(ref)
    a = align(c_fp.codes, r_fp.codes, CFG)
    assert a is not None
    ev = evidence(a, c_fp, cand, token_offsets(cand), r_fp, ref, token_offsets(ref), CFG, cand_base=100)
    assert ev.matched_tokens >= 70 and not ev.short
    assert 0.9 < ev.char_similarity <= 1.0 and 0.8 < ev.jaccard <= 1.0
    span = max(ev.spans, key=lambda s: s.matched_tokens)
    shown_cand = cand[span.candidate.start - 100 : span.candidate.end - 100]
    shown_ref = ref[span.reference.start : span.reference.end]
    assert shown_ref.startswith("A healthy sourdough") and shown_cand.startswith("A healthy sourdough")
    assert shown_ref.endswith("sour") and shown_cand.endswith("sour")


def test_reordered_sentences_and_paragraphs_still_match() -> None:
    # A longest common subsequence keeps one order; later passes align what it left.
    ref = " ".join(REFERENCE_TEXTS[:3])
    sentences = [s.strip() for s in ref.replace("!", ".").split(". ") if s.strip()]
    rng = random.Random(3)
    shuffled = sentences[:]
    rng.shuffle(shuffled)
    paragraphs = "\n\n".join(reversed(REFERENCE_TEXTS[:3]))
    for cand in (". ".join(shuffled), paragraphs):
        c_fp, r_fp = F.of_text(cand), F.of_text(ref)
        a = align(c_fp.codes, r_fp.codes, CFG)
        assert a is not None and a.kind is MatchKind.NEAR_DUPLICATE
        assert a.coverage > 0.75 and len(a.spans) >= 3
        # Spans are in candidate order, never overlap, and point at the same text on both sides.
        ev = evidence(a, c_fp, cand, token_offsets(cand), r_fp, ref, token_offsets(ref), CFG)
        starts = [sp.candidate.start for sp in ev.spans]
        assert starts == sorted(starts)
        assert all(x.candidate.end <= y.candidate.start for x, y in zip(ev.spans, ev.spans[1:], strict=False))
        for sp in ev.spans:
            if sp.similarity == 1.0:
                shown = cand[sp.candidate.start : sp.candidate.end].lower()
                assert shown in ref.lower() or shown.replace(".", "") in ref.lower().replace(".", "")
    # Two independent answers stay apart however many passes run.
    assert check(ANSWER_A, ANSWER_B) is None


def test_short_evidence_is_flagged() -> None:
    ref = REFERENCE_TEXTS[1]
    piece = " ".join(ref.split()[:32])
    c_fp, r_fp = F.of_text(piece), F.of_text(ref)
    a = align(c_fp.codes, r_fp.codes, CFG)
    assert a is not None
    assert evidence(a, c_fp, piece, token_offsets(piece), r_fp, ref, token_offsets(ref), CFG).short
