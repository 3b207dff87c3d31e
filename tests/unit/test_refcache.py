"""Reference texts with details kept past the matcher's cache: taken back, not computed again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from test_code import RENAMED, SOURCE, _wrapped
from test_match_strength import index_of, record

from helpers import REFERENCE_TEXTS
from provcheck.index import TextKey
from provcheck.matching.fingerprint import Fingerprinter
from provcheck.matching.normalize import token_offsets, tokenize
from provcheck.matching.params import FingerprintConfig, MatchConfig
from provcheck.matching.verify import distinct
from provcheck.model import Match
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
    kept.put(TextKey(0, 9), CachedText(codes="ab", echoes=[]))  # no details: not worth keeping
    assert kept.take(TextKey(0, 9)) is None
    assert Kept(limit=0).take(TextKey(0, 0)) is None


def _scan(matcher: Matcher, batches: list[list[str]]) -> list[list[Match]]:
    return [matcher.records([record(t) for t in batch], None) for batch in batches]


@pytest.mark.parametrize("texts", [REFERENCE_TEXTS[:2], [_wrapped(SOURCE), REFERENCE_TEXTS[1]]])
def test_a_text_met_again_after_the_cache_let_it_go_is_not_prepared_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, texts: list[str]
) -> None:
    index = index_of(tmp_path, {"a": list(texts)})
    monkeypatch.setattr(match, "_REF_CACHE", 1)  # every batch lets the previous batch's texts go
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
