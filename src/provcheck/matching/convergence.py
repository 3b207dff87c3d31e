"""Evidence explained by convergence: what is left of a verified alignment once the text that
many references share, and the reference's own prompt, are set aside. Pure.

Verification (``verify.align``) counts every aligned token as evidence of copying. Two kinds of
aligned text show no copying of *this* reference, whoever wrote the candidate:

* text that texts of several *other sources* of the index hold too (``FOREIGN_SOURCES``): a
  passage many independent texts contain is what independent answers converge on, and shows
  copying of none of them (MOSS, Schleimer et al. 2003, ignores passages common to many
  submissions the same way);
* when the candidate turn is itself a request (user, system, tool turn), the text the
  reference repeats from its own prompt (its echoes): the two share a request, not the model's
  output, unless the candidate repeats the reference's *own* words too (``own_copied``: what
  it changed or added, beside what it repeats of its prompt): a copy takes those as well, an
  independent text sharing the request does not. For any other candidate turn the echo is
  not set aside: a copy of an answer that quotes its request copies the answer (setting it
  aside lost 2% of the first halves copied in the recall benchmark, whose openings restate
  the question); ``strength.judge`` classes such a match ``prompt`` (never blocking) when
  ``ECHO_SHARE`` of it is echo, again unless ``own_copied``.

Both are estimated as shares of the match's aligned text (``Signals.foreign_share`` over the
shared anchors, ``Signals.echo_share`` over the reference's aligned ranges); the larger one is
set aside from every span and from the texts (the two overlap: references quoting one prompt
all hold its passages, so adding them would count that text twice); text of another author
found where it lies (``residual``'s ``located``) is set aside from its own span. What is left
must still pass the tests that verify a match (``MatchConfig``): ``min_tokens`` aligned tokens, and either
the near-duplicate test (of what is left of the texts, ``min_coverage`` aligned) or the excerpt
test (one span keeping ``excerpt_tokens``). A match whose residual fails them is *explained by
convergence*: it stays in the report's matches with its class (nothing found is hidden) but is
not a verified match and never blocks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from provcheck.matching.params import MatchConfig
from provcheck.model import Evidence

FOREIGN_SOURCES = 3
"""An anchor is common across sources when texts of this many sources other than the matched
reference's own hold it (four sources in all). Texts of the reference's own source do not
count: a model repeating itself, or a dump holding many copies of one answer, is not an
independent author, and a copy of such text is still a copy of that source (counting texts
instead set aside 5-7% of the 60-word excerpts and first halves copied from a one-source index
of OpenAI outputs). Two other sources were measured too: the same-prompt targets hold with
either, but with two a textbook snippet that three code datasets hold was no longer a verified
match when copied (6 of 300 verbatim code copies, 28 of 300 renamed, ``benchmarks/code.py``)."""
ECHO_SHARE = 0.5
"""A match whose reference side is at least this share prompt echo is ``prompt`` convergence
(``strength.judge``), unless the reference's own words are copied too (``own_copied``)."""
OWN_SHARE = 0.9
"""The prompt explains a match only while the candidate leaves out the reference's own words:
of the reference's tokens inside the match that do not repeat its prompt (the words it changed,
the sentences it added), a copy repeats (nearly) all, identically, and an independent answer to
the same request, restating the same text with edits of its own, repeats few (measured:
docs/matching.md, "Answers that restate their prompt")."""
OWN_TOKENS = 10
"""...and at least this many of them (``MatchConfig.min_original_tokens``' default): a reference
that only repeats its prompt, bar a word or two, has nothing of its own to copy."""


OWN_EVIDENCE = 40
"""...and either this many of them (``MatchConfig.block_floor_tokens``' default: the reference's
own words alone are as much evidence as a match that may block needs), or the match covers
``WHOLE_SHARE`` of both texts. Fewer own words, in part of an answer, do not tell a copy apart:
on issue 17's workload (20,000 records, 16,000 of them other models' answers to the same
requests) independent answers quoting the same passages of a long prompt repeated 90-100% of
the 11-30 words the reference added around them (13 of them could block with ``OWN_TOKENS``
alone; docs/matching.md, "Answers that restate their prompt")."""
WHOLE_SHARE = 0.9
"""A match covering this share of both texts is a copy of the whole answer: an independent
answer to the same request differs somewhere in what it adds to the prompt's words."""


def own_copied(own_share: float, echo_share: float, ev: Evidence) -> bool:
    """Whether the candidate repeats the reference's own words too, besides what the reference
    repeats of its prompt: ``own_share`` (``Signals.own_share``) of the reference's own tokens in
    the match, ``OWN_TOKENS`` or more of them, and either ``OWN_EVIDENCE`` of them or the whole
    of both texts (``WHOLE_SHARE``). Then the prompt explains nothing (a verbatim copy of an
    answer that restates an email it was asked to rewrite is a copy of the answer)."""
    own = own_repeated(own_share, echo_share, ev)
    if own_share < OWN_SHARE or own < OWN_TOKENS:
        return False
    return own >= OWN_EVIDENCE or min(ev.containment, ev.coverage) >= WHOLE_SHARE


