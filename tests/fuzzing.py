"""Fuzzing the readers: inputs made by mutating valid samples, and what every input must satisfy.

``check`` reads one input the way a scan does (container, limits, schema, segments, tokens) and
asserts that nothing but located ``RecordError``s and well-formed records come out: no
exception, nothing a later stage could not handle (a record too deep to pickle to a worker,
text that cannot be written as UTF-8). ``tests/unit/test_fuzz.py`` drives it with hypothesis;
a failing input is saved under ``tests/regressions/`` and replayed by every later run.
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import io
import json
import lzma
import pickle
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import zstandard
from hypothesis import strategies as st

from helpers import REFERENCE_TEXTS, ROOT
from provcheck.inputs import Limits, RawRecord, read
from provcheck.inputs.schemas import RecordOptions, to_record
from provcheck.matching.normalize import tokenize
from provcheck.matching.segment import segments
from provcheck.model import ErrorKind, Location, Record, RecordError

REGRESSIONS = ROOT / "tests" / "regressions"
"""Inputs that once broke a reader: ``<suffix>-<digest>.bin``, e.g. ``jsonl.gz-1a2b3c4d5e6f.bin``."""

LIMITS = Limits(
    max_record_bytes=64 * 1024,
    max_document_bytes=256 * 1024,
    max_expansion=20,
    min_decompressed=1024 * 1024,
    max_depth=40,
    max_errors_per_file=50,
)
"""Small limits, so the fuzzer reaches them with small inputs."""

SUFFIXES = (
    ".jsonl",
    ".json",
    ".csv",
    ".tsv",
    ".txt",
    ".parquet",
    ".jsonl.gz",
    ".jsonl.zst",
    ".json.xz",
    ".csv.bz2",
)
_COMPRESS = {".gz": gzip.compress, ".zst": zstandard.ZstdCompressor().compress, ".xz": lzma.compress}
_COMPRESS[".bz2"] = bz2.compress


def _container(suffix: str) -> str:
    return "." + suffix.split(".")[1]


def _parquet(table: pa.Table) -> bytes:
    buf = io.BytesIO()
    pq.write_table(table, buf)
    return buf.getvalue()


def _seeds() -> dict[str, list[bytes]]:
    text = REFERENCE_TEXTS[0][:200]
    records: list[object] = [
        {"id": "a", "conversations": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": text}]},
        {
            "messages": [
                {"role": "user", "content": "q"},
                {"role": "assistant", "content": [{"type": "text", "text": text}]},
            ]
        },
        {"instruction": "do", "input": "", "output": text, "history": [["a", "b"]]},
        {"prompt": "p", "chosen": text, "rejected": "no"},
        {"text": text, "meta": {"n": 1, "f": 1.5, "b": True, "z": None}},
        {"deep": [[[[{"x": text}]]]]},
    ]
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()
    return {
        ".jsonl": [lines, b'{"text": "caf\xc3\xa9 \\ud800 \\u0000"}\n{"a":1}\n', "\ufeff".encode() + lines],
        ".json": [
            json.dumps(records).encode(),
            json.dumps({"version": 1, "data": records}).encode(),
            json.dumps(records[0]).encode(),
            b"\xff\xfe" + json.dumps(records[:2]).encode("utf-16-le"),
        ],
        ".csv": [f'id,text\n1,"{text}"\n2,"multi\nline"\n'.encode(), b"instruction,output\nq,a\n"],
        ".tsv": [f"prompt\tcompletion\nq\t{text}\n".encode()],
        ".txt": [text.encode(), b"# title\n\nbody\n"],
        ".parquet": [
            _parquet(pa.table({"text": [text, "x"], "n": [1, 2]})),
            _parquet(pa.table({"conversations": [[{"from": "gpt", "value": text}]]})),
        ],
    }


SEEDS = _seeds()


def _mutate(data: bytes, ops: list[tuple[int, int, int, bytes]]) -> bytes:
    """Apply byte-level mutations: flip, insert, delete, duplicate, truncate."""
    out = bytearray(data)
    for kind, a, b, blob in ops:
        if not out and kind != 1:
            continue
        i = a % (len(out) + 1)
        j = min(len(out), i + b % 64)
        if kind == 0 and i < len(out):
            out[i] ^= 1 << (b % 8)
        elif kind == 1:
            out[i:i] = blob
        elif kind == 2:
            del out[i:j]
        elif kind == 3:
            out[i:i] = out[i:j] * (1 + b % 4)
        elif kind == 4:
            del out[i:]
    return bytes(out)


_MUTATIONS = st.lists(
    st.tuples(
        st.integers(0, 4),
        st.integers(0, 2**16),
        st.integers(0, 2**16),
        st.sampled_from(
            [b"\x00", b"\n", b'"', b"\\u", b"[", b"{", b",", b"\xff", b"\xc3", b"\r\n", b"\\ud800"]
        )
        | st.binary(max_size=8),
    ),
    max_size=6,
)


_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=40)
    | st.sampled_from(["gpt", "assistant", "human", "user", "system", "", " \t\n", "🙂🙃"])
)
_KEYS = st.sampled_from(
    [
        "text",
        "content",
        "conversations",
        "messages",
        "from",
        "value",
        "role",
        "instruction",
        "input",
        "output",
        "prompt",
        "completion",
        "response",
        "id",
        "history",
        "data",
        "type",
    ]
) | st.text(max_size=8)
JSON_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_KEYS, inner, max_size=5),
    max_leaves=25,
)
"""Any JSON value, with the field names the record schemas look for."""
_RAW_TOKENS = st.sampled_from(
    [
        '"\\ud800"',
        '"\\udc80x"',
        "1e999999",
        "-0",
        "NaN",
        "Infinity",
        "9" * 4400,
        "[" * 60 + "]" * 60,
        '"\\u0000"',
    ]
)


@st.composite
def json_text(draw: st.DrawFn) -> bytes:
    """JSON Lines of generated values, some holding raw tokens json.dumps never writes."""
    lines = []
    for value in draw(st.lists(JSON_VALUES, min_size=1, max_size=5)):
        text = json.dumps(value, ensure_ascii=draw(st.booleans()))
        if draw(st.booleans()):
            text = '{"text": "x", "raw": ' + draw(_RAW_TOKENS) + ', "v": ' + text + "}"
        lines.append(text)
    joined = "\n".join(lines)
    if draw(st.booleans()):
        joined = "[" + ", ".join(lines) + "]"
    return joined.encode("utf-8", "surrogatepass")


@st.composite
def fuzz_inputs(draw: st.DrawFn) -> tuple[str, bytes]:
    """A file name suffix and contents: a mutated sample, generated JSON, or arbitrary bytes."""
    suffix = draw(st.sampled_from(SUFFIXES))
    container = _container(suffix)
    plain = draw(st.sampled_from(SEEDS[container]) | json_text() | st.binary(max_size=300))
    plain = _mutate(plain, draw(_MUTATIONS))
    compression = suffix[len(container) :]
    if compression and draw(st.booleans() | st.just(True)):
        packed = _COMPRESS[compression](plain)
        return suffix, _mutate(packed, draw(_MUTATIONS)) if draw(st.booleans()) else packed
    return suffix, plain


def check(suffix: str, data: bytes, directory: Path) -> int:
    """Read ``data`` as a file named ``*suffix``; fail unless only located errors and sound
    records come out. The number of records read."""
    path = directory / f"input{suffix}"
    path.write_bytes(data)
    _, items = read(str(path), str(path), LIMITS)
    records = 0
    for item in items:
        if isinstance(item, RecordError):
            assert item.path == str(path) and isinstance(item.kind, ErrorKind) and item.message, item
            assert item.line is None or item.line >= 1, item
            assert item.index is None or item.index >= 0, item
            continue
        assert isinstance(item, RawRecord) and isinstance(item.data, dict), item
        records += 1
        pickle.dumps(item.data)  # records go to worker processes
        json.dumps(item.data, ensure_ascii=False, default=str).encode("utf-8")  # and into reports
        rec = to_record(item.data, Location(str(path), item.index, item.line), RecordOptions())
        if isinstance(rec, Record):
            texts = [seg.text for seg in segments(rec)]
            tokenize(texts)
            for text in texts:
                text.encode("utf-8")
        else:
            assert isinstance(rec, RecordError) and rec.message
    return records


def save_regression(suffix: str, data: bytes) -> Path:
    """Keep a failing input where the replay test finds it."""
    REGRESSIONS.mkdir(parents=True, exist_ok=True)
    path = REGRESSIONS / f"{suffix.lstrip('.')}-{hashlib.sha256(data).hexdigest()[:12]}.bin"
    path.write_bytes(data)
    return path


def regression_suffix(path: Path) -> str:
    """``jsonl.gz-1a2b.bin`` -> ``.jsonl.gz``."""
    return "." + path.name.rsplit("-", 1)[0]
