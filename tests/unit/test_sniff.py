"""What a file of an unrecognised name holds, told by its first bytes (``inputs.sniff``)."""

from __future__ import annotations

import gzip
import io
import json
import zipfile

import pytest

from provcheck.inputs.sniff import sniff

ROW = json.dumps({"text": "a record"}) + "\n"


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("x.jsonl", ROW)
    return buf.getvalue()


@pytest.mark.parametrize(
    ("head", "name", "suffix"),
    [
        ((ROW * 3).encode(), "data.jsonlines", ".jsonl"),
        (ROW.encode(), "part-00000", ".jsonl"),
        (gzip.compress((ROW * 3).encode()), "part-00001.bak", ".jsonl"),
        (b'[\n  {"text": "a"},\n  {"text": "b"}\n]\n', "train.json.bak", ".json"),
        (b'{\n  "data": [{"text": "a"}]\n}\n', "dump", ".json"),
        (b"[" * 60000, "deep", ".json"),  # the JSON reader reports its depth, located
        (b"instruction,output\nSay hi,hi\nSay bye,bye\n", "export.dat", ".csv"),
        (b"prompt\tresponse\na\tb\n", "rows.tabs", ".tsv"),
        (b"PAR1" + b"\0" * 64, "x.pq", ".parquet"),
        (b"ARROW1\0\0" + b"\0" * 64, "x.ipc", ".arrow"),
        (_zip(), "backup.bin", ".zip"),
    ],
)
def test_datasets_are_told_by_content(head: bytes, name: str, suffix: str) -> None:
    found = sniff(head, name)
    assert found is not None and found.suffix == suffix


@pytest.mark.parametrize(
    ("head", "name"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "chart.png"),
        (b"\xa7\r\r\n\0\0\0\0" + bytes(range(256)), "mod.pyc"),
        (b"MIT License\n\nCopyright (c) 2024, someone\n", "LICENSE"),
        (b"import os, sys\nprint(os.getcwd())\n", "tool.py"),
        (b"", "empty"),
        (_zip(), "notes.docx"),
        (b'"just a string"\n', "quoted"),
    ],
)
def test_other_files_are_not_datasets(head: bytes, name: str) -> None:
    assert sniff(head, name) is None


def test_a_table_without_a_record_column_is_ambiguous() -> None:
    found = sniff(b"alpha,beta,gamma\n1,2,3\n4,5,6\n", "numbers.dat")
    assert found is not None and found.ambiguous and "looks like a table" in found.label
