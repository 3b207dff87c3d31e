"""Containers: every format reads, compressed or not; every bad input is a located error."""

from __future__ import annotations

import bz2
import csv
import gzip
import json
import lzma
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard

from helpers import write_jsonl
from provcheck.inputs import LINKED_DIR, Limits, RawRecord, UnparsedLine, discover, read, read_unparsed
from provcheck.model import ErrorKind, NotScanned, RecordError


def read_all(path: Path, limits: Limits = Limits()) -> tuple[list[RawRecord], list[RecordError]]:
    _, items = read(str(path), str(path), limits)
    records, errors = [], []
    for item in items:
        (errors if isinstance(item, RecordError) else records).append(item)
    return records, errors


ROWS = [{"id": i, "text": f"record number {i} ✓"} for i in range(5)]


def test_jsonl_records_have_positions_and_lines(tmp_path: Path) -> None:
    p = tmp_path / "a.jsonl"
    p.write_text('{"id": 0}\n\n{"id": 1}\n   \n{"id": 2}\n', encoding="utf-8")
    records, errors = read_all(p)
    assert not errors
    assert [(r.index, r.line, r.data["id"]) for r in records] == [(0, 1, 0), (1, 3, 1), (2, 5, 2)]


def test_jsonl_bad_lines_are_located_and_the_rest_is_read(tmp_path: Path) -> None:
    p = tmp_path / "bad.jsonl"
    p.write_bytes(b'{"id": 0}\n{"id": 1,,}\n[1, 2]\n{"text": "\xff\xfe oops"}\n{"id": 4}\n')
    records, errors = read_all(p)
    assert [r.data["id"] for r in records] == [0, 4]
    assert [(e.line, e.index, e.kind) for e in errors] == [
        (2, 1, ErrorKind.PARSE),
        (3, 2, ErrorKind.SCHEMA),
        (4, 3, ErrorKind.ENCODING),
    ]
    assert "column" in errors[0].message and "expected a JSON object" in errors[1].message
    assert "invalid UTF-8 at byte 11" in errors[2].message


def test_unparsed_lines_parse_to_what_read_gives(tmp_path: Path) -> None:
    # Scans leave JSON parsing to the workers: parsing there must give the same records and the
    # same located errors, in the same order.
    p = tmp_path / "bad.jsonl.gz"
    p.write_bytes(gzip.compress(b'{"id": 0}\n\n{"id": 1,,}\n[1, 2]\n{"text": "\xff oops"}\n{"id": 4}\n'))
    _, parsed = read(str(p), str(p), Limits())
    _, unparsed = read_unparsed(str(p), str(p), Limits())
    items = list(unparsed)
    assert all(isinstance(i, UnparsedLine) for i in items)
    assert [i.parse(str(p)) if isinstance(i, UnparsedLine) else i for i in items] == list(parsed)
    # Other containers, and files that cannot be read at all, come as ``read`` gives them.
    csv_file = tmp_path / "a.csv"
    csv_file.write_text("text\nhello\n")
    assert list(read_unparsed(str(csv_file), str(csv_file), Limits())[1]) == list(
        read(str(csv_file), str(csv_file), Limits())[1]
    )
    missing = read_unparsed(str(tmp_path / "gone.jsonl"), str(tmp_path / "gone.jsonl"), Limits())[1]
    assert [type(e) for e in missing] == [RecordError]


@pytest.mark.parametrize(
    ("encoding", "bom"), [("utf-8", b"\xef\xbb\xbf"), ("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff")]
)
def test_byte_order_marks_are_honoured(tmp_path: Path, encoding: str, bom: bytes) -> None:
    p = tmp_path / "bom.jsonl"
    body = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in ROWS)
    p.write_bytes(bom + body.encode(encoding))
    records, errors = read_all(p)
    assert not errors and [r.data for r in records] == ROWS


def test_binary_and_empty_files_are_reported(tmp_path: Path) -> None:
    binary = tmp_path / "model.jsonl"
    binary.write_bytes(b"\x00\x01\x02PK\x03\x04" * 100)
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    for path, words in ((binary, "binary"), (empty, "empty")):
        records, errors = read_all(path)
        assert not records and len(errors) == 1
        assert words in errors[0].message and errors[0].kind is ErrorKind.FILE


