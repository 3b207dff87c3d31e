"""Anchors are datasketch MinHash values over windows, and shared runs share anchors."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from datasketch import MinHash

from helpers import REFERENCE_TEXTS, UNRELATED_TEXT
from provcheck.matching.fingerprint import Fingerprinter, permutation, shingle_hash32, token_hash
from provcheck.matching.normalize import tokens
from provcheck.matching.params import FingerprintConfig


def test_permutation_is_datasketchs_first_permutation() -> None:
    for seed in (1, 7, 12345):
        a, b = permutation(seed)
        ds = MinHash(num_perm=1, seed=seed, scheme="affine32")
        assert (int(a), int(b)) == (int(ds.permutations[0][0]), int(ds.permutations[1][0]))


@pytest.mark.parametrize("seeds", [range(0, 200), (2**31 - 1, 2**31, 123_456_789, 4_000_000_000, 2**32 - 1)])
def test_permutation_is_numpys_legacy_draw(seeds: range | tuple[int, ...]) -> None:
    """What datasketch computes, without importing numpy.random: the same two draws."""
    for seed in seeds:
        gen = np.random.RandomState(seed)
        a = gen.randint(0, 1 << 31, 1, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
        b = gen.randint(0, 1 << 32, 1, dtype=np.uint32)
        got = permutation(seed)
        assert (int(got[0]), int(got[1])) == (int(a[0]), int(b[0])), seed
        assert all(isinstance(v, np.uint32) for v in got)


def test_anchors_equal_datasketch_minhash_of_each_window() -> None:
    config = FingerprintConfig(shingle_size=5, window=8, seed=3)
    toks = tokens(REFERENCE_TEXTS[0])
    fp = Fingerprinter(config).of_text(REFERENCE_TEXTS[0])
    shingles = [tuple(toks[i : i + 5]) for i in range(len(toks) - 4)]
    expected = set()
    for start in range(len(shingles) - 8 + 1):
        mh = MinHash(num_perm=1, seed=3, hashfunc=shingle_hash32, scheme="affine32")
        for sh in shingles[start : start + 8]:
            mh.update(sh)
        expected.add(int(mh.hashvalues[0]))
    assert set(fp.anchors.tolist()) == expected
    assert list(fp.anchors) == sorted(fp.anchors)


def test_whole_text_datasketch_sketch_agrees_with_anchors() -> None:
    fingerprinter = Fingerprinter(FingerprintConfig())
    mh = fingerprinter.to_datasketch(REFERENCE_TEXTS[1], num_perm=1)
    assert int(mh.hashvalues[0]) == int(fingerprinter.of_text(REFERENCE_TEXTS[1]).anchors.min())
    a = fingerprinter.to_datasketch(REFERENCE_TEXTS[1], num_perm=128)
    b = fingerprinter.to_datasketch(REFERENCE_TEXTS[1].replace("reliable", "dependable"), num_perm=128)
    assert 0.6 < a.jaccard(b) < 1.0


def test_a_shared_run_guarantees_a_shared_anchor_whatever_surrounds_it() -> None:
    config = FingerprintConfig()
    f = Fingerprinter(config)
    run = " ".join(tokens(REFERENCE_TEXTS[2])[10 : 10 + config.shingle_size + config.window - 1])
    a = f.of_text(UNRELATED_TEXT + " " + run + " " + UNRELATED_TEXT[::-1])
    b = f.of_text("completely different words here " + run + " and more unrelated words")
    assert len(np.intersect1d(a.anchors, b.anchors)) >= 1


def test_unrelated_texts_share_almost_no_anchors() -> None:
    f = Fingerprinter(FingerprintConfig())
    a, b = f.of_text(REFERENCE_TEXTS[0]), f.of_text(UNRELATED_TEXT)
    assert len(np.intersect1d(a.anchors, b.anchors)) == 0


def test_batched_token_hashes_equal_the_plain_python_definition() -> None:
    texts = ["Ünïcode Straße ﬁnal", "", "ascii Words and 42 numbers", "東京タワー are tall", "🙂", "a"]
    batch = Fingerprinter(FingerprintConfig()).of_texts(texts)
    for text, fp in zip(texts, batch, strict=True):
        assert fp.tokens.tolist() == [token_hash(t) for t in tokens(text)]
    assert [len(fp.anchors) for fp in batch] == [1, 0, 1, 1, 0, 1]


def test_a_batch_gives_the_same_fingerprints_as_one_text_at_a_time() -> None:
    f = Fingerprinter(FingerprintConfig())
    texts = [*REFERENCE_TEXTS, "", UNRELATED_TEXT, "short one", REFERENCE_TEXTS[0]]
    for text, fp in zip(texts, f.of_texts(texts), strict=True):
        one = f.of_text(text)
        assert np.array_equal(fp.anchors, one.anchors) and np.array_equal(fp.shingles, one.shingles)
    assert f.of_texts(texts)[0].key == f.of_texts(texts)[-1].key
    # The codes-only path (prompts, for echo detection) gives the same codes.
    assert f.codes_of(texts) == [fp.codes for fp in f.of_texts(texts)]
    assert f.codes_of(texts)[3] == "" and len(f.codes_of(["two words"])[0]) == 2


def test_short_and_empty_texts() -> None:
    f = Fingerprinter(FingerprintConfig())
    assert len(f.of_text("").anchors) == 0
    assert len(f.of_text("two words").anchors) == 1


def test_config_validation_and_signature() -> None:
    assert FingerprintConfig().signature == "wmh1-tok6-n5-w8-s1-code2"
    # An index built before code anchors (no ``code`` key) keeps its old signature.
    old = FingerprintConfig.from_dict({"shingle_size": 5, "window": 8, "seed": 1, "tokenizer": 3})
    assert old.code == 0 and old.signature == "wmh1-tok3-n5-w8-s1"
    for bad in ({"shingle_size": 0}, {"window": 100}, {"seed": -1}):
        try:
            FingerprintConfig(**bad)  # type: ignore[arg-type]
        except Exception as exc:
            assert "out of range" in str(exc)
        else:
            raise AssertionError(f"{bad} accepted")


def test_fingerprints_of_a_batch_are_the_dataclass_constructed_ones() -> None:
    """``_from_token_hashes`` fills a Fingerprint's slots through their descriptors: every field,
    defaults included, is what the dataclass's constructor gives."""
    import dataclasses

    from provcheck.matching.fingerprint import Fingerprint, Fingerprinter
    from provcheck.matching.params import FingerprintConfig

    texts = ["the quick brown fox jumps over the lazy dog " * 3, "short", ""]
    for fp in Fingerprinter(FingerprintConfig()).of_texts(texts):
        made = Fingerprint(fp.tokens, fp.codes, fp.shingles, fp.anchors)
        for f in dataclasses.fields(Fingerprint):
            mine, theirs = getattr(fp, f.name), getattr(made, f.name)
            assert type(mine) is type(theirs)
            if f.name in ("renamed", "renamed_at", "literal", "literal_at"):
                assert mine is None and theirs is None
            else:
                assert mine is theirs
        with pytest.raises(dataclasses.FrozenInstanceError):
            fp.codes = "x"  # type: ignore[misc]


