"""Hashed n-gram codes and their alignment (matching.hashed, verify.align(ngram=...))."""

from __future__ import annotations

import random

import pytest

from helpers import REFERENCE_TEXTS
from provcheck.matching.fingerprint import Fingerprinter
from provcheck.matching.hashed import as_string, ngram_codes
from provcheck.matching.params import FingerprintConfig, MatchConfig
from provcheck.matching.verify import align

F = Fingerprinter(FingerprintConfig())
CONFIG = MatchConfig()


def _edited(text: str, share: float, seed: int) -> str:
    rng = random.Random(seed)
    words = text.split()
    for i in rng.sample(range(len(words)), int(share * len(words))):
        words[i] = "zzq" + words[i][::-1]
    return " ".join(words)


@pytest.mark.parametrize("share", [0.0, 0.05, 0.1])
@pytest.mark.parametrize("n", [2, 3, 4])
def test_hashed_ngrams_align_the_same_tokens_as_plain_codes(share: float, n: int) -> None:
    for seed, ref in enumerate(REFERENCE_TEXTS):
        a, b = F.of_texts([_edited(ref, share, seed), ref])
        plain = align(a.codes, b.codes, CONFIG)
        hashed = align(
            as_string(ngram_codes(a.tokens, n)), as_string(ngram_codes(b.tokens, n)), CONFIG, (), n
        )
        assert plain is not None and hashed is not None
        assert hashed.kind == plain.kind
        # Runs shorter than n tokens between two edits are lost; nothing is invented.
        assert plain.matched - 2 * n * share * len(b.tokens) <= hashed.matched <= plain.matched
        if share == 0.0:
            assert hashed.matched == plain.matched == len(b.tokens)


def test_without_extension_hashed_ngrams_undercount() -> None:
    a, b = F.of_texts([_edited(REFERENCE_TEXTS[1], 0.1, 1), REFERENCE_TEXTS[1]])
    ca, cb = as_string(ngram_codes(a.tokens, 3)), as_string(ngram_codes(b.tokens, 3))
    extended, bare = align(ca, cb, CONFIG, (), 3), align(ca, cb, CONFIG)
    assert extended is not None and bare is not None and bare.matched < extended.matched


def test_a_word_has_no_code_of_its_own() -> None:
    """The same word in two contexts gets two codes: no dictionary maps codes back to words."""
    x, y = F.of_texts(["alpha beta gamma delta", "zeta beta gamma omega"])
    cx, cy = ngram_codes(x.tokens, 3), ngram_codes(y.tokens, 3)
    assert cx[1] != cy[1]
    assert ngram_codes(x.tokens, 3)[0] == ngram_codes(F.of_text("alpha beta gamma delta").tokens, 3)[0]


def test_keyed_codes_depend_on_the_key() -> None:
    fp = F.of_text(REFERENCE_TEXTS[0])
    plain = ngram_codes(fp.tokens, 3)
    k1 = ngram_codes(fp.tokens, 3, b"k" * 16)
    k2 = ngram_codes(fp.tokens, 3, b"j" * 16)
    assert (k1 != plain).mean() > 0.9 and (k1 != k2).mean() > 0.9
    assert (ngram_codes(fp.tokens, 3, b"k" * 16) == k1).all()
