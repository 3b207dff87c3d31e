"""``_tokens.token_hashes`` (``_tokens.c``) gives every token the hash of the numpy path
(``tokenhash.numpy_token_hashes``): on hostile text (characters that fold to several, astral
and surrogate code points, NULs, one very long token), random text of any code point, batches
of no text and of empty texts, and real AlpacaEval outputs; the fingerprints of a batch (its
shingles, anchors and token hashes) are the same on both paths; tokens outside the characters
are refused."""

from __future__ import annotations

import json
import lzma
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_tokens_compiled import HOSTILE

from helpers import CORPORA
from provcheck.matching import tokenhash
from provcheck.matching.fingerprint import Fingerprinter
from provcheck.matching.normalize import tokenize
from provcheck.matching.params import FingerprintConfig
from provcheck.matching.tokenhash import numpy_token_hashes

try:
    from provcheck.matching import _tokens
except ImportError:  # an install without a C compiler: the pure path runs, these tests cannot
    _tokens = None  # type: ignore[assignment]

compiled_only = pytest.mark.skipif(
    _tokens is None, reason="the compiled tokenizer is not built (no C compiler at install time)"
)


def _same(texts: list[str]) -> None:
    batch = tokenize(texts)
    got = tokenhash._token_hashes(batch)
    want = numpy_token_hashes(batch)
    assert got.dtype == want.dtype == np.uint64
    assert np.array_equal(got, want)


@compiled_only
def test_the_compiled_hashes_run_by_default() -> None:
    assert tokenhash._TOKEN_HASHES is _tokens.token_hashes


@compiled_only
def test_hostile_texts_alone_together_and_empty_batches() -> None:
    for text in HOSTILE:
        _same([text])
    _same(HOSTILE)
    _same([])
    _same(["", " ", ""])
    _same(["x" * 100_000, "y"])  # a token longer than any power table the numpy path held


@compiled_only
@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(max_size=80), max_size=8))
def test_random_text(texts: list[str]) -> None:
    _same(texts)


@compiled_only
def test_random_batches_of_hostile_pieces_give_the_same_fingerprints() -> None:
    rng = random.Random(22)
    pieces = [p for text in HOSTILE for p in text.split(" ")]
    fp = Fingerprinter(FingerprintConfig(), literal=False, codes=True)
    for _ in range(50):
        texts = [" ".join(rng.choices(pieces, k=rng.randint(0, 60))) for _ in range(rng.randint(1, 8))]
        _same(texts)
        got = fp.of_texts(texts)
        saved = tokenhash._TOKEN_HASHES
        tokenhash._TOKEN_HASHES = None
        try:
            want = fp.of_texts(texts)
        finally:
            tokenhash._TOKEN_HASHES = saved
        for a, b in zip(got, want, strict=True):
            assert a.key == b.key and a.codes == b.codes
            assert np.array_equal(a.tokens, b.tokens) and np.array_equal(a.anchors, b.anchors)


@compiled_only
@pytest.mark.skipif(not (CORPORA / "alpacaeval").is_dir(), reason="needs the shared corpora")
def test_alpacaeval_outputs() -> None:
    texts: list[str] = []
    with lzma.open(CORPORA / "alpacaeval" / "outputs.jsonl.xz", "rt", encoding="utf-8") as fh:
        for line in fh:
            texts.append(json.loads(line)["output"])
            if len(texts) == 4096:
                break
    for at in range(0, len(texts), 256):
        _same(texts[at : at + 256])


@compiled_only
def test_tokens_outside_the_characters_are_refused() -> None:
    chars = np.arange(10, dtype=np.uint32)
    for starts, ends in (([0], [11]), ([-1], [2]), ([5], [4]), ([0, 1], [2])):
        with pytest.raises(ValueError):
            _tokens.token_hashes(
                chars, np.array(starts, dtype=np.int64), np.array(ends, dtype=np.int64), 3, 5
            )
