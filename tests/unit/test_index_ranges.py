"""Workers reading their own byte ranges of a plain JSON Lines file (``ingest.ranges``) make the
batches, records, numbers and errors the reader makes of the whole file, and the same index.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import REFERENCE_TEXTS, UNRELATED_TEXT
from provcheck.errors import InputError
from provcheck.index import IndexWriter, ReferenceIndex
from provcheck.ingest import AddSpec, add_file, ranges
from provcheck.ingest import add as add_module
from provcheck.inputs import InputSource, Limits, UnparsedLine
from provcheck.inputs.jsonl import JsonlReader
from provcheck.model import RecordError, SourceInfo, SourceName

_LIMITS = Limits(max_record_bytes=48)
_PIECES = [
    b'{"text": "one two three"}\n',
    b'{"text":"four five"}\r\n',
    b'{"id": 1, "text": "six seven eight"}\n',
    b"\n",
    b"   \n",
    b"\t\r\n",
    b"\xef\xbb\xbf\n",
    b'\xef\xbb\xbf{"text": "nine ten"}\n',
    b'  {"text": "eleven"}\n',
    b'{"text": "' + b"long " * 12 + b'"}\n',  # past the 48-byte limit
    b'{"text": \n',
    b"not json\n",
    b'{"text": "caf\xc3\xa9 \xe2\x80\xa6"}\n',
]


def _key(item: UnparsedLine | RecordError) -> tuple[Any, ...]:
    if isinstance(item, UnparsedLine):
        return ("line", item.index, item.line, item.payload, item.depth, item.strings)
    return ("error", item.kind, item.message, item.line, item.index)


def _whole_file(path: str, per: int) -> tuple[list[list[tuple[Any, ...]]], list[tuple[Any, ...]]]:
    """The reader's batches of ``per`` lines and its errors, reading the whole file."""
    source = InputSource(path=path, fs_path=path, limits=_LIMITS)
    items = list(JsonlReader().lines(source))
    lines = [_key(i) for i in items if isinstance(i, UnparsedLine)]
    return [lines[at : at + per] for at in range(0, len(lines), per)], [
        _key(i) for i in items if not isinstance(i, UnparsedLine)
    ]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(st.sampled_from(_PIECES), min_size=1, max_size=40),
    st.integers(1, 5),
    st.booleans(),
    st.booleans(),
    st.sampled_from([7, 64, 1 << 22]),
)
def test_ranges_read_by_workers_are_the_readers_batches(
    pieces: list[bytes], per: int, bom: bool, last_newline: bool, block: int
) -> None:
    data = (b"\xef\xbb\xbf" if bom else b"") + b'{"text": "first"}\n' + b"".join(pieces)
    if not last_newline:
        data = data.rstrip(b"\n")
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "refs.jsonl")
        Path(path).write_bytes(data)
        start = ranges.plain_start(path)
        assert start == (3 if bom else 0)
        source = InputSource(path=path, fs_path=path, limits=_LIMITS)
        original = ranges._BLOCK
        ranges._BLOCK = block  # lines cut across reads, and lines longer than a read
        try:
            units = list(ranges.line_ranges(source, start, per))
        finally:
            ranges._BLOCK = original
        assert source.sha256 == hashlib.sha256(data).hexdigest()
        batches: list[list[tuple[Any, ...]]] = []
        errors: list[tuple[Any, ...]] = []
        for unit in units:
            got = ranges.read_range(unit, path, path, _LIMITS)
            assert got is not None
            lines, errs = got
            if lines:
                batches.append([_key(i) for i in lines])
            errors.extend(_key(e) for e in errs)
        assert (batches, errors) == _whole_file(path, per)


