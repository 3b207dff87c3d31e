"""The token-trigram sketches of the second candidate route (``matching.trigrams``)."""

from __future__ import annotations

import numpy as np
import pytest

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


compiled_only = pytest.mark.skipif(
    getattr(trigrams.TOKENS, "trigram_sketches", None) is None,
    reason="the compiled tokenizer module is not built (no C compiler at install time)",
)


@compiled_only
def test_the_compiled_sketches_equal_the_numpy_reference() -> None:
    """``_tokens.trigram_sketches`` (what an index build runs) gives numpy's arrays: random
    hashes with codes at the surrogate shift's edges, repeated trigrams (fewer than ``KEEP``
    distinct), texts of 0-3 tokens, a batch of one and of none."""
    rng = np.random.default_rng(20261207)
    edges = np.array([0xD6FF, 0xD700, 0xD701, 0xFFFFF, 0, 1], dtype=np.uint64) << np.uint64(44)
    texts: list[np.ndarray] = []
    for n in [0, 1, 2, 3, 4, 5, 12, 13, 40, 300, 2000]:
        texts.append(rng.integers(0, 2**64, size=n, dtype=np.uint64))
        texts.append(rng.choice(edges, size=n) | rng.integers(0, 2**44, size=n, dtype=np.uint64))
        texts.append(np.tile(rng.integers(0, 2**64, size=4, dtype=np.uint64), n // 4 + 1)[:n])  # repeats
    prints = Fingerprinter(FingerprintConfig()).of_texts([SOURCE, dense_copy(SOURCE), "a b c", ""])
    texts.extend(fp.tokens for fp in prints)
    for batch in [texts, texts[:1], texts[-3:], []]:
        counts = np.array([len(t) for t in batch], dtype=np.int64)
        flat = np.concatenate(batch) if batch else np.zeros(0, dtype=np.uint64)
        sizes, values = trigrams.sketches(flat, counts)
        want_sizes, want_values = trigrams.numpy_sketches(flat, counts)
        assert sizes.dtype == np.int64 and values.dtype == np.uint32
        assert sizes.tolist() == want_sizes.tolist()
        assert values.tolist() == want_values.tolist()
        each = [trigrams.sketch_of_hashes(t) for t in batch]
        assert values.tolist() == (np.concatenate(each).tolist() if each else [])


@compiled_only
def test_the_compiled_sketches_refuse_counts_that_do_not_add_up() -> None:
    compiled = trigrams.TOKENS.trigram_sketches  # type: ignore[union-attr]
    hashes = np.arange(10, dtype=np.uint64)
    for counts in ([11], [5, 4], [-1, 11]):
        with pytest.raises(ValueError, match="add up"):
            compiled(hashes, np.array(counts, dtype=np.int64), trigrams.KEEP)


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
