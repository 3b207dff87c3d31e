"""Adversarial pass 23: the gate passing what it did not check. Each test fails on the code
before its fix.

1. FAIL-OPEN Bytes after the end of a bzip2, xz or lzma stream that start no other stream (rows
   appended uncompressed, ``cat new.jsonl >> data.jsonl.bz2``; a gzip stream after a bzip2
   one) were never read: Python's ``BZ2File`` and ``LZMAFile`` end there without a word, and
   the scan passed, exit 0, with a copy in those rows. After a gzip or zstd stream the same
   rows were a located error. They are now a located error for every compression (exit 4);
   concatenated streams are read as before, and NUL bytes after an xz stream (its stream
   padding, which ``xz -t`` accepts) are passed over where they were an error
   (``inputs/concatenated.py``).
"""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
from collections.abc import Callable
from pathlib import Path

import pytest

from helpers import REFERENCE_TEXTS, run_cli

BLOCKING_POLICY = """\
include: [provcheck:default]
use: {purpose: train-competing-model, commercial: true}
"""


@pytest.fixture
def policy(tmp_path: Path) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(BLOCKING_POLICY, encoding="utf-8")
    return path


def _line(text: str) -> bytes:
    return (json.dumps({"text": text}) + "\n").encode()


BENIGN = _line("A short note about cats and dogs, written for this test.")
COPY = _line(REFERENCE_TEXTS[0])


def _scan(path: Path, index_dir: Path, policy: Path, code: int) -> dict[str, object]:
    out = path.parent / "r.json"
    run_cli(["scan", path, "-i", index_dir, "-p", policy, "--no-cache", "-q", "-f", "json", "-o", out], code)
    doc: dict[str, object] = json.loads(out.read_text(encoding="utf-8"))
    return doc


@pytest.mark.parametrize(
    ("name", "compress", "after"),
    [
        ("d.jsonl.bz2", bz2.compress, COPY),
        ("d.jsonl.xz", lzma.compress, COPY),
        ("d.jsonl.lzma", lambda b: lzma.compress(b, format=lzma.FORMAT_ALONE), COPY),
        ("d.jsonl.bz2", bz2.compress, gzip.compress(COPY)),
    ],
    ids=["bzip2", "xz", "lzma", "gzip-after-bzip2"],
)
def test_rows_appended_after_a_compressed_stream_are_a_located_error(
    tmp_path: Path, index_dir: Path, policy: Path, name: str, compress: Callable[[bytes], bytes], after: bytes
) -> None:
    # The old code read the benign stream and ended quietly at the copy: exit 0.
    path = tmp_path / "data" / name
    path.parent.mkdir()
    path.write_bytes(compress(BENIGN) + after)
    doc = _scan(path, index_dir, policy, code=4)
    (error,) = doc["errors"]  # type: ignore[misc]
    assert error["path"] == str(path)
    assert "not read" in error["message"]
    assert "after the end of the" in error["message"]


@pytest.mark.parametrize(
    ("name", "compress", "between", "tail"),
    [
        ("d.jsonl.bz2", bz2.compress, b"", b""),
        ("d.jsonl.xz", lzma.compress, b"\0" * 4, b"\0" * 8),
        ("d.jsonl.lzma", lambda b: lzma.compress(b, format=lzma.FORMAT_ALONE), b"", b""),
    ],
    ids=["bzip2", "xz-padded", "lzma"],
)
def test_concatenated_streams_are_all_read(
    tmp_path: Path,
    index_dir: Path,
    policy: Path,
    name: str,
    compress: Callable[[bytes], bytes],
    between: bytes,
    tail: bytes,
) -> None:
    path = tmp_path / "data" / name
    path.parent.mkdir()
    path.write_bytes(compress(BENIGN) + between + compress(COPY) + tail)
    doc = _scan(path, index_dir, policy, code=1)
    assert doc["errors"] == []
    assert doc["summary"]["records"]["scanned"] == 2  # type: ignore[index]