@pytest.mark.parametrize(
    "head",
    [
        b"[\n",
        b"  {}\n",
        b"\x1f\x8b\x08\x00",
        b"\xff\xfe{\x00",
        b"version https://git-lfs.github.com/spec/v1\n",
    ],
)
def test_only_files_starting_with_a_record_are_cut(tmp_path: Path, head: bytes) -> None:
    path = tmp_path / "refs.jsonl"
    path.write_bytes(head + b'{"text": "a b c"}\n')
    assert ranges.plain_start(str(path)) is None
    path.write_bytes(b"")
    assert ranges.plain_start(str(path)) is None
    assert ranges.plain_start(str(tmp_path)) is None  # a directory
    for name in ("refs.json", "refs.csv"):  # read by other readers
        (tmp_path / name).write_bytes(b'{"text": "a b c"}\n')
        assert ranges.plain_start(str(tmp_path / name)) is None
    for name in ("refs.ndjson", "refs.jsonl.gz"):  # the reader sniffs compression by content
        (tmp_path / name).write_bytes(b'{"text": "a b c"}\n')
        assert ranges.plain_start(str(tmp_path / name)) == 0
    assert ranges.plain_start("s3://bucket/refs.jsonl") is None


def _file(tmp_path: Path, records: int) -> Path:
    texts = [*REFERENCE_TEXTS, UNRELATED_TEXT]
    rows = []
    for i in range(records):
        text = f"{texts[i % len(texts)]} {i // len(texts)}"
        rows.append(json.dumps({"id": f"r{i}", "text": text}, ensure_ascii=False).encode())
        if i % 97 == 0:
            rows.append(b"   ")  # blank lines are not records
        if i % 331 == 0:
            rows.append(b'{"text": "' + b"x" * 5000 + b'"}')  # past the limit below
        if i % 401 == 0:
            rows.append(b'{"text": broken')
    path = tmp_path / "refs.jsonl"
    path.write_bytes(b"\n".join(rows) + b"\n")
    return path


def _add(index: Path, path: Path, workers: int, limits: Limits) -> add_module.AddReport:
    with IndexWriter(str(index)) as writer:
        report = add_file(
            writer,
            AddSpec(path=str(path), source=SourceInfo(name=SourceName("ref"))),
            limits,
            workers=workers,
        )
        writer.commit()
    return report


@pytest.mark.parametrize("most", [1000, 2])
def test_two_workers_reading_ranges_build_the_index_one_process_builds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, most: int
) -> None:
    limits = Limits(max_record_bytes=4096, max_errors_per_file=most)
    path = _file(tmp_path, 2600)
    one = _add(tmp_path / "one", path, 1, limits)
    monkeypatch.setattr(add_module, "usable_cpus", lambda: (2, "test"))

    def unread(*args: object) -> None:
        raise AssertionError("the main process read the lines")

    monkeypatch.setattr(add_module, "read_unparsed", unread)
    two = _add(tmp_path / "two", path, 2, limits)
    assert two.workers is not None and two.workers.used == 2
    assert (two.records, two.turns, two.texts, two.errors) == (one.records, one.turns, one.texts, one.errors)
    assert any("larger than" in e.message for e in two.errors)
    assert any("more unreadable records" in e.message for e in two.errors) == (most == 2)
    (a,) = ReferenceIndex(str(tmp_path / "one")).manifest.shards
    (b,) = ReferenceIndex(str(tmp_path / "two")).manifest.shards
    assert {n: f.xxh3 for n, f in a.files.items()} == {n: f.xxh3 for n, f in b.files.items()}
    sources = [ReferenceIndex(str(tmp_path / d)).manifest.sources["ref"].files[0] for d in ("one", "two")]
    assert sources[0]["sha256"] == sources[1]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_file_changed_while_its_ranges_are_read_is_not_added(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _file(tmp_path, 40)
    real = ranges.line_ranges

    def changing(source: InputSource, start: int, per: int) -> Iterator[ranges.LineRange]:
        for n, unit in enumerate(real(source, start, per)):
            if n == 1:  # the first range is cut: its bytes change before a worker reads them
                data = bytearray(path.read_bytes())
                data[20] = ord("Z") if data[20] != ord("Z") else ord("Y")
                path.write_bytes(bytes(data))
            yield unit

    monkeypatch.setattr(add_module, "line_ranges", changing)
    monkeypatch.setattr(add_module, "usable_cpus", lambda: (2, "test"))
    monkeypatch.setattr(add_module, "_BATCH_RECORDS", 4)
    with pytest.raises(InputError, match="changed while it was read"):
        _add(tmp_path / "index", path, 2, Limits())
