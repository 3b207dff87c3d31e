"""``_tokens.holds_any`` (``_tokens.c``) answers as ``any(n in text for n in needles)``, and the
code prefilter's hint test (``code._has_hint``) as its pure-Python form, on every storage kind of
text (one, two and four bytes a character), needles at the text's edges, needles made of the
pairs the C side looks them up by, and other needle tuples passed in turn (its table is made for
one tuple at a time)."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from provcheck.matching import code

try:
    from provcheck.matching import _tokens
except ImportError:  # an install without a C compiler: the pure path runs, these tests cannot
    _tokens = None  # type: ignore[assignment]

compiled_only = pytest.mark.skipif(
    _tokens is None, reason="the compiled tokenizer is not built (no C compiler at install time)"
)

_PIECES = [
    *code._HINTS,
    *(h[:-1] for h in code._HINTS if len(h) > 1),  # a hint cut short holds no hint
    *(h[1:] for h in code._HINTS if len(h) > 1),
    *["re", "tu", "ur", "rn", "mp", "ef", "LE", "SE", "+", "#", "`", "~", "d", "r", "i", "S"],
    *("f ", "the answer", " ", "\n", "é", "ÿ", "Ā", "€", "😀", "\x00", "\ud800", "retur\u200bn"),
    "\uff52\uff45\uff54\uff55\uff52\uff4e",  # fullwidth "return"
]


def _pure(text: str, needles: tuple[str, ...]) -> bool:
    return any(n in text for n in needles)


@compiled_only
def test_the_hint_test_runs_compiled_and_answers_as_the_pure_one() -> None:
    assert code._HOLDS_ANY is _tokens.holds_any
    rng = random.Random(22)
    for _ in range(3000):
        text = "".join(rng.choices(_PIECES, k=rng.randint(0, 10)))
        want = _pure(text, code._HINTS)
        assert code._has_hint(text) is want, repr(text)
        assert code._has_hint_python(text) is want, repr(text)


@compiled_only
@pytest.mark.parametrize("prefix", ["", "é", "Ā", "😀"], ids=["ascii", "latin1", "ucs2", "ucs4"])
@pytest.mark.parametrize("hint", code._HINTS)
def test_each_hint_at_the_edges_of_each_kind_of_text(prefix: str, hint: str) -> None:
    body = "a plain sentence of prose without any of them"
    assert not _tokens.holds_any(prefix + body, code._HINTS)
    for text in (hint, hint + body, body + hint, prefix + hint, body + prefix + hint, hint + prefix):
        assert _tokens.holds_any(text, code._HINTS) is True, repr(text)
    # Cut by one character at either end, or by a character of another kind inside.
    for text in (hint[:-1] + prefix, prefix + hint[1:], hint[:1] + prefix + hint[1:]):
        assert _tokens.holds_any(body + text, code._HINTS) is _pure(body + text, code._HINTS), repr(text)


@compiled_only
@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.sampled_from(_PIECES) | st.characters(), max_size=40).map("".join),
    st.lists(st.text(alphabet=st.characters(max_codepoint=127), max_size=6), max_size=8).map(tuple),
)
def test_any_ascii_needles_in_any_text(text: str, needles: tuple[str, ...]) -> None:
    # Another tuple each time: the pair table is made again, and the hints' made after it.
    assert _tokens.holds_any(text, needles) is _pure(text, needles)
    assert _tokens.holds_any(text, code._HINTS) is _pure(text, code._HINTS)


@compiled_only
def test_needles_it_cannot_take_are_refused() -> None:
    with pytest.raises(TypeError):
        _tokens.holds_any("text", ("é",))
    with pytest.raises(TypeError):
        _tokens.holds_any("text", ("x" * 65,))
    with pytest.raises(ValueError):
        _tokens.holds_any("text", tuple("x" * 65))
    assert _tokens.holds_any("return", code._HINTS)  # a refused tuple leaves the table usable
