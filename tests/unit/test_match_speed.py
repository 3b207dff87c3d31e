"""The matcher's per-batch lookups: the same verdicts as per-match lookups, at one index pass."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_code import PROSE, RENAMED, SOURCE, _wrapped
from test_match_strength import COMMON, index_of, record

from helpers import REFERENCE_TEXTS
from provcheck.index import ReferenceIndex, TextKey
from provcheck.index.combined import IndexSet
from provcheck.index.store import Candidate, held_anchors
from provcheck.matching.evidence import _jaccard, distinct
from provcheck.matching.fingerprint import Fingerprinter
from provcheck.matching.params import MatchConfig
from provcheck.matching.strength import COMMON_DF
from provcheck.model import Record
from provcheck.scan.holders import Holders
from provcheck.scan.match import Matcher


def crowded(tmp_path: Path) -> ReferenceIndex:
    """Three sources (three shards), each holding the common passage inside its own text."""
    others = [*REFERENCE_TEXTS[1:], REFERENCE_TEXTS[1][::-1]]
    texts = {name: [f"{other} {COMMON}"] for name, other in zip("abc", others, strict=False)}
    return index_of(tmp_path, texts)


def counting(monkeypatch: pytest.MonkeyPatch, index: ReferenceIndex, name: str) -> list[Any]:
    calls: list[Any] = []
    original = getattr(index, name)

    def wrapper(*args: Any) -> Any:
        calls.append(args)
        return original(*args)

    monkeypatch.setattr(index, name, wrapper)
    return calls


def test_document_frequencies_are_looked_up_once_per_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = crowded(tmp_path)
    assert len(index.shards) == 3
    calls = counting(monkeypatch, index, "frequency")
    records = [record(COMMON), record(COMMON + " A final remark of this copy.")]
    matches = Matcher(index, MatchConfig()).records(records, None)
    assert len(matches) == 6  # two records x three sources
    assert len(calls) == 1  # was one pass over every shard per match
    for m in matches:
        assert m.strength is not None and m.strength.convergence in ("common-passage", "crowd")


def test_batched_common_share_equals_the_per_match_figure(tmp_path: Path) -> None:
    index = crowded(tmp_path)
    matcher = Matcher(index, MatchConfig())
    f = Fingerprinter(index.config)
    cands = f.of_texts([COMMON, REFERENCE_TEXTS[1], REFERENCE_TEXTS[2] + " " + COMMON[:200]])
    refs = f.of_texts([f"{REFERENCE_TEXTS[1]} {COMMON}", REFERENCE_TEXTS[0], REFERENCE_TEXTS[2]])
    shared = [np.intersect1d(c.anchors, r.anchors, assume_unique=True) for c in cands for r in refs]
    expected = [float(np.mean(index.frequency(s) >= COMMON_DF)) if len(s) else 0.0 for s in shared]
    assert matcher._holders.common_shares(shared) == expected
    assert max(expected) > 0.0 and min(expected) == 0.0  # both cases occur


def test_reference_records_are_read_once_per_reference(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = crowded(tmp_path)
    calls = counting(monkeypatch, index, "references")
    matcher = Matcher(index, MatchConfig())
    first = matcher.records([record(COMMON)], None)
    again = matcher.records([record(COMMON), record(COMMON + " And a last line.")], None)
    assert len(first) == 3 and len(again) == 6
    assert len(calls) == 3  # one per reference text, not per match
    assert {m.reference.id for m in again} == {m.reference.id for m in first}


def test_distinct_is_sorted_and_unique() -> None:
    values = np.array([5, 1, 5, 3, 1], dtype=np.uint64)
    assert distinct(values).tolist() == [1, 3, 5]
    assert len(distinct(np.zeros(0, dtype=np.uint64))) == 0


def test_anchors_a_pair_shares_are_read_from_the_postings_exactly(tmp_path: Path) -> None:
    # The matcher no longer fingerprints a reference's code stream to learn the anchors a pair
    # shares: the shard's postings give them. Both must agree, for prose and for code (whose
    # anchors include those of its identifier-insensitive stream).
    texts = [SOURCE, _wrapped(SOURCE), PROSE, COMMON, *REFERENCE_TEXTS[:3]]
    index = index_of(tmp_path, {"a": texts})
    (shard,) = index.shards
    full = Fingerprinter(index.config)
    queries = full.of_texts([RENAMED, _wrapped(RENAMED), SOURCE, COMMON, PROSE + COMMON])
    pairs, expected = [], []
    for tid in range(len(shard.text_keys)):
        ref = full.of_text(shard.text(tid))
        for q in queries:
            pairs.append((tid, q.anchors))
            expected.append(np.intersect1d(q.anchors, ref.anchors, assume_unique=True))
    found = held_anchors(shard, pairs)
    assert [f.tolist() for f in found] == [e.tolist() for e in expected]
    assert all(f.dtype == np.uint32 for f in found)
    assert sum(len(e) for e in expected) > 0 and any(len(e) == 0 for e in expected)  # both cases


def test_matches_do_not_depend_on_what_the_reference_cache_already_holds(tmp_path: Path) -> None:
    # References are fingerprinted without their code stream until a renamed alignment needs
    # it; a plain match first (cache holds the plain fingerprint), a renamed one first, one
    # batch or several, a warm or a cold matcher: the same matches, to the byte.
    index = index_of(tmp_path, {"a": [SOURCE, COMMON, REFERENCE_TEXTS[1]]})
    plain, renamed, common = record(_wrapped(SOURCE)), record(_wrapped(RENAMED)), record(COMMON)

    def run(batches: list[list[Record]], matcher: Matcher | None = None) -> list[str]:
        matcher = matcher or Matcher(index, MatchConfig())
        out = [m for batch in batches for m in matcher.records(batch, None)]
        return sorted(repr(m) for m in out)

    together = run([[plain, renamed, common]])
    assert len(together) == 3 and any("with identifiers renamed" in m for m in together)
    assert run([[plain], [renamed], [common]]) == together
    assert run([[renamed], [plain], [common]]) == together
    warm = Matcher(index, MatchConfig())
    run([[plain, renamed, common]], warm)
    assert run([[common, renamed, plain]], warm) == together


@given(st.lists(st.integers(0, 60)), st.lists(st.integers(0, 60)))
def test_jaccard_by_lookup_equals_the_set_figure(a: list[int], b: list[int]) -> None:
    ua, ub = distinct(np.array(a, dtype=np.uint64)), distinct(np.array(b, dtype=np.uint64))
    union = len(set(a) | set(b))
    assert _jaccard(ua, ub) == (len(set(a) & set(b)) / union if union else 0.0)


def test_frequency_counts_distinct_texts_over_shards_as_a_brute_force_count(tmp_path: Path) -> None:
    # Anchors held in one shard are counted from that shard's postings; only those held in
    # several are counted by token digest (one text added to two shards counts once).
    index = index_of(
        tmp_path,
        {"a": [REFERENCE_TEXTS[0], COMMON], "b": [REFERENCE_TEXTS[0], REFERENCE_TEXTS[1]], "c": [PROSE]},
    )
    assert len(index.shards) == 3
    texts = [*REFERENCE_TEXTS[:3], COMMON, PROSE]
    anchors = np.unique(np.concatenate([fp.anchors for fp in Fingerprinter(index.config).of_texts(texts)]))
    holders, shards_holding = [], []
    for a in anchors.tolist():
        keys: set[int] = set()
        held_in = 0
        for shard in index.shards:
            lo, hi = np.searchsorted(shard.anchors, a, "left"), np.searchsorted(shard.anchors, a, "right")
            keys |= {int(shard.text_keys[t]) for t in shard.postings[lo:hi].tolist()}
            held_in += hi > lo
        holders.append(len(keys))
        shards_holding.append(held_in)
    assert index.frequency(anchors).tolist() == holders
    assert {0, 1} < set(shards_holding) and max(shards_holding) >= 2  # every case occurs
    assert any(n >= 2 and h == 1 for n, h in zip(shards_holding, holders, strict=True))  # one text twice


def test_shared_anchors_of_a_set_of_indexes_equal_a_fresh_fingerprint_s(tmp_path: Path) -> None:
    # With several indexes (IndexSet), each part is a shard: the postings answer there too.
    one = index_of(tmp_path / "one", {"a": [SOURCE, COMMON]})
    two = index_of(tmp_path / "two", {"b": [_wrapped(SOURCE), REFERENCE_TEXTS[1]]})
    both = IndexSet([one.path, two.path])
    full = Fingerprinter(both.config)
    queries = full.of_texts([_wrapped(RENAMED), COMMON, REFERENCE_TEXTS[1]])
    keys = [TextKey(s, t) for s, part in enumerate(both.parts) for t in range(len(part.store.text_keys))]
    pairs = [(q.anchors, key) for q in queries for key in keys]
    found = Holders(both).shared(pairs)
    expected = [
        np.intersect1d(anchors, full.of_text(both.text(key) or "").anchors, assume_unique=True)
        for anchors, key in pairs
    ]
    assert [f.tolist() for f in found] == [e.tolist() for e in expected]
    assert any(len(e) for e in expected) and any(not len(e) for e in expected)


def _counting_module(monkeypatch: pytest.MonkeyPatch, name: str) -> list[tuple[Any, bool]]:
    """Calls of ``provcheck.scan.match.<name>`` (or ``scan.codestreams``'s) with whether each
    found a match. For ``align``,
    the pairs ``align_many`` aligns count as its calls (not those its memo of rejections skips)."""
    import provcheck.scan.codestreams as codestreams
    import provcheck.scan.match as scan_match

    calls: list[tuple[Any, bool]] = []
    module = scan_match if hasattr(scan_match, name) else codestreams
    original = getattr(module, name)

    def wrapper(*args: Any) -> Any:
        found = original(*args)
        calls.append((args, found is not None))
        return found

    monkeypatch.setattr(module, name, wrapper)
    if name == "align":
        many = scan_match.align_many

        def each(cand: str, refs: list[Any], keys: list[Any], failing: set[Any], *rest: Any) -> Any:
            known = set(failing)
            found = many(cand, refs, keys, failing, *rest)
            calls.extend(
                ((cand, ref.codes), f is not None)
                for ref, key, f in zip(refs, keys, found, strict=True)
                if key not in known
            )
            return found

        monkeypatch.setattr(scan_match, "align_many", each)
    return calls


def test_a_recurring_turn_is_not_aligned_again_where_it_failed_and_matches_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = index_of(tmp_path, {"a": [REFERENCE_TEXTS[0], REFERENCE_TEXTS[1] + " " + COMMON]})
    calls = _counting_module(monkeypatch, "align")
    texts = [
        REFERENCE_TEXTS[0],
        REFERENCE_TEXTS[2] + " " + COMMON[:120],
        REFERENCE_TEXTS[2] + " " + COMMON[:300],
    ]
    fresh = [Matcher(index, MatchConfig()).records([record(t)], None) for t in texts]
    rejected = {(args[0], args[1]) for args, found in calls if not found}
    kept = {(args[0], args[1]) for args, found in calls if found}
    assert rejected and kept  # both kinds of pairs occur
    calls.clear()
    matcher = Matcher(index, MatchConfig())
    # The same turns again and again (an instruction asked in many records), in one batch and
    # across batches: a pair that failed is aligned once, and the matches are those of each
    # text scanned afresh.
    first = matcher.records([record(t) for t in texts + texts], None)
    again = matcher.records([record(t) for t in texts], None)
    failed = [(args[0], args[1]) for args, found in calls if not found]
    assert sorted(failed) == sorted(rejected)  # each once
    assert {(args[0], args[1]) for args, found in calls if found} == kept
    expected = sorted(repr(m) for ms in fresh for m in ms)
    assert sorted(repr(m) for m in again) == expected
    assert sorted(repr(m) for m in first) == sorted(expected + expected)


def test_a_recurring_code_turn_matches_the_same_on_its_code_streams(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = index_of(tmp_path, {"a": [SOURCE, PROSE]})
    plain = _counting_module(monkeypatch, "align")
    renamed = _counting_module(monkeypatch, "align_renamed")
    copy = _wrapped(RENAMED)
    alone = Matcher(index, MatchConfig()).records([record(copy)], None)
    # The plain alignment fails, the renamed stream matches.
    assert alone and [f for _, f in plain] == [False] and [f for _, f in renamed] == [True]
    plain.clear()
    matcher = Matcher(index, MatchConfig())
    first = matcher.records([record(copy), record(copy)], None)
    again = matcher.records([record(copy)], None)
    assert len(plain) == 1  # the failed plain alignment is not done again
    assert [repr(m) for m in again] == [repr(m) for m in alone]
    assert [repr(m) for m in first] == [repr(m) for m in alone + alone]


def _crowd(tmp_path: Path, names: str, each: int = 1) -> ReferenceIndex:
    """One source per letter of ``names``, each with ``each`` texts holding the common passage
    inside text of their own."""
    own = [REFERENCE_TEXTS[1], REFERENCE_TEXTS[2], REFERENCE_TEXTS[1][::-1], REFERENCE_TEXTS[2][::-1]]
    own += [t.upper() for t in own]
    return index_of(
        tmp_path,
        {
            name: [f"{own[(n * each + k) % len(own)]} {k} {COMMON}" for k in range(each)]
            for n, name in enumerate(names)
        },
    )


def _foreign(index: ReferenceIndex, own: str) -> float:
    holders = Holders(index)
    (anchors,) = Fingerprinter(index.config).of_texts([COMMON])
    holders.common_shares([anchors.anchors])
    return holders.foreign_share(anchors.anchors, frozenset({own}))


@pytest.mark.parametrize("names", ["a", "ab", "abc"])
def test_foreign_share_reads_no_holder_when_too_few_other_sources(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, names: str
) -> None:
    # No anchor can be held by FOREIGN_SOURCES sources other than the match's own when the
    # index has fewer: the answer (0) is known without reading any holder's records, which
    # cost a one-source index of 164k texts a sixth of its scan (benchmarks/large_scan.py).
    index = _crowd(tmp_path, names, each=3)  # the passage is common: 3 to 9 texts hold it
    assert int(index.frequency(Fingerprinter(index.config).of_texts([COMMON])[0].anchors).max()) >= 3

    def unread(*args: Any) -> Any:
        raise AssertionError("a holder's records were read")

    monkeypatch.setattr(Holders, "_sources_of", unread)
    assert _foreign(index, "a") == 0.0


def test_foreign_share_is_still_read_with_enough_other_sources(tmp_path: Path) -> None:
    # Four sources beside the match's own hold the passage: it is foreign (the figure the
    # shortcut must leave alone), with the match's own source among them or not.
    index = _crowd(tmp_path, "abcde")
    assert _foreign(index, "a") > 0.5
    assert _foreign(index, "zz") > 0.5


def test_a_batch_lookup_gives_every_shard_its_keys_sorted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each shard's binary searches want ascending keys (``key_ranges`` sorts other keys itself,
    # once per shard: 204 sorts a batch for an index of 204 sources). The batch sorts them
    # once; the candidates found are those of unsorted keys.
    index = _crowd(tmp_path, "abcd")
    queries = [fp.anchors for fp in Fingerprinter(index.config).of_texts([COMMON, *REFERENCE_TEXTS[1:3]])]
    want = index.candidates_many(queries, MatchConfig())
    seen: list[bool] = []
    original = type(index.shards[0]).lookup_many

    def spy(self: Any, keys: Any, owners: Any, limit: int) -> Any:
        seen.append(bool(np.all(keys[1:] >= keys[:-1])))
        return original(self, keys, owners, limit)

    monkeypatch.setattr(type(index.shards[0]), "lookup_many", spy)
    assert index.candidates_many(queries, MatchConfig()) == want
    assert seen == [True] * len(index.shards) and len(seen) == 4
    assert any(want)
    # Built in C (``tuple.__new__``): the very named tuples, not plain tuples that compare equal.
    assert all(type(c) is Candidate and type(c.key) is TextKey for found in want for c in found)
    assert [[(c.key.shard, c.key.text, c.hits) for c in f] for f in want] == [
        [(c.key.shard, c.key.text, c.hits) for c in index.candidates(q, MatchConfig())] for q in queries
    ]


def test_holder_sources_are_the_sources_of_every_text_holding_the_anchor(tmp_path: Path) -> None:
    # The holders' posting ranges are found once a batch for every anchor that may be asked;
    # what is read from them is what a search per call read: checked against a brute force
    # over every shard's texts (fewer holders than HOLDERS_READ and _SOURCES_ENOUGH here).
    index = _crowd(tmp_path, "abcdef", each=2)
    holders = Holders(index)
    (fp,) = Fingerprinter(index.config).of_texts([COMMON])
    holders.common_shares([fp.anchors])
    assert holders.foreign_share(fp.anchors, frozenset({"a"})) > 0.5
    full = Fingerprinter(index.config)
    held_by: dict[int, set[str]] = {}
    for shard in index.shards:
        for tid in range(len(shard.text_keys)):
            sources = {r["source"] for r in shard.refs(tid)}
            for a in full.of_text(shard.text(tid)).anchors.tolist():
                held_by.setdefault(int(a), set()).update(sources)
    asked = holders._anchor_sources
    assert len(asked) > 10
    for anchor, sources in asked.items():
        assert sources == held_by[anchor]


def test_segments_aligned_in_one_call_match_as_the_per_pair_loop_matches_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # ``Matcher._plain_pairs`` (one ``align_many`` call per segment) against the loop that takes
    # packs and comment lines, a pair at a time: copies, an edited copy only the trigram route
    # lists, code renamed (the code streams read the pairs it rejects), and unrelated turns,
    # recurring so that the memo of rejections answers too.
    from test_trigrams import SOURCE as LIGHTHOUSE
    from test_trigrams import dense_copy

    import provcheck.scan.match as scan_match

    index = index_of(tmp_path, {"a": [*REFERENCE_TEXTS[:3], LIGHTHOUSE, SOURCE, PROSE, COMMON]})
    texts = [
        REFERENCE_TEXTS[0],
        REFERENCE_TEXTS[1][:400] + " and a closing line of my own, said twice over.",
        dense_copy(LIGHTHOUSE),
        _wrapped(RENAMED),
        COMMON + " " + REFERENCE_TEXTS[2][:300],
        REFERENCE_TEXTS[2][::-1],
    ]

    def scan() -> tuple[list[str], tuple[int, int, int]]:
        matcher = Matcher(index, MatchConfig())
        found = matcher.records([record(t) for t in texts + texts[::-1]], None)
        found += matcher.records([record(t) for t in texts], None)
        return sorted(repr(m) for m in found), matcher.route_counts()

    batched = scan()
    monkeypatch.setattr(scan_match, "_PLAIN_PAIRS", False)
    assert scan() == batched
    assert len(batched[0]) >= 10 and batched[1][1] >= 1  # matches, and the route's pairs aligned
    assert any("identifiers renamed" in m for m in batched[0])  # the code streams were read


def test_a_match_id_is_the_digest_of_its_parts_each_followed_by_a_unit_separator() -> None:
    # Hashed in one call since the twenty-third session: the ids of every earlier report (and
    # the waivers keyed on them) stay what the part-by-part digest gave.
    import hashlib

    from provcheck.model import ContentHash, Location, RecordRef, RoleKind, Turn
    from provcheck.scan.match import match_id

    def part_by_part(parts: tuple[object, ...]) -> str:
        digest = hashlib.blake2b(digest_size=10)
        for part in parts:
            digest.update(str(part).encode("utf-8", "surrogatepass"))
            digest.update(b"\x1f")
        return digest.hexdigest()

    for content, name, ident in [("c0ffee", "alpaca", "r1"), ("h\ud800é", "s\x1fx", 7), ("", "", None)]:
        turn = Turn("assistant", RoleKind.ASSISTANT, 2, "output", "text")
        ref = RecordRef(Location("data.jsonl", 3), "x", ContentHash(content), turn)
        key = (name, ident, 1)
        assert match_id(ref, key) == part_by_part((content, 2, *key))
    assert match_id(ref, ("a", "b", 1)) != match_id(ref, ("a", "b", 2))