def test_without_codes_a_fingerprint_keeps_tokens_and_anchors_and_its_codes_come_from_the_hashes() -> None:
    # ``codes=False`` (an index build): no code strings; the token hashes give them.
    from provcheck.matching.fingerprint import codes_of_hashes

    code = "def f(x):\n    y = x + 1\n    return y\n\nfor i in range(3):\n    print(f(i))\n"
    texts = [*REFERENCE_TEXTS, UNRELATED_TEXT, code, "", "!!!"]
    config = FingerprintConfig()
    full = Fingerprinter(config, literal=False).of_texts(texts)
    bare = Fingerprinter(config, literal=False, codes=False).of_texts(texts)
    assert any(fp.renamed for fp in full)  # the code text has an identifier-insensitive stream
    for a, b in zip(full, bare, strict=True):
        assert b.codes == "" and b.renamed in (None, "")
        assert np.array_equal(a.tokens, b.tokens) and np.array_equal(a.anchors, b.anchors)
        assert a.key == b.key
        assert codes_of_hashes(b.tokens) == a.codes


def test_key_digests_the_token_bytes_whether_or_not_they_are_contiguous() -> None:
    import xxhash

    fp = Fingerprinter(FingerprintConfig()).of_text("the same words in the same order, and more words")
    want = xxhash.xxh3_64_intdigest(fp.tokens.tobytes())
    assert fp.tokens.flags.c_contiguous and fp.key == want
    strided = np.repeat(fp.tokens, 2)[::2]  # the same values, not contiguous
    assert not strided.flags.c_contiguous
    assert dataclasses.replace(fp, tokens=strided).key == want
    assert dataclasses.replace(fp, tokens=fp.tokens[:0]).key == xxhash.xxh3_64_intdigest(b"")


