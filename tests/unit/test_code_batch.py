"""``code.renamed_hashes_many`` (the identifier-insensitive streams of a batch's code texts in
array passes) gives, text by text, the values and positions of ``renamed_hashes`` as first
written (a loop over tokens: ``test_code_prefilter._reference_renamed``); the semicolon
form's character search finds what its character class found."""

from __future__ import annotations

import re

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from test_code_prefilter import _reference_renamed

from provcheck.matching import code
from provcheck.matching.fingerprint import _token_hashes
from provcheck.matching.normalize import canonical, tokenize
from provcheck.support import textscan

_PIECES = [
    "\n", "\n", " ", "x", "y_z", "_", "foo_bar", "$a", "$", "=", ";", "{", "}", "(", ")",
    "if ", "def ", "DEF ", "Return ", "a = 1", "return x", "for i in y:", "1_000", "x1", "é",
    "if_x", "_x", " = ", "()", "\t", "len(a)", "my_var_name = other_var + my_var_name;",
    "\nx_1 = f(y);", "\n    return a_b;", "\nfor (i = 0; i < n; i++) {", "\n$total = $total + $x;",
    "ſum", "x_ſum", "x_sum", "x_²", "x_2", "日本", "x_日本", "$def", "instanceof", "Implements_x",
]  # fmt: skip


def _check(texts: list[str]) -> None:
    texts = [canonical(t) for t in texts]
    batch = tokenize(texts)
    hashes = _token_hashes(batch)
    bounds = batch.bounds.tolist()
    items: list[code.CodeText] = []
    wants = []
    for i, text in enumerate(texts):
        lines = code.code_spans(text)
        if not batch.direct[i]:
            continue  # texts without code lines stay in: their stream is None
        starts, ends = batch.span_arrays(i)
        th = hashes[bounds[i] : bounds[i + 1]]
        items.append((text, lines, starts, ends, th))
        wants.append(_reference_renamed(text, starts, ends, th))
    for got, want in zip(code.renamed_hashes_many(items), wants, strict=True):
        assert (got is None) == (want is None)
        if got is not None and want is not None:
            assert np.array_equal(got[0], want[0]) and got[0].dtype == want[0].dtype
            assert np.array_equal(got[1], want[1]) and got[1].dtype == want[1].dtype


@settings(max_examples=400, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_PIECES), max_size=60).map("".join), min_size=1, max_size=8))
def test_a_batch_gives_each_text_its_own_stream(texts: list[str]) -> None:
    _check(texts)


def test_names_are_counted_within_their_own_text() -> None:
    # The same names in consecutive texts: a distance never reaches into the text before.
    body = "total_sum = a + b;\ntotal_sum = total_sum + c;\nreturn total_sum;\n"
    _check([body, body, "x = 1;\n" + body, "ſum = 1;\nsum = ſum + x_² + x_2;\nx_日本 = x_日本;\n"])


def test_reach_and_keywords() -> None:
    long = "\n".join(f"v{i} = w{i % 70} + v{i};" for i in range(300))
    _check([long, "If x:\n  RETURN y;\n  Return z;\n$return = 1;\nreturn_value = 2;\n"])


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=";{}x\n é", max_size=40))
def test_positions_of_the_needed_characters_are_those_of_the_character_class(text: str) -> None:
    # The semicolon form's prefilter finds ';', '{' and '}' by str.find, in order.
    assert list(textscan.positions(text, ";{}")) == [m.start() for m in re.finditer("[;{}]", text)]
