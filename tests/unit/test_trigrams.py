"""The token-trigram sketches of the second candidate route (``matching.trigrams``)."""

from __future__ import annotations

import numpy as np

from provcheck.matching import trigrams
from provcheck.matching.fingerprint import Fingerprinter
from provcheck.matching.params import FingerprintConfig

SOURCE = (
    "The lighthouse keeper climbed the spiral stairs every evening before sunset, carrying a small tin "
    "of oil and a cloth folded into his coat pocket. He polished the great lens until it shone like a "
    "second moon, then trimmed the wick and waited for the first ships to appear on the darkening "
    "horizon. In the winter months the storms arrived without warning, and he would sit for hours "
    "beside the window, counting the seconds between flashes of lightning and the deep answering roll "
    "of thunder across the bay."
)
WORDS = ["quiet", "river", "paper", "golden", "simple", "window", "distant", "morning"]


def dense_copy(text: str, every: int = 5) -> str:
    """One word in every ``every`` replaced (the edit no anchor survives)."""
    return " ".join(WORDS[i % len(WORDS)] if i % every == 2 else w for i, w in enumerate(text.split(" ")))


def test_the_index_side_and_the_query_side_hash_the_same_codes() -> None:
    fp = Fingerprinter(FingerprintConfig()).of_texts([SOURCE])[0]
    stored = trigrams.sketch_of_hashes(fp.tokens)
    assert stored.tolist() == trigrams.sketch(trigrams.code_values(fp.codes)).tolist()
    assert len(stored) == trigrams.KEEP and stored.dtype == np.uint32
    assert np.isin(stored, trigrams.query(fp.codes)).all()


def test_a_sketch_is_the_smallest_distinct_hashes_and_a_query_every_distinct_one() -> None:
    codes = trigrams.code_values("abcabcabcdefghijklmnopqrstuvwxyz")
    every = trigrams.query("abcabcabcdefghijklmnopqrstuvwxyz")
    assert every.tolist() == sorted(set(every.tolist()))
    text = "abcabcabcdefghijklmnopqrstuvwxyz"
    assert len(every) == len({text[k : k + 3] for k in range(len(text) - 2)})
    assert trigrams.sketch(codes).tolist() == every[: trigrams.KEEP].tolist()
    assert len(trigrams.query("ab")) == 0 and len(trigrams.sketch(trigrams.code_values(""))) == 0


def test_a_copy_with_one_word_in_five_replaced_shares_enough_of_its_sources_sketch() -> None:
    fingerprinter = Fingerprinter(FingerprintConfig())
    source, copy, other = fingerprinter.of_texts([SOURCE, dense_copy(SOURCE), SOURCE[::-1]])
    stored = trigrams.sketch_of_hashes(source.tokens)
    assert np.isin(stored, trigrams.query(copy.codes)).sum() >= trigrams.MIN_SHARED
    assert np.isin(stored, trigrams.query(other.codes)).sum() == 0
    # ... while it shares no anchor run long enough: the anchors alone do not list it.
    assert np.isin(copy.anchors, source.anchors).sum() < 2


def test_sketches_of_a_batch_equal_each_texts_own() -> None:
    texts = [SOURCE, "", "two words", dense_copy(SOURCE), SOURCE[:80], "a b c", SOURCE[::-1]]
    prints = Fingerprinter(FingerprintConfig()).of_texts(texts)
    # Each alone too: a batch whose every hash lies above the range sorted first.
    for batch in [prints, *([fp] for fp in prints), prints[1:3]]:
        counts, flat = trigrams.sketches_of_hashes([fp.tokens for fp in batch])
        each = [trigrams.sketch_of_hashes(fp.tokens) for fp in batch]
        assert counts.tolist() == [len(e) for e in each]
        assert flat.tolist() == np.concatenate(each).tolist()
    assert trigrams.sketches_of_hashes([])[1].tolist() == []


def test_queries_of_a_batch_equal_each_texts_own() -> None:
    texts = [SOURCE, "", "two words", dense_copy(SOURCE), SOURCE[:80], SOURCE]
    codes = [fp.codes for fp in Fingerprinter(FingerprintConfig()).of_texts(texts)]
    hashes, owners = trigrams.queries(codes)
    assert hashes.tolist() == sorted(hashes.tolist())
    for n, c in enumerate(codes):
        assert sorted(hashes[owners == n].tolist()) == trigrams.query(c).tolist()
    assert trigrams.queries([])[0].tolist() == [] and trigrams.queries(["ab"])[0].tolist() == []


def test_presence_never_leaves_out_a_hash_the_table_holds() -> None:
    rng = np.random.default_rng(7)
    for size in (0, 1, 5, 1000, 50_000):
        # A sketch table: dense at small values, a few large ones (short texts).
        table = np.sort(
            np.concatenate(
                (
                    rng.integers(0, 1 << 27, size, dtype=np.uint32),
                    rng.integers(0, 1 << 32, size // 20, dtype=np.uint32),
                )
            )
        )
        found = trigrams.presence(table)
        assert trigrams.may_hold(found, table).all()
        others = rng.integers(0, 1 << 32, 20_000, dtype=np.uint32)
        held = np.isin(others, table)
        passed = trigrams.may_hold(found, others)
        assert passed[held].all()
        if size >= 1000:  # and most of what it does not hold is left out
            assert passed[~held].mean() < 0.25


def test_a_lookup_with_every_hash_and_repeats_finds_what_one_with_distinct_hashes_finds() -> None:
    from provcheck.index.shard import shared_keys

    texts = [SOURCE, dense_copy(SOURCE), SOURCE[:200], "unrelated words " * 30]
    prints = Fingerprinter(FingerprintConfig()).of_texts(texts)
    counts, flat = trigrams.sketches_of_hashes([fp.tokens for fp in prints])
    postings = np.repeat(np.arange(len(texts), dtype=np.uint32), counts)
    order = np.argsort(flat, kind="stable")
    table, postings = flat[order], postings[order]
    codes = [fp.codes for fp in prints]
    hashes, owners = trigrams.hashed(codes)
    distinct, of = trigrams.queries(codes)
    want = shared_keys(table, postings, len(texts), distinct, of.astype(np.uint64), 256, 3)
    for found in (None, trigrams.presence(table)):
        got = shared_keys(table, postings, len(texts), hashes, owners, 256, 3, found)
        assert [g.tolist() for g in got] == [w.tolist() for w in want]
    assert (0, 0) in set(zip(want[0].tolist(), want[1].tolist(), strict=True))


def test_presence_is_made_only_once_lookups_would_repay_it() -> None:
    table = np.arange(0, 4000, dtype=np.uint32) * np.uint32(1000)
    deferred = trigrams.Deferred(table)
    assert deferred(np.zeros(500, dtype=np.uint32)) is None  # a hook's few rows: no bitmap
    made = deferred(np.zeros(500, dtype=np.uint32))
    assert made is not None and deferred(np.zeros(1, dtype=np.uint32)) is made