def own_repeated(own_share: float, echo_share: float, ev: Evidence) -> float:
    """How many of the reference's own tokens in the match (those not repeating its prompt) the
    candidate repeats, estimated from the shares: what ``own_copied`` weighs against
    ``OWN_TOKENS`` and ``OWN_EVIDENCE``, and what a ``prompt`` match's reason says.

    Rounded to 6 places: the shares are ratios of token counts, and their product in floating
    point fell just short of the count it stands for (10 own words of 43, echo 33/43: 9.999...),
    so a verbatim copy of a whole answer with exactly ``OWN_TOKENS`` own words was lowered as
    ``prompt`` convergence, its reason saying "about 10 word(s), fewer than 10" (adversarial
    pass 21, AlpacaEval)."""
    return round(own_share * (1.0 - echo_share) * ev.matched_tokens, 6)


HOLDERS_READ = 64
"""Holders read per anchor and shard when counting their sources (bounds the cost for a
passage that millions of texts hold; a few other sources are all the rule needs)."""


@dataclass(frozen=True, slots=True)
class Residual:
    """The evidence left once convergent text is set aside."""

    discount: float
    """Share of the aligned text set aside (0-1)."""
    tokens: int
    """Aligned tokens left."""
    passes: bool
    """Whether what is left still passes the verification tests."""


def residual(
    ev: Evidence,
    common_share: float,
    echo_share: float,
    config: MatchConfig,
    renamed: bool = False,
    located: Sequence[float] = (),
    own_share: float = 0.0,
) -> Residual:
    """What is left of ``ev`` once its common and prompt-echo shares are set aside.

    ``renamed``: the match holds only with identifiers abstracted, whose floors are the stricter
    ``RENAMED_MIN_TOKENS`` and ``RENAMED_MIN_SIMILARITY`` (as in ``verify.align_renamed``).

    ``located``: per span of ``ev``, the share of it that is text of another author found where
    it lies (a quotation, a notice, background text: ``Signals.attributed_spans``), set aside
    from that span besides the shares above. Set aside evenly from every span instead, a
    quotation copied apart from a passage of the reference's own words took that passage below
    the excerpt test, and the copy of it was explained.

    ``own_share``: the share of the reference's own words (not repeated from its prompt) that the
    candidate repeats (``Signals.own_share``); when they are copied too (``own_copied``), the
    prompt explains nothing and the echo is not set aside.
    """
    if echo_share > 0 and own_copied(own_share, echo_share, ev):
        echo_share = 0.0
    base = min(1.0, max(common_share, echo_share, 0.0))
    keeps = [1.0 - base] * len(ev.spans)
    if located and len(located) == len(ev.spans):
        keeps = [1.0 - min(1.0, max(base, d)) for d in located]
        total = sum(sp.matched_tokens for sp in ev.spans)
        kept = sum(sp.matched_tokens * k for sp, k in zip(ev.spans, keeps, strict=True))
        base = max(base, 1.0 - kept / total) if total else base
    discount = base
    if discount <= 0.0:
        # Nothing set aside: verification stands (its tests ran on the alignment, whose spans can
        # differ from the evidence's, e.g. on the identifier-insensitive stream of code).
        return Residual(discount=0.0, tokens=ev.matched_tokens, passes=True)
    keep = 1.0 - discount
    tokens = ev.matched_tokens * keep
    floor = config.min_tokens
    min_similarity = config.min_similarity
    if renamed:
        # Imported here: ``matching.code`` loads numpy, which ``policy --help`` must not pay for
        # (this module is reached through ``strength`` from the policy layer).
        from provcheck.matching.code import RENAMED_MIN_SIMILARITY, RENAMED_MIN_TOKENS

        floor = max(floor, RENAMED_MIN_TOKENS)
        min_similarity = max(min_similarity, RENAMED_MIN_SIMILARITY)
    # A small tolerance: the shares are rounded to 4 places in the evidence, and a match with
    # nothing set aside must pass exactly as it passed verification.
    eps = 1e-6
    # The set-aside text leaves the texts as well as the alignment: of what remains of a text,
    # the share still aligned (a whole copy of a half-common reference is still a whole copy).
    extent = max(ev.coverage, ev.containment)
    rest = 1.0 - extent * discount
    near_duplicate = (
        rest > 0
        and extent * keep / rest + eps >= config.min_coverage
        and ev.similarity + eps >= min_similarity
    )
    excerpt = any(
        sp.matched_tokens * k + eps >= config.excerpt_tokens
        and sp.similarity + eps >= config.excerpt_similarity
        for sp, k in zip(ev.spans, keeps, strict=True)
    )
    passes = tokens + eps >= floor and (near_duplicate or excerpt)
    return Residual(discount=round(discount, 4), tokens=int(tokens + eps), passes=passes)
