"""Whether two reference texts are near-copies of one text, not different texts sharing a passage. Pure.

``strength._duplicated`` reads it. A dump holds near-copies of a popular answer (ShareGPT): they
make that answer's anchors "common" with no independent author, so a copy of it must still be
judged on its evidence. Different texts of one source that only hold the same passage (a
textbook function, a list of facts, the article a request gave, in answers of different models
indexed as one source) are not copies of one another: the passage is the crowd's, and what many
texts hold shows copying of none (docs/matching.md, "Texts of one source sharing a passage are
no near-copies").

The test reads the two texts' distinct shingles (token 5-grams' hashes, the set their Jaccard
figure is computed on): near-copies share most of them; two answers holding the same function
as a quarter of each share about a quarter.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

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