def test_oversized_line_is_skipped_and_reading_goes_on(tmp_path: Path) -> None:
    p = tmp_path / "big.jsonl"
    p.write_text('{"id": 0}\n{"text": "' + "x" * 5000 + '"}\n{"id": 2}\n')
    records, errors = read_all(p, Limits(max_record_bytes=1000))
    assert [r.data["id"] for r in records] == [0, 2]
    assert errors[0].kind is ErrorKind.LIMIT and errors[0].line == 2
    assert [r.line for r in records] == [1, 3]


@pytest.mark.parametrize("suffix", [".gz", ".xz", ".bz2", ".zst"])
def test_compressed_jsonl_reads_like_plain(tmp_path: Path, suffix: str) -> None:
    body = "".join(json.dumps(r) + "\n" for r in ROWS).encode()
    packed = {
        ".gz": gzip.compress,
        ".xz": lzma.compress,
        ".bz2": bz2.compress,
        ".zst": zstandard.ZstdCompressor().compress,
    }[suffix](body)
    p = tmp_path / f"data.jsonl{suffix}"
    p.write_bytes(packed)
    records, errors = read_all(p)
    assert not errors and [r.data for r in records] == ROWS


def test_compression_is_recognised_by_content_not_name(tmp_path: Path) -> None:
    p = tmp_path / "actually-gzip.jsonl"
    p.write_bytes(gzip.compress(b'{"id": 1}\n'))
    records, errors = read_all(p)
    assert not errors and records[0].data == {"id": 1}


