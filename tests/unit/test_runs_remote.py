"""A Ray actor's unit returns the short records its batches found, for the driver's runs
(``scan.runs``): with ``--engine ray`` a copy cut across short records is matched as locally."""

from __future__ import annotations

from pathlib import Path

from provcheck.inputs import Limits
from provcheck.matching.params import MatchConfig
from provcheck.scan.engine import BatchMatcher
from provcheck.scan.remote import UnitMatcher, WorkUnit


def test_a_unit_returns_its_short_records_in_order(tmp_path: Path, index_dir: Path) -> None:
    from helpers import REFERENCE_TEXTS, UNRELATED_TEXT, write_jsonl

    words = REFERENCE_TEXTS[0].split()
    rows = [{"text": UNRELATED_TEXT}] + [
        {"text": " ".join(words[i : i + 10])} for i in range(0, len(words), 10)
    ]
    data = write_jsonl(tmp_path / "cut.jsonl", rows)
    fn = UnitMatcher(BatchMatcher(str(index_dir), MatchConfig(), None), Limits(), 4)()
    out = fn(WorkUnit(str(data), str(data)))
    assert [s.index for s in out.short] == list(range(1, len(rows)))
    assert [s.line for s in out.short] == list(range(2, len(rows) + 1))
