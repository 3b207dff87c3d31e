"""The matcher's per-batch lookups: the same verdicts as per-match lookups, at one index pass."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from test_match_strength import COMMON, index_of, record

from helpers import REFERENCE_TEXTS
from provcheck.index import ReferenceIndex
from provcheck.matching.fingerprint import Fingerprinter
from provcheck.matching.params import MatchConfig
from provcheck.matching.strength import COMMON_DF
from provcheck.matching.verify import distinct
from provcheck.scan.match import Matcher


def crowded(tmp_path: Path) -> ReferenceIndex:
    """Three sources (three shards), each holding the common passage inside its own text."""
    others = [*REFERENCE_TEXTS[1:], REFERENCE_TEXTS[1][::-1]]
    texts = {name: [f"{other} {COMMON}"] for name, other in zip("abc", others, strict=False)}
    return index_of(tmp_path, texts)


def counting(monkeypatch: pytest.MonkeyPatch, index: ReferenceIndex, name: str) -> list[Any]:
    calls: list[Any] = []
    original = getattr(index, name)

    def wrapper(*args: Any) -> Any:
        calls.append(args)
        return original(*args)

    monkeypatch.setattr(index, name, wrapper)
    return calls


def test_document_frequencies_are_looked_up_once_per_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = crowded(tmp_path)
    assert len(index.shards) == 3
    calls = counting(monkeypatch, index, "frequency")
    records = [record(COMMON), record(COMMON + " A final remark of this copy.")]
    matches = Matcher(index, MatchConfig()).records(records, None)
    assert len(matches) == 6  # two records x three sources
    assert len(calls) == 1  # was one pass over every shard per match
    for m in matches:
        assert m.strength is not None and m.strength.convergence in ("common-passage", "crowd")


def test_batched_common_share_equals_the_per_match_figure(tmp_path: Path) -> None:
    index = crowded(tmp_path)
    matcher = Matcher(index, MatchConfig())
    f = Fingerprinter(index.config)
    cands = f.of_texts([COMMON, REFERENCE_TEXTS[1], REFERENCE_TEXTS[2] + " " + COMMON[:200]])
    refs = f.of_texts([f"{REFERENCE_TEXTS[1]} {COMMON}", REFERENCE_TEXTS[0], REFERENCE_TEXTS[2]])
    shared = [np.intersect1d(c.anchors, r.anchors, assume_unique=True) for c in cands for r in refs]
    expected = [float(np.mean(index.frequency(s) >= COMMON_DF)) if len(s) else 0.0 for s in shared]
    assert matcher._common_shares(shared) == expected
    assert max(expected) > 0.0 and min(expected) == 0.0  # both cases occur


def test_reference_records_are_read_once_per_reference(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = crowded(tmp_path)
    calls = counting(monkeypatch, index, "references")
    matcher = Matcher(index, MatchConfig())
    first = matcher.records([record(COMMON)], None)
    again = matcher.records([record(COMMON), record(COMMON + " And a last line.")], None)
    assert len(first) == 3 and len(again) == 6
    assert len(calls) == 3  # one per reference text, not per match
    assert {m.reference.id for m in again} == {m.reference.id for m in first}


def test_distinct_is_sorted_and_unique() -> None:
    values = np.array([5, 1, 5, 3, 1], dtype=np.uint64)
    assert distinct(values).tolist() == [1, 3, 5]
    assert len(distinct(np.zeros(0, dtype=np.uint64))) == 0
