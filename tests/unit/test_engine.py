"""The engine: the same result whether records are matched here or in worker processes."""

from __future__ import annotations

from pathlib import Path

from helpers import REFERENCE_TEXTS, UNRELATED_TEXT, write_jsonl
from provcheck import engine
from provcheck.index import ReferenceIndex
from provcheck.policy import Use, default_policy


def test_worker_processes_give_the_same_result_as_one_process(tmp_path: Path, index_dir: Path) -> None:
    rows = []
    for i in range(40):
        text = REFERENCE_TEXTS[i % 3] if i % 4 == 0 else UNRELATED_TEXT + f" variant {i}"
        rows.append({"id": f"r{i}", "text": text.replace("the", "teh") if i % 8 == 0 else text})
    data = write_jsonl(tmp_path / "d.jsonl", rows)
    # Bad lines are parsed (and reported) by the workers: located the same way.
    with open(data, "ab") as fh:
        fh.write(b'{"id": "broken",\n[1]\n{"text": "\xff"}\n')
    index = ReferenceIndex(str(index_dir))
    results = [
        engine.scan(
            [str(data)], index, default_policy(), Use(), engine.ScanOptions(workers=workers, batch_size=3)
        )
        for workers in (1, 2)
    ]
    one, two = ([(m.id, m.evidence) for m in r.matches] for r in results)
    assert one == two and len(one) == 10
    assert [f.id for f in results[0].findings] == [f.id for f in results[1].findings]
    assert results[0].stats.records == results[1].stats.records == 40
    assert results[0].errors == results[1].errors
    assert [(e.line, e.index, e.kind.value) for e in results[1].errors] == [
        (41, 40, "parse"),
        (42, 41, "schema"),
        (43, 42, "encoding"),
    ]
    assert results[1].files[0].errors == 3 and results[1].files[0].records == 40
