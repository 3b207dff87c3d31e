"""A request's key is remembered for short requests only, and is the same either way."""

from __future__ import annotations

from provcheck.matching import request
from provcheck.matching.request import MEMO_CHARS, request_key


def test_a_short_request_is_remembered_and_a_long_one_is_not_and_both_keys_are_the_digest() -> None:
    short = ["Write a haiku about", "the sea, please."]
    long = ["word " * (MEMO_CHARS // 5 + 1)]
    request._remembered.cache_clear()
    assert request_key(iter(short)) == request._key(tuple(short)) == request_key(short)
    assert request._remembered.cache_info().hits == 1 and request._remembered.cache_info().currsize == 1
    assert request_key(long) == request._key(tuple(long)) is not None
    assert request._remembered.cache_info().currsize == 1  # not held
    assert request_key(["...", " "]) is None and request_key([]) is None
    assert request_key(["Write a HAIKU about the sea", "please!"]) == request_key(short)  # folded tokens
