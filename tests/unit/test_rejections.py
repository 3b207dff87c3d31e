"""The memo of rejected pairs: grouped by the candidate's codes, bounded, least recently used first."""

from __future__ import annotations

from provcheck.index import TextKey
from provcheck.scan.rejections import _KEY_CHARS, Rejections


def test_a_candidate_s_codes_are_counted_once_however_many_references_failed_with_them() -> None:
    memo = Rejections(limit=10_000)
    group = memo.group("abc")
    before = len(group)
    group.update(TextKey(0, n) for n in range(5))
    memo.grown("abc", before)
    assert memo.chars == len("abc") + 5 * _KEY_CHARS
    assert memo.holds(("abc", TextKey(0, 3))) and not memo.holds(("abc", TextKey(1, 3)))
    assert not memo.holds(("abd", TextKey(0, 3)))
    memo.add(("abd", TextKey(1, 3)))  # the per-pair form of the same memo
    assert memo.holds(("abd", TextKey(1, 3))) and memo.chars == 2 * len("abc") + 6 * _KEY_CHARS


def test_the_least_recently_used_group_goes_first_and_the_last_one_stays() -> None:
    codes = ["a" * 100, "b" * 100, "c" * 100]
    memo = Rejections(limit=2 * (100 + _KEY_CHARS))
    for c in codes[:2]:
        memo.add((c, TextKey(0, 0)))
    assert memo.holds((codes[0], TextKey(0, 0)))  # used: now the most recent
    memo.add((codes[2], TextKey(0, 0)))
    assert memo.chars <= memo.limit
    assert not memo.holds((codes[1], TextKey(0, 0)))  # the least recently used went
    assert memo.holds((codes[0], TextKey(0, 0))) and memo.holds((codes[2], TextKey(0, 0)))
    alone = Rejections(limit=10)
    alone.add(("x" * 50, TextKey(0, 1)))  # past the limit on its own: kept, being the last
    assert alone.holds(("x" * 50, TextKey(0, 1)))


def test_codes_nothing_failed_with_are_not_held() -> None:
    memo = Rejections(limit=10_000)
    assert memo.found("abc") is None and memo.chars == 0  # asking makes no group
    memo.add(("abc", TextKey(0, 1)))
    found = memo.found("abc")
    assert found == {TextKey(0, 1)}
