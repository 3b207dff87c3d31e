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

import functools
import hashlib
from collections.abc import Iterable

from provcheck.matching.normalize import fold_tokens

KEY_BYTES = 8
"""Digest size: 64 bits, collision-free in practice for the requests one index holds."""


def request_key(prompts: Iterable[str]) -> str | None:
    """The key of a request made of these turns' texts, in order; None when they hold no token."""
    texts = tuple(prompts)
    # A scan meets the same requests again (issue 17's workload: 5,395 records with a match,
    # folded 798 times once remembered); long ones are not kept (a bound on what the memo holds).
    return (_remembered if sum(map(len, texts)) <= MEMO_CHARS else _key)(texts)


MEMO_CHARS = 4096
"""Characters of a request whose key is kept (the last ``_MEMO_REQUESTS`` of them)."""
_MEMO_REQUESTS = 1024


def _key(texts: tuple[str, ...]) -> str | None:
    tokens = [t for text in texts for t in fold_tokens(text)]
    if not tokens:
        return None
    return hashlib.blake2b(
        " ".join(tokens).encode("utf-8", "surrogatepass"), digest_size=KEY_BYTES
    ).hexdigest()


_remembered = functools.lru_cache(maxsize=_MEMO_REQUESTS)(_key)
