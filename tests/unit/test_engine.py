"""The engine: the same result whether records are matched here or in worker processes."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

from helpers import REFERENCE_TEXTS, UNRELATED_TEXT, write_jsonl
from provcheck.index import ReferenceIndex
from provcheck.inputs import Limits
from provcheck.matching.segment import Segment
from provcheck.policy import Use, default_policy
from provcheck.scan import engine, match


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


def test_long_records_are_matched_in_bounded_groups_with_the_same_result(
    tmp_path: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A turn of hundreds of chunks (copies at its start, middle and end) and short records: the
    # matches must not depend on how many characters one pass takes (the bound on its memory).
    filler = " ".join(f"{UNRELATED_TEXT} {i}" for i in range(300))
    long = f"{REFERENCE_TEXTS[0]} {filler} {REFERENCE_TEXTS[1]} {filler} {REFERENCE_TEXTS[2]}"
    rows = [{"id": "long", "text": long}] + [{"id": f"s{i}", "text": REFERENCE_TEXTS[i]} for i in range(3)]
    data = write_jsonl(tmp_path / "d.jsonl", rows)
    index = ReferenceIndex(str(index_dir))

    def matches() -> list[tuple[str, str, int, int]]:
        result = engine.scan([str(data)], index, default_policy(), Use())
        return [
            (
                m.record.id or "",
                m.reference.id,
                m.evidence.matched_tokens,
                m.evidence.spans[0].candidate.start,
            )
            for m in result.matches
        ]

    whole = matches()
    assert len(long) > 200_000 and {m[0] for m in whole} == {"long", "s0", "s1", "s2"}
    assert len([m for m in whole if m[0] == "long"]) == 3
    groups: list[int] = []
    real = match._groups

    def counted(segs: Iterable[Segment], limit: int) -> Iterator[list[Segment]]:
        for group in real(segs, limit):
            groups.append(len(group))
            yield group

    monkeypatch.setattr(match, "_groups", counted)
    monkeypatch.setattr(match, "_GROUP_CHARS", 50_000)
    assert matches() == whole
    assert len(groups) > 5 and sum(groups) > 3 + len(long) // 40_000


def test_errors_per_file_are_listed_up_to_the_limit(tmp_path: Path, index_dir: Path) -> None:
    rows: list[object] = [{"n": 0}] * 40 + [{"text": REFERENCE_TEXTS[0]}] + [{"n": 1}] * 40
    data = write_jsonl(tmp_path / "d.jsonl", rows)
    options = engine.ScanOptions(limits=Limits(max_errors_per_file=25), batch_size=7)
    result = engine.scan([str(data)], ReferenceIndex(str(index_dir)), default_policy(), Use(), options)
    assert len(result.matches) == 1 and result.stats.records == 1
    assert len(result.errors) == 26 and [e.index for e in result.errors[1:]] == list(range(25))
    assert result.errors[0].message == (
        "55 more unreadable records in this file are not listed (only the first 25 are; 80 in all)"
    )
    assert result.files[0].errors == 80


def test_matches_and_findings_survive_pickling_unchanged(tmp_path: Path, index_dir: Path) -> None:
    # They cross process boundaries (workers) and go through the result spool as pickles,
    # rebuilt by their constructors (``model._pickled_by_fields``).
    import pickle

    data = write_jsonl(tmp_path / "d.jsonl", [{"id": "c", "text": REFERENCE_TEXTS[0]}])
    result = engine.scan([str(data)], ReferenceIndex(str(index_dir)), default_policy(), Use())
    items = [*result.matches, *result.findings, *result.files]
    assert items and result.matches
    back = pickle.loads(pickle.dumps(items))
    assert back == items and [hash(x.record) for x in back[:1]] == [hash(result.matches[0].record)]


def test_a_scan_in_one_process_matches_against_the_index_it_was_given(
    tmp_path: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Opening it again read every file's stamp and array header a second time (the hook's
    # start-up); worker processes open their own.
    data = write_jsonl(tmp_path / "d.jsonl", [{"id": "a", "text": REFERENCE_TEXTS[0]}])
    index = ReferenceIndex(str(index_dir))
    opened: list[object] = []
    monkeypatch.setattr(engine, "open_index", lambda paths: opened.append(paths) or ReferenceIndex(paths[0]))
    result = engine.scan([str(data)], index, default_policy(), Use(), engine.ScanOptions(workers=1))
    assert opened == [] and len(result.matches) == 1
    # The recipe a worker process is given still opens the index itself.
    recipe = engine.BatchMatcher(str(index_dir), engine.ScanOptions().match, None)
    assert callable(recipe()) and opened == [[str(index_dir)]]
