"""Prompt convergence asks whether the reference's own words are copied too (outside counsel 19).

A verbatim copy of a "rewrite this email" answer (67 tokens, 100% of both texts) was lowered to
review as ``prompt`` convergence because most of the answer restates the email. What the
reference wrote beyond its prompt (the words it changed, the sentences it added) tells a copy,
which takes them too, from an independent answer restating the same email with edits of its
own."""

from __future__ import annotations

from provcheck.matching.convergence import OWN_SHARE, WHOLE_SHARE, own_copied, residual
from provcheck.matching.params import MatchConfig
from provcheck.matching.strength import Signals, judge
from provcheck.model import AlignedSpan, CharSpan, Evidence, MatchKind


def whole(tokens: int = 67, share: float = 1.0) -> Evidence:
    return Evidence(
        MatchKind.NEAR_DUPLICATE,
        1.0,
        share,
        share,
        tokens,
        1.0,
        1.0,
        (AlignedSpan(CharSpan(0, 300), CharSpan(0, 300), tokens, 1.0),),
        False,
    )


def test_a_copy_of_an_answer_restating_its_prompt_is_not_prompt_convergence() -> None:
    # 75% of the reference's aligned text repeats its prompt; the other 17 tokens are its own.
    copy = judge(Signals(whole(), 0.0, None, "a", 0.75, own_share=1.0), [], MatchConfig())
    assert copy.convergence is None and copy.can_block and not copy.explained
    assert "the prompt does not explain the match" in copy.reason
    assert "75% of the reference's aligned text repeats its own prompt" in copy.reason
    # An independent answer restating the same text with edits of its own: still convergence.
    other = judge(Signals(whole(), 0.0, None, "a", 0.75, own_share=0.6), [], MatchConfig())
    assert other.convergence == "prompt" and not other.can_block
    assert "does not explain" not in other.reason
    # Not read (a pack's reference, identifiers renamed): the prompt explains it, as before.
    assert judge(Signals(whole(), 0.0, None, "a", 0.75), [], MatchConfig()).convergence == "prompt"


def test_a_reference_that_only_repeats_its_prompt_has_nothing_of_its_own_to_copy() -> None:
    # 97% echo of 67 tokens leaves 2 of its own: copied or not, the prompt explains the match.
    assert not own_copied(1.0, 0.97, whole())
    assert own_copied(1.0, 0.75, whole()) and not own_copied(OWN_SHARE - 0.01, 0.75, whole())
    assert judge(Signals(whole(), 0.0, None, "a", 0.97, own_share=1.0), []).convergence == "prompt"


def test_a_request_turn_taking_the_reference_s_own_words_is_not_explained_by_the_request() -> None:
    """A request turn (user, system) matching a reference that repeats its own request: the
    echo is set aside (the two share a request), unless the reference's own words are copied
    too: a request holding the whole answer, edits included, copies the answer."""
    ev = whole(60)
    config = MatchConfig()
    assert not residual(ev, 0.0, 0.75, config).passes  # 15 tokens left: explained
    assert residual(ev, 0.0, 0.75, config, own_share=1.0).passes
    asked = Signals(ev, 0.0, None, "a", 0.75, prompt_turn=True, own_share=1.0)
    assert not judge(asked, [], config).explained
    assert judge(Signals(ev, 0.0, None, "a", 0.75, prompt_turn=True, own_share=0.5), [], config).explained


def test_a_request_matching_a_plain_text_reference_is_judged_a_copy_and_says_why() -> None:
    """Counsel 19: a prompt identical to a text of a source indexed as plain text (no request)
    can block. It still does (the stricter reading: no request is known to explain it), and the
    reason now says that the prompt rule could not apply."""
    plain = Signals(whole(), 0.0, None, "a", prompt_turn=True, plain_reference=True)
    s = judge(plain, [], MatchConfig())
    assert s.can_block and s.convergence is None
    assert "indexed as plain text, with no request of its own" in s.reason
    assert "indexed as plain text" not in judge(Signals(whole(), 0.0, None, "a"), [], MatchConfig()).reason


def test_a_request_turn_under_the_reference_s_own_request_is_that_request() -> None:
    """The candidate's request turn, under the request the reference answers: every word of it is
    the prompt's, including the prompt's words the reference kept between its edits (too short a
    run to be marked as its echo), so they never count as the reference's own words copied."""
    ev = whole(60)
    asked = Signals(ev, 0.0, None, "a", 0.75, prompt_turn=True, same_request=True, own_share=1.0)
    assert judge(asked, [], MatchConfig()).explained
    assert judge(asked, [], MatchConfig()).convergence == "prompt"


