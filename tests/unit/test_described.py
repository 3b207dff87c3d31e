"""A pair met again is described once: the memo of described pairs, bounded, and the matches
it gives equal to those described afresh."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from test_match_strength import index_of, record

from helpers import REFERENCE_TEXTS
from provcheck.index import TextKey
from provcheck.matching.params import MatchConfig
from provcheck.matching.verify import Alignment
from provcheck.model import Evidence, MatchKind
from provcheck.scan import match
from provcheck.scan.described import ENTRY_CHARS, Described, Description, Seen
from provcheck.scan.match import Matcher

_ALIGNMENT = Alignment(MatchKind.NEAR_DUPLICATE, (), 30, 0.9, 0.8, 0.7)
_SAID = Description(
    Evidence(MatchKind.NEAR_DUPLICATE, 0.9, 0.8, 0.7, 30, 0.95, 0.5, (), False),
    False,
    "a passage",
    None,
    None,
    0.0,
    (),
    (0.0, 0.0, False),
)


def test_a_description_is_given_back_for_the_same_text_reference_and_alignment_only() -> None:
    memo = Described(limit=10_000)
    key = (0, TextKey(0, 1))
    assert memo.get("text", key, _ALIGNMENT) is None and memo.chars == 0  # asking holds nothing
    assert memo.put("text", key, _ALIGNMENT, _SAID) is _SAID
    assert memo.get("text", key, _ALIGNMENT) is None and memo.chars == 0  # met once: not kept
    assert memo.put("text", key, _ALIGNMENT, _SAID) is _SAID
    assert memo.get("text", key, _ALIGNMENT) is _SAID
    assert memo.get("text", key, replace(_ALIGNMENT, matched=31)) is None
    assert memo.get("text", (5, TextKey(0, 1)), _ALIGNMENT) is None  # another chunk's start
    assert memo.get("text", (0, TextKey(1, 1)), _ALIGNMENT) is None
    assert memo.get("other", key, _ALIGNMENT) is None
    for _ in range(3):  # kept from the second time on, counted once
        memo.put("text", (0, TextKey(1, 1)), _ALIGNMENT, _SAID)
    assert memo.chars == len("text") + 2 * ENTRY_CHARS


def test_the_least_recently_used_text_goes_first_and_the_last_one_stays() -> None:
    texts = ["a" * 100, "b" * 100, "c" * 100]
    key = (0, TextKey(0, 0))
    memo = Described(limit=2 * (100 + ENTRY_CHARS))
    for t in texts[:2]:
        memo.put(t, key, _ALIGNMENT, _SAID)
        memo.put(t, key, _ALIGNMENT, _SAID)
    assert memo.get(texts[0], key, _ALIGNMENT) is _SAID  # used: now the most recent
    memo.put(texts[2], key, _ALIGNMENT, _SAID)
    memo.put(texts[2], key, _ALIGNMENT, _SAID)
    assert memo.chars <= memo.limit
    assert memo.get(texts[1], key, _ALIGNMENT) is None  # the least recently used went
    assert memo.get(texts[0], key, _ALIGNMENT) is _SAID and memo.get(texts[2], key, _ALIGNMENT) is _SAID
    alone = Described(limit=10)
    alone.put("x" * 50, key, _ALIGNMENT, _SAID)
    alone.put("x" * 50, key, _ALIGNMENT, _SAID)  # past the limit on its own: kept, being the last
    assert alone.get("x" * 50, key, _ALIGNMENT) is _SAID


def test_a_pair_met_again_is_described_once_and_matches_as_when_described_afresh(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = index_of(tmp_path, {"a": REFERENCE_TEXTS[:3]})
    calls: list[Any] = []
    original = match.describe
    monkeypatch.setattr(match, "describe", lambda *a: calls.append(a) or original(*a))
    copy = REFERENCE_TEXTS[0] + "\n\nAnd a closing line of my own."
    matcher = Matcher(index, MatchConfig())
    first = matcher.records([record(copy), record(REFERENCE_TEXTS[1])], None)
    assert len(first) == 2 and len(calls) == 2
    # Met again in a later batch: described and kept (a pair met once is not kept); then
    # twice in one batch: described already.
    again = matcher.records([record(copy)], None)
    assert len(calls) == 3
    twice = matcher.records([record(copy), record(REFERENCE_TEXTS[2]), record(copy)], None)
    assert len(calls) == 4  # only the third reference's pair is new
    fresh = Matcher(index, MatchConfig())
    assert again == fresh.records([record(copy)], None)
    assert twice == Matcher(index, MatchConfig()).records(
        [record(copy), record(REFERENCE_TEXTS[2]), record(copy)], None
    )
    assert first[0].evidence == again[0].evidence and first[0].evidence.spans


def test_marks_take_a_fixed_table_emptied_once_a_quarter_of_it_is_marked() -> None:
    seen = Seen(slots=16)
    assert [seen.again(x) for x in (1, 2, 1, 3, 4)] == [False, False, True, False, False]
    assert seen.again(17)  # the mark of 1 (a collision: kept a meeting early)
    assert not seen.again(5) and not seen.again(1)  # four marks: the table was emptied
