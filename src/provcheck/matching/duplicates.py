"""Whether two reference texts are near-copies of one text, not different texts sharing a passage. Pure.

``strength._duplicated`` reads it. A dump holds near-copies of a popular answer (ShareGPT): they
make that answer's anchors "common" with no independent author, so a copy of it must still be
judged on its evidence. Different texts of one source that only hold the same passage (a
textbook function, a list of facts, the article a request gave, in answers of different models
indexed as one source) are not copies of one another: the passage is the crowd's, and what many
texts hold shows copying of none (docs/matching.md, "Texts of one source sharing a passage are
no near-copies").

A text sharing the passage is the crowd's when it holds the passage about as much and as
closely as the matched text (``holds_alike``: a copy of one text leads the texts that hold a
part of it, or a looser version of it) and is no near-copy of it (``resembles``: the two texts'
distinct shingles, token 5-grams' hashes, the set their Jaccard figure is computed on;
near-copies share most of them, two answers holding one function as a quarter of each about a
quarter). The scan gives the shingles only for a source that names no provider or generator
(``Signals.shingles``): the texts of one provider's source sharing a passage are that provider's
text, whichever of them is copied, and keep the reading they had.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from provcheck.model import Evidence

RESEMBLANCE = 0.5
"""Two texts are near-copies when the shingles they share are at least this share of the larger
text's: an answer copied with a word in every few changed, or with a paragraph of its size
added, keeps it; two different answers holding one passage as a part of each do not."""


def resembles(a: npt.NDArray[np.uint64] | None, b: npt.NDArray[np.uint64] | None) -> bool:
    """Whether texts of distinct shingles ``a`` and ``b`` (sorted or not, each distinct) are
    near-copies. Unknown shingles (None, or a text too short to have any) count as near-copies:
    the stricter reading, the match is judged on its evidence."""
    if a is None or b is None:
        return True
    larger = max(len(a), len(b))
    if min(len(a), len(b)) == 0:
        return True
    # Imported here: ``strength`` is reached from the policy layer, whose ``--help`` stays light.
    import numpy as np

    return int(np.intersect1d(a, b, assume_unique=True).size) >= RESEMBLANCE * larger


SIMILARITY_LEAD = 0.08
"""A match whose similarity is more than this above another's holds the passage more closely
than that text does. Measured (docs/matching.md, "Texts of one source sharing a passage are no
near-copies"): on ``benchmarks/large_scan.py``'s one-source workload, 0.08 left 0 of 16,000
held-out answers that can block (43 before; 23 at 0.065, 34 at 0.02) for 3 of its 4,000 copies
edited 5% that no longer can (13 at 0.12): such a copy aligns with its original more closely
than with the texts its original's model family wrote alike."""


def holds_alike(a: Evidence, b: Evidence, lead: float) -> bool:
    """Whether ``b`` holds the candidate's passage about as much and as closely as ``a``: ``a``
    does not align ``lead`` times its tokens, nor at more than ``SIMILARITY_LEAD`` above its
    similarity. A copy of one text leads the texts sharing a part of it, or a looser version."""
    return a.matched_tokens < lead * b.matched_tokens and a.similarity <= b.similarity + SIMILARITY_LEAD
