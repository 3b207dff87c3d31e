"""Byte ranges of a JSON Lines file, read on their own, give the records, line numbers, record
positions and errors one reader of the whole file gives (``scan.remote``), whatever the cuts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from provcheck.inputs import Limits, read_unparsed
from provcheck.scan.remote import (
    UnitMatcher,
    WorkUnit,
    count_range,
    file_sha256,
    plan_units,
    read_range,
    splittable,
)

LIMITS = Limits(max_record_bytes=300)


def _tricky(path: Path) -> Path:
    lines = [
        json.dumps({"text": f"record {i} " + "x" * (i % 17)}).encode() + (b"\r\n" if i % 5 == 0 else b"\n")
        for i in range(40)
    ]
    lines[3] = b"\n"  # blank: a line, not a record
    lines[7] = b"   \t \n"
    lines[11] = b"{broken\n"
    lines[19] = json.dumps({"text": "y" * 500}).encode() + b"\n"  # over the record limit
    lines[23] = b"[1, 2]\n"  # not an object
    path.write_bytes(b"".join(lines) + json.dumps({"text": "last, no newline"}).encode())
    return path


def _items(items: Any, path: str) -> list[Any]:
    out = []
    for item in items:
        parsed = item.parse(path) if hasattr(item, "payload") else item
        out.append(parsed)
    return out


@pytest.mark.parametrize("parts", [1, 2, 3, 7, 40, 200])
def test_ranges_read_as_one_reader_of_the_whole_file(tmp_path: Path, parts: int) -> None:
    path = str(_tricky(tmp_path / "d.jsonl"))
    source, items = read_unparsed(path, path, LIMITS)
    whole = _items(items, path)
    assert any(getattr(i, "line", None) == 41 for i in whole)  # the last line is read

    def run(units: list[WorkUnit]) -> list[Any]:
        return [count_range(u, LIMITS) for u in units]

    (units,) = plan_units([(path, path)], [parts], run)
    got: list[Any] = []
    consumed = 0
    for unit in units:
        if unit.kind == "digest":
            continue
        src, items = read_range(unit, LIMITS)
        got += _items(items, path)
        consumed += src.consumed
    assert got == whole
    assert consumed == Path(path).stat().st_size
    if parts > 1:
        assert units[-1].kind == "digest" and file_sha256(path) == source.sha256


def test_only_plain_local_json_lines_over_the_size_are_split(tmp_path: Path) -> None:
    import gzip

    plain = _tricky(tmp_path / "d.jsonl")
    assert splittable(str(plain), 100) == -(-plain.stat().st_size // 100)
    assert splittable(str(plain), 10**9) == 1
    zipped = tmp_path / "d.jsonl.gz"
    zipped.write_bytes(gzip.compress(plain.read_bytes()))
    bom = tmp_path / "b.jsonl"
    bom.write_bytes(b"\xef\xbb\xbf" + plain.read_bytes())
    csv = tmp_path / "d.csv"
    csv.write_bytes(b"text\n" + b"a\n" * 500)
    for path in (zipped, bom, csv):
        assert splittable(str(path), 100) == 1, path
    assert splittable("s3://bucket/d.jsonl", 100) == 1


def test_a_unit_matcher_reads_ranges_without_ray(tmp_path: Path, index_dir: Path) -> None:
    """The actor's function, run here: the matches of the ranges are the whole file's."""
    from helpers import REFERENCE_TEXTS, UNRELATED_TEXT, write_jsonl
    from provcheck.matching.params import MatchConfig
    from provcheck.scan.engine import BatchMatcher

    data = write_jsonl(
        tmp_path / "m.jsonl",
        [{"text": REFERENCE_TEXTS[i % 3] if i % 4 == 0 else UNRELATED_TEXT} for i in range(30)],
    )
    fn = UnitMatcher(BatchMatcher(str(index_dir), MatchConfig(), None), Limits(), 7)()
    whole = fn(WorkUnit(str(data), str(data)))
    (units,) = plan_units([(str(data), str(data))], [4], lambda us: [fn(u) for u in us])
    outs = [fn(u) for u in units]
    matches = [m for o in outs[:-1] for m in o.matches]
    assert [m.id for m in matches] == [m.id for m in whole.matches] and len(matches) == 8
    assert [m.record.location for m in matches] == [m.record.location for m in whole.matches]
    assert outs[-1] == whole.sha256


def test_parquet_row_groups_read_as_the_whole_file(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from provcheck.scan.remote import read_row_groups, row_group_units

    path = tmp_path / "rows.parquet"
    texts = [f"text number {i} " + "z" * (i % 13) for i in range(300)]
    blobs = [t.encode() if i % 7 else b"\xff\xfe not utf-8" for i, t in enumerate(texts)]
    pq.write_table(pa.table({"text": texts, "blob": blobs}), path, row_group_size=37)
    whole = list(read_unparsed(str(path), str(path), Limits())[1])
    units = row_group_units(str(path), str(path), 1500)
    assert units is not None and len(units) > 3 and units[-1].kind == "digest"
    got = [item for u in units[:-1] for item in read_row_groups(u, Limits())[1]]
    assert got == whole and len(got) == 300
    assert row_group_units(str(path), str(path), 10**9) is None
    numbers = tmp_path / "numbers.parquet"
    pq.write_table(pa.table({"n": list(range(100))}), numbers, row_group_size=10)
    units = row_group_units(str(numbers), str(numbers), 100)
    assert units is not None
    first = list(read_row_groups(units[0], Limits())[1])
    assert len(first) == 1 and "no column can hold text" in first[0].message
    assert list(read_row_groups(units[1], Limits())[1]) == []
