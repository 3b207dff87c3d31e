"""Whether the request a candidate's record holds determines the text it shares with a reference.

Independent answers to one request converge most where the request leaves little to write: a
translation of a text the request gives, the arithmetic of the request's own numbers. With an
index of one generator's AlpacaEval outputs, 9 of 6,439 independent answers of 8 other generators
blocked as copies: French translations of the article a request gives (0.85-0.96 similarity over
68-86 tokens) and worked calculations of the request's formula (0.81-0.95 over 48-51 tokens)
(docs/matching.md, "Answers the request determines"). This module reads two such forms from the
texts alone, without lists of words:

* ``translation``: the request holds a text of ``SOURCE_TOKENS`` tokens or more, the reference is
  about as long as the request (``LENGTH_RATIO``), and at most ``FOREIGN_SHARE`` of the tokens of
  the shared passage occur anywhere in the request: the answer renders the request's text in
  words the request does not use (another language), where a summary or a rewrite repeats them;
* ``calculation``: the shared passage is worked arithmetic (``NUMERIC_SHARE`` of its tokens or
  more hold a digit) and holds every number of the request (at least ``REQUEST_NUMBERS``
  distinct ones; the digits of ``5x`` count as 5): it works out what the request poses.

Only read for a candidate whose record holds the reference's own request (``Signals.same_request``),
and only lowers a match to review (``strength.judge``): a near-verbatim copy still blocks (a whole
one at ``WHOLE_SIMILARITY`` or, typos, ``strength.CHAR_WHOLE`` character similarity; a passage of
``VERBATIM_RUN`` tokens at ``WHOLE_SIMILARITY``). Pure.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from provcheck.matching.normalize import fold_tokens

_DIGITS = re.compile(r"[0-9]+")

SOURCE_TOKENS = 50
"""Tokens a request must hold for it to give a text to translate (an article, a paragraph)."""
LENGTH_RATIO = 2.0
"""A translation is within this factor of its source's length (the request's, which holds it)."""
FOREIGN_SHARE = 0.2
"""At most this share of a translation's shared passage occurs in the request's words."""
NUMERIC_SHARE = 0.3
"""At least this share of a calculation's shared passage are tokens holding a digit."""
REQUEST_NUMBERS = 2
"""A request posing a calculation holds at least this many distinct tokens with a digit."""


def determined(request: Iterable[str], passage: str, reference: str) -> str | None:
    """``translation``, ``calculation`` or None: how the request (its turns' texts) determines
    ``passage`` (the candidate's aligned text), shared with ``reference`` (the reference's text)."""
    # A record's request meets many references, and a copied answer recurs with its request
    # and reference (a scan of 20,000 records asked 6,790 times, of 2,721 distinct triples and
    # 265 requests): each is read once.
    return _determined(tuple(request), passage, reference)


@functools.lru_cache(maxsize=2048)
def _determined(request: tuple[str, ...], passage: str, reference: str) -> str | None:
    count, vocabulary, numbers = _asked(request)
    if len(numbers) < REQUEST_NUMBERS and count < SOURCE_TOKENS:
        return None  # neither form can hold: the passage is not read (most requests are short)
    shared = fold_tokens(passage)
    if not count or not shared:
        return None
    if (
        len(numbers) >= REQUEST_NUMBERS
        and _digits(shared) >= NUMERIC_SHARE * len(shared)
        and numbers <= _numbers(shared)
    ):
        return "calculation"
    if count >= SOURCE_TOKENS:
        length = _length(reference)
        known = sum(map(vocabulary.__contains__, shared))
        if (
            count <= LENGTH_RATIO * length
            and length <= LENGTH_RATIO * count
            and known <= FOREIGN_SHARE * len(shared)
        ):
            return "translation"
    return None


@functools.lru_cache(maxsize=256)
def _asked(request: tuple[str, ...]) -> tuple[int, frozenset[str], frozenset[str]]:
    """The request's token count, its distinct tokens and the numbers they hold."""
    asked = [t for text in request for t in fold_tokens(text)]
    vocabulary = frozenset(asked)
    return len(asked), vocabulary, frozenset(_numbers(vocabulary))


@functools.lru_cache(maxsize=256)
def _length(reference: str) -> int:
    """Tokens of a reference text (one text meets many records asking its request)."""
    return len(fold_tokens(reference))


def _digits(tokens: list[str]) -> int:
    """Tokens holding a digit (``str.isdigit``). A token is a run of letters and digits
    (``normalize``): an ASCII one holds a digit exactly when it is not all letters."""
    if "".join(tokens).isascii():
        return len(tokens) - sum(map(str.isalpha, tokens))
    return sum(1 for t in tokens if any(c.isdigit() for c in t))


def _numbers(tokens: Iterable[str]) -> set[str]:
    """The runs of digits in ``tokens`` (``5x^3`` holds 5 and 3)."""
    return {n for t in tokens for n in _DIGITS.findall(t)}
