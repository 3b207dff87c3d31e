"""The request a turn answers, as a key: whether a candidate answers the same request as a reference.

Independent answers to one request converge more than answers to different ones: two models
asked for "the longest common subsequence in Python" write the same textbook function, and two
asked to fix a given piece of code both repeat it. The index keeps, for every reference turn, the
key of its record's request turns (user, system and tool turns), and the scan computes the same
key for a candidate's record; ``strength.judge`` reads a match between answers to the same
request accordingly (docs/matching.md, "Answers to the same request").

The key is a digest of the request's folded tokens (the matcher's own tokens: case, accents,
punctuation and whitespace set aside), so an Alpaca record and a chat rendering of it whose
instruction and input were merged into one turn have the same key. Anything else that differs
(a system prompt added, a word changed) gives another key: the stricter reading, under which
the match is judged as between answers to different requests.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from provcheck.matching.normalize import fold_tokens

KEY_BYTES = 8
"""Digest size: 64 bits, collision-free in practice for the requests one index holds."""


def request_key(prompts: Iterable[str]) -> str | None:
    """The key of a request made of these turns' texts, in order; None when they hold no token."""
    tokens = [t for text in prompts for t in fold_tokens(text)]
    if not tokens:
        return None
    return hashlib.blake2b(
        " ".join(tokens).encode("utf-8", "surrogatepass"), digest_size=KEY_BYTES
    ).hexdigest()