def test_a_few_own_words_in_part_of_an_answer_do_not_tell_a_copy() -> None:
    """Independent answers quoting the same passages of a long prompt repeat the few words the
    reference added around them (issue 17's workload: 11-30 of them, 90-100% repeated, 13
    held-out answers could block). Only the whole of both texts, or the block floor's worth of
    own words, tells a copy."""
    part = whole(150, share=0.6)  # 20% of 150 = 30 own tokens, in part of both texts
    assert not own_copied(1.0, 0.8, part)
    lowered = judge(Signals(part, 0.0, None, "a", 0.8, own_share=1.0), [], MatchConfig())
    assert lowered.convergence == "prompt" and not lowered.can_block
    assert own_copied(1.0, 0.7, part)  # 45 own tokens: enough on their own
    assert own_copied(1.0, 0.75, whole(67, share=WHOLE_SHARE))  # the whole answer, 17 own tokens
    assert not own_copied(1.0, 0.75, whole(67, share=WHOLE_SHARE - 0.01))


def test_a_prompt_match_says_how_much_of_the_reference_s_own_words_it_repeats_and_the_test() -> None:
    """Outside counsel 21 (P3): an answer written apart for the same request read like the copy
    ("most of the shared passage repeats the reference's own prompt"), with no figure beside the
    copy's "repeats 100%"; each case of ``own_copied`` it fails now says which."""
    test = (
        "where a copy repeats 90% or more of them, at least 10 words, and either 40 words or the "
        "whole of both texts (90% of each) (matching/convergence.py own_copied)"
    )

    def reason(s: Signals) -> str:
        st = judge(s, [], MatchConfig())
        assert st.convergence == "prompt", st.reason
        return st.reason

    few = reason(Signals(whole(), 0.0, None, "a", 0.75, own_share=0.899, own_read=True))
    assert "the candidate repeats 89% of the words the reference wrote beyond its prompt" in few
    assert f"{test}: it repeats fewer, so the prompt explains the match" in few
    # 97% echo of 67 tokens: 2 own words, all repeated.
    tokens = reason(Signals(whole(), 0.0, None, "a", 0.97, own_share=1.0, own_read=True))
    assert "repeats 100% of the words" in tokens and "but that is about 2 word(s), fewer than 10" in tokens
    # 30 own words, all repeated, in 60% of both texts.
    part = reason(Signals(whole(150, share=0.6), 0.0, None, "a", 0.8, own_share=1.0, own_read=True))
    assert "but that is about 30 words, fewer than 40, in a match covering less than 90% of both" in part
    asked = Signals(
        whole(60), 0.0, None, "a", 0.75, prompt_turn=True, same_request=True, own_share=1.0, own_read=True
    )
    assert "the candidate turn is a request under the reference's own request" in reason(asked)
    # Not compared: the reason says why, not a share.
    for unread, why in (
        (
            Signals(whole(), 0.0, None, "a", 0.75, renamed=True),
            "the match holds only with identifiers abstracted",
        ),
        (Signals(whole(), 0.0, None, "a", 0.75, withheld=True), "the reference is in a fingerprint pack"),
        (Signals(whole(), 0.0, None, "a", 0.75), "the reference wrote no words of its own inside the match"),
    ):
        said = reason(unread)
        assert f"were not compared with the candidate ({why}" in said and "the candidate repeats" not in said


def test_exactly_the_own_words_the_test_asks_are_enough_whatever_the_floating_point() -> None:
    """Adversarial pass 21: a verbatim copy of a whole AlpacaEval answer (43 tokens, 33 of them
    repeating its prompt, 10 its own) was lowered as ``prompt`` convergence, its reason saying
    "about 10 word(s), fewer than 10": (1 - 33/43) * 43 is 9.999999999999998 in floating point."""
    ev = whole(43)
    assert own_copied(1.0, 33 / 43, ev)
    copy = judge(Signals(ev, 0.0, None, "a", 33 / 43, own_share=1.0, own_read=True), [], MatchConfig())
    assert copy.convergence is None and copy.can_block, copy.reason
    # One own word fewer is still too few.
    assert not own_copied(1.0, 34 / 43, ev)
