"""``evidence.Unanchored``: a scan's reference texts fingerprinted without anchors, every other
field as ``Fingerprinter`` gives it (the matcher reads only those of a reference)."""

from __future__ import annotations

from dataclasses import fields, replace

import numpy as np
import pytest

from provcheck.matching.evidence import Unanchored
from provcheck.matching.fingerprint import FingerprintConfig, Fingerprinter

TEXTS = [
    "The quick brown fox jumps over the lazy dog, and the dog does not mind at all today.",
    "def total(items):\n    # sum the prices\n    s = 0\n"
    "    for x in items:\n        s += x.price\n    return s\n\n\n"
    "def largest(values):\n    best = None\n    for v in values:\n        if best is None or v > best:\n"
    "            best = v\n    return best\n",
    "| a | b |\n|---|---|\n| 1 | 2 |\n| 3 | 4 |\n",
    "short",
    "",
    "Ein Text über Straßen … mit Zeichen außerhalb: 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 und 日本語の文章もあります。",
]


@pytest.mark.parametrize("code", [0, None])  # the plain fingerprinter, and the one with code streams
@pytest.mark.parametrize("literal", [True, False])
def test_every_field_but_the_anchors_is_the_fingerprinters(code: int | None, literal: bool) -> None:
    config = FingerprintConfig() if code is None else replace(FingerprintConfig(), code=code)
    full, full_tokens = Fingerprinter(config, literal=literal).with_tokens(TEXTS)
    bare, bare_tokens = Unanchored(config, literal=literal).with_tokens(TEXTS)
    assert np.array_equal(full_tokens.bounds, bare_tokens.bounds)
    assert any(len(fp.anchors) for fp in full)
    assert code == 0 or any(fp.renamed is not None for fp in full)
    for a, b in zip(full, bare, strict=True):
        assert len(b.anchors) == 0 and b.anchors.dtype == np.uint32
        for f in fields(a):
            if f.name in ("anchors", "bare_anchors"):
                continue
            x, y = getattr(a, f.name), getattr(b, f.name)
            assert np.array_equal(x, y) if isinstance(x, np.ndarray) else x == y, f.name