def test_truncated_archive_keeps_the_records_before_the_damage(tmp_path: Path) -> None:
    body = "".join(json.dumps({"id": i, "pad": "y" * 200}) + "\n" for i in range(200)).encode()
    packed = gzip.compress(body)
    p = tmp_path / "cut.jsonl.gz"
    p.write_bytes(packed[: len(packed) // 2])
    records, errors = read_all(p)
    assert 0 < len(records) < 200
    assert [r.data["id"] for r in records] == list(range(len(records)))
    assert len(errors) == 1 and "truncated" in errors[0].message


def test_decompression_bomb_is_bounded(tmp_path: Path) -> None:
    p = tmp_path / "bomb.jsonl.gz"
    line = b'{"text": "' + b"a" * 10_000 + b'"}\n'
    p.write_bytes(gzip.compress(line * 2000))  # 20 MB from a few KB
    records, errors = read_all(p, Limits(min_decompressed=1_000_000, max_expansion=50))
    assert len(records) < 200
    assert errors[-1].kind is ErrorKind.LIMIT and "decompressed size exceeds" in errors[-1].message


def test_json_array_elements_have_lines(tmp_path: Path) -> None:
    p = tmp_path / "a.json"
    p.write_text('[\n  {"id": 0},\n  {"id": 1,\n   "x": 2},\n  3\n]\n')
    records, errors = read_all(p)
    assert [(r.index, r.line) for r in records] == [(0, 2), (1, 3)]
    assert errors[0].index == 2 and errors[0].line == 5


def test_json_syntax_error_keeps_earlier_elements(tmp_path: Path) -> None:
    p = tmp_path / "broken.json"
    p.write_text('[{"id": 0},\n {"id": 1},\n {"id": 2 "oops": 1}, {"id": 3}]')
    records, errors = read_all(p)
    assert [r.data["id"] for r in records] == [0, 1]
    assert errors[0].line == 3 and "reading stopped" in errors[0].message


def test_json_large_array_streams_across_buffers(tmp_path: Path) -> None:
    p = tmp_path / "large.json"
    rows = [{"id": i, "text": "word " * 300} for i in range(3000)]  # ~4.5 MB, several buffers
    p.write_text(json.dumps(rows, indent=1))
    records, errors = read_all(p)
    assert not errors and len(records) == 3000
    assert records[-1].data["id"] == 2999 and records[1].line == 2 + 4  # indent=1: 4 lines per row


def test_json_single_object_and_wrappers(tmp_path: Path) -> None:
    one = tmp_path / "one.json"
    one.write_text(json.dumps({"conversations": [{"from": "gpt", "value": "hi"}]}))
    wrapped = tmp_path / "wrapped.json"
    wrapped.write_text(json.dumps({"version": 2, "data": ROWS}))
    lines = tmp_path / "lines.json"
    lines.write_text("".join(json.dumps(r) + "\n" for r in ROWS))
    assert len(read_all(one)[0]) == 1
    assert [r.data for r in read_all(wrapped)[0]] == ROWS
    records, errors = read_all(lines)
    assert not errors and [r.data for r in records] == ROWS


def test_deeply_nested_json_is_an_error_not_a_crash(tmp_path: Path) -> None:
    p = tmp_path / "deep.jsonl"
    p.write_text('{"a": ' + "[" * 100_000 + "]" * 100_000 + "}\n" + '{"id": 1}\n')
    records, errors = read_all(p)
    assert [r.data for r in records] == [{"id": 1}]
    assert errors[0].kind is ErrorKind.LIMIT


def test_csv_rows_and_errors(tmp_path: Path) -> None:
    p = tmp_path / "d.csv"
    with open(p, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["instruction", "output"])
        w.writerow(["q1", "a multi\nline answer"])
        w.writerow(["q2", "a2", "extra"])
        w.writerow(["q3", "a3"])
    with open(p, "ab") as fh:
        fh.write(b"q4,\xff bad bytes\nq5,a5\n")
    records, errors = read_all(p)
    assert [(r.data["instruction"], r.line) for r in records] == [("q1", 2), ("q3", 5), ("q5", 7)]
    assert [(e.line, e.kind) for e in errors] == [(4, ErrorKind.PARSE), (6, ErrorKind.ENCODING)]


def test_csv_field_of_ten_megabytes_reads(tmp_path: Path) -> None:
    p = tmp_path / "wide.csv"
    p.write_text("text\n" + "w " * 5_000_000 + "\n")
    records, errors = read_all(p)
    assert not errors and len(records[0].data["text"]) == 10_000_000


def test_tsv(tmp_path: Path) -> None:
    p = tmp_path / "d.tsv"
    p.write_text("prompt\tcompletion\nhello\tworld\n")
    assert read_all(p)[0][0].data == {"prompt": "hello", "completion": "world"}


def test_parquet_with_nested_chat_column(tmp_path: Path) -> None:
    p = tmp_path / "chat.parquet"
    table = pa.table(
        {
            "id": ["a", "b"],
            "conversations": [
                [{"from": "human", "value": "hi"}, {"from": "gpt", "value": "hello there"}],
                [{"from": "human", "value": "bye"}],
            ],
        }
    )
    pq.write_table(table, p)
    records, errors = read_all(p)
    assert not errors
    assert records[0].data["conversations"][1] == {"from": "gpt", "value": "hello there"}
    assert [r.index for r in records] == [0, 1]


def test_corrupt_parquet_is_a_file_error(tmp_path: Path) -> None:
    p = tmp_path / "bad.parquet"
    p.write_bytes(b"PAR1" + b"\x00garbage" * 50)
    records, errors = read_all(p)
    assert not records and errors[0].kind is ErrorKind.FILE and "Parquet" in errors[0].message


def test_text_files_are_one_record(tmp_path: Path) -> None:
    p = tmp_path / "note.md"
    p.write_text("# Title\n\nSome text.\n")
    records, _ = read_all(p)
    assert records[0].data == {"text": "# Title\n\nSome text.\n"} and records[0].line == 1
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"line one\nline two \xc3\x28\n")
    records, errors = read_all(bad)
    assert not records and errors[0].line == 2 and errors[0].kind is ErrorKind.ENCODING


def test_lfs_pointer_and_unsupported_files(tmp_path: Path) -> None:
    lfs = tmp_path / "big.jsonl"
    lfs.write_text("version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 123\n")
    assert "Git LFS pointer" in read_all(lfs)[1][0].message
    other = tmp_path / "data.xlsx"
    other.write_bytes(b"xx")
    assert "unsupported file type" in read_all(other)[1][0].message


def test_discover_walks_directories_without_following_link_loops(tmp_path: Path) -> None:
    data = tmp_path / "data"
    write_jsonl(data / "b.jsonl", ROWS)
    write_jsonl(data / "sub" / "a.jsonl.gz", [])
    (data / "README.txt").write_text("x")
    (data / ".hidden.jsonl").write_text("{}")
    (data / "notes.docx").write_text("x")
    (data / "sub" / "loop").symlink_to(data, target_is_directory=True)
    found = [item for item in discover([str(data)]) if isinstance(item, tuple)]
    names = [Path(display).relative_to(data).as_posix() for display, _ in found]
    assert names == ["README.txt", "b.jsonl", "sub/a.jsonl.gz"]
    others = [item for item in discover([str(data)]) if isinstance(item, NotScanned)]
    assert [(Path(n.path).name, n.reason, n.kind) for n in others] == [
        (".hidden.jsonl", "hidden", ".hidden.jsonl"),  # listed, not dropped in silence
        ("notes.docx", "unsupported type", ".docx"),
        ("loop", LINKED_DIR, "loop/"),  # not followed, but listed
    ]


def test_digest_covers_the_stored_bytes(tmp_path: Path) -> None:
    import hashlib

    p = tmp_path / "d.jsonl.gz"
    p.write_bytes(gzip.compress(b'{"id": 1}\n' * 1000))
    source, items = read(str(p), str(p), Limits())
    list(items)
    assert source.sha256 == hashlib.sha256(p.read_bytes()).hexdigest()


def test_fsspec_urls_read_like_local_files(tmp_path: Path) -> None:
    fsspec = pytest.importorskip("fsspec")
    fs = fsspec.filesystem("memory")
    body = "".join(json.dumps(r) + "\n" for r in ROWS).encode()
    fs.pipe("/bucket/data/part-0.jsonl.gz", gzip.compress(body))
    fs.pipe("/bucket/data/sub/part-1.jsonl", body)
    fs.pipe("/bucket/data/notes.bin", b"\x00")
    table = pa.table({"text": ["hello world"]})
    buf = pa.BufferOutputStream()
    pq.write_table(table, buf)
    fs.pipe("/bucket/data/t.parquet", buf.getvalue().to_pybytes())
    items = list(discover(["memory://bucket/data"]))
    assert [n.path for n in items if isinstance(n, NotScanned)] == ["memory://bucket/data/notes.bin"]
    found = [item for item in items if isinstance(item, tuple)]
    assert [d for d, _ in found] == [
        "memory://bucket/data/part-0.jsonl.gz",
        "memory://bucket/data/sub/part-1.jsonl",
        "memory://bucket/data/t.parquet",
    ]
    for display, fs_path in found:
        _, items = read(display, fs_path, Limits())
        records = [i for i in items if not isinstance(i, RecordError)]
        assert records and all(isinstance(r, RawRecord) for r in records)
    with pytest.raises(Exception, match="no such file"):
        list(discover(["memory://bucket/missing"]))


# ---- hostile input (issue 8): each bad file or record is one located error, the rest is read


def test_a_stray_nul_byte_is_a_bad_record_not_a_binary_file(tmp_path: Path) -> None:
    p = tmp_path / "nul.jsonl"
    p.write_bytes(b'{"id": 0}\n{"text": "a\x00b"}\n\x00\n{"id": 3}\n')
    records, errors = read_all(p)
    assert [r.data["id"] for r in records] == [0, 3]
    assert [(e.line, e.index, e.kind) for e in errors] == [
        (2, 1, ErrorKind.ENCODING),
        (3, 2, ErrorKind.ENCODING),
    ]
    assert errors[0].message == "NUL byte at byte 12 of the line; expected JSON text"
    csv_file = tmp_path / "nul.csv"
    csv_file.write_bytes(b"text,id\nfine,1\nab\x00c,2\nalso fine,3\n")
    records, errors = read_all(csv_file)
    assert [r.data["id"] for r in records] == ["1", "3"]
    assert [(e.line, e.index, e.kind) for e in errors] == [(3, 1, ErrorKind.ENCODING)]
    assert "NUL byte" in errors[0].message


@pytest.mark.parametrize(
    ("head", "what"),
    [
        (b"\x10\x2c\x00\x00\x00\x00\x00\x00" + b'{"__metadata__": {"format": "pt"}}' * 200, "binary data"),
        (b"\x93NUMPY\x01\x00v\x00{'descr': '<f4', 'fortran_order': False}" + b"\x00" * 5000, "binary data"),
        (b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(range(256)) * 20, "binary data"),
        (b"\x00" * 10_000, "binary data"),
        ('{"text": "hello"}\n'.encode("utf-16-le") * 50, "UTF-16-LE text without a byte-order mark"),
        ('{"text": "hello"}\n'.encode("utf-16-be") * 50, "UTF-16-BE text without a byte-order mark"),
        ('{"text": "hello"}\n'.encode("utf-32-le") * 50, "UTF-32-LE text without a byte-order mark"),
    ],
)
def test_binary_content_is_one_file_error_that_names_it(tmp_path: Path, head: bytes, what: str) -> None:
    for suffix in (".jsonl", ".json", ".csv", ".txt"):
        p = tmp_path / f"weights{suffix}"
        p.write_bytes(head + b'\n{"id": 1}\n')
        records, errors = read_all(p)
        assert not records and len(errors) == 1, (suffix, errors)
        assert errors[0].kind is ErrorKind.FILE and errors[0].message.startswith(what), errors[0].message
        assert errors[0].line is None


def test_nesting_deeper_than_the_limit_is_a_located_error(tmp_path: Path) -> None:
    def nested(depth: int) -> str:
        return '{"text": "hi", "a": ' + "[" * depth + "1" + "]" * depth + "}"

    p = tmp_path / "deep.jsonl"
    p.write_text("\n".join([nested(150), nested(250), nested(5000), nested(10**6), '{"id": 4}']) + "\n")
    records, errors = read_all(p)
    assert [r.index for r in records] == [0, 4]
    assert [(e.line, e.index, e.kind) for e in errors] == [(i + 1, i, ErrorKind.LIMIT) for i in (1, 2, 3)]
    assert all("nested more than 200 levels deep" in e.message for e in errors)
    array = tmp_path / "deep.json"
    array.write_text("[" + nested(150) + ",\n" + nested(300) + "]")
    records, errors = read_all(array)
    assert [r.index for r in records] == [0] and [(e.line, e.index) for e in errors] == [(2, 1)]


def test_reading_stopped_inside_an_oversized_line_names_that_line(tmp_path: Path) -> None:
    p = tmp_path / "bomb.jsonl.gz"
    p.write_bytes(gzip.compress(b'{"id": 0}\n{"text": "' + b"a" * 3_000_000 + b'"}\n{"id": 2}\n'))
    records, errors = read_all(
        p, Limits(max_record_bytes=100_000, min_decompressed=1_000_000, max_expansion=1)
    )
    assert [r.data["id"] for r in records] == [0]
    (error,) = errors
    assert error.line == 2 and error.kind is ErrorKind.LIMIT
    assert (
        "decompressed size exceeds 1,000,000 bytes" in error.message and "1 record(s) before" in error.message
    )


COMPRESS = {
    "gz": gzip.compress,
    "xz": lzma.compress,
    "bz2": bz2.compress,
    "zst": zstandard.ZstdCompressor().compress,
}


@pytest.mark.parametrize("suffix", sorted(COMPRESS))
def test_truncated_archives_keep_the_records_before_the_damage(tmp_path: Path, suffix: str) -> None:
    # bzip2 compresses 900 kB blocks: two of them, so the first is read before the damage.
    body = "".join(json.dumps({"id": i, "pad": f"{i} " * 120}) + "\n" for i in range(3000)).encode()
    packed = COMPRESS[suffix](body)
    p = tmp_path / f"cut.jsonl.{suffix}"
    p.write_bytes(packed[: len(packed) * 5 // 6])
    records, errors = read_all(p)
    assert [r.data["id"] for r in records] == list(range(len(records))) and 0 < len(records) < 3000
    (error,) = errors
    assert error.kind is ErrorKind.FILE and "corrupt or truncated" in error.message
    assert error.line == len(records) + 1


@pytest.mark.parametrize("suffix", sorted(COMPRESS))
def test_decompression_bombs_of_every_format_are_bounded(tmp_path: Path, suffix: str) -> None:
    # 64 concatenated members of 1 MiB of "a": 64 MiB from a few KiB. The limit here is 4 MiB.
    member = COMPRESS[suffix](b"a" * 2**20)
    p = tmp_path / f"bomb.jsonl.{suffix}"
    p.write_bytes(COMPRESS[suffix](b'{"id": 0}\n') + member * 64)
    limits = Limits(max_record_bytes=2**20, min_decompressed=4 * 2**20, max_expansion=10)
    records, errors = read_all(p, limits)
    assert [r.data["id"] for r in records] == [0]
    (error,) = errors
    assert error.kind is ErrorKind.LIMIT and error.line == 2
    assert f"decompressed size exceeds {4 * 2**20:,} bytes" in error.message


def test_a_field_over_the_record_limit_is_located_and_the_next_row_read(tmp_path: Path) -> None:
    p = tmp_path / "wide.csv"
    p.write_text('text,id\n"' + "w" * 300_000 + '",1\nnext row,2\n')
    records, errors = read_all(p, Limits(max_record_bytes=100_000))
    assert [r.data["id"] for r in records] == ["2"]
    assert [(e.line, e.index, e.kind) for e in errors] == [(2, 0, ErrorKind.LIMIT)]
    assert "record is larger than the 0 MiB limit" in errors[0].message


def test_parquet_without_a_text_column_is_one_error(tmp_path: Path) -> None:
    p = tmp_path / "numbers.parquet"
    pq.write_table(pa.table({"x": list(range(5000)), "y": [0.5] * 5000}), p)
    records, errors = read_all(p)
    assert not records and len(errors) == 1
    assert errors[0].kind is ErrorKind.SCHEMA and errors[0].index is None
    assert errors[0].message.startswith("no column can hold text: x (int64), y (double)")


def test_parquet_binary_columns_holding_utf8_are_text(tmp_path: Path) -> None:
    p = tmp_path / "bytes.parquet"
    values = ["caf\u00e9 text".encode(), b"\xff\xfe not utf-8", b"more text"]
    pq.write_table(pa.table({"text": pa.array(values, type=pa.binary()), "n": [1, 2, 3]}), p)
    records, errors = read_all(p)
    assert not errors
    assert [r.data["text"] for r in records] == ["caf\u00e9 text", b"\xff\xfe not utf-8", "more text"]


def test_dataset_files_that_are_broken_links_are_reported(tmp_path: Path) -> None:
    data = tmp_path / "data"
    write_jsonl(data / "ok.jsonl", ROWS)
    (data / "a.jsonl").symlink_to(data / "b.jsonl")
    (data / "b.jsonl").symlink_to(data / "a.jsonl")
    (data / "gone.jsonl").symlink_to(tmp_path / "missing.jsonl")
    (data / "up").symlink_to(data, target_is_directory=True)  # directory links are not followed
    items = list(discover([str(data)]))
    errors = {Path(e.path).name: e.message for e in items if isinstance(e, RecordError)}
    assert errors == {
        "a.jsonl": "symbolic link loop; not scanned",
        "b.jsonl": "symbolic link loop; not scanned",
        "gone.jsonl": "symbolic link to nothing (No such file or directory); not scanned",
    }
    assert [Path(d).name for d, _ in (i for i in items if isinstance(i, tuple))] == ["ok.jsonl"]
    assert [Path(n.path).name for n in items if isinstance(n, NotScanned)] == ["up"]


def test_errors_of_one_file_are_listed_up_to_a_limit_and_counted_beyond(tmp_path: Path) -> None:
    p = tmp_path / "garbage.jsonl"
    p.write_text("not json\n" * 50 + '{"id": 50}\n' + "still not json\n" * 50)
    records, errors = read_all(p, Limits(max_errors_per_file=30))
    assert [r.data["id"] for r in records] == [50]  # good records after the limit are still read
    assert [e.line for e in errors[:30]] == list(range(1, 31))
    assert len(errors) == 31 and errors[-1].kind is ErrorKind.LIMIT
    assert (
        errors[-1].message
        == "70 more unreadable records in this file are not listed (only the first 30 are; 100 in all)"
    )


def test_lone_surrogates_are_replaced_so_records_stay_unicode(tmp_path: Path) -> None:
    p = tmp_path / "s.jsonl"
    p.write_text('{"id": "\\udc80x", "\\ud800k": ["\\udfff", {"t": "ok \\ud83d\\ude00 \\ud83d"}]}\n')
    (record,) = read_all(p)[0]
    assert record.data == {"id": "\ufffdx", "\ufffdk": ["\ufffd", {"t": "ok \U0001f600 \ufffd"}]}
    json.dumps(record.data, ensure_ascii=False).encode("utf-8")  # writable as UTF-8


def test_a_file_name_that_is_not_utf8_is_shown_with_replacement_characters(tmp_path: Path) -> None:
    import os

    raw = os.path.join(os.fsencode(tmp_path), b"d\xe9j\xe0.jsonl")
    with open(raw, "w") as fh:
        fh.write('{"id": 1}\n')
    (found,) = discover([str(tmp_path)])
    assert isinstance(found, tuple)
    display, fs_path = found
    assert display == str(tmp_path / "d\ufffdj\ufffd.jsonl") and os.fsencode(fs_path) == raw
    assert read_all(Path(fs_path))[0][0].data == {"id": 1}
