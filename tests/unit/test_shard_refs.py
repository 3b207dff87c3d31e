"""``Shard.refs`` parses reference records with orjson where it reads them as ``json`` does."""

from __future__ import annotations

import json

import pytest

from provcheck.index.shard import _ref_record

RECORDS = [
    b'{"id":"a/0","source":"s","role":"output","kind":"assistant","position":1,"field":"output",'
    b'"path":"/x.jsonl","index":0,"request":"8fe3b44214649c13"}',
    '{"id":"caf\u00e9 \u00df \U0001f600","source":"s","position":null,"field":"t","index":3}'.encode(),
    b'{"id":"lone \\ud800 surrogate","source":"s","index":1}',  # the writer's json fallback
    b'{"id":"big","source":"s","index":123456789012345678901234567890}',  # past 64 bits
    b'{"id":"neg","source":"s","index":-9223372036854775809}',
    b'{"id":"f","source":"s","meta":{"x":[1.5,1e400,12345678901234567890123]}}',
    b'{"id":"dup","id":"second","source":"s"}',
    b'{"id":"t","flag":true,"none":null,"n":-0}',
]


@pytest.mark.parametrize("data", RECORDS)
def test_a_record_reads_as_json_reads_it(data: bytes) -> None:
    got, want = _ref_record(data), json.loads(data)
    assert got == want
    assert list(got) == list(want)
    assert [type(v) for v in got.values()] == [type(v) for v in want.values()]
