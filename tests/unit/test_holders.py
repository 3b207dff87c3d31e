"""``scan.holders.Holders.foreign_share``: the share of a match's anchors that texts of
``FOREIGN_SOURCES`` other sources hold. An index naming too few sources for that reads no
reference record and answers what reading them answers: 0."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from helpers import run_cli, write_jsonl
from provcheck.index import ReferenceIndex
from provcheck.index.shard import Shard
from provcheck.matching.convergence import FOREIGN_SOURCES
from provcheck.matching.fingerprint import Fingerprinter
from provcheck.matching.params import FingerprintConfig
from provcheck.scan.holders import Holders

COMMON = (
    "The mitochondria is the powerhouse of the cell and produces most of the chemical energy "
    "needed to power the biochemical reactions of the cell, stored in a molecule called "
    "adenosine triphosphate, which every living cell uses as its energy currency"
)


def _index(tmp_path: Path, sources: int) -> ReferenceIndex:
    """Four texts of each of ``sources`` sources, each holding the common passage and an ending
    of its own: the passage's anchors are held by enough texts to be read."""
    path = tmp_path / f"index-{sources}"
    for s in range(sources):
        texts = [f"{COMMON}, as text {k} of source number {s} puts it." for k in range(4)]
        records = write_jsonl(tmp_path / f"s{s}.jsonl", [{"output": t} for t in texts])
        run_cli(["index", "add", path, records, "--source", f"s{s}", "--text-field", "output", "-q"])
    return ReferenceIndex(str(path))


def _share(holders: Holders, own: str) -> float:
    (fp,) = Fingerprinter(FingerprintConfig(), query=True).of_texts([f"{COMMON}."])
    holders.common_shares([fp.anchors])
    return holders.foreign_share(fp.anchors, frozenset({own}))


def test_enough_sources_make_the_common_passage_foreign(tmp_path: Path) -> None:
    share = _share(Holders(_index(tmp_path, FOREIGN_SOURCES + 2)), "s0")
    assert 0 < share <= 1


@pytest.mark.parametrize("sources", [1, FOREIGN_SOURCES])
def test_too_few_sources_read_nothing_and_answer_what_reading_does(
    tmp_path: Path, sources: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = _index(tmp_path, sources)
    read = Holders(index)
    read._source_names = frozenset({*index.sources, "x1", "x2", "x3", "x4"})  # as if more were named: read
    assert _share(read, "s0") == 0.0
    assert read._anchor_sources  # the holders' sources were read

    def no_reading(self: Shard, tid: int) -> list[dict[str, object]]:
        raise AssertionError("a reference record was read")

    monkeypatch.setattr(Shard, "refs", no_reading)
    assert _share(Holders(index), "s0") == 0.0
    assert np.isfinite(_share(Holders(index), "s1"))
