"""Reference texts with details kept past the matcher's cache: taken back, not computed again."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from test_code import RENAMED, SOURCE, _wrapped
from test_match_strength import index_of, record

from helpers import REFERENCE_TEXTS, write_jsonl
from provcheck.index import IndexWriter, ReferenceIndex, TextKey
from provcheck.ingest import AddSpec, add_file
from provcheck.inputs.schemas import RecordOptions, to_record
from provcheck.matching.evidence import distinct
from provcheck.matching.fingerprint import Fingerprinter
from provcheck.matching.normalize import token_offsets, tokenize
from provcheck.matching.params import FingerprintConfig, MatchConfig
from provcheck.model import Location, Match, Record, SourceInfo, SourceName
from provcheck.scan import match
from provcheck.scan.match import Matcher
from provcheck.scan.refcache import CachedText, Kept, detached


def _detailed(text: str) -> CachedText:
    f = Fingerprinter(FingerprintConfig())
    prints, toks = f.with_tokens([text, "another text in the same batch of texts"])
    fp = prints[0]
    return CachedText(
        codes=fp.codes,
        echoes=[],
        text=text,
        fingerprint=fp,
        offsets=token_offsets(text, toks, 0),
        shingles=distinct(fp.shingles),
    )


def test_a_kept_text_owns_its_arrays_and_keeps_its_values() -> None:
    held = _detailed(REFERENCE_TEXTS[0])
    assert held.fingerprint is not None and held.fingerprint.tokens.base is not None  # a batch's view
    before = held.fingerprint
    kept, size = detached(held)
    fp = kept.fingerprint
    assert fp is not None and kept.offsets is not None
    for name in ("tokens", "shingles", "anchors"):
        a = getattr(fp, name)
        assert a.base is None and np.array_equal(a, getattr(before, name))
    assert fp.codes == before.codes and fp.key == before.key
    assert size > 8 * len(fp.tokens) * 3


def test_a_text_let_go_again_unchanged_is_not_measured_again(monkeypatch: pytest.MonkeyPatch) -> None:
    # A text goes back and forth between the matcher's cache and ``Kept``: measured once while
    # its details are the objects measured, again once one of them is replaced.
    from provcheck.scan import refcache

    held = _detailed(REFERENCE_TEXTS[0])
    kept, size = detached(held)
    walked: list[object] = []
    original = refcache._own
    monkeypatch.setattr(refcache, "_own", lambda a: walked.append(a) or original(a))
    assert detached(kept) == (kept, size) and walked == []
    fresh = _detailed(REFERENCE_TEXTS[1])  # new details, arrays that are a batch's views
    kept.fingerprint, kept.offsets, kept.shingles = fresh.fingerprint, fresh.offsets, fresh.shingles
    again, other = detached(kept)
    twin = _detailed(REFERENCE_TEXTS[1])
    twin.codes, twin.text = kept.codes, kept.text
    assert walked and other != size and other == detached(twin)[1]
    assert again.fingerprint is not None and again.fingerprint.tokens.base is None


def test_kept_texts_are_bounded_in_bytes_and_the_oldest_go_first() -> None:
    texts = [_detailed(t) for t in REFERENCE_TEXTS[:3]]
    one = detached(_detailed(REFERENCE_TEXTS[0]))[1]
    kept = Kept(limit=2 * one + one // 2)
    for n, held in enumerate(texts):
        kept.put(TextKey(0, n), held)
    assert kept.bytes <= kept.limit and len(kept) < 3
    assert kept.take(TextKey(0, 0)) is None  # the oldest went first
    last = kept.take(TextKey(0, 2))
    assert last is texts[2] and kept.take(TextKey(0, 2)) is None  # taken, no longer kept
    assert Kept(limit=0).take(TextKey(0, 0)) is None


def test_texts_without_details_are_kept_within_their_own_budget() -> None:
    codes = [CachedText(codes=chr(0x100 + n) * 100, echoes=[]) for n in range(3)]
    kept = Kept(codes_limit=2 * sys.getsizeof(codes[0].codes))
    for n, held in enumerate(codes):
        kept.put(TextKey(0, n), held)
    assert kept.codes_bytes <= kept.codes_limit and kept.bytes == 0
    assert kept.take(TextKey(0, 0)) is None  # the oldest went first
    assert kept.take(TextKey(0, 2)) is codes[2] and kept.take(TextKey(0, 2)) is None
    nothing = Kept(codes_limit=0)
    nothing.put(TextKey(0, 9), CachedText(codes="ab", echoes=[]))
    assert nothing.take(TextKey(0, 9)) is None


def _scan(matcher: Matcher, batches: list[list[str]]) -> list[list[Match]]:
    return [matcher.records([record(t) for t in batch], None) for batch in batches]


@pytest.mark.parametrize("texts", [REFERENCE_TEXTS[:2], [_wrapped(SOURCE), REFERENCE_TEXTS[1]]])
def test_a_text_met_again_after_the_cache_let_it_go_is_not_prepared_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, texts: list[str]
) -> None:
    index = index_of(tmp_path, {"a": list(texts)})
    monkeypatch.setattr(match, "REFS_BYTES", 1)  # every batch lets the previous batch's texts go
    candidates = [texts[0], RENAMED if texts[0] == _wrapped(SOURCE) else texts[0]]
    batches = [[candidates[0]], [texts[1]], [candidates[1]], [texts[1]]]
    read: list[Any] = []
    original = index.text

    def counted(key: TextKey) -> Any:
        read.append(key)
        return original(key)

    monkeypatch.setattr(index, "text", counted)
    found = _scan(Matcher(index, MatchConfig()), batches)
    assert all(found)
    assert len(read) == len(set(read)) == 2  # each text read (and fingerprinted) once
    # The same matches as a matcher that keeps nothing past its cache (what it did before).
    monkeypatch.setattr(index, "text", original)
    plain = Matcher(index, MatchConfig())
    plain._kept = Kept(limit=0)
    assert _scan(plain, batches) == found


def test_tokenizing_one_text_alone_or_in_a_batch_gives_the_same_offsets() -> None:
    # What makes a kept text's details those a later batch would compute.
    alone = [token_offsets(t) for t in REFERENCE_TEXTS[:3]]
    batch = tokenize(list(REFERENCE_TEXTS[:3]))
    for i, (starts, ends) in enumerate(alone):
        s, e = token_offsets(REFERENCE_TEXTS[i], batch, i)
        assert np.array_equal(s, starts) and np.array_equal(e, ends)


MERGE_SORT = """def merge_sort(values):
    if len(values) <= 1:
        return values
    middle = len(values) // 2
    left = merge_sort(values[:middle])
    right = merge_sort(values[middle:])
    merged = []
    i = j = 0
    while i < len(left) and j < len(right):
        if left[i] <= right[j]:
            merged.append(left[i])
            i += 1
        else:
            merged.append(right[j])
            j += 1
    merged.extend(left[i:])
    merged.extend(right[j:])
    return merged"""


def _alpaca_index(tmp_path: Path, rows: list[tuple[str, str]]) -> ReferenceIndex:
    path = tmp_path / "idx"
    data = write_jsonl(
        tmp_path / "refs.jsonl",
        [{"id": f"r{n}", "instruction": q, "input": "", "output": a} for n, (q, a) in enumerate(rows)],
    )
    with IndexWriter(str(path), None) as writer:
        report = add_file(writer, AddSpec(path=str(data), source=SourceInfo(name=SourceName("gpt"))))
        assert not report.errors
        writer.commit()
    return ReferenceIndex(str(path))


def test_the_code_streams_the_strength_reads_are_prepared_together(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Code matched under the request its reference answers is aligned again with names
    abstracted (``Signals.code_whole``): its references are fingerprinted with their code
    streams in one batch, not one call each."""
    codes = [MERGE_SORT, MERGE_SORT.replace("merge_sort", "sort_merge").replace("    ", "  ")]
    asked = ["Implement merge sort in Python.", "Write a merge sort, two-space indents."]
    refs = [
        f"Here:\n\n```python\n{c}\n\n\nprint({n})\n```\n\nDone, it is stable." for n, c in enumerate(codes)
    ]
    index = _alpaca_index(tmp_path, list(zip(asked, refs, strict=True)))
    matcher = Matcher(index, MatchConfig())
    calls: list[int] = []
    original = matcher._coded.with_tokens

    def counted(texts: Any) -> Any:
        calls.append(len(texts))
        return original(texts)

    monkeypatch.setattr(matcher._coded, "with_tokens", counted)
    records = [
        to_record(
            {"instruction": q, "input": "", "output": f"Sure:\n\n```python\n{c}\n```"},
            Location("d.jsonl", n, n + 1),
            RecordOptions(),
        )
        for n, (q, c) in enumerate(zip(asked, codes, strict=True))
    ]
    assert all(isinstance(r, Record) for r in records)
    found = matcher.records([r for r in records if isinstance(r, Record)], None)
    assert {m.reference.id for m in found} >= {"r0", "r1"}
    assert calls == [2], calls  # both references at once


def test_the_matchers_cache_is_bounded_in_bytes_not_in_texts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Until 2026-12-06 it held 4,096 texts whatever their size (~100,000 moves to ``Kept`` a
    # scan on issue 17's workload): now the bytes its texts hold, details included.
    texts = list(REFERENCE_TEXTS[:4])
    index = index_of(tmp_path, {"a": texts})
    batches = [[t] for t in texts] + [[texts[0]]]
    unbounded = _scan(Matcher(index, MatchConfig()), batches)
    one = sys.getsizeof(texts[0]) * 2  # about one text's codes (4 bytes a token) and text
    monkeypatch.setattr(match, "REFS_BYTES", one)
    matcher = Matcher(index, MatchConfig())
    found = []
    for batch in batches:
        found += _scan(matcher, [batch])
        held = list(matcher._refs.values())
        assert matcher._ref_bytes == sum(r.size for r in held) > 0
        assert all(r.size == detached(r)[1] for r in held if r.fingerprint is not None)
        assert matcher._ref_bytes <= one or len(held) == 1  # over only with this batch's text
    assert len(matcher._kept) >= 2  # the others went to ``Kept`` with their details
    assert found == unbounded
