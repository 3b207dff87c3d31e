"""Evidence explained by convergence: what is left of a verified alignment once the text that
many references share, and the reference's own prompt, are set aside. Pure.

Verification (``verify.align``) counts every aligned token as evidence of copying. Two kinds of
aligned text show no copying of *this* reference, whoever wrote the candidate:

* text that several other reference texts of the index hold too (anchors of document frequency
  ``strength.COMMON_DF`` or more): a passage many independent texts contain is what
  independent answers converge on, and shows copying of none of them (MOSS, Schleimer et al.
  2003, ignores passages common to many submissions the same way);
* text the reference repeats from its own prompt (its echoes): an answer quoting the request
  shares that text with every other answer quoting it, and with the request itself (a
  candidate's instruction turn is the same request).

Both are estimated as shares of the match's aligned text (``Signals.common_share`` over the
shared anchors, ``Signals.echo_share`` over the reference's aligned ranges); the larger one is
set aside from every span (the two overlap: references quoting one prompt all hold its
passages, so adding them would count that text twice). What is left must still pass the tests
that verify a match (``MatchConfig``: ``min_tokens``, and the near-duplicate or the excerpt
test). A match whose residual fails them is *explained by convergence*: it stays in the
report's matches with its class (nothing found is hidden) but is not a verified match and never
blocks.
"""

from __future__ import annotations

from dataclasses import dataclass

from provcheck.matching.code import RENAMED_MIN_TOKENS
from provcheck.matching.params import MatchConfig
from provcheck.model import Evidence


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
    ev: Evidence, common_share: float, echo_share: float, config: MatchConfig, renamed: bool = False
) -> Residual:
    """What is left of ``ev`` once its common and prompt-echo shares are set aside.

    ``renamed``: the match holds only with identifiers abstracted, whose floor is the stricter
    ``RENAMED_MIN_TOKENS`` (as in ``verify.align_renamed``).
    """
    discount = min(1.0, max(common_share, echo_share, 0.0))
    keep = 1.0 - discount
    tokens = ev.matched_tokens * keep
    floor = max(config.min_tokens, RENAMED_MIN_TOKENS) if renamed else config.min_tokens
    # A small tolerance: the shares are rounded to 4 places in the evidence, and a match with
    # nothing set aside must pass exactly as it passed verification.
    eps = 1e-6
    near_duplicate = (
        max(ev.coverage, ev.containment) * keep + eps >= config.min_coverage
        and ev.similarity + eps >= config.min_similarity
    )
    excerpt = any(
        sp.matched_tokens * keep + eps >= config.excerpt_tokens
        and sp.similarity + eps >= config.excerpt_similarity
        for sp in ev.spans
    )
    passes = tokens + eps >= floor and (near_duplicate or excerpt)
    return Residual(discount=round(discount, 4), tokens=int(tokens + eps), passes=passes)