def _fields(fp: object) -> list[object]:
    return [
        v.tolist() if isinstance(v, np.ndarray) else v
        for v in (getattr(fp, f.name) for f in dataclasses.fields(fp))  # type: ignore[arg-type]
    ]


CODE = (
    "Here is the function:\n\n```python\n# add two numbers\ndef add(a, b):\n    total = a + b\n"
    "    # give it back\n    return total\n\nprint(add(1, 2))\n```\nIt prints 3, the sum of one and two."
)


def test_a_query_fingerprinter_gives_a_text_met_again_the_fingerprint_and_tokens_it_computes_anew(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Texts met again are taken from its memo (a scan's turns recur): the same values and tokens
    # as a fingerprinter without one, whatever the batch, and the memo stays within its budget.
    import provcheck.matching.recurring as recurring

    monkeypatch.setattr(recurring, "MEMO_TOKENS", 60)
    config = FingerprintConfig()
    texts = [CODE, *REFERENCE_TEXTS, "", UNRELATED_TEXT, CODE, "short one", REFERENCE_TEXTS[0], "ﬁne ß"]
    memo = Fingerprinter(config, literal=False, query=True)
    for batch in (texts, texts[::-1], texts[2:5], [CODE, CODE], texts, [], texts[:1]):
        fresh = Fingerprinter(config, literal=False, query=True)
        fresh._memo = None  # computed anew
        expected, tokens = fresh.with_tokens(batch)
        prints, got = memo.with_tokens(batch)
        assert [_fields(fp) for fp in prints] == [_fields(fp) for fp in expected]
        assert [_fields(got)] == [_fields(tokens)]
        assert memo._memo is not None and (len(memo._memo) <= 1 or memo._memo.tokens <= 60)
    assert memo._memo is not None and len(memo._memo) >= 1  # met twice, then kept
    assert memo.of_texts([CODE])[0].renamed is not None


def test_a_query_fingerprinter_keeps_nothing_of_texts_met_once() -> None:
    memo = Fingerprinter(FingerprintConfig(), literal=False, query=True)
    memo.of_texts([*REFERENCE_TEXTS, UNRELATED_TEXT])
    assert memo._memo is not None and len(memo._memo) == 0


def test_the_memo_of_texts_met_again_is_keyed_by_a_cryptographic_digest() -> None:
    """A scanned text is recognised as met before by its digest: a non-cryptographic one (XXH3,
    its first form) can be made to collide, and a copy would take a harmless text's fingerprint."""
    import hashlib

    import xxhash

    from provcheck.matching.recurring import Recurring

    texts = ["an answer", "another answer"]
    keys = Recurring.keys(texts)
    assert keys != [xxhash.xxh3_128_intdigest(t.encode()) for t in texts]
    assert keys == [
        int.from_bytes(hashlib.blake2b(t.encode(), digest_size=16).digest(), "little") for t in texts
    ]
